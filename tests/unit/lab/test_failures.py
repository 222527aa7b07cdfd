# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The failed tasks printed last, read from a real failed run followed by a lab's destruction."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.hastack.redis.lab.failures import digest, failures, main, segments

LOG = (Path(__file__).parent / "data" / "molecule_failed.txt").read_text(encoding="utf-8").splitlines(keepends=True)


def test_segments_start_at_each_header() -> None:
    heads = [segment[0] for segment in segments(LOG) if segment[0].startswith("TASK [")]
    assert heads[:3] == [
        "TASK [An expected failure, ignored] ********************************************",
        "TASK [An expected refusal, checked] ********************************************",
        "TASK [The check that fails] ****************************************************",
    ]


def test_the_ignored_failure_is_left_out_and_the_real_one_kept() -> None:
    found = failures(LOG)
    assert [segment[0] for segment in found] == ["TASK [The check that fails] ****************************************************"]
    assert "    msg: served [1, 2], expected [1, 3]" in found[0]


def test_the_destruction_after_the_failure_is_not_printed() -> None:
    text = digest(LOG)
    assert "served [1, 2], expected [1, 3]" in text
    assert "Delete docker network" not in text


def test_a_long_failure_is_cut_and_says_so() -> None:
    text = digest(LOG, max_lines=3)
    assert text.splitlines()[:3] == [
        "TASK [The check that fails] ****************************************************",
        "[ERROR]: Task failed: Action failed: served [1, 2], expected [1, 3]",
        "Origin: molecule/example/verify.yml:13:7",
    ]
    assert "more lines]" in text


def test_molecule_errors_come_last_and_a_clean_log_says_so() -> None:
    lines = ["TASK [x] ***\n", "ok: [h]\n", "ERROR    Ansible return code was 2\n"]
    assert digest(lines) == "ERROR    Ansible return code was 2"
    assert digest(lines[:2]) == "no failed task in the log"


def test_main_prints_the_digest(tmp_path: Path, capsys) -> None:
    log = tmp_path / "run.log"
    log.write_text("".join(LOG), encoding="utf-8")
    assert main([str(log), "--tasks", "1"]) == 0
    assert "served [1, 2], expected [1, 3]" in capsys.readouterr().out

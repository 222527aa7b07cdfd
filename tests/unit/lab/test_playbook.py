# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the lab reads from ansible-playbook's output: the recap, the tasks that changed each host, secrets shown."""

from __future__ import annotations

import pathlib
import sys

from ansible_collections.hastack.redis.lab.playbook import changed_tasks, leaks, recap, run, summary

# Real output of the topology lab (ansible-core 2.19, the profile_tasks callback on): the
# first tasks and the recap of its prepare playbook, and one task of its verify
# that a host ran for localhost (delegated).
OUTPUT = (pathlib.Path(__file__).parent / "data" / "prepare_topology.txt").read_text(encoding="utf-8")


def test_recap_reads_every_host_s_counts() -> None:
    hosts = recap(OUTPUT)
    assert sorted(hosts) == ["lb1", "lb2", "lb3", "stats", "valkey1", "valkey2", "valkey3"]
    assert hosts["stats"] == {"ok": 9, "changed": 7, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}
    assert recap("ERROR! the playbook could not be found") == {}


def test_changed_tasks_names_each_task_once_per_host_in_order() -> None:
    found = changed_tasks(OUTPUT)
    assert found["lb1"] == ["Install the unit that makes /proc/sys writable at boot", "Make /proc/sys writable now and at every boot",
                            "Create drop-in directories for the Redis and Valkey units"]
    assert "Wait until systemd has booted" not in found["stats"]
    # A task delegated to valkey1 is the change of the host that ran it.
    assert found["localhost"] == ["Kill Valkey on the master and keep it down"]


def test_summary_sums_the_recap_and_finds_the_lines_with_a_secret() -> None:
    found = summary(2, OUTPUT, "ERROR: WRONGPASS for lab-app-secret\nfatal: s3cret!", hidden=["s3cret!"])
    assert (found["rc"], found["changed"], found["failed"]) == (2, 31, 0)
    assert found["leaks"] == ["ERROR: WRONGPASS for lab-app-secret", "fatal: s3cret!"]
    assert found["lines"] == len(OUTPUT.splitlines()) + 2
    assert found["errors"] == ["ERROR: WRONGPASS for lab-app-secret", "fatal: s3cret!"]


def test_leaks_without_hidden_strings_looks_for_lab_secrets_only() -> None:
    assert leaks(["password: lab-sentinel-secret", "labsecret", "ok"]) == ["password: lab-sentinel-secret"]


def test_run_reports_a_real_command() -> None:
    found = run([sys.executable, "-c", "print('ok: [h]'); import sys; sys.exit(3)"])
    assert (found["rc"], found["tail"], found["leaks"]) == (3, ["ok: [h]"], [])

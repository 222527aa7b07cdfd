# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark rendering: the markdown tables, the timeline PNGs and the command line."""

from __future__ import annotations

import json
import pathlib
import typing as t

import pytest

from ansible_collections.hastack.redis.bench.render import KEPT_MARKER, main, markdown, png_name, timeline_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _trial(number: int, seconds: float | None, **extra: t.Any) -> dict[str, t.Any]:
    trial = {"trial": number, "unavailable_seconds": seconds, "failed_writes": 40, "acknowledged_writes": 400,
             "acknowledged_writes_lost": 0, "writes_to_non_master": 0, "write_pause_seconds": None, "ok": seconds is not None,
             "timeline": {"bin_seconds": 0.05, "start_seconds": -1.0, "ok": [20] * 20 + [0] * 40 + [20] * 40,
                          "failed": [0] * 20 + [1] * 40 + [0] * 40, "first_failed_seconds": 0.02, "recovered_seconds": seconds}}
    trial.update(extra)
    return trial


def _results() -> dict[str, t.Any]:
    crash = "Redis on the master killed (kill -9, not restarted)"
    return {
        "started_at": "2026-11-25T05:10:00Z",
        "profiles": {
            "tutorial": {
                "title": "tutorial settings",
                "settings": {"redis_sentinel_down_after_milliseconds": 30000},
                "faults": {"master-crash": {"description": crash, "target_p50_seconds": 2.0,
                                            "trials": [_trial(1, 31.6), _trial(2, 32.0), _trial(3, 33.1)]}},
                "steady": None,
                "throughput": [],
            },
            "defaults": {
                "title": "hastack.redis defaults",
                "settings": {"redis_sentinel_down_after_milliseconds": 1000, "haproxy_check_inter": "250ms"},
                "faults": {
                    "master-crash": {"description": crash, "target_p50_seconds": 2.0,
                                     "trials": [_trial(1, 1.84), _trial(2, 2.31), _trial(3, 1.5), _trial(4, None, error="never recovered")]},
                    "switchover": {"description": "SENTINEL FAILOVER", "target_p50_seconds": None,
                                   "trials": [_trial(1, 0.05, write_pause_seconds=0.04), _trial(2, 0.07, write_pause_seconds=0.06)]},
                    "old-master-returns": {"description": "the old master comes back", "target_p50_seconds": None,
                                           "trials": [_trial(1, 0.0, timeline=None)]},
                    "master-partition": {"description": "the master cut off", "target_p50_seconds": None, "client": "pooled",
                                         "trials": [_trial(1, 2.5, acknowledged_writes_lost=300, acknowledged_during_partition=1200,
                                                           acknowledged_writes_lost_after_election=2,
                                                           last_lost_write_seconds_after_election=0.123,
                                                           last_lost_write_seconds_after_fault=0.61, failovers=1,
                                                           flavours={"wait": _trial(1, 9.0, timeline=None, acknowledged_writes_lost=0,
                                                                                    acknowledged_during_partition=80, failed_writes=3000)})]},
                    "sentinel-minority": {"description": "one Sentinel cut off", "target_p50_seconds": None,
                                          "trials": [_trial(1, 0.0, acknowledged_during_partition=3900, failovers=0)]},
                },
                "steady": {"seconds": 600, "writes": 250000, "failed_writes": 0, "acknowledged_writes_lost": 0,
                           "false_failovers": 0, "vip_moves": 0, "sdown_events": 2},
                "latency": [{"test": "GET", "clients": 1, "pipeline": 1, "direct_p50_us": 95.0, "direct_p99_us": 183.0,
                             "vip_p50_us": 167.0, "vip_p99_us": 311.0}],
                "throughput": [
                    {"test": "SET", "pipeline": 1, "clients": 50, "direct_rps": 61000.0, "vip_rps": 42000.0, "direct_p50_ms": 0.4, "vip_p50_ms": 0.6,
                     "direct_p99_ms": 1.1, "vip_p99_ms": 1.5,
                     "direct_cpu_us": {"client": 6.0, "haproxy": 0.0, "redis": 6.0},
                     "vip_cpu_us": {"client": 6.0, "haproxy": 9.0, "redis": 5.0}},
                    {"test": "GET", "pipeline": 16, "clients": 50, "direct_rps": 800000.0, "vip_rps": 790000.0, "direct_p50_ms": 0.8, "vip_p50_ms": 0.9},
                ],
            },
        },
    }


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_failover_rows_compare_the_profiles_against_the_target() -> None:
    text = markdown(_results())
    assert text.startswith("## Failover\n")
    assert "| Fault | tutorial p50 / p95 / max (s) | defaults p50 / p95 / max (s) | defaults vs tutorial (p50) | Target | Met by defaults |" in text
    crash = _line(text, "| `master-crash`")
    assert "| 32.00 / 32.99 / 33.10 | 1.84 / 2.26 / 2.31 (1 of 4 failed) | 17.4x faster | <= 2.0 s | met |" in crash
    switchover = _line(text, "| `switchover`")
    assert "| - | 0.060 / 0.069 / 0.070 | - | - | - |" in switchover
    assert _line(text, "| `old-master-returns`").endswith("| - | 0.000 / 0.000 / 0.000 | - | 0 writes | met |")


def test_correctness_steady_throughput_and_settings_tables() -> None:
    text = markdown(_results())
    assert "| defaults | `master-crash` | 4 | 1 | 0 | 0 | - |" in text
    assert "| defaults | `switchover` | 2 | 0 | 0 | 0 | 0.050 / 0.060 |" in text
    assert "- defaults, `master-crash`, trial 4: never recovered" in text
    assert "| tutorial | - | - | - | - | - | - | - | 0 false failovers | - |" in text
    assert "| defaults | 600 | 250,000 | 0 | 0 | 0 | 0 | 2 | 0 false failovers | met |" in text
    assert "| defaults | SET | 1 | 50 | 61,000 | 42,000 | 0.69 | 0.40 / 0.60 | >= 0.70 | NOT met |" in text
    assert "| defaults | GET | 16 | 50 | 800,000 | 790,000 | 0.99 | 0.80 / 0.90 | >= 0.95 | met |" in text
    assert "| tutorial | SET" not in text
    assert "| defaults | SET | 1 | 6.00 / 6.00 | 6.00 / 9.00 / 5.00 | 0.60 | 0.69 |" in text
    assert "| defaults | GET | 16 |" not in text.split("CPU per request direct / VIP")[1]
    assert "| Setting | tutorial | defaults |" in text
    assert "| `redis_sentinel_down_after_milliseconds` | `30000` | `1000` |" in text
    assert "| `haproxy_check_inter` | - | `250ms` |" in text
    assert "## Timelines" not in text
    assert "| defaults | `master-partition` | pooled | 1 | 2.50 / 2.50 | 300 (25.0%) | 0.61 | 2 (+0.12) | 1 |" in text
    assert "| defaults | `master-partition` | wait | 1 | 9.00 / 9.00 | 0 (0.0%) | - | 0 | 1 |" in text
    # The clients table: every client of the faults that had more than their own.
    clients = text.split("## Clients")[1]
    assert "| defaults | `master-partition` | pooled | 1 | 2.50 / 2.50 |" in clients
    assert "| defaults | `master-partition` | wait | 1 | 9.00 / 9.00 | 3,000 | 0 | 0 |" in clients
    assert "`switchover`" not in clients
    latency = text.split("## Latency through the VIP")[1]
    assert "| defaults | GET | 1, no pipelining | 95 / 183 | 167 / 311 | 72 / 128 | <= 50 µs added p50 | NOT met |" in latency
    assert "| defaults | SET | 50, pipeline 1 (saturation) | 400 / 1,100 | 600 / 1,500 | 200 / 400 | - | - |" in latency
    assert "GET | 50, pipeline 16" not in latency  # no p99 measured in that row
    assert "| defaults | `sentinel-minority` | pooled | 1 | 0.000 / 0.000 | 0 (0.0%) | - | - | 0 |" in text


def test_one_profile_with_nothing_measured_beyond_the_faults() -> None:
    results = _results()
    del results["profiles"]["tutorial"]
    results["profiles"]["defaults"]["throughput"] = []
    results["profiles"]["defaults"]["steady"] = None
    text = markdown(results, {"master-crash": "benchmarks/master-crash.png"})
    assert "vs tutorial" not in text
    assert "## Throughput through the VIP\n\nNot run.\n" in text
    assert "## Steady load\n\nNot run.\n" in text
    assert "## Timelines\n\n![master-crash](benchmarks/master-crash.png)\n" in text


def test_timeline_png_draws_the_median_trial(tmp_path: pathlib.Path) -> None:
    fault = _results()["profiles"]["defaults"]["faults"]["master-crash"]
    path = tmp_path / "master-crash.png"
    assert timeline_png("master-crash", fault, "hastack.redis defaults", str(path)) is True
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000


def test_timeline_png_without_timelines_writes_nothing(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "old-master-returns.png"
    fault = _results()["profiles"]["defaults"]["faults"]["old-master-returns"]
    assert timeline_png("old-master-returns", fault, "hastack.redis defaults", str(path)) is False
    assert not path.exists()


def test_the_command_line_writes_the_markdown_and_every_png(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()), encoding="utf-8")
    out = tmp_path / "BENCHMARKS.md"
    assert main([str(results), "--markdown", str(out), "--png-dir", str(tmp_path / "benchmarks")]) == 0
    pngs = sorted(path.name for path in (tmp_path / "benchmarks").iterdir())
    assert pngs == ["master-crash-tutorial.png", "master-crash.png", "master-partition.png", "sentinel-minority.png", "switchover.png"]
    text = out.read_text(encoding="utf-8")
    assert "![master-crash-tutorial](benchmarks/master-crash-tutorial.png)" in text
    assert "![master-crash](benchmarks/master-crash.png)" in text
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == len(pngs) + 1 and printed[-1] == str(out)


def test_the_command_line_needs_an_output(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main([str(results)])
    assert exit_info.value.code == 2
    assert "nothing to write: give --markdown OUT.md, --png-dir DIR or both" in capsys.readouterr().err


def test_a_rewritten_page_keeps_its_hand_written_end(tmp_path: pathlib.Path) -> None:
    """The measurements behind the defaults live on the results page, below the marker; rewriting the page with
    new results replaces everything above it and nothing below."""
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()), encoding="utf-8")
    out = tmp_path / "benchmarks.md"
    hand = KEPT_MARKER + "\n\n## How the defaults were chosen\n\nA measured note.\n"
    out.write_text("# Old page\n\nold numbers\n\n" + hand, encoding="utf-8")
    assert main([str(results), "--markdown", str(out), "--page"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Failover benchmark\n") and "old numbers" not in text
    assert text.endswith("\n\n" + hand) and text.count(KEPT_MARKER) == 1
    assert main([str(results), "--markdown", str(out), "--page"]) == 0
    assert out.read_text(encoding="utf-8") == text


def test_a_page_without_the_marker_gets_no_hand_written_end(tmp_path: pathlib.Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()), encoding="utf-8")
    out = tmp_path / "benchmarks.md"
    out.write_text("# Old page\n", encoding="utf-8")
    assert main([str(results), "--markdown", str(out), "--page"]) == 0
    assert KEPT_MARKER not in out.read_text(encoding="utf-8")


def test_a_png_name_is_a_plain_file_name_whatever_the_profile_says() -> None:
    assert png_name("master-partition", "defaults") == "master-partition.png"
    assert png_name("master-partition", "min-replicas (load balancers on hosts of their own, 3 servers)") == (
        "master-partition-min-replicas-load-balancers-on-hosts-of-their-own-3-servers.png")

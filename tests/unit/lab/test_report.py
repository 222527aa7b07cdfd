# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The failover report: windows, unavailability and lost acknowledged writes."""

from __future__ import annotations

from ansible_collections.hastack.redis.lab.report import build, parse_log


def _log(*rows: tuple[float, int, str]) -> list[str]:
    return [f"{at:.6f}\t{number}\t{status}\t{'boom' if status != 'ok' else ''}\n" for at, number, status in rows]


def test_parse_log_skips_a_line_cut_short() -> None:
    writes = parse_log(_log((1.0, 1, "ok"), (1.1, 2, "conn")) + ["1.2\t3"])
    assert [(write.number, write.status, write.detail) for write in writes] == [(1, "ok", ""), (2, "conn", "boom")]


def test_unavailability_runs_from_the_first_failure_to_the_next_success() -> None:
    writes = parse_log(_log((9.0, 1, "ok"), (10.5, 2, "ok"), (11.0, 3, "conn"), (11.5, 4, "timeout"), (12.25, 5, "ok")))
    report = build(writes, {1, 2, 5}, [{"name": "stop", "at": 10.0}])
    event = report["events"][0]
    assert event["first_failed_write_at"] == 11.0
    assert event["first_successful_write_after_at"] == 12.25
    assert event["unavailable_seconds"] == 1.25
    assert event["failed_writes"] == 2
    assert event["acknowledged_writes_lost"] == 0
    assert report["acknowledged_writes"] == 3


def test_each_event_owns_the_writes_up_to_the_next_one() -> None:
    writes = parse_log(_log((1.0, 1, "ok"), (2.0, 2, "ok"), (3.0, 3, "readonly"), (4.0, 4, "ok"), (5.0, 5, "ok")))
    # 2 was acknowledged and then lost; 5 too, but in the second event's window.
    report = build(writes, {1, 4}, [{"name": "b", "at": 3.5, "sessions_on_old_master": 0}, {"name": "a", "at": 1.5}])
    first, second = report["events"]
    assert (first["event"], second["event"]) == ("a", "b")
    assert first["acknowledged_writes_lost"] == 1 and first["lost_examples"] == [2]
    assert first["writes_refused_by_a_replica"] == 1
    assert second["acknowledged_writes_lost"] == 1 and second["lost_examples"] == [5]
    assert second["sessions_on_old_master"] == 0
    assert report["acknowledged_writes_lost"] == 2
    assert report["acknowledged_writes_lost_before_first_fault"] == 0


def test_an_event_without_failures_has_no_unavailability() -> None:
    report = build(parse_log(_log((1.0, 1, "ok"), (2.0, 2, "ok"))), {1, 2}, [{"name": "calm", "at": 0.5}])
    assert report["events"][0]["unavailable_seconds"] == 0.0
    assert report["events"][0]["first_failed_write_at"] is None


def test_no_recovery_is_reported_as_unknown() -> None:
    report = build(parse_log(_log((1.0, 1, "ok"), (2.0, 2, "conn"))), {1}, [{"name": "down", "at": 1.5}])
    assert report["events"][0]["unavailable_seconds"] is None
    assert report["events"][0]["first_successful_write_after_at"] is None


def test_a_partition_counts_the_writes_a_deposed_master_acknowledged_after_the_election() -> None:
    writes = parse_log(_log((10.1, 1, "ok"), (10.4, 2, "ok"), (10.9, 3, "conn"), (12.2, 4, "ok"), (12.6, 5, "ok")))
    # 1 and 2 went to the isolated master before the cut; 4 after the election (12.0) to the deposed one.
    report = build(writes, {5}, [{"name": "master-partition", "at": 10.0, "elected_at": 12.0}])
    event = report["events"][0]
    assert event["acknowledged_writes_lost"] == 3
    assert event["acknowledged_writes_lost_after_election"] == 1
    assert event["elected_seconds_after_fault"] == 2.0
    assert event["last_lost_write_seconds_after_fault"] == 2.2
    assert event["last_lost_write_seconds_after_election"] == 0.2
    before = build(writes, {4, 5}, [{"name": "master-partition", "at": 10.0, "elected_at": 12.0}])["events"][0]
    assert before["acknowledged_writes_lost_after_election"] == 0 and before["last_lost_write_seconds_after_election"] is None


def test_an_event_without_an_election_reports_no_election_fields() -> None:
    report = build(parse_log(_log((1.0, 1, "ok"),)), {1}, [{"name": "calm", "at": 0.5}])
    assert "acknowledged_writes_lost_after_election" not in report["events"][0]
    assert report["events"][0]["last_lost_write_seconds_after_fault"] is None

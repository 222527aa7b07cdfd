# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark summaries: percentiles, fault and throughput targets, the median trial."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.hastack.redis.bench.summary import median_trial, percentile, summarize, summarize_fault, summarize_latency, summarize_throughput


def _trial(number: int, seconds: float | None, **extra: t.Any) -> dict[str, t.Any]:
    trial = {"trial": number, "unavailable_seconds": seconds, "failed_writes": 10, "acknowledged_writes": 100,
             "acknowledged_writes_lost": 0, "writes_to_non_master": 0, "write_pause_seconds": None, "ok": seconds is not None,
             "timeline": {"bin_seconds": 0.5, "start_seconds": -1.0, "ok": [5, 0, 5], "failed": [0, 5, 0],
                          "first_failed_seconds": 0.1, "recovered_seconds": seconds}}
    trial.update(extra)
    return trial


def test_percentile_interpolates_linearly_between_closest_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.95) == pytest.approx(3.85)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) is None


def test_a_trial_that_never_recovered_counts_as_failed_and_not_in_the_times() -> None:
    fault = {"description": "kill -9", "target_p50_seconds": 2.0, "trials": [
        _trial(1, 1.0, acknowledged_writes_lost=1), _trial(2, 3.0, writes_to_non_master=2), _trial(3, None, error="no recovery in 60 s"),
    ]}
    summary = summarize_fault(fault)
    assert (summary["n"], summary["recovered"], summary["failed_trials"]) == (3, 2, 1)
    assert summary["failures"] == [{"trial": 3, "error": "no recovery in 60 s"}]
    assert (summary["p50"], summary["max"], summary["mean"]) == (2.0, 3.0, 2.0)
    assert (summary["acknowledged_writes_lost"], summary["writes_to_non_master"]) == (1, 2)
    assert summary["target_met"] is True
    assert summary["pause_p50"] is None and summary["pause_max"] is None


def test_a_trial_whose_checks_failed_counts_even_when_it_recovered() -> None:
    summary = summarize_fault({"trials": [_trial(1, 0.5, ok=False, error="lost writes")]})
    assert summary["failed_trials"] == 1 and summary["recovered"] == 1
    assert summary["target_p50_seconds"] is None and summary["target_met"] is None


def test_a_missed_time_target_and_write_pauses() -> None:
    fault = {"target_p50_seconds": 0.5, "trials": [_trial(1, 0.8, write_pause_seconds=0.2), _trial(2, 0.9, write_pause_seconds=0.4)]}
    summary = summarize_fault(fault)
    assert summary["p50"] == 0.85 and summary["target_met"] is False
    assert (summary["pause_p50"], summary["pause_max"]) == (0.3, 0.4)


def test_throughput_ratio_against_the_target_of_its_pipeline() -> None:
    rows = summarize_throughput([
        {"test": "SET", "pipeline": 1, "direct_rps": 1000.0, "vip_rps": 690.0},
        {"test": "SET", "pipeline": 16, "direct_rps": 1000.0, "vip_rps": 950.0},
        {"test": "GET", "pipeline": 4, "direct_rps": 3000.0, "vip_rps": 1000.0},
    ])
    assert [(row["ratio"], row["target_ratio"], row["target_met"]) for row in rows] == [(0.69, 0.7, False), (0.95, 0.95, True), (0.333, None, None)]
    assert rows[0]["test"] == "SET"


def test_latency_adds_what_the_vip_costs_and_judges_the_median() -> None:
    rows = summarize_latency([{"test": "SET", "direct_p50_us": 95.0, "direct_p99_us": 180.0, "vip_p50_us": 140.0, "vip_p99_us": 400.0},
                              {"test": "GET", "direct_p50_us": 90.0, "direct_p99_us": 150.0, "vip_p50_us": 150.5, "vip_p99_us": 200.0},
                              {"test": "GET", "direct_p50_us": None, "vip_p50_us": 150.0}])
    assert [(row["added_p50_us"], row["added_p99_us"], row["target_met"]) for row in rows] == [
        (45.0, 220.0, True), (60.5, 50.0, False), (None, None, None)]
    assert rows[0]["target_added_p50_us"] == 50.0


def test_summarize_keeps_the_profile_order_and_is_json() -> None:
    results = {"profiles": {
        "tutorial": {"title": "tutorial settings", "faults": {"master-crash": {"trials": [_trial(1, 30.0)]}}, "steady": None, "throughput": []},
        "defaults": {"title": "hastack.redis defaults", "faults": {
            "master-crash": {"trials": [_trial(1, 1.5)]},
            "old-master-returns": {"target_p50_seconds": None, "trials": [_trial(1, 0.0, writes_to_non_master=3)]},
        }, "steady": {"seconds": 60, "false_failovers": 0}, "throughput": []},
    }}
    summary = summarize(results)
    assert list(summary["profiles"]) == ["tutorial", "defaults"]
    defaults = summary["profiles"]["defaults"]
    assert defaults["steady"] == {"seconds": 60, "false_failovers": 0}
    assert defaults["faults"]["old-master-returns"]["target_writes"] == 0
    assert defaults["faults"]["old-master-returns"]["target_met"] is False
    assert json.loads(json.dumps(summary)) == summary


def test_median_trial_is_the_lower_middle_of_the_timed_trials() -> None:
    untimed = _trial(5, 0.1)
    untimed["timeline"] = None
    fault = {"trials": [_trial(1, 4.0), _trial(2, 1.0), _trial(3, None), _trial(4, 3.0), _trial(6, 2.0), untimed]}
    chosen = median_trial(fault)
    assert chosen is not None and chosen["trial"] == 6
    odd = median_trial({"trials": [_trial(1, 4.0), _trial(2, 1.0), _trial(3, 2.0)]})
    assert odd is not None and odd["trial"] == 3
    assert median_trial({"trials": [_trial(1, None)]}) is None

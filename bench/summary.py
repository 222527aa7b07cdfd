# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summaries of a failover benchmark's results (the JSON bench.py writes).

Pure functions over plain dicts and lists; every summary is JSON-serialisable.
"""

from __future__ import annotations

import math
import typing as t

# Throughput through the VIP, as a fraction of the direct rate, per pipeline depth.
THROUGHPUT_TARGETS: dict[int, float] = {1: 0.7, 16: 0.95}

# What the VIP may add to a request's median latency at low load (one client, no pipelining), in µs.
LATENCY_TARGET_ADDED_P50_US = 50.0

# The fault whose target is a count of writes rather than a time.
WRITES_TARGET_FAULT = "old-master-returns"
# The network faults (bench.py's network_fault), and those that cut the master off, so the
# Sentinels must elect another: the writes it acknowledged after that are the ones that count.
NETWORK_FAULTS = ("master-partition", "master-isolated", "master-host-freeze", "lb-partition", "vrrp-split",
                  "sentinel-minority", "replica-partition")
FAILING_OVER = ("master-partition", "master-isolated", "master-host-freeze")
# How long after the Sentinels' majority elected another master a deposed master may still have acknowledged a
# write that is then lost: the load balancers see the election through their vote checks (inter x fall).
ELECTION_BOUND_SECONDS = 0.5


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` (0 to 1) percentile of `values`; None when there are none.

    Linear interpolation between closest ranks, as numpy's default method:
    with the values sorted, the rank is fraction * (n - 1) and the result lies
    between the values at the ranks just below and just above it, in
    proportion. [1, 2, 3, 4] gives 2.5 at 0.5 and 3.85 at 0.95.
    """
    if not values:
        return None
    ordered = sorted(float(value) for value in values)
    rank = min(max(fraction, 0.0), 1.0) * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _is_number(value: t.Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _trial_failed(trial: dict[str, t.Any]) -> bool:
    """The trial's own checks failed, or writes failed and never came back.

    A trial with no unavailable time and no failed write at all saw no outage,
    so nothing failed.
    """
    if trial.get("ok") is False:
        return True
    if _is_number(trial.get("unavailable_seconds")):
        return False
    timeline = trial.get("timeline") or {}
    return bool(trial.get("failed_writes", 1)) or timeline.get("first_failed_seconds") is not None


def _failure(trial: dict[str, t.Any]) -> dict[str, t.Any]:
    reason = trial.get("error") or ("never recovered" if not _is_number(trial.get("unavailable_seconds")) else "checks failed")
    return {"trial": trial.get("trial"), "error": str(reason)}


def _total(trials: list[dict[str, t.Any]], key: str) -> int:
    return sum(int(trial.get(key) or 0) for trial in trials)


def summarize_fault(fault: dict[str, t.Any]) -> dict[str, t.Any]:
    """Unavailability, failures and write safety over a fault's trials."""
    trials = list(fault.get("trials") or [])
    times = [float(trial["unavailable_seconds"]) for trial in trials if _is_number(trial.get("unavailable_seconds"))]
    pauses = [float(trial["write_pause_seconds"]) for trial in trials if _is_number(trial.get("write_pause_seconds"))]
    failures = [_failure(trial) for trial in trials if _trial_failed(trial)]
    p50 = _round(percentile(times, 0.5))
    target = fault.get("target_p50_seconds")
    target = float(target) if _is_number(target) else None
    return {
        "description": fault.get("description", ""),
        "n": len(trials),
        "recovered": len(times),
        "p50": p50,
        "p95": _round(percentile(times, 0.95)),
        "max": _round(max(times)) if times else None,
        "mean": _round(sum(times) / len(times)) if times else None,
        "failed_trials": len(failures),
        "failures": failures,
        "client": fault.get("client"),
        "failed_writes": _total(trials, "failed_writes"),
        "acknowledged_writes_lost": _total(trials, "acknowledged_writes_lost"),
        "writes_to_non_master": _total(trials, "writes_to_non_master"),
        "pause_p50": _round(percentile(pauses, 0.5)),
        "pause_max": _round(max(pauses)) if pauses else None,
        "target_p50_seconds": target,
        "target_writes": None,
        "target_met": None if target is None or p50 is None else p50 <= target,
        # Partition faults: writes acknowledged while the partition lasted, and of the lost ones
        # those acknowledged after the Sentinels' majority elected another master.
        "acknowledged_during_partition": _total(trials, "acknowledged_during_partition"),
        "lost_after_election": _total(trials, "acknowledged_writes_lost_after_election"),
        "last_lost_after_election_max": _round(max((float(trial["last_lost_write_seconds_after_election"]) for trial in trials
                                                    if _is_number(trial.get("last_lost_write_seconds_after_election"))),
                                                   default=None)),
        # Network faults: failovers the Sentinels made (none may happen where no master was cut off).
        "failovers": _total(trials, "failovers") if any("failovers" in trial for trial in trials) else None,
        "last_lost_max": _round(max((float(trial["last_lost_write_seconds_after_fault"]) for trial in trials
                                     if _is_number(trial.get("last_lost_write_seconds_after_fault"))), default=None)),
        # The other client flavours that wrote beside the fault's own client, summarised the same way.
        "flavours": {flavour: summarize_fault({"trials": [trial["flavours"][flavour] for trial in trials
                                                          if flavour in (trial.get("flavours") or {})]})
                     for flavour in _flavours(trials)},
    }


def _flavours(trials: list[dict[str, t.Any]]) -> list[str]:
    """The client flavours the trials recorded beside their own client, in the order first seen."""
    seen: list[str] = []
    for trial in trials:
        seen.extend(flavour for flavour in trial.get("flavours") or {} if flavour not in seen)
    return seen


def _with_writes_target(summary: dict[str, t.Any]) -> dict[str, t.Any]:
    """A returning old master must take no write and lose no acknowledged one."""
    if not summary["n"]:
        return summary
    writes_met = summary["writes_to_non_master"] == 0 and summary["acknowledged_writes_lost"] == 0
    met = writes_met if summary["target_met"] is None else writes_met and summary["target_met"]
    return {**summary, "target_writes": 0, "target_met": met}


def summarize_throughput(rows: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """Each row with the VIP/direct `ratio`, its `target_ratio` and `target_met`."""
    summaries = []
    for row in rows:
        direct = row.get("direct_rps")
        vip = row.get("vip_rps")
        ratio = round(float(vip) / float(direct), 3) if _is_number(direct) and _is_number(vip) and direct else None
        target = THROUGHPUT_TARGETS.get(row.get("pipeline"))
        met = None if target is None or ratio is None else ratio >= target
        summaries.append({**row, "ratio": ratio, "target_ratio": target, "target_met": met})
    return summaries


def summarize_latency(rows: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """Each low-load row with the microseconds the VIP adds at p50 and p99, and the p50 target."""
    summaries = []
    for row in rows:
        added = {quantile: round(float(row[f"vip_{quantile}_us"]) - float(row[f"direct_{quantile}_us"]), 1)
                 if _is_number(row.get(f"vip_{quantile}_us")) and _is_number(row.get(f"direct_{quantile}_us")) else None
                 for quantile in ("p50", "p99")}
        met = None if added["p50"] is None else added["p50"] <= LATENCY_TARGET_ADDED_P50_US
        summaries.append({**row, "added_p50_us": added["p50"], "added_p99_us": added["p99"],
                          "target_added_p50_us": LATENCY_TARGET_ADDED_P50_US, "target_met": met})
    return summaries


def summarize(results: dict[str, t.Any]) -> dict[str, t.Any]:
    """Per profile, in the results' order: fault summaries, steady load as is, throughput."""
    profiles = {}
    for name, profile in (results.get("profiles") or {}).items():
        faults = {}
        for fault_name, fault in (profile.get("faults") or {}).items():
            summary = summarize_fault(fault)
            faults[fault_name] = _with_writes_target(summary) if fault_name == WRITES_TARGET_FAULT else summary
        profiles[name] = {
            "title": profile.get("title", name),
            "faults": faults,
            "steady": profile.get("steady"),
            "dataset": profile.get("dataset"),
            "mix": profile.get("mix"),
            "throughput": summarize_throughput(profile.get("throughput") or []),
            "latency": summarize_latency(profile.get("latency") or []),
        }
    return {"profiles": profiles}


def timed_trials(fault: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The fault's trials with both an unavailable time and a timeline."""
    return [trial for trial in fault.get("trials") or [] if _is_number(trial.get("unavailable_seconds")) and trial.get("timeline")]


def median_trial(fault: dict[str, t.Any]) -> dict[str, t.Any] | None:
    """The trial with the median unavailable time (the lower middle one for an
    even count) among the timed trials; None when there is none.
    """
    candidates = timed_trials(fault)
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda trial: float(trial["unavailable_seconds"]))
    return ordered[(len(ordered) - 1) // 2]

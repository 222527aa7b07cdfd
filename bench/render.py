# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render a failover benchmark's results (the JSON bench.py writes) as markdown
tables and one timeline PNG per fault and profile.

The PNG of the `defaults` profile is <fault>.png, any other profile's is
<fault>-<profile>.png (e.g. master-crash-tutorial.png).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import textwrap
import typing as t

import matplotlib

matplotlib.use("Agg")  # no display: the PNGs are rendered off screen

import matplotlib.pyplot as plt

try:
    from ansible_collections.hastack.redis.bench.summary import (ELECTION_BOUND_SECONDS, FAILING_OVER, NETWORK_FAULTS, WRITES_TARGET_FAULT, median_trial,
                                                                 summarize, timed_trials)
except ImportError:  # run as a script without the collection on the Python path
    from summary import ELECTION_BOUND_SECONDS, FAILING_OVER, NETWORK_FAULTS, WRITES_TARGET_FAULT, median_trial, summarize, timed_trials

MISSING = "-"
DEFAULTS = "defaults"
TUTORIAL = "tutorial"


def _seconds(value: float | None) -> str:
    """2 decimals, 3 below 0.1 s so that short times do not print as 0.00."""
    if value is None:
        return MISSING
    return f"{value:.3f}" if abs(value) < 0.1 else f"{value:.2f}"


def _count(value: t.Any) -> str:
    return MISSING if value is None else f"{int(value):,}"


def _rps(value: t.Any) -> str:
    return MISSING if value is None else f"{round(float(value)):,}"


def _met(value: bool | None) -> str:
    return MISSING if value is None else ("met" if value else "NOT met")


def _cell(text: t.Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for column in header) + "|"]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return lines


def _fault_order(profiles: dict[str, t.Any]) -> list[str]:
    """The last profile's faults in its order, then any only another profile ran."""
    names: list[str] = []
    for profile in reversed(list(profiles.values())):
        names.extend(name for name in profile["faults"] if name not in names)
    return names


def _times(summary: dict[str, t.Any] | None) -> str:
    if summary is None or not summary["n"]:
        return MISSING
    text = MISSING if summary["p50"] is None else " / ".join(_seconds(summary[key]) for key in ("p50", "p95", "max"))
    return f"{text} ({summary['failed_trials']} of {summary['n']} failed)" if summary["failed_trials"] else text


def _speedup(tutorial: dict[str, t.Any] | None, defaults: dict[str, t.Any] | None) -> str:
    if not tutorial or not defaults or not tutorial["p50"] or not defaults["p50"]:
        return MISSING
    ratio = tutorial["p50"] / defaults["p50"]
    return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"


def _target(summary: dict[str, t.Any] | None) -> str:
    if summary is None:
        return MISSING
    targets = []
    if summary["target_p50_seconds"] is not None:
        seconds = summary["target_p50_seconds"]
        targets.append(f"<= {seconds:.1f} s" if round(seconds, 1) == seconds else f"<= {_seconds(seconds)} s")
    if summary.get("target_writes") is not None:
        targets.append(f"{summary['target_writes']} writes")
    return ", ".join(targets) or MISSING


def _failover(profiles: dict[str, t.Any]) -> list[str]:
    names = list(profiles)
    judged = DEFAULTS if DEFAULTS in profiles else names[-1]
    compare = TUTORIAL in profiles and DEFAULTS in profiles
    header = ["Fault"] + [f"{name} p50 / p95 / max (s)" for name in names]
    header += [f"{DEFAULTS} vs {TUTORIAL} (p50)"] if compare else []
    header += ["Target", f"Met by {judged}"]
    rows = []
    for fault in _fault_order(profiles):
        summaries = {name: profile["faults"].get(fault) for name, profile in profiles.items()}
        description = next((summary["description"] for summary in summaries.values() if summary and summary["description"]), "")
        row = [f"`{fault}`: {description}" if description else f"`{fault}`"]
        row += [_times(summaries[name]) for name in names]
        row += [_speedup(summaries[TUTORIAL], summaries[DEFAULTS])] if compare else []
        target_source = summaries[judged] or next((summary for summary in summaries.values() if summary), None)
        row += [_target(target_source), _met(summaries[judged]["target_met"] if summaries[judged] else None)]
        rows.append(row)
    note = [f"Seconds writes were unavailable, over the trials that recovered. Targets are judged on {judged}."]
    if any(name == WRITES_TARGET_FAULT for name in _fault_order(profiles)):
        note.append("`0 writes`: no write reached the returning old master and no acknowledged write was lost.")
    return ["## Failover", ""] + _table(header, rows) + [""] + [" ".join(note), ""]


def _correctness(profiles: dict[str, t.Any]) -> list[str]:
    header = ["Profile", "Fault", "Trials", "Failed trials", "Acknowledged writes lost", "Writes to a non-master", "Write pause p50 / max (s)"]
    rows = []
    failures = []
    for name, profile in profiles.items():
        for fault, summary in profile["faults"].items():
            pause = MISSING
            if summary["pause_p50"] is not None:
                pause = f"{_seconds(summary['pause_p50'])} / {_seconds(summary['pause_max'])}"
            rows.append([name, f"`{fault}`", _count(summary["n"]), _count(summary["failed_trials"]),
                         _count(summary["acknowledged_writes_lost"]), _count(summary["writes_to_non_master"]), pause])
            failures.extend(f"- {name}, `{fault}`, trial {failure['trial']}: {_cell(failure['error'])}" for failure in summary["failures"])
    lines = ["## Correctness", ""] + _table(header, rows) + [""]
    lines += ["Writes to a non-master: writes a replica answered with READONLY, plus, for an old master returning, the "
              "client sessions HAProxy sent it. A switchover's are the writes its clients had waiting in the pause: the old "
              "master answers them READONLY once it follows the target, so they are refused, never accepted.", ""]
    return lines + (["Failed trials:", ""] + failures + [""] if failures else [])


def _with_flavours(summary: dict[str, t.Any]) -> list[tuple[str, dict[str, t.Any]]]:
    """(client, summary) for the fault's own client, then each other flavour that wrote beside it."""
    return [(summary.get("client") or "pooled", summary)] + list((summary.get("flavours") or {}).items())


def _clients(profiles: dict[str, t.Any]) -> list[str]:
    header = ["Profile", "Fault", "Client", "Trials", "Unavailable p50 / max (s)", "Failed writes", "Acknowledged writes lost",
              "Writes to a non-master"]
    rows = []
    for name, profile in profiles.items():
        for fault, summary in profile["faults"].items():
            if not summary.get("flavours"):
                continue
            for client, numbers in _with_flavours(summary):
                times = MISSING if numbers["p50"] is None else f"{_seconds(numbers['p50'])} / {_seconds(numbers['max'])}"
                rows.append([name, f"`{fault}`", client, _count(numbers["n"]), times, _count(numbers["failed_writes"]),
                             _count(numbers["acknowledged_writes_lost"]), _count(numbers["writes_to_non_master"])])
    if not rows:
        return []
    return ["## Clients", ""] + _table(header, rows) + ["", CLIENTS_NOTE, ""]


CLIENTS_NOTE = (
    "Each trial's clients write at once, each on its own key: `pooled` keeps one connection and replaces it only when "
    "it fails (a connection pool), `reconnecting` opens a new one after every failed write, `per-write` one for every "
    "write (the load-balancer faults' own client: the VIP's unavailability), and `wait` is a pooled client that sends "
    "`WAIT 1 100` after each write and counts it acknowledged only when a replica has it. The first client of a fault "
    "is the one the other tables report.")


def _after_election(numbers: dict[str, t.Any]) -> str:
    late = numbers.get("last_lost_after_election_max")
    return _count(numbers["lost_after_election"]) + ("" if late is None else f" (+{_seconds(late)})")


def _partitions(profiles: dict[str, t.Any]) -> list[str]:
    header = ["Profile", "Fault", "Client", "Trials", "Unavailable p50 / max (s)", "Acknowledged writes lost (share of the partition's)",
              "Last lost write acknowledged (s after the fault, max)", "Lost writes acknowledged after the election (the last, s after it)",
              "Failovers"]
    rows = []
    for name, profile in profiles.items():
        for fault in NETWORK_FAULTS:
            summary = profile["faults"].get(fault)
            if not summary:
                continue
            for client, numbers in _with_flavours(summary):
                acknowledged = numbers["acknowledged_during_partition"]
                share = f" ({numbers['acknowledged_writes_lost'] / acknowledged:.1%})" if acknowledged else ""
                times = MISSING if numbers["p50"] is None else f"{_seconds(numbers['p50'])} / {_seconds(numbers['max'])}"
                rows.append([name, f"`{fault}`", client, _count(numbers["n"]), times, _count(numbers["acknowledged_writes_lost"]) + share,
                             _seconds(numbers["last_lost_max"]) if numbers["last_lost_max"] is not None else MISSING,
                             _after_election(numbers) if fault in FAILING_OVER else MISSING,
                             _count(summary.get("failovers"))])
    if not rows:
        return []
    return ["## Partitions", ""] + _table(header, rows) + ["", (
        "Each fault lasts 8 s (longer where the Sentinels take longer to elect another master), under the clients "
        "of the Clients table. Where the master is cut off "
        "(`master-partition`, `master-isolated`, `master-host-freeze`) the writes it acknowledged before its load "
        "balancers stopped routing to it (the detection window) are lost when it rejoins as a replica; the published "
        "Jepsen test of Redis Sentinel lost 56 % of its acknowledged writes. No write may be lost that was acknowledged "
        f"later than {ELECTION_BOUND_SECONDS} s after the Sentinels' majority elected another master (as the benchmark saw the election; the "
        "load balancers learn it through their vote checks), and the other faults may lose none and cause no failover. "
        "With `redis_server_min_replicas_to_write` the master refuses writes (NOREPLICAS) once its replicas' "
        "acknowledgements are older than `redis_server_min_replicas_max_lag`; a `wait` client counts a write only "
        "once a replica has it."), ""]


def _steady(profiles: dict[str, t.Any]) -> list[str]:
    lines = ["## Steady load", ""]
    if all(not profile["steady"] for profile in profiles.values()):
        return lines + ["Not run.", ""]
    header = ["Profile", "Seconds", "Writes", "Failed writes", "Acknowledged writes lost", "False failovers", "VIP moves", "+sdown events",
              "Target", "Met"]
    rows = []
    for name, profile in profiles.items():
        steady = profile["steady"] or {}
        keys = ("seconds", "writes", "failed_writes", "acknowledged_writes_lost", "false_failovers", "vip_moves", "sdown_events")
        false_failovers = steady.get("false_failovers")
        met = None if false_failovers is None else false_failovers == 0
        rows.append([name] + [_count(steady.get(key)) for key in keys] + ["0 false failovers", _met(met)])
    return lines + _table(header, rows) + [""] + _heavy(profiles)


def _heavy(profiles: dict[str, t.Any]) -> list[str]:
    """What the heavy load (--dataset-mb, bench/heavy.py) put on the master, per profile that ran it."""
    lines = []
    for name, profile in profiles.items():
        dataset, mix = profile.get("dataset"), profile.get("mix") or {}
        if not dataset:
            continue
        done = [f"{item['what']} at {item['at_seconds']:.0f} s"
                + (f": failed ({item['error']})" if item.get("error") else f", {item['seconds']:.1f} s long, fork {item['fork_ms']:.1f} ms")
                for item in (profile.get("steady") or {}).get("disturbances") or []]
        lines.append(
            f"- {name}: a dataset of {dataset['megabytes']:,} MB ({dataset['keys']:,} values of {dataset['value_bytes']:,} bytes "
            f"and a list of {dataset['list_items']:,} items; {dataset['used_memory_mb']:,} MB in the master's memory), and beside "
            f"the writers, through the VIP, {_count(mix.get('large_values'))} 1 MB values written and read back, "
            f"{_count(mix.get('list_reads'))} reads of the whole list and {_count(mix.get('slow_commands'))} commands that kept "
            f"the server busy 0.2 s each ({_count(mix.get('failures'))} of them failed, during the trials' faults). "
            + (f"During the steady load: {'; '.join(done)}." if done else "No disturbance ran during a steady load."))
    return (["With the heavy load (`--dataset-mb`, bench/heavy.py):", ""] + lines + [""]) if lines else []


def _throughput(profiles: dict[str, t.Any]) -> list[str]:
    lines = ["## Throughput through the VIP", ""]
    measured = {name: profile["throughput"] for name, profile in profiles.items() if profile["throughput"]}
    if not measured:
        return lines + ["Not run.", ""]
    header = ["Profile", "Test", "Pipeline", "Clients", "Direct rps", "VIP rps", "Ratio", "p50 latency direct / VIP (ms)", "Target", "Met"]
    rows = []
    for name, throughput in measured.items():
        for row in throughput:
            latency = f"{_seconds(row.get('direct_p50_ms'))} / {_seconds(row.get('vip_p50_ms'))}"
            ratio = MISSING if row["ratio"] is None else f"{row['ratio']:.2f}"
            target = MISSING if row["target_ratio"] is None else f">= {row['target_ratio']:.2f}"
            rows.append([name, str(row.get("test", MISSING)), _count(row.get("pipeline")), _count(row.get("clients")),
                         _rps(row.get("direct_rps")), _rps(row.get("vip_rps")), ratio, latency, target, _met(row["target_met"])])
    return lines + _table(header, rows) + [""] + _cpu(measured)


def _micro(value: t.Any) -> str:
    return MISSING if value is None else f"{float(value):,.0f}"


def _latency(profiles: dict[str, t.Any]) -> list[str]:
    """What the VIP adds to each request: at low load (one client) and at saturation (the throughput runs)."""
    rows = []
    for name, profile in profiles.items():
        for row in profile.get("latency") or []:
            rows.append([name, str(row["test"]), "1, no pipelining",
                         f"{_micro(row.get('direct_p50_us'))} / {_micro(row.get('direct_p99_us'))}",
                         f"{_micro(row.get('vip_p50_us'))} / {_micro(row.get('vip_p99_us'))}",
                         f"{_micro(row['added_p50_us'])} / {_micro(row['added_p99_us'])}",
                         f"<= {row['target_added_p50_us']:.0f} µs added p50", _met(row["target_met"])])
        for row in profile.get("throughput") or []:
            if row.get("direct_p99_ms") is None:
                continue
            direct = [float(row.get(f"direct_{quantile}_ms") or 0) * 1000 for quantile in ("p50", "p99")]
            vip = [float(row.get(f"vip_{quantile}_ms") or 0) * 1000 for quantile in ("p50", "p99")]
            rows.append([name, str(row.get("test", MISSING)), f"{row.get('clients')}, pipeline {row.get('pipeline')} (saturation)",
                         f"{_micro(direct[0])} / {_micro(direct[1])}", f"{_micro(vip[0])} / {_micro(vip[1])}",
                         f"{_micro(vip[0] - direct[0])} / {_micro(vip[1] - direct[1])}", MISSING, MISSING])
    if not rows:
        return []
    header = ["Profile", "Test", "Clients", "Direct p50 / p99 (µs)", "VIP p50 / p99 (µs)", "Added p50 / p99 (µs)", "Target", "Met"]
    return ["## Latency through the VIP", ""] + _table(header, rows) + ["", (
        "redis-benchmark's own percentiles, medians over the rounds, to the master's address and to the VIP alternately. "
        "At low load the difference is what HAProxy's extra hop costs each request; at saturation the client, HAProxy "
        "and Redis share this machine's cores, so it also holds their queueing."), ""]


def _cpu(measured: dict[str, list[dict[str, t.Any]]]) -> list[str]:
    """CPU time per request on each path, and the throughput ratio it allows when the cores are the limit."""
    header = ["Profile", "Test", "Pipeline", "Direct: client / Redis (µs)", "VIP: client / HAProxy / Redis (µs)",
              "CPU per request direct / VIP", "Measured ratio"]
    rows = []
    for name, throughput in measured.items():
        for row in throughput:
            direct, vip = row.get("direct_cpu_us"), row.get("vip_cpu_us")
            if not direct or not vip or not sum(vip.values()):
                continue
            measured_ratio = MISSING if row["ratio"] is None else f"{row['ratio']:.2f}"
            rows.append([name, str(row.get("test", MISSING)), _count(row.get("pipeline")),
                         f"{direct['client']:.2f} / {direct['redis']:.2f}",
                         f"{vip['client']:.2f} / {vip['haproxy']:.2f} / {vip['redis']:.2f}",
                         f"{sum(direct.values()) / sum(vip.values()):.2f}", measured_ratio])
    if not rows:
        return []
    return ["CPU time per request (user + system, from /proc) of the client, of every HAProxy and of every Redis "
            "server (master and replica), per path. The client, HAProxy and Redis share this machine's cores, so "
            "through the VIP HAProxy's time is taken from the client's and Redis's; the CPU-time ratio beside the "
            "measured one shows how much of the gap that explains. Where HAProxy has cores of its own, "
            "it is not taken from Redis and the client.", ""] + _table(header, rows) + [""]


def _setting(settings: dict[str, t.Any], key: str) -> str:
    if key not in settings:
        return MISSING
    value = settings[key]
    return f"`{value if isinstance(value, str) else json.dumps(value)}`"


def _settings(results: dict[str, t.Any]) -> list[str]:
    profiles = results.get("profiles") or {}
    settings = {name: profile.get("settings") or {} for name, profile in profiles.items()}
    keys: list[str] = []
    for values in reversed(list(settings.values())):
        keys.extend(key for key in values if key not in keys)
    rows = [[f"`{key}`"] + [_setting(values, key) for values in settings.values()] for key in keys]
    return ["## Settings compared", ""] + _table(["Setting"] + list(settings), rows) + [""]


def _run(results: dict[str, t.Any]) -> list[str]:
    """Where and how the numbers were measured, and the command that reproduces them."""
    if not results.get("machine") and not results.get("command"):
        return []
    machine = results.get("machine") or {}
    versions = machine.get("versions") or {}
    lines = ["## The run", ""]
    if results.get("command"):
        lines += [f"Reproduce with `{results['command']}` (started {results.get('started_at', MISSING)}, "
                  f"{_count(round((results.get('duration_seconds') or 0) / 60))} minutes).", ""]
    if machine:
        lines += [f"- Machine: {machine.get('cpus', MISSING)} CPUs ({machine.get('cpu_model', MISSING)}), "
                  f"{machine.get('memory_gb', MISSING)} GB, {machine.get('host_os', MISSING)}, kernel {machine.get('kernel', MISSING)}",
                  f"- Lab: {machine.get('lab_platform', MISSING)} containers (Docker {versions.get('docker', MISSING)}) on that machine; "
                  "the clients run on the machine itself",
                  f"- Redis {versions.get('redis', MISSING)}, HAProxy {versions.get('haproxy', MISSING)}, "
                  f"keepalived {versions.get('keepalived', MISSING)} (Debian's packages)", ""]
    return lines


def markdown(results: dict[str, t.Any], png_links: dict[str, str] | None = None) -> str:
    """The results as a markdown fragment of `##` sections; `png_links` maps an
    image's name (e.g. master-crash-tutorial) to its link.
    """
    profiles = summarize(results)["profiles"]
    lines = (_run(results) + _failover(profiles) + _correctness(profiles) + _partitions(profiles) + _clients(profiles) + _steady(profiles)
             + _throughput(profiles) + _latency(profiles) + _settings(results))
    if png_links:
        lines += ["## Timelines", ""]
        for name, link in png_links.items():
            lines += [f"![{name}]({link})", ""]
    return "\n".join(lines)


PAGE_INTRO = """\
# Failover benchmark

What clients see when a part of the stack fails, measured on the Molecule lab:
the README's reference topology (redis1 and redis2 run Redis, Sentinel,
HAProxy and keepalived, the witness a third Sentinel) and, where a profile's
name says so, the lab with load balancers on hosts of their own
(`molecule/lb_hosts`) or three Redis servers. During each trial several
clients on the machine write through the VIP every ~2 ms, each on its own key
(the Clients table): the fault's own client, which the tables report (one
pooled connection, or a new connection per write for the load-balancer
faults), and beside it a pooled one, one that reconnects after every failed
write and one that sends `WAIT 1 100` after each write. A write counts as
failed when it gets no reply within 250 ms or an error. Unavailability runs
from the first failed write after the fault to the next acknowledged one.
Acknowledged writes lost are those the master no longer holds at the end of
the trial. `bench/bench.py --help` lists every option; `make bench` runs it all.

This page is written by the benchmark (`--docs docs/benchmarks.md`): rerun it
rather than editing the numbers.
"""


# Where the page's hand-written part starts: the measurements behind the
# defaults, kept when the benchmark rewrites the page above it.
KEPT_MARKER = "<!-- Written by hand from here on: the benchmark keeps this part when it rewrites the page. -->"


def kept_part(old_page: str) -> str:
    """The hand-written end of an existing page, from KEPT_MARKER on ('' when it has none)."""
    start = old_page.find(KEPT_MARKER)
    return "" if start < 0 else old_page[start:]


def page(results: dict[str, t.Any], png_links: dict[str, str] | None = None, kept: str = "") -> str:
    """A whole results page: the introduction, then markdown(), then the kept hand-written part."""
    text = PAGE_INTRO + "\n" + markdown(results, png_links)
    return text + ("\n\n" + kept.rstrip("\n") + "\n" if kept else "")


def _title(fault_name: str, fault: dict[str, t.Any], profile_title: str, trial: dict[str, t.Any], median: bool) -> str:
    trials = fault.get("trials") or []
    if median:
        detail = f"median of {len(timed_trials(fault))} trials: {float(trial['unavailable_seconds']):.2f} s unavailable"
    else:
        detail = f"trial {trial.get('trial')} of {len(trials)}: never recovered"
    return f"{fault_name}: {fault.get('description', '')} ({profile_title}, {detail})"


def timeline_png(fault_name: str, fault: dict[str, t.Any], profile_title: str, path: str) -> bool:
    """Draw the median trial's writes per time bin around the fault to `path`.

    When no trial recovered, the first trial with a timeline is drawn. False,
    and nothing written, when no trial has a timeline.
    """
    trial = median_trial(fault)
    median = trial is not None
    if trial is None:
        trial = next((candidate for candidate in fault.get("trials") or [] if candidate.get("timeline")), None)
    if trial is None:
        return False
    timeline = trial["timeline"]
    ok = [int(value) for value in timeline.get("ok") or []]
    failed = [int(value) for value in timeline.get("failed") or []]
    bins = min(len(ok), len(failed))
    if not bins:
        return False
    width = float(timeline["bin_seconds"])
    start = float(timeline.get("start_seconds", 0.0))
    edges = [start + index * width for index in range(bins + 1)]
    ok, failed = ok[:bins], failed[:bins]
    stacked = [good + bad for good, bad in zip(ok, failed)]

    figure, axes = plt.subplots(figsize=(9, 3.5), dpi=100)
    try:
        axes.stairs(ok, edges, fill=True, color="tab:green", label="acknowledged writes")
        axes.stairs(stacked, edges, baseline=ok, fill=True, color="tab:red", label="failed writes")
        axes.axvline(0, color="black", linewidth=1.2)
        top = max(stacked) or 1
        axes.text(0, top * 1.02, " fault", va="bottom", ha="left", fontsize=8)
        for key, label, color in (("first_failed_seconds", "first failure", "tab:red"), ("recovered_seconds", "recovered", "tab:green")):
            seconds = timeline.get(key)
            if seconds is not None:
                axes.axvline(float(seconds), color=color, linestyle="--", linewidth=1, label=f"{label} at {float(seconds):.2f} s")
        axes.set_xlim(edges[0], edges[-1])
        axes.set_ylim(0, top * 1.15)
        axes.set_xlabel("seconds relative to the fault")
        axes.set_ylabel(f"writes per {width * 1000:g} ms")
        axes.set_title(textwrap.fill(_title(fault_name, fault, profile_title, trial, median), 110), fontsize=9)
        axes.legend(loc="upper right", fontsize=7)
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)
    return True


def png_name(fault_name: str, profile_name: str) -> str:
    """<fault>.png for the defaults, <fault>-<profile>.png for any other profile, the profile's name (which may
    name the lab's shape) in lower-case words joined by dashes."""
    if profile_name == DEFAULTS:
        return f"{fault_name}.png"
    slug = "-".join(re.findall(r"[a-z0-9]+", profile_name.lower()))
    return f"{fault_name}-{slug}.png"


def write_pngs(results: dict[str, t.Any], directory: str) -> dict[str, str]:
    """Every fault's timeline per profile into `directory`: image name -> path written."""
    os.makedirs(directory, exist_ok=True)
    profiles = results.get("profiles") or {}
    written = {}
    for fault_name in _fault_order({name: {"faults": profile.get("faults") or {}} for name, profile in profiles.items()}):
        for profile_name, profile in profiles.items():
            fault = (profile.get("faults") or {}).get(fault_name)
            name = png_name(fault_name, profile_name)
            path = os.path.join(directory, name)
            if fault is not None and timeline_png(fault_name, fault, profile.get("title", profile_name), path):
                written[name[:-len(".png")]] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("results", help="the results JSON written by bench.py")
    parser.add_argument("--markdown", metavar="OUT.md", help="write the markdown tables here")
    parser.add_argument("--png-dir", metavar="DIR", help="write the timeline PNGs into this directory")
    parser.add_argument("--page", action="store_true", help="write a whole page (title and introduction) to --markdown")
    args = parser.parse_args(argv)
    if not args.markdown and not args.png_dir:
        parser.error("nothing to write: give --markdown OUT.md, --png-dir DIR or both")
    with open(args.results, encoding="utf-8") as results_file:
        results = json.load(results_file)
    written = []
    pngs = write_pngs(results, args.png_dir) if args.png_dir else {}
    written.extend(pngs.values())
    if args.markdown:
        base = os.path.dirname(os.path.abspath(args.markdown))
        links = {name: os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/") for name, path in pngs.items()}
        if args.page:
            kept = ""
            if os.path.exists(args.markdown):
                with open(args.markdown, encoding="utf-8") as old_page:
                    kept = kept_part(old_page.read())
            text = page(results, links or None, kept)
        else:
            text = markdown(results, links or None)
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(text)
        written.append(args.markdown)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

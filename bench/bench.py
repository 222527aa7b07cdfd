# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failover benchmark on the Molecule lab (`make bench`).

For each settings profile (bench/profiles/<name>.yml over the roles' defaults)
the lab is built afresh with playbooks/site.yml, then every fault is injected
TRIALS times while a client on this machine writes through the VIP every
~2 ms (lab/writer.py, one key per trial): what clients saw is measured
from its log (lab/report.py). Then a steady-load period counts false
failovers, and redis-benchmark compares the VIP with the master itself.
Results: JSON, a markdown table and PNG timelines (bench/render.py).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import yaml

from ansible_collections.hastack.redis.bench import heavy
from ansible_collections.hastack.redis.lab import model as lab
from ansible_collections.hastack.redis.bench.summary import ELECTION_BOUND_SECONDS, FAILING_OVER, NETWORK_FAULTS
from ansible_collections.hastack.redis.lab.report import Write, event_report, parse_log

ROOT = Path(__file__).resolve().parent.parent
WRITER = ROOT / "lab" / "writer.py"
PROFILES = ROOT / "bench" / "profiles"


class Fault(t.NamedTuple):
    description: str
    target_p50_seconds: float | None


FAULTS: dict[str, Fault] = {
    "master-crash": Fault("Redis on the master killed (kill -9, kept down)", 2.0),
    "master-crash-restarted": Fault("Redis on the master killed (kill -9) and restarted at once by its systemd unit, "
                                    "as on a real host: no failover", None),
    "master-stop": Fault("Redis on the master stopped (systemctl stop)", None),
    "master-hang": Fault("Redis on the master hung (SIGSTOP: a dead host or a partition, no reset)", None),
    "old-master-returns": Fault("the old master comes back after a crash, stop or hang (writes it receives: target 0)", None),
    "haproxy-kill": Fault("HAProxy killed on the VIP holder (kill -9, kept down)", 0.5),
    "keepalived-stop": Fault("keepalived stopped on the VIP holder", None),
    "holder-freeze": Fault("the VIP holder frozen (docker pause; the master elsewhere)", 0.6),
    "switchover": Fault("planned switchover (playbooks/switchover.yml)", None),
    "rolling-restart": Fault("every daemon restarted one host at a time (playbooks/rolling_restart.yml): the replicas, "
                             "one switchover, the old master, the Sentinels, the load balancers with the VIP moved off "
                             "each first", None),
    "password-rotation": Fault("every server user's password and the Sentinels' own changed and changed back, each in "
                               "two site.yml runs (the previous password accepted, then dropped): no failed write, no "
                               "failover", None),
    "master-partition": Fault("the master cut off from the other Redis hosts (Sentinels, replica) for 8 s, its load balancer "
                              "still reaching it; one long-lived client connection", None),
    "master-isolated": Fault("the master's host cut off from everything, both networks, for 8 s; one long-lived client "
                             "connection", None),
    "master-host-freeze": Fault("the master's host frozen for 8 s (docker pause: Redis, its Sentinel, its load balancer), "
                                "then thawed; one long-lived client connection", 2.0),
    "crash-after-thaw": Fault("the master's host frozen for 8 s and thawed (its Sentinel in TILT), then Redis on the new "
                              "master killed (kept down): the next failover with a Sentinel in TILT", 2.0),
    "lb-partition": Fault("the VIP holder cut off from every Redis host for 8 s (the master elsewhere), keepalived still "
                          "hearing its peer", 1.5),
    "vrrp-split": Fault("the load balancers stop hearing each other for 8 s (both hold the VIP), then one holder again", None),
    "sentinel-minority": Fault("one Sentinel (the witness) cut off from the other Sentinels and the servers for 8 s: "
                               "no failover", None),
    "replica-partition": Fault("the replica cut off from the other Redis hosts for 8 s (the master on the VIP holder): "
                               "no failover", None),
}
# The labs the benchmark knows by their shape (--scenario), beside the reference lab (failover).
LAB_SHAPES = {"lb_hosts": "load balancers on hosts of their own", "tls": "TLS on every connection"}
# How long a partition lasts before it heals.
PARTITION_SECONDS = 8.0
# How each master fault breaks Redis on the master, and how the old master comes back: a hung
# one resumes (SIGCONT) still believing it is the master, with its clients' last writes queued.
MASTER_FAULTS: dict[str, tuple[str, str]] = {
    "master-crash": ("systemctl kill --signal=SIGKILL redis-server", ""),
    "master-stop": ("systemctl stop redis-server", ""),
    "master-hang": ("systemctl kill --signal=SIGSTOP redis-server", "systemctl kill --signal=SIGCONT redis-server"),
}
# What an old master returning is measured after: each master fault's trial ends with it.
RETURNING = tuple(MASTER_FAULTS)
# Faults that may lose the writes of the last replication window (asynchronous replication).
# The operator's playbooks: their one failover is the planned switchover's.
PLANNED = ("switchover", "rolling-restart")
UNCLEAN = ("master-crash", "master-hang", "master-partition", "master-isolated", "master-host-freeze", "crash-after-thaw")
# Variables whose values the report compares between profiles.
SETTINGS = {
    "redis_server": ["redis_server_min_replicas_to_write", "redis_server_min_replicas_max_lag"],
    "redis_sentinel": ["redis_sentinel_down_after_milliseconds", "redis_sentinel_failover_timeout",
                       "redis_sentinel_info_period", "redis_sentinel_ping_period"],
    "haproxy": ["haproxy_check_inter", "haproxy_check_fastinter", "haproxy_check_downinter", "haproxy_check_rise",
                "haproxy_check_fall", "haproxy_vote_check_fall", "haproxy_timeout_check"],
    "keepalived": ["keepalived_vrrp_version", "keepalived_advert_int", "keepalived_haproxy_track_file",
                   "keepalived_haproxy_check_interval", "keepalived_haproxy_check_fall", "keepalived_haproxy_check_rise"],
}


def first_lb() -> str:
    """The load balancer that holds the VIP when the lab is settled (keepalived's highest priority)."""
    return lab.LOAD_BALANCERS[0]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


# ---- settings profiles and the lab

def profile_settings(name: str) -> dict[str, t.Any]:
    values: dict[str, t.Any] = {}
    for role, keys in SETTINGS.items():
        defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
        values.update({key: defaults.get(key) for key in keys})
    overrides = yaml.safe_load((PROFILES / f"{name}.yml").read_text(encoding="utf-8")) or {}
    values.update({key: value for key, value in overrides.items() if key in values})
    return values


def profile_title(name: str) -> str:
    comments = [line for line in (PROFILES / f"{name}.yml").read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    return comments[0].lstrip("# ").strip() if comments else name


def molecule(args: argparse.Namespace, *words: str, logfile: Path) -> None:
    with logfile.open("a", encoding="utf-8") as out:
        result = subprocess.run(["molecule", *words], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=lab_env(args), check=False)
    if result.returncode != 0:
        tail = logfile.read_text(encoding="utf-8").splitlines()[-30:]
        raise SystemExit(f"molecule {' '.join(words)} failed (rc {result.returncode}); last lines of {logfile}:\n" + "\n".join(tail))


def lab_env(args: argparse.Namespace) -> dict[str, str]:
    # LAB_PREVIOUS_RELEASE=none: the failover scenario's lab is deployed by this
    # release alone (its prepare otherwise deploys the previous one first).
    env = dict(os.environ, LAB_PLATFORM=args.platform, LAB_IMAGE="stack", LAB_PREVIOUS_RELEASE="none",
               MOLECULE_EPHEMERAL_DIRECTORY=str(args.work / "molecule"))
    env.pop("LAB_WITNESS_GROUP", None)
    if args.servers == 3:
        env["LAB_WITNESS_GROUP"] = "redis_servers"
    return env


def build_lab(args: argparse.Namespace, profile: str) -> None:
    logfile = args.work / f"{profile}-lab.log"
    logfile.write_text("", encoding="utf-8")
    log(f"[{profile}] building the lab ({args.platform}) with bench/profiles/{profile}.yml; log: {logfile}")
    molecule(args, "destroy", "-s", args.scenario, logfile=logfile)
    molecule(args, "converge", "-s", args.scenario, "--", "-e", f"@{PROFILES / f'{profile}.yml'}", logfile=logfile)


# ---- the client

# The clients applications are, as lab/writer.py runs them: one long-lived connection replaced only when it
# fails (a pool), a new connection after every failed write, one for every write, and a pooled client that
# WAITs for a replica after each write and counts it acknowledged only then.
FLAVOURS: dict[str, list[str]] = {
    "pooled": [],
    "reconnecting": ["--reconnect-on-error"],
    "per-write": ["--new-connection-each-write"],
    "wait": ["--wait-replicas=1", "--wait-timeout-ms=100"],
}


class Writer:
    """lab/writer.py in the background, on its own key, as one client flavour (FLAVOURS)."""

    def __init__(self, directory: Path, name: str, flavour: str = "pooled") -> None:
        self.log = directory / f"{name}.log"
        self.members = directory / f"{name}.members"
        self.stop_file = directory / f"{name}.stop"
        for path in (self.log, self.members, self.stop_file):
            path.unlink(missing_ok=True)
        argv = [sys.executable, str(WRITER), f"--host={lab.VIP}", f"--user={lab.APP_USER}", f"--log={self.log}",
                f"--members-file={self.members}", f"--stop-file={self.stop_file}", f"--key=bench:{name}"]
        argv += FLAVOURS[flavour] + ([f"--tls-ca-file={lab.TLS_CA}"] if lab.TLS_CA else [])
        self.process = subprocess.Popen(argv, env=dict(os.environ, LAB_WRITER_PASSWORD=lab.APP_PASSWORD))  # pylint: disable=consider-using-with

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:  # left running by a step that failed
            self.process.kill()

    def acked(self) -> int:
        try:
            return self.log.read_text(encoding="utf-8").count("\tok\t")
        except FileNotFoundError:
            return 0

    def wait_acked(self, count: int = 200) -> None:
        lab.wait_for(f"{count} acknowledged writes through the VIP", lambda: self.acked() >= count, 30)

    def ok_since(self, since: float, seconds: float) -> bool:
        """Writes succeeded without a failure for the last `seconds`, all after `since`."""
        writes = self.writes()
        recent = [write for write in writes if write.at >= since]
        if not recent or recent[-1].at - since < seconds:
            return False
        tail = [write for write in recent if write.at >= recent[-1].at - seconds]
        return all(write.status == "ok" for write in tail) and tail[0].at <= recent[-1].at - seconds + 0.05

    def writes(self) -> list[Write]:
        try:
            with self.log.open(encoding="utf-8") as handle:
                return parse_log(handle)
        except FileNotFoundError:
            return []

    def stop(self) -> tuple[list[Write], set[int]]:
        self.stop_file.touch()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise lab.LabError("the writer did not stop within 60 s") from None
        if self.process.returncode != 0:
            raise lab.LabError(f"the writer failed (rc {self.process.returncode}): the master's members are unknown")
        members = {int(line) for line in self.members.read_text(encoding="utf-8").split() if line}
        return self.writes(), members


def own_client(fault: str) -> str:
    """The flavour of the client a fault's trial waits on and is measured by: a new connection for each write where
    a load balancer fails (the VIP's own unavailability), else a pooled client."""
    return "per-write" if fault in LB_FAULTS else "pooled"


class Clients:
    """The fault's own writer (`primary`: what the trial waits on and its record) and, beside it on keys of their
    own, one writer of each other flavour the run compares (--clients)."""

    def __init__(self, directory: Path, name: str, primary: str, others: t.Iterable[str]) -> None:
        self.primary = Writer(directory, name, primary)
        self.others = {flavour: Writer(directory, f"{name}-{flavour}", flavour) for flavour in others if flavour != primary}
        self.results: dict[str, tuple[list[Write], set[int]]] = {}

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        for writer in (self.primary, *self.others.values()):
            writer.__exit__(*exc)

    def wait_acked(self) -> None:
        for writer in (self.primary, *self.others.values()):
            writer.wait_acked()

    def ok_since(self, since: float, seconds: float) -> bool:
        return self.primary.ok_since(since, seconds)

    def stop(self) -> tuple[list[Write], set[int]]:
        """Stop every writer; the primary's writes and members (the others' in .results)."""
        self.primary.stop_file.touch()
        for writer in self.others.values():
            writer.stop_file.touch()
        self.results = {flavour: writer.stop() for flavour, writer in self.others.items()}
        return self.primary.stop()

    def flavour_records(self, number: int, fault_at: float, end: float | None = None,
                        event: dict[str, t.Any] | None = None, healed_at: float | None = None) -> dict[str, dict[str, t.Any]]:
        """The other flavours' trial records (no timeline): what each kind of client saw of the same fault."""
        records = {}
        for flavour, (writes, members) in self.results.items():
            last = writes[-1].at + 0.001 if writes else fault_at
            record = trial_record(number, writes, members, fault_at, last if end is None else min(end, last), event=event)
            record.pop("timeline", None)
            if healed_at is not None:
                partition_numbers(record, writes, fault_at, healed_at)
            records[flavour] = record
        return records


# ---- measurements

def timeline(writes: list[Write], fault_at: float, end: float, report: dict[str, t.Any]) -> dict[str, t.Any]:
    """Writes per bin (ok / failed) from 1 s before the fault to 1 s after recovery."""
    recovered = report["first_successful_write_after_at"]
    first_failed = report["first_failed_write_at"]
    start = fault_at - 1.0
    stop = min(end, (recovered or end) + 1.0)
    bin_seconds = 0.05 if stop - start <= 12 else 0.25
    bins = max(1, math.ceil((stop - start) / bin_seconds))
    ok, failed = [0] * bins, [0] * bins
    for write in writes:
        index = int((write.at - start) / bin_seconds)
        if 0 <= index < bins:
            (ok if write.status == "ok" else failed)[index] += 1
    return {
        "bin_seconds": bin_seconds,
        "start_seconds": -1.0,
        "ok": ok,
        "failed": failed,
        "first_failed_seconds": round(first_failed - fault_at, 3) if first_failed else None,
        "recovered_seconds": round(recovered - fault_at, 3) if recovered else None,
    }


def trial_record(number: int, writes: list[Write], members: set[int], fault_at: float, end: float,
                 extra: dict[str, t.Any] | None = None, event: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    report = event_report({"name": "fault", "at": fault_at, **(event or {})}, writes, end, members)
    record = {
        "trial": number,
        "unavailable_seconds": report["unavailable_seconds"],
        "failed_writes": report["failed_writes"],
        "acknowledged_writes": report["acknowledged_writes"],
        "acknowledged_writes_lost": report["acknowledged_writes_lost"],
        "writes_to_non_master": report["writes_refused_by_a_replica"],
        "write_pause_seconds": None,
        "ok": report["unavailable_seconds"] is not None,
        "timeline": timeline(writes, fault_at, end, report),
    }
    for key in ("acknowledged_writes_lost_after_election", "elected_seconds_after_fault", "last_lost_write_seconds_after_fault",
                "last_lost_write_seconds_after_election"):
        if key in report and event:
            record[key] = report[key]
    for key, value in (extra or {}).items():
        record[key] = record[key] + value if key == "writes_to_non_master" else value
    return record


def wait_writes_resume(writer: Writer, since: float, timeout: float) -> None:
    lab.wait_for("writes through the VIP to succeed again for 1 s", lambda: writer.ok_since(since, 1.0), timeout, interval=0.2)


# ---- faults: each returns {fault name: trial record}

def master_restarted(args: argparse.Namespace, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Kill Redis on the master and let Debian's unit restart it, as a kill costs on a real host: the master is
    back before down-after, so the Sentinels must not fail over. The trial ends once every server is in sync
    with it again and down-after has long passed."""
    timeout = args.timeout
    old = lab.settle(first_lb())
    epoch = lab.sentinel_epoch("witness")
    with Clients(directory, f"master-crash-restarted-{number}", "pooled", args.clients) as writer:
        writer.wait_acked()
        fault_at = time.time()
        lab.sh(old, "systemctl kill --signal=SIGKILL redis-server")
        wait_writes_resume(writer, fault_at, timeout)
        lab.wait_for(f"every server to replicate {old} again", lambda: lab.in_sync(old), timeout, interval=0.2)
        time.sleep(max(0.0, fault_at + 3.0 - time.time()))
        writes, members = writer.stop()
    end = writes[-1].at + 0.001 if writes else time.time()
    record = trial_record(number, writes, members, fault_at, end)
    record["flavours"] = writer.flavour_records(number, fault_at)
    record["failovers"] = lab.sentinel_epoch("witness") - epoch
    return {"master-crash-restarted": record}


def master_fault(args: argparse.Namespace, kind: str, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Kill, stop or hang Redis on the master; when writes go to the new master, bring it back."""
    timeout = args.timeout
    old = lab.settle(first_lb())
    if kind == "master-crash":
        lab.hold_down(old, "redis-server")
    with Clients(directory, f"{kind}-{number}", "pooled", args.clients) as writer:
        writer.wait_acked()
        fault_at = time.time()
        breaks, resumes = MASTER_FAULTS[kind]
        lab.sh(old, breaks)
        lab.wait_for("the Sentinels to name another master", lambda: lab.master() not in (None, old), timeout, interval=0.2)
        new = t.cast(str, lab.master())
        wait_writes_resume(writer, fault_at, timeout)
        sessions_before = lab.sessions_to(old)
        returned_at = time.time()
        if resumes:
            lab.sh(old, resumes)
        else:
            lab.mend(old, "redis-server")
        lab.wait_for(f"{old} to replicate {new}", lambda: lab.in_sync(new), timeout, interval=0.2)
        time.sleep(1.0)
        sessions = lab.sessions_to(old) - sessions_before
        writes, members = writer.stop()
    end = writes[-1].at + 0.001 if writes else returned_at
    record = trial_record(number, writes, members, fault_at, returned_at)
    record["flavours"] = writer.flavour_records(number, fault_at, returned_at)
    return {
        kind: record,
        "old-master-returns": trial_record(number, writes, members, returned_at, end,
                                           {"writes_to_non_master": sessions, "sessions_to_old_master": sessions, "after": kind}),
    }


# How each load-balancer fault breaks the VIP holder, and how it is mended.
LB_FAULTS: dict[str, tuple[t.Callable[[str], t.Any], t.Callable[[str], t.Any]]] = {
    "haproxy-kill": (lambda host: lab.sh(host, "systemctl kill --signal=SIGKILL haproxy"), lambda host: lab.mend(host, "haproxy")),
    "keepalived-stop": (lambda host: lab.sh(host, "systemctl stop keepalived"), lambda host: lab.sh(host, "systemctl start keepalived")),
    "holder-freeze": (lambda host: lab.docker("pause", host), lambda host: lab.docker("unpause", host)),
}


def lb_fault(args: argparse.Namespace, kind: str, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Break the VIP holder's HAProxy, keepalived or whole host; mend it once writes go through the other.
    The fault's own client opens a new connection for each write: its unavailability is the VIP's."""
    timeout = args.timeout
    master = lab.settle(first_lb())
    holder, peer = first_lb(), lab.LOAD_BALANCERS[1]
    if kind == "holder-freeze" and master == holder:
        # The holder's freeze must not take the master with it: that is master-host-freeze.
        move_master(lambda name: name != holder, timeout)
    if kind == "haproxy-kill":
        lab.hold_down(holder, "haproxy")
    breaks, mends = LB_FAULTS[kind]
    try:
        with Clients(directory, f"{kind}-{number}", own_client(kind), args.clients) as writer:
            writer.wait_acked()
            fault_at = time.time()
            breaks(holder)
            lab.wait_for(f"the VIP on {peer}", lambda: peer in lab.vip_holders(), timeout, interval=0.2)
            wait_writes_resume(writer, fault_at, timeout)
            mended_at = time.time()
            mends(holder)
            writes, members = writer.stop()
    finally:
        if kind == "holder-freeze":
            lab.docker("unpause", holder, check=False)
    record = trial_record(number, writes, members, fault_at, mended_at)
    record["flavours"] = writer.flavour_records(number, fault_at, mended_at)
    return {kind: record}


def failover_accepted() -> bool:
    """SENTINEL FAILOVER on the witness; False while it finds no replica good enough yet (NOGOODSLAVE: right after a
    partition heals, its view of the replicas is a few INFO periods old)."""
    try:
        lab.ask(lab.SENTINELS["witness"], 26379, "SENTINEL", "FAILOVER", lab.MASTER_NAME, password=lab.SENTINEL_PASSWORD)
    except lab.LabError as exc:
        if "NOGOODSLAVE" in str(exc):
            return False
        raise
    return True


def move_master(wanted: t.Callable[[str], bool], timeout: float) -> str:
    """SENTINEL FAILOVER until the master is a server `wanted` accepts (Sentinel picks among the replicas); the settled master."""
    master = lab.settle(first_lb())
    for _attempt in range(len(lab.SERVERS) * 2):
        if wanted(master):
            return master
        lab.wait_for("a Sentinel to accept SENTINEL FAILOVER", failover_accepted, timeout, interval=0.5)
        lab.wait_for("the Sentinels to name another master", lambda: lab.master() not in (None, master), timeout)
        master = lab.settle(first_lb())
    raise lab.LabError(f"no failover put the master where this fault needs it (it is on {master})")


def break_network(kind: str, master: str, replica: str) -> tuple[list[str], t.Callable[[], None]]:
    """Inject a network fault; the hosts whose Sentinels stay in touch, and how to heal it."""
    if kind == "master-isolated":
        lab.isolate(master)
        return [name for name in lab.SENTINELS if name != master], lambda: lab.heal(master)
    if kind == "master-host-freeze":
        lab.docker("pause", master)
        return [name for name in lab.SENTINELS if name != master], lambda: lab.docker("unpause", master, check=False)
    if kind == "vrrp-split":
        first, second = lab.LOAD_BALANCERS[:2]
        lab.partition(first, [lab.FRONT_ADDRESSES[second]])
        lab.partition(second, [lab.FRONT_ADDRESSES[first]])

        def heal_both() -> None:
            lab.heal(first)
            lab.heal(second)
        return list(lab.SENTINELS), heal_both
    cut = {"master-partition": master, "lb-partition": first_lb(), "sentinel-minority": "witness",
           "replica-partition": replica}[kind]
    lab.partition(cut, lab.back_addresses_except(cut))
    return [name for name in lab.SENTINELS if name != cut], lambda: lab.heal(cut)


def network_fault(args: argparse.Namespace, kind: str, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Cut part of the lab off, or freeze a host, for PARTITION_SECONDS under one long-lived client connection; heal;
    wait until the stack is in sync again. Where the master was cut off, the Sentinels that still see each other must
    elect another (its time is the event's elected_at); elsewhere no failover may happen at all."""
    timeout = args.timeout
    master = lab.settle(first_lb())
    # lb-partition: the holder's partition must not take the master with it (that is master-partition);
    # replica-partition: the replica must not be the holder (that is lb-partition): where the load
    # balancers run on the Redis hosts, the master goes to the holder and the other one is cut off;
    # on hosts of their own any replica will do (Sentinel may never pick a given one among two).
    if kind == "lb-partition":
        master = move_master(lambda name: name != first_lb(), timeout)
    replica = lab.LOAD_BALANCERS[1] if lab.colocated() else lab.next_server(master)
    if kind == "replica-partition" and lab.colocated():
        master = move_master(lambda name: name == first_lb(), timeout)
    # sentinel-minority: with --servers 3 the witness runs a Redis server too, which must not be the master
    # (cutting it off would be master-isolated's partition).
    if kind == "sentinel-minority":
        master = move_master(lambda name: name != "witness", timeout)
    # master-isolated, where the load balancers share the Redis hosts: odd trials isolate the VIP holder's host,
    # even ones the other load balancer's, which hears no VRRP peer and becomes VRRP master in its isolation.
    if kind == "master-isolated" and lab.colocated():
        master = move_master(lambda name: (name == first_lb()) == (number % 2 == 1), timeout)
    event: dict[str, t.Any] = {}
    writes: list[Write] = []
    members: set[int] = set()
    epoch = lab.sentinel_epoch("witness")
    heal: t.Callable[[], None] = lambda: None
    held_vip = False
    fault_at = healed_at = time.time()
    expected = master
    try:
        with Clients(directory, f"{kind}-{number}", "pooled", args.clients) as writer:
            writer.wait_acked()
            held_vip = master in lab.vip_holders()
            fault_at = time.time()
            seen_by, heal = break_network(kind, master, replica)
            if kind in FAILING_OVER:
                lab.wait_for("the Sentinels' majority to elect another master",
                             lambda: lab.named_by(seen_by) not in (None, master), timeout, 0.05)
                event["elected_at"] = time.time()
                expected = t.cast(str, lab.named_by(seen_by))
            wait_writes_resume(writer, fault_at, timeout)
            time.sleep(max(0.0, fault_at + PARTITION_SECONDS - time.time()))
            healed_at = time.time()
            heal()
            lab.wait_for(f"every server to replicate {expected}", lambda: lab.in_sync(expected), timeout, interval=0.2)
            lab.wait_for("one VIP holder", lambda: len(lab.vip_holders()) == 1, timeout, interval=0.2)
            time.sleep(1.0)
            writes, members = writer.stop()
    finally:
        heal()
    end = writes[-1].at + 0.001 if writes else healed_at
    record = partition_numbers(trial_record(number, writes, members, fault_at, end, event=event), writes, fault_at, healed_at)
    record["flavours"] = writer.flavour_records(number, fault_at, event=event, healed_at=healed_at)
    record["failovers"] = lab.sentinel_epoch("witness") - epoch
    record["master_held_vip"] = held_vip
    return {kind: record}


def partition_numbers(record: dict[str, t.Any], writes: list[Write], fault_at: float, healed_at: float) -> dict[str, t.Any]:
    """The writes acknowledged while the partition lasted, and the lost ones' share of them, added to `record`."""
    during = [write for write in writes if fault_at <= write.at < healed_at and write.status == "ok"]
    record["acknowledged_during_partition"] = len(during)
    record["lost_share_of_partition_writes"] = round(record["acknowledged_writes_lost"] / len(during), 4) if during else 0.0
    return record


def synced_on(sentinels: list[str]) -> bool:
    """The master `sentinels` name has every other server in sync with it."""
    master = lab.named_by(sentinels)
    return master is not None and lab.in_sync(master)


def crash_after_thaw(args: argparse.Namespace, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Freeze the master's host until the others elect a new master and PARTITION_SECONDS have passed, thaw it (its
    Sentinel comes back in TILT for 30 s), and as soon as it follows the new master, kill Redis there: the
    failover that follows must not wait for the Sentinel in TILT. Measured from the kill."""
    timeout = args.timeout
    old = lab.settle(first_lb())
    with Clients(directory, f"crash-after-thaw-{number}", "pooled", args.clients) as writer:
        writer.wait_acked()
        frozen_at = time.time()
        others, thaw = break_network("master-host-freeze", old, "")
        try:
            lab.wait_for("the other Sentinels to elect another master", lambda: lab.named_by(others) not in (None, old), timeout, 0.05)
            wait_writes_resume(writer, frozen_at, timeout)
            time.sleep(max(0.0, frozen_at + PARTITION_SECONDS - time.time()))
        finally:
            thaw()
        lab.wait_for(f"{old} to replicate the new master", lambda: synced_on(others), timeout, interval=0.2)
        new = t.cast(str, lab.named_by(others))
        tilt = lab.sentinel_tilt(old)
        lab.hold_down(new, "redis-server")
        fault_at = time.time()
        lab.sh(new, "systemctl kill --signal=SIGKILL redis-server")
        lab.wait_for("the Sentinels to name a third master", lambda: lab.named_by(others) not in (None, new), timeout, 0.05)
        elected = time.time() - fault_at
        wait_writes_resume(writer, fault_at, timeout)
        returned_at = time.time()
        lab.mend(new, "redis-server")
        lab.wait_for(f"{new} to follow the third master", lambda: synced_on(others), timeout, interval=0.2)
        writes, members = writer.stop()
    record = trial_record(number, writes, members, fault_at, returned_at)
    record["flavours"] = writer.flavour_records(number, fault_at, returned_at)
    record["thawed_sentinel_in_tilt"] = tilt
    record["elected_seconds_after_fault"] = round(elected, 3)
    return {"crash-after-thaw": record}


def playbook_under_writes(args: argparse.Namespace, number: int, directory: Path, fault: str, argv: list[str],
                          done: t.Callable[[], bool], waited: str, more: list[list[str]] | None = None) -> dict[str, t.Any]:
    """Run one of the collection's playbooks (argv after ansible-playbook -i <the lab's inventory>; then each of
    `more`) as an operator does, under the clients, and wait until `done` and writes go through again. The record has
    the write pause switchover.yml reported, the playbooks' length and the Sentinels' failovers (config epoch)
    meanwhile."""
    timeout = args.timeout
    epoch = lab.sentinel_epoch("witness")
    with Clients(directory, f"{fault}-{number}", "pooled", args.clients) as writer:
        writer.wait_acked()
        fault_at = time.time()
        outputs = []
        for run in [argv] + (more or []):
            result = subprocess.run(
                ["ansible-playbook", "-i", str(args.work / "molecule" / "inventory")] + run,
                capture_output=True, text=True, cwd=ROOT, env=lab_env(args), timeout=timeout * 20, check=False)
            if result.returncode != 0:
                raise lab.LabError(f"{' '.join(run)} failed: {result.stdout[-2000:]}")
            outputs.append(result.stdout)
        ended_at = time.time()
        pause = re.search(r"paused for ([0-9.]+) s", "\n".join(outputs))
        lab.wait_for(waited, done, timeout)
        wait_writes_resume(writer, fault_at, timeout)
        done_at = time.time()
        writes, members = writer.stop()
    record = trial_record(number, writes, members, fault_at, done_at)
    record["flavours"] = writer.flavour_records(number, fault_at, done_at)
    record["write_pause_seconds"] = float(pause.group(1)) if pause else None
    record["playbook_seconds"] = round(ended_at - fault_at, 1)
    record["failovers"] = lab.sentinel_epoch("witness") - epoch
    return record


def switchover(args: argparse.Namespace, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """playbooks/switchover.yml to a replica (the next server in turn: with two replicas, Sentinel must promote
    that one and not the other), as an operator runs it."""
    target = lab.next_server(lab.settle(first_lb()))
    record = playbook_under_writes(
        args, number, directory, "switchover", [str(ROOT / "playbooks" / "switchover.yml"), "-e", f"switchover_target={target}"],
        lambda: lab.master() == target, f"the Sentinels to name {target}")
    return {"switchover": record}


def rolling_restart(args: argparse.Namespace, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """playbooks/rolling_restart.yml, as an operator runs it: its one switchover moves the master to a replica."""
    old = lab.settle(first_lb())
    record = playbook_under_writes(
        args, number, directory, "rolling-restart", [str(ROOT / "playbooks" / "rolling_restart.yml")],
        lambda: lab.master() != old, f"the Sentinels to name another master than {old}")
    return {"rolling-restart": record}


# Faults whose trials take minutes each (four site.yml runs): at most this many trials.
MAX_TRIALS = {"password-rotation": 2}
# The lab's passwords a rotation changes, by the variable of the lab's definition that holds each, and the ACL
# user (redis_server) or Sentinel user (redis_sentinel; default is the Sentinels' own) whose password it is.
ROTATED = {"redis_server_admin_password": ("redis", "admin"),
           "redis_server_replication_password": ("redis", "replication"),
           "redis_server_healthcheck_password": ("redis", "healthcheck"),
           "redis_server_sentinel_user_password": ("redis", "sentinel"),
           "lab_sentinel_password": ("sentinel", "default")}


def rotation_vars(current: dict[str, str], to_new: bool, keep_previous: bool) -> dict[str, t.Any]:
    """The extra variables of one site.yml run of a rotation: every ROTATED password (its `current` value by
    variable) set to a new one, with quotes, a backslash and a non-ASCII letter (or back to `current`), and while
    `keep_previous` the one it replaces accepted beside it."""
    new = {name: f"{current[name]} rotated \u00e4\"'#$\\" for name in ROTATED}
    values, previous = (new, current) if to_new else (current, new)
    extra: dict[str, t.Any] = {name: values[name] for name in ROTATED}
    if keep_previous:
        extra["redis_server_previous_passwords"] = {user: previous[name] for name, (kind, user) in ROTATED.items() if kind == "redis"}
        extra["redis_sentinel_previous_passwords"] = {user: previous[name] for name, (kind, user) in ROTATED.items() if kind == "sentinel"}
    return extra


def password_rotation(args: argparse.Namespace, number: int, directory: Path) -> dict[str, dict[str, t.Any]]:
    """Every ROTATED password changed as the README says (site.yml with the previous passwords, then without), then
    changed back the same way, so the lab ends on its inventory's passwords. No write may fail, no failover happen."""
    master = lab.settle(first_lb())
    current = {name: str(t.cast(t.Any, lab.FOUND).value(name)) for name in ROTATED}
    runs = []
    for step, (to_new, keep_previous) in enumerate([(True, True), (True, False), (False, True), (False, False)]):
        path = args.work / f"rotation-{step}.json"
        path.write_text(json.dumps(rotation_vars(current, to_new, keep_previous)), encoding="utf-8")
        path.chmod(0o600)
        runs.append([str(ROOT / "playbooks" / "site.yml"), "-e", f"@{path}"])
    record = playbook_under_writes(args, number, directory, "password-rotation", runs[0],
                                   lambda: lab.master() == master, f"{master} to stay the master", more=runs[1:])
    return {"password-rotation": record}


def run_faults(args: argparse.Namespace, profile: str, directory: Path) -> dict[str, dict[str, t.Any]]:
    faults: dict[str, dict[str, t.Any]] = {}
    wanted = [name for name in FAULTS if name in args.faults]
    if "old-master-returns" in wanted and not any(name in wanted for name in RETURNING):
        wanted.insert(0, "master-stop")
    for name in wanted:
        faults[name] = {"description": FAULTS[name].description, "target_p50_seconds": FAULTS[name].target_p50_seconds,
                        "client": own_client(name), "trials": []}
    for name in wanted:
        if name == "old-master-returns":
            continue
        trials = min(args.trials_for[profile], MAX_TRIALS.get(name, args.trials_for[profile]))
        for number in range(1, trials + 1):
            try:
                if name in RETURNING:
                    records = master_fault(args, name, number, directory)
                elif name == "switchover":
                    records = switchover(args, number, directory)
                elif name == "rolling-restart":
                    records = rolling_restart(args, number, directory)
                elif name == "password-rotation":
                    records = password_rotation(args, number, directory)
                elif name == "master-crash-restarted":
                    records = master_restarted(args, number, directory)
                elif name == "crash-after-thaw":
                    records = crash_after_thaw(args, number, directory)
                elif name in NETWORK_FAULTS:
                    records = network_fault(args, name, number, directory)
                else:
                    records = lb_fault(args, name, number, directory)
            except lab.LabError as exc:
                records = {name: {"trial": number, "unavailable_seconds": None, "failed_writes": 0, "acknowledged_writes": 0,
                                  "acknowledged_writes_lost": 0, "writes_to_non_master": 0, "write_pause_seconds": None,
                                  "ok": False, "error": str(exc)}}
                log(f"[{profile}] {name} {number}: FAILED: {exc}")
                lab.settle(timeout=args.timeout * 4)
            for fault, record in records.items():
                if fault in faults:
                    faults[fault]["trials"].append(record)
            record = records[name]
            log(f"[{profile}] {name} {number}/{trials}: unavailable {record['unavailable_seconds']} s, "
                f"{record['failed_writes']} failed, {record['acknowledged_writes_lost']} lost, "
                f"{record['writes_to_non_master']} to a non-master"
                + (f", pause {record['write_pause_seconds']} s" if record.get("write_pause_seconds") is not None else "")
                + (f"; old master returning: {records['old-master-returns']['writes_to_non_master']} writes to it"
                   if "old-master-returns" in records else "")
                + "".join(f"; {flavour} client: unavailable {other['unavailable_seconds']} s, {other['failed_writes']} failed, "
                          f"{other['acknowledged_writes_lost']} lost" for flavour, other in (record.get("flavours") or {}).items()))
    return faults


def steady(args: argparse.Namespace, profile: str, directory: Path) -> dict[str, t.Any]:
    """Writes and redis-benchmark load through the VIP, no fault: any failover or VIP move is false. With a dataset
    (--dataset-mb), the master also saves it, rewrites its AOF and resyncs every replica in full meanwhile."""
    lab.settle(first_lb())
    log(f"[{profile}] steady load for {args.steady:.0f} s")
    started = time.time()
    epoch = lab.sentinel_epoch("witness")
    sdown = sum(lab.count_in_log(host, lab.SENTINEL_LOG, "+sdown") for host in lab.SENTINELS)
    with lab.benchmark_user() as user:
        load = subprocess.Popen(  # pylint: disable=consider-using-with
            ["redis-benchmark", "-h", lab.VIP, "--user", user[0], "-a", user[1], *benchmark_tls(), "-c", "8", "-n", "1000000000",
             "-t", "set,get", "-r", "100000", "-l", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with Writer(directory, "steady") as writer, heavy.Disturbances(args.steady if args.dataset_mb else 0) as disturbances:
                time.sleep(args.steady)
                writes, members = writer.stop()
        finally:
            load.terminate()
            load.wait(timeout=10)
    acked = [write for write in writes if write.status == "ok"]
    return {
        "seconds": round(time.time() - started, 1),
        "writes": len(writes),
        "failed_writes": len(writes) - len(acked),
        "acknowledged_writes_lost": sum(1 for write in acked if write.number not in members),
        "false_failovers": lab.sentinel_epoch("witness") - epoch,
        "vip_moves": sum(lab.keepalived_masters_since(lb, started) for lb in lab.LOAD_BALANCERS),
        "sdown_events": sum(lab.count_in_log(host, lab.SENTINEL_LOG, "+sdown") for host in lab.SENTINELS) - sdown,
        "disturbances": disturbances.done,
    }


def benchmark_tls() -> list[str]:
    """redis-benchmark's TLS options on a lab with TLS: the lab's CA (it checks the chain, not the name)."""
    return ["--tls", "--cacert", lab.TLS_CA] if lab.TLS_CA else []


# Whose CPU time a redis-benchmark run is charged with: the client, every HAProxy, every Redis.
CPU_PROGRAMS = {"haproxy": "haproxy", "redis": "redis-server"}


def redis_benchmark(user: tuple[str, str], host: str, pipeline: int, test: str, requests: int, clients: int = 50) -> dict[str, float]:
    """One redis-benchmark run of `requests` requests as `user` (lab.benchmark_user()): rps and p50 latency, and the
    CPU time per request (µs) the client, the HAProxies and the Redis servers spent on it (the lab shares this
    machine's cores)."""
    hosts = sorted(set(lab.LOAD_BALANCERS) | set(lab.SERVERS))
    before, client_before = lab.cpu_seconds(hosts, CPU_PROGRAMS.values()), os.times()
    result = subprocess.run(
        ["redis-benchmark", "-h", host, "--user", user[0], "-a", user[1], *benchmark_tls(), "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "-t", test.lower(), "-r", "100000", "--csv"],
        capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        # Not CalledProcessError: its message is the command line, password included.
        raise lab.LabError(f"redis-benchmark {test} -P {pipeline} to {host}: rc {result.returncode}: {result.stderr.strip()[-500:]}")
    out = result.stdout
    client_after, after = os.times(), lab.cpu_seconds(hosts, CPU_PROGRAMS.values())
    row = parse_benchmark_csv(out)[test]
    client = (client_after.children_user + client_after.children_system) - (client_before.children_user + client_before.children_system)
    row["cpu_us_client"] = client / requests * 1e6
    for name, program in CPU_PROGRAMS.items():
        row[f"cpu_us_{name}"] = (after[program] - before[program]) / requests * 1e6
    return row


def parse_benchmark_csv(text: str) -> dict[str, dict[str, float]]:
    """redis-benchmark --csv: {"SET": {"rps": ..., "p50_latency_ms": ...}, ...}."""
    rows: dict[str, dict[str, float]] = {}
    header: list[str] = []
    for line in text.splitlines():
        cells = [cell.strip('"') for cell in line.strip().split(",")]
        if not cells or not cells[0]:
            continue
        if cells[0] == "test":
            header = cells
            continue
        names = header or ["test", "rps"]
        row = dict(zip(names, cells))
        rows[row["test"]] = {key: float(value) for key, value in row.items() if key != "test"}
    return rows


def throughput(user: tuple[str, str], profile: str, rounds: int, requests: int) -> list[dict[str, t.Any]]:
    """Direct to the master and through the VIP, alternately, `rounds` times, as `user`; medians. Each run sends
    `requests` requests without pipelining, ten times as many with -P 16."""
    master = lab.settle(first_lb())
    rows = []
    for pipeline in (1, 16):
        for test in ("SET", "GET"):
            runs: dict[str, list[dict[str, float]]] = {"direct": [], "vip": []}
            for _round in range(rounds):
                count = requests if pipeline == 1 else requests * 10
                runs["direct"].append(redis_benchmark(user, lab.SERVERS[master], pipeline, test, count))
                runs["vip"].append(redis_benchmark(user, lab.VIP, pipeline, test, count))
            row: dict[str, t.Any] = {"test": test, "pipeline": pipeline, "clients": 50}
            for way, results in runs.items():
                row[f"{way}_rps"] = statistics.median(result["rps"] for result in results)
                row[f"{way}_p50_ms"] = statistics.median(result.get("p50_latency_ms", 0.0) for result in results)
                row[f"{way}_p99_ms"] = statistics.median(result.get("p99_latency_ms", 0.0) for result in results)
                row[f"{way}_cpu_us"] = {name: round(statistics.median(result[f"cpu_us_{name}"] for result in results), 2)
                                        for name in ("client", *CPU_PROGRAMS)}
            rows.append(row)
            log(f"[{profile}] {test} -P {pipeline}: direct {row['direct_rps']:.0f} rps, VIP {row['vip_rps']:.0f} rps "
                f"({row['vip_rps'] / row['direct_rps']:.2f}); CPU µs per request direct {row['direct_cpu_us']}, VIP {row['vip_cpu_us']}")
    return rows


# Requests per redis-benchmark run of the low-load latency measurement (one client, no pipelining).
LATENCY_REQUESTS = 20000


def latency(user: tuple[str, str], profile: str, rounds: int) -> list[dict[str, t.Any]]:
    """What the VIP adds to each request at low load: one client without pipelining, direct to the master and
    through the VIP, alternately `rounds` times; the medians of redis-benchmark's p50 and p99 in µs."""
    master = lab.settle(first_lb())
    rows = []
    for test in ("SET", "GET"):
        runs: dict[str, list[dict[str, float]]] = {"direct": [], "vip": []}
        for _round in range(rounds):
            runs["direct"].append(redis_benchmark(user, lab.SERVERS[master], 1, test, LATENCY_REQUESTS, clients=1))
            runs["vip"].append(redis_benchmark(user, lab.VIP, 1, test, LATENCY_REQUESTS, clients=1))
        row: dict[str, t.Any] = {"test": test, "clients": 1, "pipeline": 1, "requests": LATENCY_REQUESTS}
        for way, results in runs.items():
            for quantile in ("p50", "p99"):
                row[f"{way}_{quantile}_us"] = round(statistics.median(result.get(f"{quantile}_latency_ms", 0.0) for result in results) * 1000, 1)
        rows.append(row)
        log(f"[{profile}] {test} one client: p50 / p99 direct {row['direct_p50_us']} / {row['direct_p99_us']} µs, "
            f"VIP {row['vip_p50_us']} / {row['vip_p99_us']} µs")
    return rows


# ---- the run

def version(line: str, pattern: str) -> str:
    """The version number in a program's banner (the whole line when it has none)."""
    found = re.search(pattern, line)
    return found.group(1) if found else line


def machine(args: argparse.Namespace) -> dict[str, t.Any]:
    def first_line(*argv: str) -> str:
        try:
            out = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            return ""
        return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""

    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    os_release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines() if "=" in line)
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1) if model else platform.processor(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
        "host_os": os_release.get("PRETTY_NAME", "").strip('"'),
        "lab_platform": args.platform,
        "versions": {
            "redis": version(first_line("docker", "exec", next(iter(lab.SERVERS)), "redis-server", "--version"), r"v=(\S+)"),
            "haproxy": version(first_line("docker", "exec", first_lb(), "haproxy", "-v"), r"version (\S+)"),
            "keepalived": version(first_line("docker", "exec", first_lb(), "keepalived", "--version"), r"v(\d\S*)"),
            "docker": first_line("docker", "version", "--format", "{{.Server.Version}}"),
        },
    }


def profile_key(args: argparse.Namespace, profile: str) -> str:
    """The name a profile's results go under: the profile, and the lab's shape where it is not the reference one."""
    shape = [LAB_SHAPES.get(args.scenario, args.scenario)] if args.scenario != "failover" else []
    shape += ["3 servers"] if args.servers == 3 else []
    shape += [f"heavy load, {args.dataset_mb} MB dataset"] if args.dataset_mb else []
    return f"{profile} ({', '.join(shape)})" if shape else profile


def run_profile(args: argparse.Namespace, profile: str) -> dict[str, t.Any]:
    if not args.reuse_lab:
        build_lab(args, profile)
    directory = args.work / profile
    directory.mkdir(parents=True, exist_ok=True)
    result: dict[str, t.Any] = {"title": profile_title(profile), "settings": profile_settings(profile),
                                "lab": {"scenario": args.scenario, "servers": list(lab.SERVERS), "load_balancers": list(lab.LOAD_BALANCERS)}}
    if args.dataset_mb:
        log(f"[{profile}] writing a dataset of {args.dataset_mb} MB through the VIP")
        result["dataset"] = heavy.load_dataset(args.dataset_mb)
        log(f"[{profile}] dataset: {result['dataset']}")
    with heavy.Mix(enabled=bool(args.dataset_mb)) as mix:
        result["faults"] = run_faults(args, profile, directory)
        result["steady"] = steady(args, profile, directory) if args.steady > 0 else None
    if args.dataset_mb:
        result["mix"] = dict(mix.counts, first_failure=mix.first_failure)
    result["throughput"], result["latency"] = [], []
    if args.rounds > 0:
        with lab.benchmark_user() as user:
            result["throughput"] = throughput(user, profile, args.rounds, args.requests)
            result["latency"] = latency(user, profile, args.rounds)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--profiles", default="tutorial,defaults",
                        help="comma-separated bench/profiles/<name>.yml, in order; <name>:<trials> overrides --trials for one")
    parser.add_argument("--trials", type=int, default=10, help="trials per fault")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated subset of {', '.join(FAULTS)}")
    parser.add_argument("--steady", type=float, default=600, help="seconds of steady load (0: skip)")
    parser.add_argument("--rounds", type=int, default=3, help="redis-benchmark rounds, direct and through the VIP (0: skip)")
    parser.add_argument("--requests", type=int, default=200000,
                        help="requests per redis-benchmark run without pipelining (ten times as many with -P 16)")
    parser.add_argument("--platform", default="debian12", help="lab platform (debian12 | debian13)")
    parser.add_argument("--scenario", default="failover",
                        help="the Molecule scenario whose lab is used: failover (the reference lab: load balancers on the Redis "
                             "hosts), lb_hosts (load balancers on hosts of their own) or tls (the reference lab with TLS on "
                             "every connection)")
    parser.add_argument("--clients", default="pooled,reconnecting,wait",
                        help=f"client flavours that write beside each fault's own client, each on its own key: "
                             f"comma-separated subset of {', '.join(FLAVOURS)} ('' for none)")
    parser.add_argument("--servers", type=int, choices=(2, 3), default=2,
                        help="Redis servers in the lab: 2 (redis1, redis2) or 3 (the witness too: a group with two replicas)")
    parser.add_argument("--timeout", type=float, default=90, help="seconds to wait for any one recovery")
    parser.add_argument("--dataset-mb", type=int, default=0,
                        help="the heavy load (bench/heavy.py): a dataset of this many MB, a client mix of large values and "
                             "slow commands in every trial, a BGSAVE, an AOF rewrite and a full resync in the steady load")
    parser.add_argument("--reuse-lab", action="store_true", help="measure the lab that runs now (one profile, no rebuild)")
    parser.add_argument("--keep-lab", action="store_true", help="leave the last lab running")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results", help="directory for results.json, results.md, PNGs")
    parser.add_argument("--docs", type=Path, default=None, help="also write the results page here (docs/benchmarks.md), PNGs beside it")
    parser.add_argument("--update", type=Path, default=None,
                        help="merge into this results.json: the faults run now replace theirs, the rest is kept")
    parser.add_argument("--check", action="store_true",
                        help="exit non-zero when a trial failed, a write reached a non-master (but for the READONLY replies a "
                             "switchover gives paused clients) or an acknowledged write was lost (outside master-crash and master-hang, "
                             "whose last replication window may lose some)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench", help="logs of every trial and of the lab builds")
    args = parser.parse_args(argv)
    args.trials_for = {}
    for item in args.profiles.split(","):
        name, _sep, trials = item.partition(":")
        if not trials.isdigit() and trials:
            parser.error(f"--profiles {item}: trials must be a number, as in tutorial:3")
        args.trials_for[name] = int(trials) if trials else args.trials
    args.profiles = [name for name in args.trials_for if name]
    args.faults = [name for name in args.faults.split(",") if name]
    args.clients = [name for name in args.clients.split(",") if name]
    if [name for name in args.clients if name not in FLAVOURS]:
        parser.error(f"--clients {','.join(args.clients)}: each must be one of {', '.join(FLAVOURS)}")
    unknown = [name for name in args.faults if name not in FAULTS] + [
        name for name in args.profiles if not (PROFILES / f"{name}.yml").is_file()]
    if unknown:
        parser.error(f"unknown fault or profile: {', '.join(unknown)} (faults: {', '.join(FAULTS)}; profiles: bench/profiles/*.yml)")
    if args.reuse_lab and len(args.profiles) != 1:
        parser.error("--reuse-lab measures the running lab: give exactly one --profiles")
    if min(args.trials_for.values(), default=1) < 1:
        parser.error("--trials must be at least 1")
    return args


def merge(old: dict[str, t.Any], new: dict[str, t.Any]) -> dict[str, t.Any]:
    """`old` results with the faults, steady load and throughput `new` measured replacing theirs."""
    merged = json.loads(json.dumps(old))
    for name, profile in new["profiles"].items():
        empty = {"title": profile["title"], "settings": profile["settings"], "faults": {}, "steady": None, "throughput": [], "latency": []}
        target = merged["profiles"].setdefault(name, empty)
        target["faults"].update(profile["faults"])
        for key in ("steady", "throughput", "latency"):
            if profile.get(key):
                target[key] = profile[key]
    merged["command"] = f"{old.get('command')}; then {new['command']}"
    merged["duration_seconds"] = round((old.get("duration_seconds") or 0) + (new.get("duration_seconds") or 0), 1)
    merged["machine"] = new.get("machine") or old.get("machine")
    return merged


def trial_problems(fault: str, trial: dict[str, t.Any], where: str, flavour: str = "") -> list[str]:
    """What --check refuses in one client's record of a trial (the fault's own client or another flavour)."""
    found = []
    # A switchover's paused clients get READONLY from the old master, by design (a rolling restart runs one).
    if trial["writes_to_non_master"] and fault not in PLANNED:
        found.append(f"{where}: {trial['writes_to_non_master']} writes reached a non-master")
    if trial["acknowledged_writes_lost"] and fault not in UNCLEAN:
        found.append(f"{where}: {trial['acknowledged_writes_lost']} acknowledged writes lost")
    # A partitioned master may lose the writes of the detection window: those acknowledged before its load
    # balancers see the election (their vote checks), never later than ELECTION_BOUND_SECONDS after it.
    late = trial.get("last_lost_write_seconds_after_election")
    if late is not None and late > ELECTION_BOUND_SECONDS:
        found.append(f"{where}: a deposed master acknowledged a write that was lost {late} s after the election "
                     f"(bound: {ELECTION_BOUND_SECONDS} s; {trial.get('acknowledged_writes_lost_after_election')} such writes)")
    # A fault that cuts no master off, or one the master is back from before down-after,
    # must not make the Sentinels elect one.
    if trial.get("failovers") and (fault == "master-crash-restarted" or fault in NETWORK_FAULTS and fault not in FAILING_OVER):
        found.append(f"{where}: {trial['failovers']} failovers where none may happen")
    # A password change may fail no write, but the WAIT client's, whose 100 ms timeout a busy replica's late
    # acknowledgement exceeds now and then (the write is applied, only not counted as replicated in time).
    if fault == "password-rotation" and (trial.get("failovers") or (trial.get("failed_writes") and flavour != "wait")):
        found.append(f"{where}: {trial.get('failovers') or 0} failovers and {trial.get('failed_writes')} failed writes "
                     "where none may happen")
    if fault in PLANNED and trial.get("failovers", 1) != 1:
        found.append(f"{where}: {trial['failovers']} failovers where exactly one (the planned switchover) may happen")
    return found


def problems(results: dict[str, t.Any]) -> list[str]:
    """What --check refuses: failed trials, writes to a non-master, lost writes where none may be lost."""
    found = []
    for profile, result in results["profiles"].items():
        for fault, data in result["faults"].items():
            for trial in data["trials"]:
                where = f"{profile} {fault} trial {trial['trial']}"
                if not trial["ok"]:
                    found.append(f"{where}: {trial.get('error') or 'writes never succeeded again'}")
                found += trial_problems(fault, trial, where)
                for flavour, record in (trial.get("flavours") or {}).items():
                    found += trial_problems(fault, record, f"{where} ({flavour} client)", flavour)
        steady_load = result.get("steady") or {}
        for key in ("false_failovers", "acknowledged_writes_lost"):
            if steady_load.get(key):
                found.append(f"{profile} steady load: {key.replace('_', ' ')} {steady_load[key]}")
    return found


def interrupted(signum: int, _frame: t.Any) -> None:
    """SIGTERM ends a run as Ctrl-C does: the trials measured so far are written and the lab removed."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, interrupted)
    args = parse_args(argv)
    lab.use_scenario(args.scenario)
    if lab.TLS:
        # Where the scenario's prepare.yml makes the lab's CA (lab_tls_dir) in the benchmark's Molecule directory.
        lab.use_tls(str(args.work / "molecule" / "tls" / "lab-ca.pem"))
    if args.servers == 3:
        lab.use_witness_server()
    args.work.mkdir(parents=True, exist_ok=True)
    args.output.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results: dict[str, t.Any] = {
        "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": os.environ.get("HASTACK_BENCH_COMMAND", "python bench/bench.py " + " ".join(sys.argv[1:])),
        "profiles": {},
        "servers": list(lab.SERVERS),
    }
    try:
        for profile in args.profiles:
            results["profiles"][profile_key(args, profile)] = run_profile(args, profile)
            results["machine"] = machine(args)
    finally:
        # The comparison reads best with the tutorial's column first, whatever order the runs took.
        results["profiles"] = dict(sorted(results["profiles"].items(), key=lambda item: item[0] != "tutorial"))
        results["duration_seconds"] = round(time.time() - started, 1)
        if args.update:
            results = merge(json.loads(args.update.read_text(encoding="utf-8")), results)
        (args.output / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        log(f"results: {args.output / 'results.json'}")
        if not args.keep_lab and not args.reuse_lab:
            molecule(args, "destroy", "-s", args.scenario, logfile=args.work / "destroy.log")
    render = [sys.executable, str(ROOT / "bench" / "render.py"), str(args.output / "results.json")]
    subprocess.run(render + ["--markdown", str(args.output / "results.md"), "--png-dir", str(args.output)], check=True, cwd=ROOT)
    if args.docs:
        # The results page: its tables and timelines beside it (docs/benchmarks/*.png).
        subprocess.run(render + ["--markdown", str(args.docs), "--png-dir", str(args.docs.with_suffix("")), "--page"], check=True, cwd=ROOT)
    if args.check and problems(results):
        raise SystemExit("the benchmark found problems:\n  " + "\n  ".join(problems(results)))


if __name__ == "__main__":
    main()

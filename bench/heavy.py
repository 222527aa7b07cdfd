# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The heavy load of the benchmark (`bench.py --dataset-mb N`): the load a real
master carries, next to the writer whose log the trials measure.

- The dataset: N MB of 1 KB values that do not compress (keys
  `heavy:data:<n>`) and a list of
  100,000 items (`heavy:list`), written through the VIP as the application
  in chunks of 10 MB, each only once every replica is within 32 MB of the
  master (a faster fill would overrun the replicas' output buffers and start
  full resyncs the benchmark did not ask for).
- The client mix, through the VIP as the application, during every trial and
  the steady load: a 1 MB value written and read back every 0.25 s, the whole
  list read every 2 s, and a script that keeps the server busy for 0.2 s every
  5 s (as `DEBUG SLEEP 0.2` would, which the servers refuse: no user may run
  DEBUG).
- The disturbances of the steady load, as the admin user on the master: a
  BGSAVE, an AOF rewrite (BGREWRITEAOF), and a full resync of every replica
  (the replication backlog shrunk to its minimum, the replicas' links cut, the
  backlog restored once they are in sync), each waited for to its end.

What a trial or the steady load saw of them is returned for the results: the
dataset's size in memory, each disturbance's length and fork time, and the
mix's commands and failures.
"""

from __future__ import annotations

import threading
import time
import typing as t

from ansible_collections.hastack.redis.lab import model as lab
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisError, parse_info

VALUE_BYTES = 1024
CHUNK_KEYS = 10240
LIST_ITEMS = 100000
MAX_REPLICA_LAG_BYTES = 32 * 1024 * 1024
LARGE_VALUE = b"v" * (1024 * 1024)
SLOW_COMMAND_MICROSECONDS = 200000

# Values that do not compress (the RDB compresses each value with LZF, so
# repeated letters would make a snapshot and a full resync of 2 GB move about
# 90 MB): each a slice of 64 KB of pseudo-random bytes, at an offset of its own.
FILL = """
local size = tonumber(ARGV[3])
local bytes = {}
for i = 1, 65536 do bytes[i] = string.char(math.random(0, 255)) end
local pool = table.concat(bytes)
for n = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1 do
  local offset = (n * 7919) % (65536 - size) + 1
  redis.call('SET', KEYS[1] .. n, string.sub(pool, offset, offset + size - 1))
end
return tonumber(ARGV[2])
"""
FILL_LIST = """
for n = 1, tonumber(ARGV[1]) do
  redis.call('RPUSH', KEYS[1], n)
end
return redis.call('LLEN', KEYS[1])
"""
# The server does nothing else for ARGV[1] microseconds: a slow command.
SPIN = """
local now = redis.call('TIME')
local stop = now[1] * 1000000 + now[2] + tonumber(ARGV[1])
repeat now = redis.call('TIME') until now[1] * 1000000 + now[2] >= stop
return 1
"""


def replica_lag_bytes(info: dict[str, t.Any]) -> int | None:
    """How far the slowest replica is behind the master, in bytes of the replication stream, from the master's
    INFO replication parsed by parse_info(); None while a replica is not online (still syncing)."""
    replicas = [value for key, value in info.items() if key.startswith("slave") and isinstance(value, dict)]
    if len(replicas) < int(info.get("connected_slaves", 0)) or any(replica.get("state") != "online" for replica in replicas):
        return None
    return max((int(info["master_repl_offset"]) - int(replica["offset"]) for replica in replicas), default=0)


def app_connection(timeout: float = 10) -> RedisConnection:
    return RedisConnection(lab.VIP, 6379, username=lab.APP_USER, password=lab.APP_PASSWORD, tls=lab.tls_options(),
                           connect_timeout=timeout, read_timeout=timeout).connect()


def master_info(section: str) -> dict[str, t.Any]:
    """INFO `section` of the master Sentinel names, as the admin user."""
    name = lab.master()
    if name is None:
        raise lab.LabError("the Sentinels do not agree on a master")
    return parse_info(lab.ask(lab.SERVERS[name], 6379, "INFO", section, user=lab.ADMIN_USER, password=lab.ADMIN_PASSWORD,
                              timeout=10))


def on_master(*words: t.Any) -> t.Any:
    name = lab.master()
    if name is None:
        raise lab.LabError("the Sentinels do not agree on a master")
    return lab.ask(lab.SERVERS[name], 6379, *words, user=lab.ADMIN_USER, password=lab.ADMIN_PASSWORD, timeout=10)


def wait_replicas(max_lag: int, timeout: float) -> None:
    def caught_up() -> bool:
        lag = replica_lag_bytes(master_info("replication"))
        return lag is not None and lag <= max_lag
    lab.wait_for(f"every replica within {max_lag} bytes of the master", caught_up, timeout, interval=0.2)


def load_dataset(megabytes: int) -> dict[str, t.Any]:
    """Write the dataset through the VIP, paced by the replicas; what it takes in the master's memory."""
    started = time.monotonic()
    keys = megabytes * 1024 * 1024 // VALUE_BYTES
    with app_connection(timeout=30) as conn:
        conn.command("DEL", "heavy:list")
        conn.command("EVAL", FILL_LIST, 1, "heavy:list", LIST_ITEMS)
        for first in range(0, keys, CHUNK_KEYS):
            conn.command("EVAL", FILL, 1, "heavy:data:", first, min(CHUNK_KEYS, keys - first), VALUE_BYTES)
            wait_replicas(MAX_REPLICA_LAG_BYTES, 120)
    wait_replicas(0, 300)
    memory = master_info("memory")
    return {"megabytes": megabytes, "keys": keys, "list_items": LIST_ITEMS, "value_bytes": VALUE_BYTES,
            "used_memory_mb": round(int(memory["used_memory"]) / 1048576), "load_seconds": round(time.monotonic() - started, 1)}


class Mix:
    """The client mix, in a thread, while the `with` block runs (when `enabled`); its counts in .counts."""

    def __init__(self, enabled: bool = True, period: float = 0.25) -> None:
        self.enabled, self.period = enabled, period
        self.counts = {"large_values": 0, "list_reads": 0, "slow_commands": 0, "failures": 0}
        self.first_failure = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Mix:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join(30)

    def _run(self) -> None:
        conn = None
        tick = 0
        while not self._stop.wait(self.period):
            tick += 1
            try:
                if conn is None:
                    conn = app_connection()
                key = f"heavy:large:{tick % 16}"
                conn.command("SET", key, LARGE_VALUE)
                conn.command("GET", key)
                self.counts["large_values"] += 1
                if tick % 8 == 0:
                    conn.command("LRANGE", "heavy:list", 0, -1)
                    self.counts["list_reads"] += 1
                if tick % 20 == 0:
                    conn.command("EVAL", SPIN, 0, SLOW_COMMAND_MICROSECONDS)
                    self.counts["slow_commands"] += 1
            except RedisError as exc:
                # A failover or a fault of the trial: the writer measures those; the mix goes on.
                self.counts["failures"] += 1
                self.first_failure = self.first_failure or str(exc)[:120]
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


def _background(command: str, flag: str) -> dict[str, t.Any]:
    """A BGSAVE or BGREWRITEAOF on the master, waited for until `flag` (INFO persistence) is 0 again."""
    started = time.monotonic()
    on_master(command)
    lab.wait_for(f"{command} to end", lambda: int(master_info("persistence")[flag]) == 0, 600, interval=0.5)
    return {"seconds": round(time.monotonic() - started, 1), "fork_ms": round(int(master_info("stats")["latest_fork_usec"]) / 1000, 1)}


def full_resync() -> dict[str, t.Any]:
    """Every replica resynced in full: the backlog shrunk, their links cut, the backlog restored after."""
    started = time.monotonic()
    full_before = int(master_info("stats")["sync_full"])
    replicas = int(master_info("replication")["connected_slaves"])
    backlog = on_master("CONFIG", "GET", "repl-backlog-size")[1]
    try:
        on_master("CONFIG", "SET", "repl-backlog-size", "16384")
        time.sleep(1)
        on_master("CLIENT", "KILL", "TYPE", "replica")
        lab.wait_for("a full resync of every replica", lambda: int(master_info("stats")["sync_full"]) >= full_before + replicas, 120)
        wait_replicas(0, 600)
    finally:
        on_master("CONFIG", "SET", "repl-backlog-size", backlog)
    return {"seconds": round(time.monotonic() - started, 1), "replicas": replicas,
            "fork_ms": round(int(master_info("stats")["latest_fork_usec"]) / 1000, 1)}


DISTURBANCES: tuple[tuple[str, float, t.Callable[[], dict[str, t.Any]]], ...] = (
    ("bgsave", 0.1, lambda: _background("BGSAVE", "rdb_bgsave_in_progress")),
    ("aof-rewrite", 0.35, lambda: _background("BGREWRITEAOF", "aof_rewrite_in_progress")),
    ("full-resync", 0.6, full_resync),
)


class Disturbances:
    """The disturbances, in a thread, each started at its share of `seconds` after the `with` block starts (after
    the one before ended); what each did in .done. None with `seconds` 0."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = 0.0
        self.done: list[dict[str, t.Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Disturbances:
        self.started = time.monotonic()
        if self.seconds > 0:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self.seconds > 0:
            self._thread.join(900)

    def _run(self) -> None:
        for name, share, disturb in DISTURBANCES:
            if self._stop.wait(max(0.0, self.started + share * self.seconds - time.monotonic())):
                return
            at = round(time.monotonic() - self.started, 1)
            try:
                self.done.append({"what": name, "at_seconds": at, **disturb()})
            except (lab.LabError, RedisError) as exc:
                self.done.append({"what": name, "at_seconds": at, "error": str(exc)[:200]})

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's heavy load: the client mix against a fake server, the disturbances' schedule."""

from __future__ import annotations

import json
import pathlib
import time

import pytest

from ansible_collections.hastack.redis.bench import heavy
from ansible_collections.hastack.redis.lab import model as lab
from ansible_collections.hastack.redis.plugins.module_utils.resp import ErrorReply, RedisConnection, parse_info
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import CLOSE


def test_the_mix_writes_large_values_reads_the_list_runs_slow_commands_and_survives_failures(
        fake_server, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    state = {"close": 0}

    def handler(session, args):
        name = args[0].upper()
        if name == "AUTH":
            return "OK"
        seen.append((name, len(args[2]) if name == "SET" else 0))
        if name == "SET" and state["close"] > 0:
            state["close"] -= 1
            return CLOSE
        if name == "EVAL":
            assert args[1] == heavy.SPIN and args[3] == str(heavy.SLOW_COMMAND_MICROSECONDS)
            return 1
        return {"SET": "OK", "GET": "v", "LRANGE": ["1", "2"]}.get(name, ErrorReply("ERR unknown command"))

    server = fake_server(handler)
    monkeypatch.setattr(heavy, "app_connection", lambda timeout=10: RedisConnection(
        "127.0.0.1", server.port, username="app", password="secret", connect_timeout=1, read_timeout=1).connect())
    with heavy.Mix(period=0.002) as mix:
        deadline = time.monotonic() + 10
        while mix.counts["slow_commands"] < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        state["close"] = 2
        while state["close"] and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
    assert mix.counts["slow_commands"] >= 3
    assert mix.counts["list_reads"] >= 2 * mix.counts["slow_commands"]
    assert mix.counts["large_values"] >= 8 * mix.counts["list_reads"] - 8
    assert all(size == len(heavy.LARGE_VALUE) for name, size in seen if name == "SET")
    # Two connections closed under it: counted, and the mix goes on on a new one.
    assert mix.counts["failures"] == 2 and mix.first_failure


def test_a_disabled_mix_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heavy, "app_connection", lambda timeout=10: pytest.fail("connected"))
    with heavy.Mix(enabled=False, period=0.001) as mix:
        time.sleep(0.02)
    assert not any(mix.counts.values())


def test_each_disturbance_starts_at_its_share_of_the_steady_load_and_a_failure_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, float]] = []
    started = time.monotonic()

    def done(name):
        def run():
            calls.append((name, time.monotonic() - started))
            if name == "second":
                raise lab.LabError("BGREWRITEAOF on 10.30.1.131:6379: ERR Background append only file rewriting already in progress")
            return {"seconds": 0.0, "fork_ms": 1.5}
        return run

    monkeypatch.setattr(heavy, "DISTURBANCES", (("first", 0.1, done("first")), ("second", 0.5, done("second"))))
    with heavy.Disturbances(1.0) as disturbances:
        time.sleep(0.8)
    assert [call[0] for call in calls] == ["first", "second"]
    assert 0.08 <= calls[0][1] < 0.4 and 0.45 <= calls[1][1] < 0.8
    assert disturbances.done[0] == {"what": "first", "at_seconds": pytest.approx(0.1, abs=0.1), "seconds": 0.0, "fork_ms": 1.5}
    assert disturbances.done[1]["what"] == "second" and "already in progress" in disturbances.done[1]["error"]


def test_no_disturbance_without_a_steady_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heavy, "DISTURBANCES", (("first", 0.0, lambda: pytest.fail("disturbed")),))
    with heavy.Disturbances(0) as disturbances:
        time.sleep(0.02)
    assert not disturbances.done


@pytest.mark.parametrize("state, lag", [("syncing", None), ("online", 0), ("lagging", 5118 - 64)])
def test_the_replicas_lag_from_the_master_s_info(state: str, lag: int | None) -> None:
    info = json.loads((pathlib.Path(__file__).parent / "data" / "info_replication.json").read_text(encoding="utf-8"))[state]
    assert heavy.replica_lag_bytes(parse_info(info)) == lag


def test_a_replica_that_info_does_not_list_yet_is_not_caught_up() -> None:
    assert heavy.replica_lag_bytes({"connected_slaves": 1, "master_repl_offset": 10}) is None
    assert heavy.replica_lag_bytes({"connected_slaves": 0, "master_repl_offset": 10}) == 0

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab writer against a fake server: acknowledged, refused and failed writes are logged."""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import ErrorReply
from ansible_collections.hastack.redis.lab.report import parse_log
from ansible_collections.hastack.redis.lab.writer import read_password, run
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import CLOSE


def writer_args(port: int, tmp_path: pathlib.Path, **overrides) -> argparse.Namespace:
    """The writer's options as its command line gives them by default (a pooled client), with `overrides`."""
    values = {"host": "127.0.0.1", "port": port, "user": "app", "key": "k", "log": str(tmp_path / "log"), "members_file": "",
              "stop_file": str(tmp_path / "stop"), "interval": 0.002, "timeout": 0.5, "max_seconds": 20,
              "new_connection_each_write": False, "reconnect_on_error": False, "wait_replicas": 0, "wait_timeout_ms": 100}
    values.update(overrides)
    return argparse.Namespace(**values)


def test_writer_logs_every_outcome_and_reads_the_members(fake_server, tmp_path: pathlib.Path) -> None:
    members: list[str] = []
    state = {"mode": "ok", "closed": 0}

    def handler(session, args):
        name = args[0].upper()
        if name == "AUTH":
            return "OK" if args[1:] == ["app", "secret"] else ErrorReply("WRONGPASS invalid username-password pair")
        if name == "SMEMBERS":
            return list(members)
        if name == "SADD":
            if state["mode"] == "readonly":
                return ErrorReply("READONLY You can't write against a read only replica.")
            if state["mode"] == "close":
                state["closed"] += 1
                return CLOSE
            members.append(args[2])
            return 1
        return ErrorReply("ERR unknown command")

    server = fake_server(handler)
    stop = tmp_path / "stop"
    args = writer_args(server.port, tmp_path, members_file=str(tmp_path / "members"))

    def script() -> None:
        for mode in ("ok", "readonly", "close", "ok"):
            state["mode"] = mode
            time.sleep(0.2)
        stop.touch()

    driver = threading.Thread(target=script)
    driver.start()
    run(args, "secret")
    driver.join()

    writes = parse_log((tmp_path / "log").read_text().splitlines())
    statuses = [write.status for write in writes]
    assert {"ok", "readonly", "conn"} <= set(statuses)
    assert statuses[0] == "ok" and statuses[-1] == "ok"
    acked = {str(write.number) for write in writes if write.status == "ok"}
    assert acked == set(members)
    assert (tmp_path / "members").read_text().split() == members
    assert [write.number for write in writes] == list(range(1, len(writes) + 1))


def test_writer_can_open_a_new_connection_for_each_write(fake_server, tmp_path: pathlib.Path) -> None:
    auths: list[int] = []

    def handler(session, args):
        if args[0].upper() == "AUTH":
            auths.append(1)
            return "OK"
        return 1

    server = fake_server(handler)
    stop = tmp_path / "stop"
    args = writer_args(server.port, tmp_path, new_connection_each_write=True)
    threading.Timer(0.3, stop.touch).start()
    run(args, "secret")
    writes = parse_log((tmp_path / "log").read_text().splitlines())
    assert writes and all(write.status == "ok" for write in writes)
    assert len(auths) == len(writes)


@pytest.mark.parametrize("reconnect_on_error", [False, True])
def test_a_pooled_writer_keeps_its_connection_through_error_replies_a_reconnecting_one_does_not(
        fake_server, tmp_path: pathlib.Path, reconnect_on_error: bool) -> None:
    auths: list[int] = []
    state = {"readonly": False}

    def handler(session, args):
        if args[0].upper() == "AUTH":
            auths.append(1)
            return "OK"
        if state["readonly"]:
            return ErrorReply("READONLY You can't write against a read only replica.")
        return 1

    server = fake_server(handler)
    stop = tmp_path / "stop"

    def script() -> None:
        time.sleep(0.1)
        state["readonly"] = True
        time.sleep(0.2)
        state["readonly"] = False
        time.sleep(0.1)
        stop.touch()

    driver = threading.Thread(target=script)
    driver.start()
    run(writer_args(server.port, tmp_path, reconnect_on_error=reconnect_on_error), "secret")
    driver.join()
    refused = [write for write in parse_log((tmp_path / "log").read_text().splitlines()) if write.status == "readonly"]
    assert len(refused) > 5
    # One AUTH for the first connection, then one per refused write for the reconnecting client only.
    assert len(auths) == (1 + len(refused) if reconnect_on_error else 1)


def test_a_write_that_wait_finds_on_too_few_replicas_is_not_acknowledged(fake_server, tmp_path: pathlib.Path) -> None:
    state = {"replicas": 1}
    waits: list[list[str]] = []

    def handler(session, args):
        name = args[0].upper()
        if name == "AUTH":
            return "OK"
        if name == "WAIT":
            waits.append(args[1:])
            return state["replicas"]
        return 1

    server = fake_server(handler)
    stop = tmp_path / "stop"

    def script() -> None:
        time.sleep(0.1)
        state["replicas"] = 0
        time.sleep(0.1)
        state["replicas"] = 1
        time.sleep(0.1)
        stop.touch()

    driver = threading.Thread(target=script)
    driver.start()
    run(writer_args(server.port, tmp_path, wait_replicas=1, wait_timeout_ms=50), "secret")
    driver.join()
    writes = parse_log((tmp_path / "log").read_text().splitlines())
    statuses = [write.status for write in writes]
    assert statuses[0] == "ok" and statuses[-1] == "ok" and "unreplicated" in statuses
    assert set(statuses) == {"ok", "unreplicated"}
    assert waits and all(arguments == ["1", "50"] for arguments in waits)
    assert len(waits) == len(writes)


def test_the_password_comes_from_the_file_s_first_line_else_the_environment(tmp_path: pathlib.Path, monkeypatch) -> None:
    secret = tmp_path / "password"
    secret.write_text("s p#ä'\"\\\nignored\n", encoding="utf-8")
    assert read_password(str(secret), "LAB_TEST_PASSWORD") == "s p#ä'\"\\"
    monkeypatch.setenv("LAB_TEST_PASSWORD", "from-env")
    assert read_password("", "LAB_TEST_PASSWORD") == "from-env"
    monkeypatch.delenv("LAB_TEST_PASSWORD")
    with pytest.raises(SystemExit, match="--password-file"):
        read_password("", "LAB_TEST_PASSWORD")


def test_the_writer_runs_where_the_collection_is_not_on_the_path(tmp_path: pathlib.Path) -> None:
    """Scenarios that use an installed tarball start the writer with an empty collections path: it then loads
    the RESP client from the checkout it lives in."""
    writer = pathlib.Path(__file__).resolve().parents[3] / "lab" / "writer.py"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH")}
    result = subprocess.run([sys.executable, "-I", str(writer), "--help"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "--password-file" in result.stdout

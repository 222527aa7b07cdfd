# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab writer against a fake server: acknowledged, refused and failed writes are logged; with
--tls-ca-file, the TLS settings of the connections it opens (without a network)."""

from __future__ import annotations

import argparse
import os
import pathlib
import ssl
import subprocess
import sys
import threading
import time
import typing as t

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import ErrorReply, RedisConnection, TlsOptions
from ansible_collections.hastack.redis.lab import certs, writer
from ansible_collections.hastack.redis.lab.report import parse_log
from ansible_collections.hastack.redis.lab.writer import read_password, run
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import CLOSE


def writer_args(port: int, tmp_path: pathlib.Path, **overrides) -> argparse.Namespace:
    """The writer's options as its command line gives them by default (a pooled client), with `overrides`."""
    values = {"host": "127.0.0.1", "port": port, "user": "app", "key": "k", "log": str(tmp_path / "log"), "members_file": "",
              "stop_file": str(tmp_path / "stop"), "interval": 0.002, "timeout": 0.5, "max_seconds": 20,
              "new_connection_each_write": False, "reconnect_on_error": False, "redis_py": False, "wait_replicas": 0,
              "wait_timeout_ms": 100, "tls_ca_file": "", "tls_server_name": ""}
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


@pytest.mark.parametrize("redis_py, failed", [(False, ["conn"]), (True, [])])
def test_a_closed_connection_fails_one_write_of_the_pooled_client_and_none_of_redis_py(
        fake_server, tmp_path: pathlib.Path, redis_py: bool, failed: list[str]) -> None:
    """A proxy's old worker closes the sessions it kept (HAProxy's hard stop after a reload): the collection's pooled
    client fails the write it tries next; redis-py's pool replaces the closed connection, or retries the command."""
    members: list[str] = []
    auths: list[list[str]] = []

    def handler(session, args):
        name = args[0].upper()
        if name == "AUTH":
            auths.append(args[1:])
            return "OK"
        if name == "SADD":
            members.append(args[2])
            return 1
        if name == "SMEMBERS":
            return list(members)
        return ErrorReply("ERR unknown command '%s'" % args[0])

    server = fake_server(handler)
    stop = tmp_path / "stop"

    def script() -> None:
        time.sleep(0.2)
        server.close_sessions()
        time.sleep(0.2)
        stop.touch()

    driver = threading.Thread(target=script)
    driver.start()
    run(writer_args(server.port, tmp_path, redis_py=redis_py, members_file=str(tmp_path / "members")), "secret")
    driver.join()
    writes = parse_log((tmp_path / "log").read_text().splitlines())
    assert [write.status for write in writes if write.status != "ok"] == failed
    assert len(writes) > 50 and writes[-1].status == "ok"
    # A new connection after the close, as the application user; every acknowledged write is there.
    assert len(auths) >= 2 and all(auth == ["app", "secret"] for auth in auths)
    acknowledged = {str(write.number) for write in writes if write.status == "ok"}
    assert acknowledged <= set((tmp_path / "members").read_text().split())


def test_redis_py_keeps_its_own_connection_handling() -> None:
    with pytest.raises(SystemExit):
        writer.parse_args(["--host=h", "--user=u", "--log=l", "--stop-file=s", "--redis-py", "--reconnect-on-error"])
    assert writer.parse_args(["--host=h", "--user=u", "--log=l", "--stop-file=s", "--redis-py"]).redis_py


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


REQUIRED = ["--host", "10.20.1.100", "--user", "app", "--log", "writes.log", "--stop-file", "stop"]


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A CA certificate made by lab/certs.py (the openssl binary)."""
    if certs.OPENSSL is None:
        pytest.skip("the openssl binary (Debian package openssl) makes the CA")
    folder = tmp_path_factory.mktemp("tls")
    return certs.make_ca(str(folder / "lab-ca.pem"), str(folder / "lab-ca.key"))


def test_the_writer_speaks_plain_text_unless_given_a_ca_file() -> None:
    args = writer.parse_args(REQUIRED)
    assert (args.tls_ca_file, args.tls_server_name) == ("", "")
    assert writer.tls_options(args) is None


def test_tls_verifies_the_certificate_against_the_ca_file_and_the_host(ca_file: str) -> None:
    args = writer.parse_args(REQUIRED + ["--tls-ca-file", ca_file])
    assert args.tls_ca_file == ca_file
    tls = writer.tls_options(args)
    assert isinstance(tls, TlsOptions)
    assert (tls.ca_file, tls.server_name, tls.verify, tls.check_hostname) == (ca_file, None, True, True)
    assert (tls.cert_file, tls.key_file) == (None, None)
    context = tls.create_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [authority["subject"] for authority in context.get_ca_certs()] == [
        ((("organizationName", "hastack lab"),), (("commonName", "hastack lab CA"),))]


def test_tls_server_name_is_checked_instead_of_the_host(ca_file: str) -> None:
    tls = writer.tls_options(writer.parse_args(REQUIRED + ["--tls-ca-file", ca_file, "--tls-server-name", "redis.example.test"]))
    assert (tls.ca_file, tls.server_name) == (ca_file, "redis.example.test")


@pytest.mark.parametrize("extra, message", [
    (["--tls-server-name", "redis.example.test"], "give --tls-ca-file too"),
    (["--tls-ca-file", "/nonexistent/ca.pem"], "cannot use --tls-ca-file /nonexistent/ca.pem: No such file or directory"),
])
def test_tls_options_refused_before_the_first_write(extra: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        writer.tls_options(writer.parse_args(REQUIRED + extra))


def test_a_ca_file_without_a_certificate_is_refused(tmp_path: pathlib.Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n", encoding="ascii")
    with pytest.raises(SystemExit, match="cannot use --tls-ca-file %s: " % garbage):
        writer.tls_options(writer.parse_args(REQUIRED + ["--tls-ca-file", str(garbage)]))


def test_connect_builds_a_tls_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RedisConnection, "connect", lambda self: self)
    tls = TlsOptions(ca_file="ca.pem", server_name="redis.example.test")
    conn = writer.connect("10.20.1.100", 6380, "app", "secret", 0.25, tls)
    assert (conn.host, conn.port, conn.username, conn.tls) == ("10.20.1.100", 6380, "app", tls)
    assert (conn.connect_timeout, conn.read_timeout, conn.requested_protocol) == (0.25, 0.25, 2)
    assert writer.connect("10.20.1.100", 6379, "app", "secret", 0.25).tls is None


def test_every_connection_of_the_writer_uses_tls(ca_file: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes and the final SMEMBERS: each connection the writer opens gets the same TLS settings."""
    opened: list[tuple[t.Any, ...]] = []
    stop = tmp_path / "stop"

    class Connection:
        def command(self, *args: t.Any) -> t.Any:
            if args[0] == "SMEMBERS":
                return ["1", "2"]
            if args[1:] == ("k", 2):
                stop.touch()
            return 1

        def close(self) -> None:
            pass

        def __enter__(self) -> t.Any:
            return self

        def __exit__(self, *exc: t.Any) -> None:
            pass

    def connect(*args: t.Any) -> Connection:
        opened.append(args)
        return Connection()

    monkeypatch.setattr(writer, "connect", connect)
    args = writer_args(6390, tmp_path, host="10.20.1.100", members_file=str(tmp_path / "members"), tls_ca_file=ca_file,
                       tls_server_name="redis.example.test", new_connection_each_write=True)
    run(args, "secret")
    assert len(opened) == 3  # two writes, then SMEMBERS
    for host, port, user, password, _timeout, tls in opened:
        assert (host, port, user, password) == ("10.20.1.100", 6390, "app", "secret")
        assert (tls.ca_file, tls.server_name, tls.verify, tls.check_hostname) == (ca_file, "redis.example.test", True, True)
    assert (tmp_path / "members").read_text().split() == ["1", "2"]

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Continuous writer for the lab: `SADD KEY n` through HOST:PORT every few ms
until STOP_FILE appears, as one of the clients applications are:

- pooled (the default): one long-lived connection, replaced only when it
  fails (timeout, reset, closed); error replies such as READONLY keep it;
- --reconnect-on-error: a new connection after every failed write;
- --new-connection-each-write: a new connection (and AUTH) for every write;
- --wait-replicas N: each write followed by `WAIT N timeout`, acknowledged
  only when N replicas have it (a client that asks for durability);
- --redis-py: redis-py's client with its defaults, as an application written
  in Python uses it: a connection pool that checks a connection before
  handing it out (one the server or a proxy closed while idle is replaced),
  and a command that meets a closed connection or a timeout retried, up to
  three times with backoff. Every other client flavour is this collection's.

Every try is logged as `<unix time>\\t<n>\\t<status>\\t<detail>`; status is `ok`
(acknowledged), `readonly` (a replica answered), `error` (another error
reply), `unreplicated` (WAIT counted fewer replicas), `timeout` or `conn`
(no connection, reset, closed). After the stop
file appears, the members of KEY as the server behind HOST:PORT has them are
written to MEMBERS_FILE, one per line: acknowledged writes missing there are
lost. It talks RESP through the collection's own client (module_utils/resp.py,
standard library only); the password comes from a file (--password-file,
its first line) or the environment (--password-env), never the command line.

With --tls-ca-file every connection speaks TLS and verifies the server's
certificate: signed by a CA of that file and naming the host or address
connected to (--host), or --tls-server-name when given (the name a client
expects behind the VIP, say). Without it, the writer speaks plain text.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import ssl
import time
import types
import typing as t


def _collection_resp() -> types.ModuleType:
    """The collection's RESP client (plugins/module_utils/resp.py, standard library only): imported as
    part of the collection where it is on the path (the bench, the unit tests), else from this checkout."""
    try:
        from ansible_collections.hastack.redis.plugins.module_utils import resp  # pylint: disable=import-outside-toplevel
        return resp
    except ImportError:
        path = pathlib.Path(__file__).resolve().parents[1] / "plugins" / "module_utils" / "resp.py"
        spec = importlib.util.spec_from_file_location("hastack_redis_resp", path)
        if spec is None or spec.loader is None:
            raise
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


resp = _collection_resp()


def tls_options(args: argparse.Namespace) -> t.Any:
    """The TLS settings of every connection: None (plain text) without --tls-ca-file, else the server's certificate
    verified against that CA file and checked for --tls-server-name, or the host connected to. The CA file is read
    once here, so that a wrong one stops the writer before its first write."""
    if not args.tls_ca_file:
        if args.tls_server_name:
            raise SystemExit("--tls-server-name is the name checked in the server's certificate: give --tls-ca-file too")
        return None
    tls = resp.TlsOptions(ca_file=args.tls_ca_file, server_name=args.tls_server_name or None)
    try:
        tls.create_context()
    except (OSError, ssl.SSLError) as exc:
        raise SystemExit(f"cannot use --tls-ca-file {args.tls_ca_file}: {getattr(exc, 'strerror', None) or exc}") from None
    return tls


def connect(host: str, port: int, user: str, password: str, timeout: float, tls: t.Any = None) -> t.Any:
    """An authenticated RESP2 connection (the collection's client), `timeout` for connecting and for each reply,
    with TLS when `tls` (resp.TlsOptions) is given."""
    return resp.RedisConnection(host, port, username=user, password=password, tls=tls, connect_timeout=timeout,
                                read_timeout=timeout, protocol=2).connect()


def outcome(exc: BaseException) -> tuple[str, str]:
    """How a failed write is logged: a replica's READONLY, another error reply, a timeout or a lost connection."""
    detail = (str(exc) or type(exc).__name__)[:80]
    if isinstance(exc, (resp.AuthenticationError, resp.NoAuthError)):
        return "conn", detail
    if isinstance(exc, resp.ServerError):
        return ("readonly" if exc.code == "READONLY" else "error"), detail
    if isinstance(exc, resp.RedisTimeoutError):
        return "timeout", detail
    return "conn", detail


class LabClient:
    """The collection's client as the lab's pooled, reconnecting and per-write clients use it: one connection, kept
    until it fails (a timeout, a reset, a close; an error reply keeps it unless --reconnect-on-error), or closed
    after every write with --new-connection-each-write."""

    def __init__(self, args: argparse.Namespace, password: str, tls: t.Any) -> None:
        self.args, self.password, self.tls = args, password, tls
        self.conn: t.Any = None

    def command(self, *words: t.Any) -> t.Any:
        if self.conn is None:
            self.conn = connect(self.args.host, self.args.port, self.args.user, self.password, self.args.timeout, self.tls)
        return self.conn.command(*words)

    def failed(self, exc: BaseException) -> tuple[str, str] | None:
        """How `exc` is logged, None when it is not the client's to log; a lost connection is dropped."""
        if not isinstance(exc, resp.RedisError):
            return None
        status, detail = outcome(exc)
        if status == "conn" or not isinstance(exc, resp.ServerError):
            self.close()
        return status, detail

    def written(self, status: str) -> None:
        """After each try: a new connection for the next one with --new-connection-each-write, or after a failed
        (or unreplicated) write with --reconnect-on-error."""
        if self.args.new_connection_each_write or (status != "ok" and self.args.reconnect_on_error):
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            conn.close()


class RedisPyClient:
    """redis-py's client for --redis-py, its defaults kept but the timeouts (--timeout) and the protocol (RESP2,
    as the collection's client speaks); with TLS, the certificate checked against --tls-ca-file and --host. Its
    pool replaces a closed connection and retries a command by itself."""

    def __init__(self, args: argparse.Namespace, password: str, tls: t.Any) -> None:
        import redis  # pylint: disable=import-outside-toplevel
        self.redis = redis
        options: dict[str, t.Any] = {"ssl": True, "ssl_ca_certs": args.tls_ca_file, "ssl_check_hostname": True} if tls else {}
        self.client = redis.Redis(host=args.host, port=args.port, username=args.user, password=password, protocol=2,
                                  socket_timeout=args.timeout, socket_connect_timeout=args.timeout, **options)

    def command(self, *words: t.Any) -> t.Any:
        return self.client.execute_command(*words)

    def failed(self, exc: BaseException) -> tuple[str, str] | None:
        """outcome() for redis-py's exceptions."""
        errors = self.redis.exceptions
        if not isinstance(exc, (errors.RedisError, OSError)):
            return None
        detail = (str(exc) or type(exc).__name__)[:80]
        if isinstance(exc, errors.ReadOnlyError):
            return "readonly", detail
        if isinstance(exc, errors.TimeoutError):
            return "timeout", detail
        if isinstance(exc, (errors.ConnectionError, OSError)):
            return "conn", detail
        return "error", detail

    def written(self, status: str) -> None:
        pass

    def close(self) -> None:
        self.client.close()


def run(args: argparse.Namespace, password: str) -> None:
    tls = tls_options(args)
    client = (RedisPyClient if args.redis_py else LabClient)(args, password, tls)
    started = time.monotonic()
    number = 0
    with open(args.log, "w", encoding="utf-8", buffering=1 << 16) as log:
        while not os.path.exists(args.stop_file) and time.monotonic() - started < args.max_seconds:
            number += 1
            at = time.time()
            status, detail = "ok", ""
            try:
                client.command("SADD", args.key, number)
                if args.wait_replicas:
                    replicas = client.command("WAIT", args.wait_replicas, args.wait_timeout_ms)
                    if int(replicas) < args.wait_replicas:
                        status, detail = "unreplicated", f"WAIT counted {replicas} of {args.wait_replicas} replicas"
            except Exception as exc:  # pylint: disable=broad-except  # the client says which are its failures
                failure = client.failed(exc)
                if failure is None:
                    raise
                status, detail = failure
            client.written(status)
            log.write(f"{at:.6f}\t{number}\t{status}\t{detail}\n")
            time.sleep(args.interval)
        log.flush()
    client.close()
    if args.members_file:
        read_members(args, password, tls)


def read_members(args: argparse.Namespace, password: str, tls: t.Any = None) -> None:
    """SMEMBERS through the same address (and TLS settings), retried for a while (the stack may be settling)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with connect(args.host, args.port, args.user, password, 10, tls) as conn:
                members = conn.command("SMEMBERS", args.key)
            break
        except resp.RedisError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"cannot read {args.key} through {args.host}:{args.port}: {exc}") from exc
            time.sleep(0.5)
    with open(args.members_file, "w", encoding="utf-8") as out:
        out.writelines(f"{member}\n" for member in members)


def read_password(path: str, env: str) -> str:
    """The first line of the file at `path` (without its newline), else the environment variable `env`."""
    if path:
        with open(path, encoding="utf-8") as source:
            password = source.readline().rstrip("\n")
    else:
        password = os.environ.get(env, "")
    if not password:
        raise SystemExit(f"give the password in a file (--password-file) or the environment variable {env}")
    return password


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", default="", help="a file whose first line is the password")
    parser.add_argument("--password-env", default="LAB_WRITER_PASSWORD", help="else this environment variable holds it")
    parser.add_argument("--key", default="lab:acked")
    parser.add_argument("--log", required=True)
    parser.add_argument("--members-file", default="")
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--interval", type=float, default=0.002, help="seconds between writes")
    parser.add_argument("--timeout", type=float, default=0.25, help="seconds to wait for a connection or a reply")
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--new-connection-each-write", action="store_true",
                        help="connect (and AUTH) for every write, as clients that do not pool connections")
    parser.add_argument("--reconnect-on-error", action="store_true",
                        help="replace the connection after every failed write, error replies included")
    parser.add_argument("--redis-py", action="store_true",
                        help="write with redis-py's client and its defaults (pool, retries) instead of the collection's")
    parser.add_argument("--wait-replicas", type=int, default=0,
                        help="after each write, WAIT for this many replicas; fewer: the write is not acknowledged")
    parser.add_argument("--wait-timeout-ms", type=int, default=100, help="WAIT's timeout in milliseconds")
    parser.add_argument("--tls-ca-file", default="", metavar="PATH",
                        help="speak TLS, verifying the server's certificate against the CAs of this PEM file "
                             "and the host name or address of --host")
    parser.add_argument("--tls-server-name", default="", metavar="NAME",
                        help="with --tls-ca-file: the name the server's certificate must have instead of --host's")
    args = parser.parse_args(argv)
    if args.redis_py and (args.new_connection_each_write or args.reconnect_on_error or args.tls_server_name):
        parser.error("--redis-py keeps redis-py's own connection handling and checks the certificate for --host: "
                     "leave out --new-connection-each-write, --reconnect-on-error and --tls-server-name")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run(args, read_password(args.password_file, args.password_env))


if __name__ == "__main__":
    main()

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Continuous writer for the lab: `SADD KEY n` through HOST:PORT every few ms
on one connection (reconnecting after any failure; or a new connection for
each write), until STOP_FILE appears.

Every try is logged as `<unix time>\\t<n>\\t<status>\\t<detail>`; status is `ok`
(acknowledged), `readonly` (a replica answered), `error` (another error
reply), `timeout` or `conn` (no connection, reset, closed). After the stop
file appears, the members of KEY as the server behind HOST:PORT has them are
written to MEMBERS_FILE, one per line: acknowledged writes missing there are
lost. Standard library only; the password comes from the environment.
"""

from __future__ import annotations

import argparse
import os
import socket
import time
import typing as t


def command(*words: str | int) -> bytes:
    out = [b"*%d\r\n" % len(words)]
    for word in words:
        data = str(word).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Reader:
    """Just enough RESP2 to read status, error, integer, bulk and array replies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, size: int) -> bytes:
        while len(self.buffer) < size + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
        return data

    def reply(self) -> t.Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest.decode()
        if kind == b"-":
            return ReplyError(rest.decode())
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exact(size).decode()
        if kind == b"*":
            return [self.reply() for _item in range(max(int(rest), 0))]
        raise ConnectionError(f"not a RESP reply: {line[:40]!r}")


class ReplyError(str):
    """An error reply (-ERR, -READONLY, ...)."""


def connect(host: str, port: int, user: str, password: str, timeout: float) -> tuple[socket.socket, Reader]:
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = Reader(sock)
    sock.sendall(command("AUTH", user, password))
    answer = reader.reply()
    if isinstance(answer, ReplyError):
        sock.close()
        raise ConnectionError(f"AUTH refused: {answer}")
    return sock, reader


def classify(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, (socket.timeout, TimeoutError)) else "conn"


def run(args: argparse.Namespace, password: str) -> None:
    started = time.monotonic()
    conn: tuple[socket.socket, Reader] | None = None
    number = 0
    with open(args.log, "w", encoding="utf-8", buffering=1 << 16) as log:
        while not os.path.exists(args.stop_file) and time.monotonic() - started < args.max_seconds:
            number += 1
            at = time.time()
            status, detail = "ok", ""
            try:
                if conn is None:
                    conn = connect(args.host, args.port, args.user, password, args.timeout)
                conn[0].sendall(command("SADD", args.key, number))
                answer = conn[1].reply()
                if isinstance(answer, ReplyError):
                    status = "readonly" if answer.startswith("READONLY") else "error"
                    detail = answer[:80]
                if args.new_connection_each_write:
                    conn[0].close()
                    conn = None
            except (OSError, ConnectionError, ValueError) as exc:
                status, detail = classify(exc), str(exc)[:80] or type(exc).__name__
                if conn is not None:
                    conn[0].close()
                conn = None
            log.write(f"{at:.6f}\t{number}\t{status}\t{detail}\n")
            time.sleep(args.interval)
        log.flush()
    if conn is not None:
        conn[0].close()
    if args.members_file:
        read_members(args, password)


def read_members(args: argparse.Namespace, password: str) -> None:
    """SMEMBERS through the same address, retried for a while (the stack may be settling)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            sock, reader = connect(args.host, args.port, args.user, password, 10)
            with sock:
                sock.sendall(command("SMEMBERS", args.key))
                members = reader.reply()
            if isinstance(members, list):
                break
            raise ConnectionError(f"SMEMBERS answered {members!r}")
        except (OSError, ConnectionError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"cannot read {args.key} through {args.host}:{args.port}: {exc}") from exc
            time.sleep(0.5)
    with open(args.members_file, "w", encoding="utf-8") as out:
        out.writelines(f"{member}\n" for member in members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-env", default="LAB_WRITER_PASSWORD")
    parser.add_argument("--key", default="lab:acked")
    parser.add_argument("--log", required=True)
    parser.add_argument("--members-file", default="")
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--interval", type=float, default=0.002, help="seconds between writes")
    parser.add_argument("--timeout", type=float, default=0.25, help="seconds to wait for a connection or a reply")
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--new-connection-each-write", action="store_true",
                        help="connect (and AUTH) for every write, as clients that do not pool connections")
    args = parser.parse_args()
    password = os.environ.get(args.password_env, "")
    if not password:
        raise SystemExit(f"set the password in the environment variable {args.password_env}")
    run(args, password)


if __name__ == "__main__":
    main()

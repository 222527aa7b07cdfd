# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lab client: a new connection to HOST:PORT every few ms (AUTH + PING) until
STOP_FILE appears; prints a JSON summary of the answered and refused tries."""

from __future__ import annotations

import argparse
import json
import os
import socket
import time


def resp(*words: str) -> bytes:
    out = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def ping(host: str, port: int, user: str, password: str, timeout: float) -> None:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(resp("AUTH", user, password) + resp("PING"))
        reply = b""
        while b"+PONG\r\n" not in reply:
            chunk = sock.recv(256)
            if not chunk:
                raise OSError(f"connection closed after {reply!r}")
            reply += chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-env", default="LAB_CLIENT_PASSWORD")
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    password = os.environ[args.password_env]
    started = time.monotonic()
    answered, refused = 0, []
    while not os.path.exists(args.stop_file) and time.monotonic() - started < args.max_seconds:
        at = time.monotonic() - started
        try:
            ping(args.host, args.port, args.user, password, args.timeout)
            answered += 1
        except OSError as exc:
            refused.append({"at": round(at, 3), "error": str(exc)[:120]})
        time.sleep(args.interval)
    print(json.dumps({"seconds": round(time.monotonic() - started, 3), "answered": answered,
                      "refused": len(refused), "first_refusals": refused[:10]}))


if __name__ == "__main__":
    main()

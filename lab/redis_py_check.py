# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A third-party client through the VIP, as an application uses it: redis-py
(pinned in requirements-dev.txt) with an ACL user, the password read on stdin.
Writes, reads back, runs a transaction over RESP3 and prints who answered (HELLO) as JSON.

With --tls-ca-file it speaks TLS as an application that verifies the server
does: the certificate must be signed by a CA of that file and name the host
name or IP address of --host (redis-py's ssl_cert_reqs="required" and
ssl_check_hostname); a certificate that does not is refused, not used."""

from __future__ import annotations

import argparse
import json
import sys
import time
import typing as t

import redis


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--user", required=True)
    parser.add_argument("--tls-ca-file", default="", metavar="PATH",
                        help="speak TLS, verifying the server's certificate against the CAs of this PEM file "
                             "and the host name or address of --host")
    return parser.parse_args(argv)


def client_options(args: argparse.Namespace, password: str) -> dict[str, t.Any]:
    """redis.Redis's arguments: the ACL user, RESP3, short timeouts and, with --tls-ca-file, a verified TLS connection."""
    options: dict[str, t.Any] = {"host": args.host, "port": args.port, "username": args.user, "password": password,
                                 "socket_timeout": 2, "socket_connect_timeout": 2, "decode_responses": True, "protocol": 3}
    if args.tls_ca_file:
        options.update(ssl=True, ssl_ca_certs=args.tls_ca_file, ssl_cert_reqs="required", ssl_check_hostname=True)
    return options


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    client = redis.Redis(**client_options(args, sys.stdin.readline().rstrip("\n")))
    value = "redis-py-%d" % time.time_ns()
    assert client.set("lab:redis-py", value) is True
    assert client.get("lab:redis-py") == value
    pipe = client.pipeline(transaction=True)
    for number in range(100):
        pipe.rpush("lab:redis-py:list", number)
    pipe.ltrim("lab:redis-py:list", -100, -1)
    pipe.lrange("lab:redis-py:list", -3, -1)
    replies = pipe.execute()
    assert replies[-1] == ["97", "98", "99"], replies[-1]
    # INFO is @dangerous, which the application user may not run; HELLO says who answered.
    hello = client.execute_command("HELLO")
    print(json.dumps({"role": hello["role"], "server": hello["server"], "version": hello["version"],
                      "protocol": hello["proto"]}))


if __name__ == "__main__":
    main()

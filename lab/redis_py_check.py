# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A third-party client through the VIP, as an application uses it: redis-py
(pinned in requirements-dev.txt) with an ACL user, the password read on stdin.
Writes, reads back, runs a transaction over RESP3 and prints who answered (HELLO) as JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time

import redis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--user", required=True)
    args = parser.parse_args()
    client = redis.Redis(host=args.host, port=args.port, username=args.user, password=sys.stdin.readline().rstrip("\n"),
                         socket_timeout=2, socket_connect_timeout=2, decode_responses=True, protocol=3)
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

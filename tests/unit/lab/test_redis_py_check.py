# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The redis-py client of the lab: the client it builds, with and without --tls-ca-file (no network:
redis-py connects at the first command only)."""

from __future__ import annotations

import ssl

import redis

from ansible_collections.hastack.redis.lab.redis_py_check import client_options, parse_args

REQUIRED = ["--host", "10.20.1.100", "--user", "app"]


def test_plain_text_without_a_ca_file() -> None:
    args = parse_args(REQUIRED)
    assert (args.host, args.port, args.user, args.tls_ca_file) == ("10.20.1.100", 6379, "app", "")
    options = client_options(args, "secret")
    assert not any(name.startswith("ssl") for name in options)
    connection = redis.Redis(**options).connection_pool.make_connection()
    assert not isinstance(connection, redis.SSLConnection)
    assert (connection.host, connection.port, connection.username, connection.password) == ("10.20.1.100", 6379, "app", "secret")


def test_tls_verifies_the_certificate_and_the_host_name() -> None:
    args = parse_args(REQUIRED + ["--port", "6380", "--tls-ca-file", "lab-ca.pem"])
    options = client_options(args, "secret")
    assert {name: value for name, value in options.items() if name.startswith("ssl")} == {
        "ssl": True, "ssl_ca_certs": "lab-ca.pem", "ssl_cert_reqs": "required", "ssl_check_hostname": True}
    # The pinned redis-py takes them as meant: a TLS connection that requires a certificate valid for the host.
    connection = redis.Redis(**options).connection_pool.make_connection()
    assert isinstance(connection, redis.SSLConnection)
    assert (connection.host, connection.port) == ("10.20.1.100", 6380)
    assert connection.ca_certs == "lab-ca.pem"
    assert connection.cert_reqs == ssl.CERT_REQUIRED
    assert connection.check_hostname is True
    assert (connection.certfile, connection.keyfile) == (None, None)

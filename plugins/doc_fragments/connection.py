# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the collection's Redis modules (plugins/module_utils/connection.py)."""

    DOCUMENTATION = r"""
options:
  host:
    description:
      - Host name or IP address of the server or Sentinel.
    type: str
    default: 127.0.0.1
  port:
    description:
      - TCP port to connect to.
    type: int
  username:
    description:
      - ACL user name (Redis 6 or later). Without it, O(password) authenticates the default user.
    type: str
  password:
    description:
      - Password sent with C(AUTH) over the connection. It never appears in results, error messages or process arguments.
    type: str
  previous_passwords:
    description:
      - While a password changes, the passwords tried in turn, each on a new connection, when the server refuses
        O(password) with C(WRONGPASS). These are the user's previous ones, which the server takes until it is given the
        new one. Never shown, like O(password).
    type: list
    elements: str
    default: []
  tls:
    description:
      - Connect with TLS.
    type: bool
    default: false
  tls_ca_cert:
    description:
      - PEM file with the CA certificates that sign the server certificate. The system trust store is used if not set.
      - Requires O(tls=true).
    type: path
  tls_client_cert:
    description:
      - PEM client certificate, for servers started with C(tls-auth-clients yes).
      - Requires O(tls=true) and O(tls_client_key).
    type: path
  tls_client_key:
    description:
      - PEM private key of O(tls_client_cert).
    type: path
  tls_server_name:
    description:
      - Name sent as SNI and checked against the server certificate. Defaults to O(host).
      - Requires O(tls=true).
    type: str
  validate_certs:
    description:
      - Verify the server certificate and its host name. Set to V(false) only for tests.
    type: bool
    default: true
  connect_timeout:
    description:
      - Seconds to wait for the TCP connection and the TLS handshake.
    type: float
    default: 5.0
  read_timeout:
    description:
      - Seconds to wait for each reply.
    type: float
    default: 5.0
  protocol:
    description:
      - RESP protocol version. V(3) negotiates RESP3 with C(HELLO 3) and falls back to V(2) on servers without it.
    type: int
    choices: [2, 3]
    default: 2
"""

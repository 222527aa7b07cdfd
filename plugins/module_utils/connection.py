# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection options every module of this collection shares (doc fragment hastack.redis.connection)."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.resp import AuthenticationError, RedisConnection, TlsOptions, format_address


def connection_argument_spec():
    """Argument spec of host, port, credentials, TLS and timeouts."""
    return dict(
        host=dict(type='str', default='127.0.0.1'),
        port=dict(type='int'),
        username=dict(type='str'),
        password=dict(type='str', no_log=True),
        previous_passwords=dict(type='list', elements='str', default=[], no_log=True),
        tls=dict(type='bool', default=False),
        tls_ca_cert=dict(type='path'),
        tls_client_cert=dict(type='path'),
        tls_client_key=dict(type='path', no_log=False),
        tls_server_name=dict(type='str'),
        validate_certs=dict(type='bool', default=True),
        connect_timeout=dict(type='float', default=5.0),
        read_timeout=dict(type='float', default=5.0),
        protocol=dict(type='int', choices=[2, 3], default=2),
    )


def connection_problem(params):
    """What is wrong with the connection options, or None."""
    tls_only = [name for name in ('tls_ca_cert', 'tls_client_cert', 'tls_client_key', 'tls_server_name') if params[name]]
    if tls_only and not params['tls']:
        return '%s set but tls is false; set tls: true to connect with TLS' % ', '.join(tls_only)
    for name in ('connect_timeout', 'read_timeout'):
        if params[name] <= 0:
            return '%s must be greater than 0, got %s' % (name, params[name])
    port = params['port']
    if port is not None and not 0 < port < 65536:
        return 'port must be between 1 and 65535, got %d' % port
    return None


def connection_factory(params, default_port):
    """A callable that opens an authenticated connection from the options, and the peer's host:port."""
    tls = None
    if params['tls']:
        tls = TlsOptions(
            ca_file=params['tls_ca_cert'],
            cert_file=params['tls_client_cert'],
            key_file=params['tls_client_key'],
            verify=params['validate_certs'],
            check_hostname=params['validate_certs'],
            server_name=params['tls_server_name'],
        )
    port = params['port'] or default_port

    def open_with(password):
        conn = RedisConnection(
            params['host'], port,
            username=params['username'],
            password=password,
            tls=tls,
            connect_timeout=params['connect_timeout'],
            read_timeout=params['read_timeout'],
            protocol=params['protocol'],
        )
        return conn.connect()

    def connect():
        # While a password changes, a server refusing the new one may still take a previous one.
        candidates = [params['password']] + [password for password in params.get('previous_passwords') or []
                                             if password and password != params['password']]
        for number, password in enumerate(candidates, 1):
            try:
                return open_with(password)
            except AuthenticationError:
                if number == len(candidates):
                    raise
        return None

    return connect, format_address(params['host'], port)

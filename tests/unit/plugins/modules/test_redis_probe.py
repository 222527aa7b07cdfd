# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the redis_probe module against fake servers on local sockets."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import ErrorReply
from ansible_collections.hastack.redis.plugins.module_utils.connection import connection_factory
from ansible_collections.hastack.redis.plugins.modules import redis_probe
from ansible_collections.hastack.redis.tests.unit.plugins.modules.module_runner import patch_exits, run_module
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import (
    CLOSE,
    FakeRedis,
    MASTER_REPLICATION,
    REPLICA_REPLICATION,
    SENTINEL_MASTER_FIELDS,
    SENTINEL_SERVER,
    VALKEY_SENTINEL_SERVER,
    VALKEY_SERVER,
    Responder,
)

PASSWORD = 'Very-S3cret-pw'


@pytest.fixture(autouse=True)
def patched_exits(monkeypatch):
    patch_exits(monkeypatch)


def run(args):
    """Run the module; return ``(failed, result)``."""
    return run_module(redis_probe.main, args)


def assert_clean_failure(result, port, *fragments):
    dumped = json.dumps(result)
    assert '127.0.0.1:%d' % port in result['msg']
    assert PASSWORD not in dumped
    assert 'Traceback' not in dumped
    for fragment in fragments:
        assert fragment in result['msg']
    assert result['changed'] is False


def test_master(fake_server):
    server = fake_server(Responder())
    failed, result = run({'port': server.port, 'expect_role': 'master'})
    assert not failed
    assert result['changed'] is False
    assert result['role'] == 'master'
    assert result['flavor'] == 'redis' and result['version'] == '7.0.15'
    assert result['uptime_in_seconds'] == 42 and result['run_id'] == 'a' * 40
    assert result['address'] == '127.0.0.1:%d' % server.port
    assert result['master_repl_offset'] == 1234
    assert result['connected_replicas'] == 2
    assert result['replicas'] == [
        {'host': '10.0.0.12', 'port': 6379, 'state': 'online', 'offset': 1234, 'lag': 0},
        {'host': '10.0.0.13', 'port': 6380, 'state': 'wait_bgsave', 'offset': 0, 'lag': 1},
    ]
    assert result['attempts'] == 1


def test_replica_on_valkey_with_acl_user(fake_server):
    server = fake_server(Responder(server=VALKEY_SERVER, replication=[REPLICA_REPLICATION], password=PASSWORD, username='probe'))
    failed, result = run({'port': server.port, 'username': 'probe', 'password': PASSWORD,
                          'expect_role': 'replica', 'expect_master': '10.0.0.11:6379', 'protocol': 3})
    assert not failed, result
    assert result['flavor'] == 'valkey' and result['version'] == '8.0.1'
    assert result['role'] == 'replica'
    assert result['master_host'] == '10.0.0.11' and result['master_port'] == 6379
    assert result['master_link_status'] == 'up'
    assert result['master_link_down_since_seconds'] is None
    assert result['master_sync_in_progress'] is False
    assert result['replica_repl_offset'] == 1200
    assert result['read_only'] is True
    assert PASSWORD not in json.dumps(result)


def test_replica_following_other_master_fails(fake_server):
    server = fake_server(Responder(replication=[REPLICA_REPLICATION]))
    failed, result = run({'port': server.port, 'expect_master': '10.0.0.99:6379'})
    assert failed
    assert_clean_failure(result, server.port, 'replica follows 10.0.0.11:6379, expected 10.0.0.99:6379')
    assert result['error_kind'] == 'mismatch'
    assert result['last_state']['role'] == 'replica'


def test_sentinel(fake_server):
    responder = Responder(server=SENTINEL_SERVER, sentinel_masters={
        'mymaster': {'ip': '10.0.0.11', 'port': 6379, 'fields': SENTINEL_MASTER_FIELDS}},
        ckquorum='OK 3 usable Sentinels. Quorum and failover authorization can be reached')
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster',
                          'expect_master': '10.0.0.11:6379'})
    assert not failed, result
    assert result['role'] == 'sentinel'
    assert result['master'] == {'host': '10.0.0.11', 'port': 6379}
    assert result['quorum'] == 2 and result['num_other_sentinels'] == 2 and result['num_replicas'] == 1
    assert result['flags'] == ['master'] and result['s_down'] is False and result['o_down'] is False
    assert result['quorum_ok'] is True and result['ckquorum'].startswith('OK 3 usable')
    assert result['config_epoch'] == 3
    assert result['tilt'] is False
    assert result['replicas'] == [{'host': '10.0.0.12', 'port': 6379, 'flags': ['slave'], 'link_status': 'ok',
                                   'link_down_ms': 0, 'priority': 100, 'offset': 82110}]


def test_sentinel_in_tilt_and_a_user_without_sentinel_replicas(fake_server):
    responder = Responder(server=SENTINEL_SERVER, sentinel_masters={
        'mymaster': {'ip': '10.0.0.11', 'port': 6379, 'fields': SENTINEL_MASTER_FIELDS}})
    responder.sentinel_info['sentinel_tilt'] = '1'
    original = responder._sentinel

    def sentinel(sub, args):
        if sub == 'replicas':
            return ErrorReply("NOPERM User probe has no permissions to run the 'sentinel|replicas' command")
        return original(sub, args)
    responder._sentinel = sentinel
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster'})
    assert not failed, result
    assert result['tilt'] is True and result['replicas'] is None


def test_sentinel_resp3_down_master_without_quorum(fake_server):
    fields = list(SENTINEL_MASTER_FIELDS)
    fields[fields.index('flags') + 1] = 'master,s_down,o_down'
    responder = Responder(server=SENTINEL_SERVER, sentinel_masters={'mymaster': {'ip': '10.0.0.11', 'port': 6379, 'fields': fields}})
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster', 'protocol': 3})
    assert not failed, result
    assert result['s_down'] is True and result['o_down'] is True
    assert result['quorum_ok'] is False and result['ckquorum'].startswith('NOQUORUM')


def test_valkey_sentinel(fake_server):
    responder = Responder(server=VALKEY_SENTINEL_SERVER, sentinel_masters={
        'mymaster': {'ip': '10.0.0.12', 'port': 6379, 'fields': SENTINEL_MASTER_FIELDS}},
        ckquorum='OK 3 usable Sentinels. Quorum and failover authorization can be reached')
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster', 'expect_master': '10.0.0.12:6379'})
    assert not failed, result
    assert result['role'] == 'sentinel' and result['flavor'] == 'valkey' and result['version'] == '8.1.1'
    assert result['master'] == {'host': '10.0.0.12', 'port': 6379}


def test_sentinel_probed_in_server_mode(fake_server):
    server = fake_server(Responder(server=SENTINEL_SERVER))
    failed, result = run({'port': server.port})
    assert not failed and result['role'] == 'sentinel'


def test_sentinel_mode_on_plain_server(fake_server):
    server = fake_server(Responder())
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster', 'wait_timeout': 5})
    assert failed
    assert_clean_failure(result, server.port, 'not a Sentinel')
    assert result['attempts'] == 1


@pytest.mark.parametrize('reply', ['nil', 'error'])
def test_unknown_master_name(fake_server, reply):
    responder = Responder(server=SENTINEL_SERVER)
    if reply == 'error':
        responder._sentinel = lambda sub, args: ErrorReply('ERR No such master with that name')
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'nosuch', 'password': None})
    assert failed
    assert_clean_failure(result, server.port, "does not monitor a master named 'nosuch'")
    assert result['error_kind'] == 'unknown_master'


def test_wait_for_role_change(fake_server):
    changes = [MASTER_REPLICATION] * 3 + [REPLICA_REPLICATION]
    server = fake_server(Responder(replication=list(changes)))
    failed, result = run({'port': server.port, 'expect_role': 'replica', 'wait_timeout': 5, 'poll_interval': 0.01})
    assert not failed, result
    assert result['role'] == 'replica'
    assert result['attempts'] == 4


def test_wait_survives_restart(free_port):
    """Connection refused at first, then the server appears with the expected role."""
    servers = []

    def start_later():
        time.sleep(0.3)
        servers.append(FakeRedis(Responder(replication=[REPLICA_REPLICATION]).reply, port=free_port))

    thread = threading.Thread(target=start_later, daemon=True)
    thread.start()
    try:
        failed, result = run({'port': free_port, 'expect_role': 'replica', 'wait_timeout': 5, 'poll_interval': 0.05})
    finally:
        thread.join(5)
        for server in servers:
            server.stop()
    assert not failed, result
    assert result['attempts'] > 1
    assert result['role'] == 'replica'


def test_wait_timeout_reports_last_state_and_error(fake_server):
    server = fake_server(Responder())
    failed, result = run({'port': server.port, 'expect_role': 'replica', 'wait_timeout': 0.3, 'poll_interval': 0.05,
                          'password': None})
    assert failed
    assert_clean_failure(result, server.port, 'role is master, expected replica', 'after waiting')
    assert result['last_state']['role'] == 'master'
    assert result['attempts'] > 1


def test_connection_refused(free_port):
    failed, result = run({'port': free_port, 'password': PASSWORD})
    assert failed
    assert_clean_failure(result, free_port, 'connection refused')
    assert result['error_kind'] == 'connection_refused'


def test_connection_refused_while_waiting(free_port):
    failed, result = run({'port': free_port, 'password': PASSWORD, 'wait_timeout': 0.3, 'poll_interval': 0.05})
    assert failed
    assert_clean_failure(result, free_port, 'connection refused', 'after waiting')
    assert result['attempts'] > 1


def test_name_resolution():
    failed, result = run({'host': 'no-such-host.invalid', 'password': PASSWORD})
    assert failed
    assert 'no-such-host.invalid:6379' in result['msg'] and 'resolve' in result['msg']
    assert PASSWORD not in json.dumps(result)
    assert result['error_kind'] == 'name_resolution'


def test_read_timeout(fake_server):
    server = fake_server(lambda session, args: b'')
    failed, result = run({'port': server.port, 'read_timeout': 0.2, 'password': PASSWORD})
    assert failed
    assert_clean_failure(result, server.port, 'timed out')
    assert result['error_kind'] == 'timeout'


def test_tls_handshake_failure(fake_server):
    def on_connect(client):
        client.recv(4096)
        client.sendall(b'-ERR Protocol error\r\n')
        return False

    server = fake_server(lambda session, args: 'PONG', on_connect=on_connect)
    failed, result = run({'port': server.port, 'tls': True, 'password': PASSWORD})
    assert failed
    assert_clean_failure(result, server.port, 'TLS')
    # A plain-text reply: the port does not speak TLS (a server not configured yet), not a bad certificate.
    assert result['error_kind'] == 'not_tls'


@pytest.mark.parametrize('args,fragment,kind', [
    ({'password': 'wrong-' + PASSWORD[::-1]}, 'WRONGPASS', 'auth'),
    ({'username': 'probe', 'password': 'nope'}, 'WRONGPASS', 'auth'),
    ({}, 'NOAUTH', 'noauth'),
])
def test_auth_errors(fake_server, args, fragment, kind):
    server = fake_server(Responder(password=PASSWORD))
    args = dict(args, port=server.port, wait_timeout=5)
    failed, result = run(args)
    assert failed
    assert_clean_failure(result, server.port, fragment)
    assert args.get('password', '-') not in json.dumps(result)
    assert result['error_kind'] == kind
    assert result['attempts'] == 1, 'authentication errors must not be retried'


def test_noperm(fake_server):
    server = fake_server(Responder(password=PASSWORD, username='probe', noperm=['INFO']))
    failed, result = run({'port': server.port, 'username': 'probe', 'password': PASSWORD})
    assert failed
    assert_clean_failure(result, server.port, 'NOPERM')
    assert result['error_kind'] == 'noperm'


def test_http_server(fake_server):
    server = fake_server(lambda session, args: b'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    failed, result = run({'port': server.port, 'password': PASSWORD})
    assert failed
    assert_clean_failure(result, server.port, 'does not speak the Redis protocol')
    assert result['error_kind'] == 'protocol'


def test_closed_mid_reply(fake_server):
    state = {'calls': 0}

    def handler(session, args):
        state['calls'] += 1
        if state['calls'] == 1:
            return b'$500\r\n# Server\r\nredis_version:7'
        return CLOSE

    def on_connect(client):
        client.recv(4096)
        client.sendall(b'$500\r\n# Server\r\nredis_version:7')
        return False

    server = fake_server(handler, on_connect=on_connect)
    failed, result = run({'port': server.port})
    assert failed
    assert_clean_failure(result, server.port, 'middle of a reply')
    assert result['error_kind'] == 'connection_closed'


@pytest.mark.parametrize('args,fragment', [
    ({'mode': 'sentinel'}, 'master_name'),
    ({'tls_ca_cert': '/tmp/ca.pem'}, 'set tls: true'),
    ({'mode': 'sentinel', 'master_name': 'm', 'expect_role': 'master'}, 'expect_role only applies'),
    ({'expect_master': 'nohostport'}, 'invalid expect_master'),
    ({'read_timeout': 0}, 'read_timeout must be greater than 0'),
    ({'wait_timeout': -1}, 'wait_timeout must be'),
    ({'port': 70000}, 'port must be between'),
    ({'tls': True, 'tls_client_cert': '/tmp/c.pem'}, 'tls_client_key'),
])
def test_invalid_parameters(args, fragment):
    failed, result = run(args)
    assert failed
    assert fragment in result['msg']


def test_default_port_per_mode():
    params = dict(host='h', port=None, tls=False, username=None, password=None, connect_timeout=1.0, read_timeout=1.0,
                  protocol=2, tls_ca_cert=None, tls_client_cert=None, tls_client_key=None, tls_server_name=None,
                  validate_certs=True)
    _connect, address = connection_factory(params, redis_probe.DEFAULT_PORTS['sentinel'])
    assert address == 'h:26379'
    _connect, address = connection_factory(dict(params, port=7000), redis_probe.DEFAULT_PORTS['sentinel'])
    assert address == 'h:7000'


def test_check_mode_is_supported(fake_server):
    server = fake_server(Responder())
    failed, result = run({'port': server.port, '_ansible_check_mode': True})
    assert not failed and result['changed'] is False


@pytest.mark.parametrize('reply', [42, [], 'not info at all', {'a': 1}])
def test_odd_replies_fail_cleanly(fake_server, reply):
    server = fake_server(lambda session, args: reply)
    failed, result = run({'port': server.port, 'password': None})
    assert failed
    assert_clean_failure(result, server.port)
    assert result['error_kind'] == 'protocol'


@pytest.mark.parametrize('reply', [42, ['only-host'], ErrorReply('ERR weird')])
def test_odd_sentinel_replies_fail_cleanly(fake_server, reply):
    responder = Responder(server=SENTINEL_SERVER)
    responder._sentinel = lambda sub, args: reply
    server = fake_server(responder)
    failed, result = run({'mode': 'sentinel', 'port': server.port, 'master_name': 'mymaster'})
    assert failed
    assert_clean_failure(result, server.port)


def test_a_previous_password_is_tried_when_the_new_one_is_refused(fake_server):
    # The server still has only the old password: a password change has begun, but not reached it.
    server = fake_server(Responder(password=PASSWORD, username='probe'))
    failed, result = run({'port': server.port, 'username': 'probe', 'password': 'the-new-one',
                          'previous_passwords': ['an-older-one', PASSWORD]})
    assert not failed, result
    assert result['role'] == 'master'
    dumped = json.dumps(result)
    assert PASSWORD not in dumped and 'the-new-one' not in dumped and 'an-older-one' not in dumped


def test_without_a_previous_password_that_works_the_refusal_stands(fake_server):
    server = fake_server(Responder(password=PASSWORD, username='probe'))
    failed, result = run({'port': server.port, 'username': 'probe', 'password': 'the-new-one', 'previous_passwords': ['an-older-one']})
    assert failed
    assert result['error_kind'] == 'auth'
    assert 'an-older-one' not in json.dumps(result) and PASSWORD not in json.dumps(result)

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""redis_probe against real redis-server / redis-sentinel processes, run through Ansible.

The failover test mutates the shared cluster and therefore comes last.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.probe import probe_sentinel, probe_server
from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    AuthenticationError,
    NoPermissionError,
    RedisConnection,
    TlsError,
    TlsOptions,
)
from ansible_collections.hastack.redis.tests.integration.conftest import (
    MASTER_NAME,
    PROBE_PASSWORD,
    PROBE_USER,
    REDIS_SERVER,
    REQUIRE_PASSWORD,
    SKIP_REASON,
    free_port,
    sentinel_master,
    wait_until,
)

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)

SECRETS = (PROBE_PASSWORD, REQUIRE_PASSWORD, 'Wrong-Pw-1234')


def probe_task(name, ignore_errors=False, **args):
    task = {'name': name, 'hastack.redis.redis_probe': args}
    if ignore_errors:
        task['ignore_errors'] = True
    return task


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text, 'a password leaked into the output'


@pytest.fixture(scope='module')
def http_server():
    """A real HTTP server: a peer that does not speak RESP."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _listening(port), 10, 'http.server did not start')
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def _listening(port):
    import socket
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# the client on its own
# ---------------------------------------------------------------------------


def test_client_resp2_and_resp3(cluster):
    master = cluster['master']
    with RedisConnection('127.0.0.1', master.port, protocol=3) as conn:
        assert conn.protocol == 3 and conn.hello['proto'] == 3
        assert conn.command('SET', 'k', 'v') == 'OK'
        assert conn.command('HSET', 'h', 'a', '1') == 1
        assert conn.command('HGETALL', 'h') == {'a': '1'}
        assert conn.command('SADD', 's', 'x') == 1
        assert conn.command('SMEMBERS', 's') == ['x']  # a RESP3 set, kept as a list
        assert conn.command('GET', 'missing') is None
    with RedisConnection('127.0.0.1', master.port) as conn:
        assert conn.protocol == 2
        assert conn.command('HGETALL', 'h') == ['a', '1']
        assert conn.command('DEL', 'k', 'h', 's') == 3
    state = probe_server(RedisConnection('127.0.0.1', cluster['replica'].port).connect())
    assert state['role'] == 'replica' and state['master_port'] == master.port


def test_client_auth_errors(auth_server):
    with RedisConnection('127.0.0.1', auth_server.port, username=PROBE_USER, password=PROBE_PASSWORD) as conn:
        assert conn.info('server')['redis_mode'] == 'standalone'
    with pytest.raises(AuthenticationError) as err:
        RedisConnection('127.0.0.1', auth_server.port, password='Wrong-Pw-1234').connect()
    assert_no_secret(str(err.value))
    with pytest.raises(NoPermissionError):
        with RedisConnection('127.0.0.1', auth_server.port, username='noinfo', password=PROBE_PASSWORD) as conn:
            conn.info()


def test_client_tls(tls_server, tls_files):
    with tls_server.connection() as conn:
        assert conn.ping()
    with pytest.raises(TlsError, match='certificate verification failed'):
        RedisConnection('127.0.0.1', tls_server.port, tls=TlsOptions(ca_file=tls_files['other-ca.crt'])).connect()


def test_client_sentinel_acl_user(cluster):
    sentinel = cluster['sentinels'][0]
    with RedisConnection('127.0.0.1', sentinel.port, username=PROBE_USER, password=PROBE_PASSWORD) as conn:
        state = probe_sentinel(conn, MASTER_NAME)
    assert state['master'] == {'host': '127.0.0.1', 'port': cluster['master'].port}
    assert state['quorum_ok'] is True


# ---------------------------------------------------------------------------
# through Ansible
# ---------------------------------------------------------------------------


def test_adhoc_master(cluster, ansible_adhoc):
    master, replica = cluster['master'], cluster['replica']
    run = ansible_adhoc({'port': master.port, 'expect_role': 'master'})
    assert run.returncode == 0, run.stdout + run.stderr
    result = run.results[0]
    assert result['changed'] is False
    assert result['role'] == 'master'
    assert result['flavor'] == 'redis'
    assert result['version'].split('.')[0].isdigit()
    assert result['address'] == master.address
    assert result['connected_replicas'] == 1
    assert result['replicas'][0]['port'] == replica.port
    assert result['replicas'][0]['state'] == 'online'
    assert isinstance(result['master_repl_offset'], int)


def test_playbook_topology_auth_and_tls(cluster, auth_server, tls_server, tls_files, http_server, ansible_playbook):
    master, replica = cluster['master'], cluster['replica']
    sentinel1, sentinel2 = cluster['sentinels'][:2]
    tls_ok = dict(port=tls_server.port, tls=True, tls_ca_cert=tls_files['ca.crt'],
                  tls_client_cert=tls_files['client.crt'], tls_client_key=tls_files['client.key'])
    wrong_ca = dict(tls_ok)
    wrong_ca['tls_ca_cert'] = tls_files['other-ca.crt']
    refused_port = free_port()
    tasks = [
        probe_task('replica follows master', port=replica.port, expect_role='replica', expect_master=master.address),
        probe_task('sentinel with ACL user', mode='sentinel', port=sentinel1.port, master_name=MASTER_NAME,
                   username=PROBE_USER, password=PROBE_PASSWORD, expect_master=master.address),
        probe_task('sentinel over RESP3', mode='sentinel', port=sentinel2.port, master_name=MASTER_NAME, protocol=3),
        probe_task('requirepass', port=auth_server.port, password=REQUIRE_PASSWORD, expect_role='master'),
        probe_task('ACL user', port=auth_server.port, username=PROBE_USER, password=PROBE_PASSWORD),
        probe_task('wrong password', True, port=auth_server.port, password='Wrong-Pw-1234', wait_timeout=10),
        probe_task('no password', True, port=auth_server.port),
        probe_task('ACL user without +info', True, port=auth_server.port, username='noinfo', password=PROBE_PASSWORD),
        probe_task('unknown master', True, mode='sentinel', port=sentinel2.port, master_name='nosuchmaster'),
        probe_task('connection refused', True, port=refused_port, password=REQUIRE_PASSWORD),
        probe_task('HTTP server', True, port=http_server),
        probe_task('TLS with client certificate', **tls_ok),
        probe_task('TLS with SNI name', tls_server_name='localhost', **tls_ok),
        probe_task('TLS wrong CA', True, **wrong_ca),
        probe_task('TLS wrong server name', True, tls_server_name='wrong.example.com', **tls_ok),
        probe_task('TLS without client certificate', True, port=tls_server.port, tls=True, tls_ca_cert=tls_files['ca.crt']),
        probe_task('plain text to TLS port', True, port=tls_server.port, read_timeout=2),
        probe_task('replica is not master', True, port=replica.port, expect_role='master', wait_timeout=0.5),
    ]
    run = ansible_playbook(tasks)
    assert_no_secret(run.stdout + run.stderr)
    results = {task['name']: result for task, result in zip(tasks, run.results)}
    assert len(results) == len(tasks), run.stdout + run.stderr

    for name in ('replica follows master', 'sentinel with ACL user', 'sentinel over RESP3', 'requirepass', 'ACL user',
                 'TLS with client certificate', 'TLS with SNI name'):
        assert not results[name].get('failed'), (name, results[name])
        assert results[name]['changed'] is False

    replica_result = results['replica follows master']
    assert replica_result['master_link_status'] == 'up'
    assert replica_result['read_only'] is True
    assert replica_result['master_port'] == master.port

    for name in ('sentinel with ACL user', 'sentinel over RESP3'):
        sentinel = results[name]
        assert sentinel['role'] == 'sentinel'
        assert sentinel['master'] == {'host': '127.0.0.1', 'port': master.port}
        assert sentinel['quorum'] == 2 and sentinel['num_other_sentinels'] == 2 and sentinel['num_replicas'] == 1
        assert sentinel['quorum_ok'] is True and 'usable Sentinels' in sentinel['ckquorum']
        assert sentinel['s_down'] is False and sentinel['o_down'] is False and 'master' in sentinel['flags']

    assert results['TLS with client certificate']['role'] == 'master'

    expected_failures = {
        'wrong password': (auth_server.address, 'WRONGPASS', 'auth'),
        'no password': (auth_server.address, 'NOAUTH', 'noauth'),
        'ACL user without +info': (auth_server.address, 'NOPERM', 'noperm'),
        'unknown master': (sentinel2.address, "does not monitor a master named 'nosuchmaster'", 'unknown_master'),
        'connection refused': ('127.0.0.1:%d' % refused_port, 'connection refused', 'connection_refused'),
        'HTTP server': ('127.0.0.1:%d' % http_server, 'does not speak the Redis protocol', 'protocol'),
        'TLS wrong CA': (tls_server.address, 'certificate verification failed', 'tls'),
        'TLS wrong server name': (tls_server.address, 'certificate verification failed', 'tls'),
        'TLS without client certificate': (tls_server.address, '', None),
        'plain text to TLS port': (tls_server.address, '', None),
        'replica is not master': (replica.address, 'role is replica, expected master', 'mismatch'),
    }
    for name, (address, fragment, kind) in expected_failures.items():
        result = results[name]
        assert result.get('failed') is True, (name, result)
        assert address in result['msg'], (name, result['msg'])
        assert fragment in result['msg'], (name, result['msg'])
        assert 'Traceback' not in result['msg'] + result.get('exception', ''), (name, json.dumps(result, indent=1)[:3000])
        if kind:
            assert result['error_kind'] == kind, (name, result)
    assert results['wrong password']['attempts'] == 1
    assert results['replica is not master']['last_state']['role'] == 'replica'
    assert results['TLS without client certificate']['error_kind'] in ('tls', 'connection_closed')
    assert results['plain text to TLS port']['error_kind'] in ('connection_closed', 'timeout')


# ---------------------------------------------------------------------------
# failover (mutates the cluster: keep last)
# ---------------------------------------------------------------------------


def _request_failover(sentinel):
    with sentinel.connection() as conn:
        try:
            return conn.command('SENTINEL', 'FAILOVER', MASTER_NAME) == 'OK'
        except AuthenticationError:
            raise
        except Exception:  # pylint: disable=broad-except  # NOGOODSLAVE until the replica is known: retry
            return False


def test_sentinel_failover(cluster, ansible_playbook):
    old_master, old_replica = cluster['master'], cluster['replica']
    sentinels = cluster['sentinels']
    epoch_before = int(sentinel_master(sentinels[0])['config-epoch'])
    start = time.monotonic()
    wait_until(lambda: _request_failover(sentinels[0]), 15, 'SENTINEL FAILOVER was refused')

    tasks = [
        probe_task('sentinel reports the new master', mode='sentinel', port=sentinels[1].port, master_name=MASTER_NAME,
                   expect_master=old_replica.address, wait_timeout=30, poll_interval=0.2),
        probe_task('old replica is master', port=old_replica.port, expect_role='master', wait_timeout=30, poll_interval=0.2),
        probe_task('old master follows the new master', port=old_master.port, expect_role='replica',
                   expect_master=old_replica.address, wait_timeout=45, poll_interval=0.2),
        probe_task('every sentinel agrees', mode='sentinel', port=sentinels[2].port, master_name=MASTER_NAME,
                   expect_master=old_replica.address, wait_timeout=30, poll_interval=0.2),
        probe_task('old master no longer master', True, port=old_master.port, expect_role='master'),
    ]
    run = ansible_playbook(tasks)
    assert len(run.results) == len(tasks), run.stdout + run.stderr
    results = {task['name']: result for task, result in zip(tasks, run.results)}
    for name in list(results)[:4]:
        assert not results[name].get('failed'), (name, results[name])
    assert results['sentinel reports the new master']['master'] == {'host': '127.0.0.1', 'port': old_replica.port}
    assert results['every sentinel agrees']['config_epoch'] > epoch_before
    assert results['old replica is master']['role'] == 'master'
    demoted = results['old master follows the new master']
    assert demoted['role'] == 'replica' and demoted['master_port'] == old_replica.port
    failed = results['old master no longer master']
    assert failed['failed'] and failed['error_kind'] == 'mismatch'
    assert 'role is replica, expected master' in failed['msg']
    assert time.monotonic() - start < 75

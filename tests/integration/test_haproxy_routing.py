# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy role's real haproxy.cfg, run by a real HAProxy in front of real Redis and Sentinels on 127.0.0.1.

Proves: clients reach only the master; after a failover they reach the new master; a server that says
role:master while the Sentinels name another gets no client; with no eligible server connections are closed;
the stats page needs credentials; the Prometheus endpoint answers.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import typing as t
from pathlib import Path

import pytest

from ansible_collections.hastack.redis.lab import certs
from ansible_collections.hastack.redis.plugins.filter.encode import redis_quote
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisConnectionError, TlsOptions
from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab

ROLE = Path(__file__).resolve().parents[2] / 'roles' / 'haproxy'
HAPROXY = lab.binary('haproxy')
REDIS_SERVER = lab.binary('redis-server')
REDIS_SENTINEL = lab.binary('redis-sentinel')
MASTER_NAME = 'mymaster'
# Passwords a configuration file could mangle: spaces, quotes, '#', '$', a backslash, non-ASCII letters (the
# checks send them as RESP with lengths in bytes; Sentinel reads them from a file quoted by redis_quote).
CHECK_USER, CHECK_PASSWORD = 'haproxy', 'Check pw "with" $pace #1 \\ \u00e4\u20ac'
SENTINEL_PASSWORD = 'Sentinel pw #2 \u00fc "q"'
STATS_PASSWORD = 'Stats-Pw-42'

pytestmark = pytest.mark.skipif(
    None in (HAPROXY, REDIS_SERVER, REDIS_SENTINEL),
    reason='haproxy, redis-server and redis-sentinel must be installed (apt-get install haproxy redis-server redis-sentinel)')


def render(workdir: Path, extra_vars: dict) -> subprocess.CompletedProcess:
    """Render the role's template with its defaults and internal vars, validated by haproxy -c like the role does,
    beside the stats logins file it reads."""
    extra_vars = dict(extra_vars, _haproxy_stats_logins_file=str(workdir / 'hastack-stats-logins'))
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'vars_files': [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml')],
             'tasks': [
                 {'name': 'Write the stats logins', 'ansible.builtin.copy': {
                     'content': '{{ _haproxy_stats_logins_content }}', 'dest': str(workdir / 'hastack-stats-logins'), 'mode': '0600'}},
                 {'name': 'Render haproxy.cfg', 'ansible.builtin.template': {
                     'src': str(ROLE / 'templates' / 'haproxy.cfg.j2'), 'dest': str(workdir / 'haproxy.cfg'),
                     'mode': '0600', 'validate': HAPROXY + ' -c -f %s'}}]}]
    return lab.playbook(workdir, 'render', play, extra_vars)


class Lab:
    """Master, replica, three Sentinels with requirepass, and HAProxy, all on 127.0.0.1."""

    def __init__(self, workdir: Path, tls: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        # With TLS (the CA and a certificate for 127.0.0.1): servers and Sentinels on TLS ports only.
        self.tls = tls
        self.ports: set[int] = set()
        self.procs: list[lab.Process] = []
        self.redis_ports = [lab.free_port(self.ports) for _index in range(2)]
        self.sentinel_ports = [lab.free_port(self.ports) for _index in range(3)]
        self.frontend_port = lab.free_port(self.ports)
        self.stats_port = lab.free_port(self.ports)
        self.socket = workdir / 'admin.sock'
        # HAProxy writes it as user haproxy, which cannot enter pytest's private directories.
        self.routable_dir = Path(tempfile.mkdtemp(prefix='hastack-routable-'))
        self.routable_dir.chmod(0o777)
        self.routable_file = self.routable_dir / 'routable'
        self.redis: dict[int, lab.Process] = {}
        self.sentinels: dict[int, lab.Process] = {}

    def start_redis(self, port: int, *extra: str, acl: tuple[str, ...] = ('+@all',)) -> lab.Process:
        directory = self.workdir / ('redis%d' % port)
        directory.mkdir(exist_ok=True)
        argv = [REDIS_SERVER, *self.ports_args(port), '--bind', lab.HOST, '--save', '', '--appendonly', 'no',
                '--dir', str(directory), '--user', 'default', 'on', 'nopass', '~*', '&*', *acl,
                '--user', CHECK_USER, 'on', '>' + CHECK_PASSWORD, '+ping', '+info', *extra]
        proc = lab.Process('redis%d' % port, argv, directory)
        self.procs.append(proc)
        self.redis[port] = proc
        lab.wait_until(lambda: self.client(port).command('PING') == 'PONG', 10, 'redis on %d did not start' % port)
        return proc

    def ports_args(self, port: int) -> list[str]:
        """The listening port, with TLS only when the lab has TLS (replication and Sentinel links included)."""
        if not self.tls:
            return ['--port', str(port)]
        return ['--port', '0', '--tls-port', str(port), '--tls-cert-file', self.tls['server.crt'],
                '--tls-key-file', self.tls['server.key'], '--tls-ca-cert-file', self.tls['ca.crt'],
                '--tls-auth-clients', self.tls.get('auth', 'no'), '--tls-replication', 'yes']

    def client(self, port: int, password: str | None = None) -> RedisConnection:
        """A connection to 127.0.0.1:port, with TLS checking the certificate against the CA when the lab has TLS."""
        tls = TlsOptions(ca_file=self.tls['ca.crt'], cert_file=self.tls.get('client.crt'), key_file=self.tls.get('client.key')) \
            if self.tls else None
        return RedisConnection(lab.HOST, port, password=password, tls=tls, connect_timeout=2.0, read_timeout=2.0)

    def start_sentinel(self, port: int) -> None:
        directory = self.workdir / ('sentinel%d' % port)
        directory.mkdir(exist_ok=True)
        ports = self.ports_args(port)
        (directory / 'sentinel.conf').write_text('\n'.join([
            *('%s %s' % (key[2:], value) for key, value in zip(ports[0::2], ports[1::2])), 'bind %s' % lab.HOST, 'dir %s' % directory,
            'requirepass %s' % redis_quote(SENTINEL_PASSWORD), 'sentinel sentinel-pass %s' % redis_quote(SENTINEL_PASSWORD),
            'sentinel monitor %s %s %d 2' % (MASTER_NAME, lab.HOST, self.redis_ports[0]),
            'sentinel down-after-milliseconds %s 1000' % MASTER_NAME,
            'sentinel failover-timeout %s 4000' % MASTER_NAME, '']))
        self.procs.append(lab.Process('sentinel%d' % port, [REDIS_SENTINEL, str(directory / 'sentinel.conf')], directory))
        self.sentinels[port] = self.procs[-1]

    def sentinel(self, port: int) -> RedisConnection:
        return self.client(port, password=SENTINEL_PASSWORD)

    def vars(self, tls_name: str = '') -> dict:
        """The role's variables for this lab; with tls_name, every server and Sentinel entry carries it."""
        named = {'tls_name': tls_name} if tls_name else {}
        return {
            'inventory_hostname': 'haredis1',
            'haproxy_vip': lab.HOST, 'haproxy_redis_port': self.frontend_port, 'haproxy_redis_master_name': MASTER_NAME,
            'haproxy_redis_servers': [dict(named, name='redis%d' % i, address=lab.HOST, port=port)
                                      for i, port in enumerate(self.redis_ports, 1)],
            'haproxy_redis_sentinels': [dict(named, name='sentinel%d' % i, address=lab.HOST, port=port)
                                        for i, port in enumerate(self.sentinel_ports, 1)],
            'haproxy_healthcheck_password': CHECK_PASSWORD, 'haproxy_sentinel_password': SENTINEL_PASSWORD,
            'haproxy_stats_password': STATS_PASSWORD, 'haproxy_stats_port': self.stats_port,
            'haproxy_chroot': '', 'haproxy_admin_socket': str(self.socket), 'haproxy_log_target': 'stderr',
            'haproxy_email_alerts_enabled': False, 'haproxy_maxconn': 1000,
            '_haproxy_lua_file': str(ROLE / 'files' / 'hastack-redis.lua'),
            'haproxy_routable_file': str(self.routable_file),
            '__haproxy_version': {'stdout': subprocess.run([HAPROXY, '-v'], capture_output=True, text=True, check=True).stdout},
            'haproxy_tls': bool(self.tls), 'haproxy_tls_ca_cert': self.tls['ca.crt'] if self.tls else '',
            'haproxy_tls_client_cert': (self.tls or {}).get('client.pem', ''),
        }

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        shutil.rmtree(self.routable_dir, ignore_errors=True)

    def frontend_port_of_master(self) -> int:
        with self.client(self.frontend_port) as client:
            return int(client.info('server')['tcp_port'])

    def sessions(self, port: int) -> int:
        index = self.redis_ports.index(port) + 1
        return int(lab.server_stats(self.socket)[('redis_redis%d' % index, 'redis%d' % index)]['stot'])

    def status(self, port: int) -> str:
        index = self.redis_ports.index(port) + 1
        return lab.server_stats(self.socket)[('redis_redis%d' % index, 'redis%d' % index)]['status']

    def votes(self, port: int) -> int:
        """How many Sentinels HAProxy sees naming the server on `port` as master."""
        index = self.redis_ports.index(port) + 1
        return sum(1 for (backend, server), row in lab.server_stats(self.socket).items()
                   if backend == 'redis_votes_redis%d' % index and server != 'BACKEND' and row['status'].startswith('UP'))


@contextlib.contextmanager
def started(workdir: Path, tls: dict[str, str] | None = None) -> t.Iterator[Lab]:
    """A master, its replica, three Sentinels that know both, and HAProxy routing to the master."""
    setup = Lab(workdir, tls)
    try:
        master, replica = setup.redis_ports
        setup.start_redis(master)
        setup.start_redis(replica, '--replicaof', lab.HOST, str(master))
        for port in setup.sentinel_ports:
            setup.start_sentinel(port)

        def settled() -> bool:
            for port in setup.sentinel_ports:
                with setup.sentinel(port) as client:
                    fields = client.command('SENTINEL', 'MASTER', MASTER_NAME)
                    fields = dict(zip(fields[0::2], fields[1::2]))
                    if fields.get('num-other-sentinels') != '2' or fields.get('num-slaves') != '1':
                        return False
            return True

        lab.wait_until(settled, 30, 'Sentinels did not discover each other and the replica', 0.2)
        result = render(workdir, setup.vars())
        assert result.returncode == 0, result.stdout + result.stderr
        haproxy = lab.Process('haproxy', [HAPROXY, '-f', str(workdir / 'haproxy.cfg'), '-db'], workdir)
        setup.procs.append(haproxy)
        lab.wait_until(lambda: setup.frontend_port_of_master() == master, 15, 'HAProxy did not route to the master')
        yield setup
    finally:
        setup.stop()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    with started(tmp_path_factory.mktemp('haproxy')) as setup:
        yield setup


def test_preflight_names_a_missing_secret(tmp_path):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'hastack.redis.haproxy'}]}]
    result = lab.playbook(tmp_path, 'preflight', play, {
        'haproxy_vip': lab.HOST, 'haproxy_redis_servers': [{'name': 'redis1', 'address': lab.HOST}],
        'haproxy_redis_sentinels': [{'name': 's1', 'address': lab.HOST}],
        'haproxy_sentinel_password': 'x', 'haproxy_stats_password': 'y'}, tags='haproxy_preflight')
    assert result.returncode != 0
    assert 'haproxy_healthcheck_password is not set' in result.stdout


def test_writes_reach_the_master_and_never_the_replica(running):
    master, replica = running.redis_ports
    with lab.client(running.frontend_port) as client:
        assert client.command('SET', 'hastack:key', 'through-haproxy') == 'OK'
        assert client.command('GET', 'hastack:key') == 'through-haproxy'
        assert client.info('replication')['role'] == 'master'
        assert int(client.info('server')['tcp_port']) == master
    assert running.sessions(replica) == 0
    assert running.status(replica).startswith('DOWN')


def test_stats_page_and_metrics_need_credentials(running):
    token = base64.b64encode(('admin:%s' % STATS_PASSWORD).encode()).decode()
    wrong = base64.b64encode(b'admin:not-the-password').decode()
    for path, expected in (('/haredis1/', b'redis_votes_redis1'), ('/metrics', b'haproxy_server_status')):
        url = 'http://%s:%d%s' % (lab.HOST, running.stats_port, path)
        for headers in ({}, {'Authorization': 'Basic ' + wrong}):
            with pytest.raises(urllib.error.HTTPError) as denied:
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5)
            assert denied.value.code == 401, path
        request = urllib.request.Request(url, headers={'Authorization': 'Basic ' + token})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert expected in response.read()


def test_failover_moves_clients_and_closes_old_sessions(running):
    master, replica = running.redis_ports
    old_session = lab.client(running.frontend_port)
    assert old_session.command('PING') == 'PONG'
    with running.sentinel(running.sentinel_ports[0]) as sentinel:
        assert sentinel.command('SENTINEL', 'FAILOVER', MASTER_NAME) == 'OK'
    lab.wait_until(lambda: running.frontend_port_of_master() == replica, 30, 'HAProxy did not follow the failover')
    lab.wait_until(lambda: running.status(master).startswith('DOWN'), 30, 'the demoted master was not marked down')
    with pytest.raises(RedisConnectionError):
        old_session.command('PING')
    old_session.close()
    with lab.client(running.frontend_port) as client:
        assert client.command('SET', 'hastack:after', 'failover') == 'OK'


def test_old_master_claiming_master_gets_no_client(running):
    old, new = running.redis_ports
    # A restarted old master that believes it is master, and that Sentinel cannot convert (REPLICAOF denied).
    running.redis[old].stop()
    running.start_redis(old, acl=('+@all', '-replicaof', '-slaveof'))
    with lab.client(old) as client:
        assert client.info('replication')['role'] == 'master'
    lab.wait_until(lambda: running.status(old) == 'UP', 10, 'the old master never passed the role:master check')
    before = running.sessions(old)
    for _attempt in range(30):
        assert running.frontend_port_of_master() == new
    assert running.sessions(old) == before


def test_no_eligible_server_closes_the_connection(running):
    _old, new = running.redis_ports
    running.redis[new].stop()
    lab.wait_until(lambda: running.status(new).startswith('DOWN'), 10, 'HAProxy did not see the master go down')

    def closed() -> bool:
        try:
            with lab.client(running.frontend_port) as client:
                client.command('PING')
        except RedisConnectionError:
            return True
        return False

    for _attempt in range(10):
        assert closed(), 'a connection was routed although no server is master with a Sentinel majority'


def test_sessions_close_when_the_master_loses_its_sentinel_majority(tmp_path):
    """A master cut off from its Sentinels keeps answering role:master: its established sessions must
    still close once a majority of Sentinels names another server (here two Sentinels are told to
    monitor the replica, the master itself is untouched)."""
    with started(tmp_path) as setup:
        master, replica = setup.redis_ports
        pooled = lab.client(setup.frontend_port)
        assert int(pooled.info('server')['tcp_port']) == master
        assert pooled.command('SET', 'hastack:pooled', 'before') == 'OK'
        for port in setup.sentinel_ports[:2]:
            with setup.sentinel(port) as sentinel:
                assert sentinel.command('SENTINEL', 'REMOVE', MASTER_NAME) == 'OK'
                assert sentinel.command('SENTINEL', 'MONITOR', MASTER_NAME, lab.HOST, str(replica), '2') == 'OK'
        lab.wait_until(lambda: setup.votes(master) < 2, 15, 'HAProxy did not see the master lose its majority')

        def closed() -> bool:
            try:
                pooled.command('PING')
            except RedisConnectionError:
                return True
            return False

        lab.wait_until(closed, 2, 'the pooled session to a master without a Sentinel majority stayed open')
        pooled.close()
        # Cut by the Lua task, not by on-marked-down: the master's own check still passes.
        assert setup.status(master).startswith('UP')
        with lab.client(master) as direct:
            assert direct.info('replication')['role'] == 'master'


def test_the_routable_file_says_when_no_sentinel_majority_is_in_sight(tmp_path):
    """keepalived's signal: "1" only once no server is eligible AND fewer than a majority of Sentinels answer
    (this load balancer is cut off), "0" again when they are back."""
    with started(tmp_path) as setup:
        routable = setup.routable_file
        lab.wait_until(lambda: routable.read_text() == '0\n', 5, 'HAProxy did not write the routable file')
        # One Sentinel gone: still a majority in sight, still routable.
        first, second, third = setup.sentinel_ports
        setup.sentinels[first].stop()
        lab.wait_until(lambda: setup.votes(setup.redis_ports[0]) == 2, 10, 'HAProxy did not see one Sentinel go')
        assert routable.read_text() == '0\n'
        setup.sentinels[second].stop()
        lab.wait_until(lambda: routable.read_text() == '1\n', 10, 'the routable file did not say 1 without a Sentinel majority')
        for port in (first, second):
            setup.start_sentinel(port)
        lab.wait_until(lambda: routable.read_text() == '0\n', 15, 'the routable file did not say 0 again')


def test_a_thawed_haproxy_routes_nobody_until_its_view_is_fresh(tmp_path):
    """A load balancer frozen longer than a failover takes (its host paused) wakes up with the view of the
    servers it had before: the frontend must refuse clients until fresh checks, not route them to a master
    the Sentinels may have deposed meanwhile. The hold is haproxy_stale_hold_ms (1000 ms by default)."""
    with started(tmp_path) as setup:
        master, _replica = setup.redis_ports
        haproxy = setup.procs[-1]
        assert setup.frontend_port_of_master() == master
        os.kill(haproxy.proc.pid, signal.SIGSTOP)
        try:
            time.sleep(3)
        finally:
            os.kill(haproxy.proc.pid, signal.SIGCONT)
        with pytest.raises(RedisConnectionError):
            setup.frontend_port_of_master()
        lab.wait_until(lambda: 'stood still' in haproxy.log.read_text(), 2, 'HAProxy did not log the gap')
        lab.wait_until(lambda: setup.frontend_port_of_master() == master, 5, 'HAProxy did not route again after the hold')


def test_with_tls_the_checks_verify_and_clients_pass_through_to_the_master(tmp_path, tls_files):
    """haproxy_tls: servers and Sentinels on TLS ports only, HAProxy's role and vote checks over TLS against
    the CA, client TLS passed through to the master (the client verifies the server's certificate), a
    plain-text client refused, and a failover followed."""
    with started(tmp_path, tls_files) as setup:
        master, replica = setup.redis_ports
        config = (tmp_path / 'haproxy.cfg').read_text()
        assert 'check-ssl verify required ca-file %s' % tls_files['ca.crt'] in config
        assert setup.status(master) == 'UP' and setup.status(replica).startswith('DOWN')
        lab.wait_until(lambda: setup.votes(master) == 3, 10, 'HAProxy did not see all three Sentinels name the master')
        with setup.client(setup.frontend_port) as client:
            assert client.command('SET', 'hastack:tls', 'through-haproxy') == 'OK'
        with pytest.raises(RedisConnectionError):
            with lab.client(setup.frontend_port) as plain:
                plain.command('PING')
        with setup.sentinel(setup.sentinel_ports[0]) as sentinel:
            assert sentinel.command('SENTINEL', 'FAILOVER', MASTER_NAME) == 'OK'
        lab.wait_until(lambda: setup.frontend_port_of_master() == replica, 30, 'HAProxy did not follow the failover over TLS')
        # Routing needs a quorum (2), so the third Sentinel's vote may come a check interval later.
        lab.wait_until(lambda: setup.votes(replica) == 3, 10, 'HAProxy did not see all three Sentinels name the new master')


def restart_haproxy(setup: Lab, workdir: Path, name: str, vars_: dict) -> None:
    """Render the configuration with `vars_` and run a new HAProxy on it in place of the running one."""
    result = render(workdir, vars_)
    assert result.returncode == 0, result.stdout + result.stderr
    setup.procs[-1].stop()
    setup.procs.append(lab.Process(name, [HAPROXY, '-f', str(workdir / 'haproxy.cfg'), '-db'], workdir))


def test_with_tls_a_named_peer_must_have_that_name(tmp_path, tls_files):
    """tls_name on the entries: sent as SNI and checked (verifyhost). The lab's certificates name localhost:
    with that name every check passes, with another every server and Sentinel is DOWN."""
    with started(tmp_path, tls_files) as setup:
        master = setup.redis_ports[0]
        restart_haproxy(setup, tmp_path, 'haproxy-named', setup.vars(tls_name='localhost'))
        assert 'check-sni localhost verifyhost localhost' in (tmp_path / 'haproxy.cfg').read_text()
        lab.wait_until(lambda: setup.frontend_port_of_master() == master, 15, 'HAProxy did not route with the right name')
        lab.wait_until(lambda: setup.votes(master) == 3, 10, 'HAProxy did not see all three Sentinels name the master')
        restart_haproxy(setup, tmp_path, 'haproxy-misnamed', setup.vars(tls_name='redis.example.com'))
        lab.wait_until(lambda: setup.status(master).startswith('DOWN'), 10, 'a server without the name passed the check')
        lab.wait_until(lambda: setup.votes(master) == 0, 10, 'a Sentinel without the name passed the check')


def test_with_tls_a_certificate_from_another_ca_fails_the_checks(tmp_path, tls_files):
    """The checks trust the given CA only: with another CA every server and Sentinel is DOWN and no client is routed."""
    with started(tmp_path, tls_files) as setup:
        restart_haproxy(setup, tmp_path, 'haproxy-other-ca', dict(setup.vars(), haproxy_tls_ca_cert=tls_files['other-ca.crt']))
        master = setup.redis_ports[0]
        lab.wait_until(lambda: setup.status(master).startswith('DOWN'), 10, 'a server with an untrusted certificate passed the check')
        lab.wait_until(lambda: setup.votes(master) == 0, 10, 'a Sentinel with an untrusted certificate passed the check')
        with pytest.raises(RedisConnectionError):
            setup.frontend_port_of_master()


def test_with_tls_and_client_certificates_required_the_checks_present_one(tmp_path):
    """tls-auth-clients yes on every server and Sentinel: HAProxy's checks pass with haproxy_tls_client_cert (a
    certificate and its key in one PEM) and fail without it. The lab's certificates allow server and client use,
    as replication and Sentinel's links need."""
    if certs.OPENSSL is None:
        pytest.skip('openssl CLI not installed; cannot make TLS certificates')
    pki = tmp_path / 'pki'
    certs.issue(str(pki), 'ca', [('peer', ['127.0.0.1'])])
    client_pem = tmp_path / 'haproxy-client.pem'
    client_pem.write_text((pki / 'peer.crt').read_text() + (pki / 'peer.key').read_text())
    material = {'ca.crt': str(pki / 'ca.pem'), 'server.crt': str(pki / 'peer.crt'), 'server.key': str(pki / 'peer.key'),
                'client.crt': str(pki / 'peer.crt'), 'client.key': str(pki / 'peer.key'), 'client.pem': str(client_pem),
                'auth': 'yes'}
    with started(tmp_path, material) as setup:
        master = setup.redis_ports[0]
        assert ' crt %s' % client_pem in (tmp_path / 'haproxy.cfg').read_text()
        lab.wait_until(lambda: setup.votes(master) == 3, 10, 'HAProxy did not see all three Sentinels name the master')
        restart_haproxy(setup, tmp_path, 'haproxy-no-client-cert', dict(setup.vars(), haproxy_tls_client_cert=''))
        lab.wait_until(lambda: setup.status(master).startswith('DOWN'), 10, 'a check without a client certificate passed')
        lab.wait_until(lambda: setup.votes(master) == 0, 10, 'a vote check without a client certificate passed')

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures starting real redis-server / redis-sentinel processes on 127.0.0.1 high ports.

Everything runs in a temporary directory and is torn down after the session.
The tests are skipped only when redis-server is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection, RedisError
from ansible_collections.hastack.redis.tests.integration.haproxy_lab import binary, stop_process
from ansible_collections.hastack.redis.tests.integration.haproxy_lab import free_port as lab_free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
MASTER_NAME = 'mymaster'
PROBE_USER = 'probe'
PROBE_PASSWORD = 'Probe-Pw-4711'
REQUIRE_PASSWORD = 'Default-Pw-0815'


REDIS_SERVER = binary('redis-server')
REDIS_SENTINEL = binary('redis-sentinel')
OPENSSL = binary('openssl')

SKIP_REASON = ('redis-server is not installed (apt-get install redis-server redis-sentinel); '
               'the live redis_probe tests need real Redis processes')

_used_ports = set()


def free_port():
    """Return a free TCP port on 127.0.0.1 (not handed out twice in this session)."""
    return lab_free_port(_used_ports)


class Process:
    """A Redis-family process started by the tests."""

    def __init__(self, name, argv, port, workdir, tls=None, password=None):
        self.name = name
        self.port = port
        self.workdir = workdir
        self.tls = tls
        self.password = password
        self.log = workdir / ('%s.log' % name)
        with open(self.log, 'wb') as log:
            self.proc = subprocess.Popen(argv, cwd=str(workdir), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def address(self):
        return '127.0.0.1:%d' % self.port

    def connection(self, **kwargs):
        kwargs.setdefault('password', self.password)
        kwargs.setdefault('tls', self.tls)
        kwargs.setdefault('connect_timeout', 1.0)
        kwargs.setdefault('read_timeout', 2.0)
        return RedisConnection('127.0.0.1', self.port, **kwargs)

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited with %s:\n%s' % (self.name, self.proc.returncode, self.log.read_text()))
            try:
                with self.connection() as conn:
                    if conn.ping():
                        return self
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError('%s did not answer PING within %ss:\n%s' % (self.name, timeout, self.log.read_text()))

    def stop(self):
        stop_process(self.proc, grace=2)


class Processes:
    """Registry of started processes, stopped at teardown."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def server(self, name, *extra, port=None, tls=None, password=None):
        port = port or free_port()
        directory = self.workdir / name
        directory.mkdir(exist_ok=True)
        argv = [REDIS_SERVER, '--port', str(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--save', '',
                '--appendonly', 'no', '--dir', str(directory), '--shutdown-on-sigterm', 'nosave', 'now'] + list(extra)
        if tls is not None:
            argv[2] = '0'
        proc = Process(name, argv, port, directory, tls=tls, password=password)
        self.started.append(proc)
        return proc.wait_ready()

    def sentinel(self, name, master_port, extra_lines=()):
        port = free_port()
        directory = self.workdir / name
        directory.mkdir(exist_ok=True)
        conf = directory / 'sentinel.conf'
        lines = [
            'port %d' % port,
            'bind 127.0.0.1',
            'daemonize no',
            'dir %s' % directory,
            'sentinel monitor %s 127.0.0.1 %d 2' % (MASTER_NAME, master_port),
            'sentinel down-after-milliseconds %s 1000' % MASTER_NAME,
            'sentinel failover-timeout %s 5000' % MASTER_NAME,
            'sentinel parallel-syncs %s 1' % MASTER_NAME,
        ] + list(extra_lines)
        conf.write_text('\n'.join(lines) + '\n')
        proc = Process(name, [REDIS_SENTINEL or REDIS_SERVER, str(conf)] + ([] if REDIS_SENTINEL else ['--sentinel']),
                       port, directory)
        self.started.append(proc)
        return proc.wait_ready()

    def stop_all(self):
        for proc in reversed(self.started):
            proc.stop()


@pytest.fixture(scope='session')
def processes(tmp_path_factory):
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    registry = Processes(tmp_path_factory.mktemp('redis'))
    yield registry
    registry.stop_all()


def sentinel_master(sentinel):
    """SENTINEL MASTER as a dict (via the project's client)."""
    with sentinel.connection() as conn:
        reply = conn.command('SENTINEL', 'MASTER', MASTER_NAME)
    return dict(zip(reply[0::2], reply[1::2]))


def wait_until(predicate, timeout, message, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except RedisError as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError('%s (last: %r)' % (message, last))


@pytest.fixture(scope='session')
def cluster(processes):
    """A master, one replica and three Sentinels (quorum 2) that know each other."""
    master = processes.server('master')
    replica = processes.server('replica', '--replicaof', '127.0.0.1', str(master.port))
    acl = ('user %s on >%s +ping +info +sentinel|get-master-addr-by-name +sentinel|master +sentinel|ckquorum'
           % (PROBE_USER, PROBE_PASSWORD))
    sentinels = [processes.sentinel('sentinel%d' % i, master.port, [acl] if i == 1 else []) for i in (1, 2, 3)]

    def settled():
        for sentinel in sentinels:
            fields = sentinel_master(sentinel)
            if fields.get('num-other-sentinels') != '2' or fields.get('num-slaves') != '1':
                return False
        with replica.connection() as conn:
            return conn.info('replication').get('master_link_status') == 'up'

    wait_until(settled, 20, 'Sentinels did not discover each other and the replica')
    return {'master': master, 'replica': replica, 'sentinels': sentinels}


@pytest.fixture(scope='session')
def auth_server(processes):
    """A server with requirepass and two ACL users: ``probe`` (+info) and ``noinfo`` (no +info)."""
    return processes.server(
        'auth', '--requirepass', REQUIRE_PASSWORD,
        '--user', PROBE_USER, 'on', '>' + PROBE_PASSWORD, '+ping', '+info',
        '--user', 'noinfo', 'on', '>' + PROBE_PASSWORD, '+ping',
        password=REQUIRE_PASSWORD)


def _openssl(workdir, *args):
    subprocess.run([OPENSSL] + list(args), cwd=str(workdir), check=True, capture_output=True, timeout=30)


def _make_ca(workdir, name):
    _openssl(workdir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
             '-keyout', name + '.key', '-out', name + '.crt', '-days', '2', '-subj', '/CN=%s' % name,
             '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')


def _make_cert(workdir, name, ca, extensions):
    (workdir / (name + '.ext')).write_text(extensions)
    _openssl(workdir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
             '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=%s' % name)
    _openssl(workdir, 'x509', '-req', '-in', name + '.csr', '-CA', ca + '.crt', '-CAkey', ca + '.key',
             '-CAcreateserial', '-out', name + '.crt', '-days', '2', '-extfile', name + '.ext')


@pytest.fixture(scope='session')
def tls_files(tmp_path_factory):
    """CA, server and client certificates, plus an unrelated CA, generated with the openssl CLI."""
    if OPENSSL is None:
        pytest.skip('openssl CLI not installed; cannot generate TLS certificates')
    workdir = tmp_path_factory.mktemp('tls')
    _make_ca(workdir, 'ca')
    _make_ca(workdir, 'other-ca')
    _make_cert(workdir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
    _make_cert(workdir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n')
    return {name: str(workdir / name) for name in (
        'ca.crt', 'other-ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key')}


@pytest.fixture(scope='session')
def tls_server(processes, tls_files):
    """A TLS-only server requiring client certificates."""
    from ansible_collections.hastack.redis.plugins.module_utils.resp import TlsOptions

    tls = TlsOptions(ca_file=tls_files['ca.crt'], cert_file=tls_files['client.crt'], key_file=tls_files['client.key'])
    port = free_port()
    return processes.server(
        'tls', '--tls-port', str(port), '--tls-cert-file', tls_files['server.crt'],
        '--tls-key-file', tls_files['server.key'], '--tls-ca-cert-file', tls_files['ca.crt'],
        '--tls-auth-clients', 'yes', port=port, tls=tls)


# ---------------------------------------------------------------------------
# running the module through Ansible
# ---------------------------------------------------------------------------


def _collections_path():
    """Directory holding ansible_collections/hastack/redis -> repository root (created if missing)."""
    base = REPO_ROOT / '.cache' / 'collections'
    link = base / 'ansible_collections' / 'hastack' / 'redis'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(REPO_ROOT, link.parent), target_is_directory=True)
    return base


def _ansible_bin(name):
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.skip('%s not found next to %s nor on PATH' % (name, sys.executable))
    return found


@pytest.fixture(scope='session')
def ansible_env(tmp_path_factory):
    home = tmp_path_factory.mktemp('ansible_home')
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(_collections_path()),
        'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.json',
        'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
        'ANSIBLE_HOME': str(home),
        'ANSIBLE_LOCAL_TEMP': str(home / 'tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_HOST_KEY_CHECKING': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
    })
    env.pop('ANSIBLE_CONFIG', None)
    return env


class AnsibleRun:
    """Output of one ansible/ansible-playbook invocation."""

    def __init__(self, completed, results):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results


def _parse_json_callback(stdout):
    start = stdout.find('{')
    if start < 0:
        raise AssertionError('no JSON in ansible output:\n%s' % stdout)
    data = json.loads(stdout[start:])
    results = []
    for play in data.get('plays', []):
        for task in play.get('tasks', []):
            results.append(task['hosts']['localhost'])
    return results


@pytest.fixture(scope='session')
def ansible_adhoc(ansible_env):
    """``ansible_adhoc(args: dict) -> AnsibleRun`` running the module ad hoc on localhost."""
    binary = _ansible_bin('ansible')

    def run(args, timeout=120):
        argv = [binary, 'localhost', '-i', 'localhost,', '-c', 'local', '-m', 'hastack.redis.redis_probe',
                '-a', json.dumps(args)]
        completed = subprocess.run(argv, env=ansible_env, cwd=ansible_env['ANSIBLE_HOME'], capture_output=True, text=True,
                                   timeout=timeout, check=False)
        return AnsibleRun(completed, _parse_json_callback(completed.stdout))

    return run


@pytest.fixture(scope='session')
def ansible_playbook(ansible_env, tmp_path_factory):
    """``ansible_playbook(tasks: list[dict]) -> AnsibleRun``; every task result in ``.results``."""
    binary = _ansible_bin('ansible-playbook')
    workdir = tmp_path_factory.mktemp('playbooks')
    counter = {'n': 0}

    def run(tasks, timeout=180, extra_args=()):
        counter['n'] += 1
        playbook = workdir / ('play%d.yml' % counter['n'])
        play = [{'name': 'redis_probe integration', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
        playbook.write_text(json.dumps(play, indent=2))
        argv = [binary, '-i', 'localhost,', '-c', 'local', str(playbook), *extra_args]
        completed = subprocess.run(argv, env=ansible_env, cwd=str(workdir), capture_output=True, text=True,
                                   timeout=timeout, check=False)
        return AnsibleRun(completed, _parse_json_callback(completed.stdout))

    return run

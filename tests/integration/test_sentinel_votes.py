# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""redis_sentinel's tasks/votes.yml (tasks_from: votes), run by ansible-playbook against the haproxy role's real
haproxy.cfg in a real HAProxy in front of real Redis and Sentinels on 127.0.0.1 (test_haproxy_routing's lab): after
a Sentinel comes back, the next one may stop only once HAProxy counts its vote again. It waits while the vote
server is DOWN and ends once it is UP; it fails after its timeout naming the load balancer and the Sentinel; it
has nothing to wait for where no HAProxy runs, socat is missing, or HAProxy has no vote server for the Sentinel.

HASTACK_CAPTURE_TEST_DATA=1 writes what the task registered, and show stat as socat printed it, to
tests/unit/plugins/filter/data/haproxy_votes_reads.json (the unit tests' data, taken from this real output)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.hastack.redis.plugins.filter.status import haproxy_votes
from ansible_collections.hastack.redis.plugins.filter.status import show_stat as parse_show_stat
from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab
from ansible_collections.hastack.redis.tests.integration.test_haproxy_routing import started

DATA = Path(__file__).resolve().parents[1] / 'unit' / 'plugins' / 'filter' / 'data' / 'haproxy_votes_reads.json'
SOCAT = shutil.which('socat')

pytestmark = pytest.mark.skipif(
    None in (SOCAT, lab.binary('haproxy'), lab.binary('redis-server'), lab.binary('redis-sentinel')),
    reason='socat, haproxy, redis-server and redis-sentinel must be installed')


def show_stat(socket_path: Path) -> str:
    """show stat as the task reads it: through socat, the trailing newlines stripped like the command module does."""
    return subprocess.run([SOCAT, '-t2', 'stdio', 'unix-connect:%s' % socket_path], input='show stat\n', text=True,
                          capture_output=True, check=True, timeout=10).stdout.rstrip('\r\n')


def voter(setup, index: int, **changes) -> dict:
    """The lab's Sentinel `index` (1-3) as redis_sentinel_endpoint publishes one, this host its only load balancer."""
    return dict({'host': 'sentinel%d' % index, 'address': lab.HOST, 'port': setup.sentinel_ports[index - 1],
                 'lb_hosts': ['localhost'], 'haproxy_admin_socket': str(setup.socket)}, **changes)


def wait_for_votes(workdir: Path, name: str, sentinel: dict, extra_vars: dict | None = None,
                   apply: dict | None = None, pre_tasks: list | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run tasks_from: votes for `sentinel` (become off: the test runs as the user that owns the lab's socket);
    return the run and the loop result the task registered."""
    registered = workdir / (name + '-registered.json')
    include = {'name': 'hastack.redis.redis_sentinel', 'tasks_from': 'votes'}
    if apply:
        include['apply'] = apply
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': (pre_tasks or []) + [{'name': 'Wait, then keep what it read', 'block': [
        {'name': 'Wait until HAProxy counts the vote', 'ansible.builtin.include_role': include,
         'vars': {'redis_sentinel_voter': sentinel}}], 'always': [
        {'name': 'Keep what it read', 'ansible.builtin.copy': {
            'content': '{{ __redis_sentinel_votes | default({}) | to_json }}', 'dest': str(registered), 'mode': '0600'}}]}]}]
    result = lab.playbook(workdir, name, play, dict({'ansible_become': False}, **(extra_vars or {})))
    return result, (json.loads(registered.read_text()) if registered.exists() else {})


def only_read(registered: dict) -> dict:
    """The one loop result, without stdout_lines and stderr_lines (stdout and stderr split into lines)."""
    assert len(registered.get('results', [])) == 1, registered
    return {key: value for key, value in registered['results'][0].items() if key not in ('stdout_lines', 'stderr_lines')}


def restart_when_down(setup, port: int, rising: list[str]) -> None:
    """Start the Sentinel on `port` again, and keep the show stat in which HAProxy has seen its first passing
    check (DOWN 1/2, going up: not counted yet)."""
    setup.start_sentinel(port)
    name = 'sentinel%d' % (setup.sentinel_ports.index(port) + 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not rising:
        text = show_stat(setup.socket)
        rows = parse_show_stat(text) or []
        if any(row['pxname'] == 'redis_votes_redis1' and row['svname'] == name and row['status'].startswith('DOWN 1/')
               for row in rows):
            rising.append(text)
        time.sleep(0.005)


def test_the_next_sentinel_waits_until_haproxy_counts_the_vote_again(tmp_path):
    captured: dict = {}
    with started(tmp_path) as setup:
        master = setup.redis_ports[0]
        lab.wait_until(lambda: setup.votes(master) == 3, 10, 'HAProxy did not count all three votes')
        # Read at once: HAProxy 2.6 starts every server UP (no init-state down before 3.1) until its first check.
        captured['just_started'] = show_stat(setup.socket)

        # Counted: nothing to wait for, one read.
        result, registered = wait_for_votes(tmp_path, 'counted', voter(setup, 2))
        assert result.returncode == 0, result.stdout + result.stderr
        read = captured['counted'] = only_read(registered)
        assert read['attempts'] == 1
        verdict = haproxy_votes(read, voter(setup, 2))
        assert verdict['state'] == 'counted' and verdict['servers'] == ['redis_votes_redis1/sentinel2 UP']

        # Sentinel 2 stops: its vote is DOWN; the wait fails after its timeout, naming HAProxy's host and the Sentinel.
        second = setup.sentinel_ports[1]
        setup.sentinels[second].stop()
        lab.wait_until(lambda: setup.votes(master) == 2, 10, 'HAProxy did not lose the vote of the stopped Sentinel')
        started_at = time.monotonic()
        result, registered = wait_for_votes(tmp_path, 'timeout', voter(setup, 2), {'_redis_sentinel_vote_timeout': 2})
        assert result.returncode != 0
        assert time.monotonic() - started_at >= 2
        output = ' '.join(result.stdout.split())
        assert 'HAProxy on localhost does not count the vote of sentinel2 yet: redis_votes_redis1/sentinel2 DOWN' in output
        assert 'after 2 s. No other Sentinel was stopped' in output
        read = captured['waiting'] = only_read(registered)
        assert read['attempts'] == 2
        assert haproxy_votes(read, voter(setup, 2))['state'] == 'waiting'

        # Sentinel 2 comes back while the task waits: it ends once HAProxy counts the vote, not before.
        rising: list[str] = []
        restarter = threading.Timer(5, restart_when_down, (setup, second, rising))
        restarter.start()
        started_at = time.monotonic()
        try:
            result, registered = wait_for_votes(tmp_path, 'back', voter(setup, 2))
        finally:
            restarter.join()
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started_at > 5
        read = captured['back'] = only_read(registered)
        assert read['attempts'] > 1
        assert haproxy_votes(read, voter(setup, 2))['state'] == 'counted'
        assert rising, 'HAProxy was never seen between the first passing check and UP'
        captured['rising'] = rising[0]
        assert haproxy_votes(rising[0], voter(setup, 2))['state'] == 'waiting'

        # A Sentinel that HAProxy's configuration does not list yet (one being added): nothing to wait for.
        added = voter(setup, 3, host='sentinel4', port=lab.free_port(setup.ports))
        result, registered = wait_for_votes(tmp_path, 'absent', added)
        assert result.returncode == 0, result.stdout + result.stderr
        read = captured['absent'] = only_read(registered)
        assert haproxy_votes(read, added)['state'] == 'no vote server'
        assert 'HAProxy on localhost has no vote server for sentinel4' in result.stdout

        # No HAProxy on the socket: none there (site.yml's first run), or a socket left by a stopped one.
        result, registered = wait_for_votes(tmp_path, 'no-socket', voter(setup, 2, haproxy_admin_socket=str(tmp_path / 'none.sock')))
        assert result.returncode == 0, result.stdout + result.stderr
        captured['no_socket'] = only_read(registered)
        stale = tmp_path / 'stale.sock'
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.bind(str(stale))
        result, registered = wait_for_votes(tmp_path, 'stale', voter(setup, 2, haproxy_admin_socket=str(stale)))
        assert result.returncode == 0, result.stdout + result.stderr
        captured['stale_socket'] = only_read(registered)
        # No socat (nor HAProxy, which the haproxy role installs with it).
        result, registered = wait_for_votes(tmp_path, 'no-socat', voter(setup, 2),
                                            apply={'environment': {'PATH': str(tmp_path / 'empty')}})
        assert result.returncode == 0, result.stdout + result.stderr
        captured['no_socat'] = only_read(registered)
        for key in ('no_socket', 'stale_socket', 'no_socat'):
            verdict = haproxy_votes(captured[key], voter(setup, 2))
            assert verdict['state'] == 'not running' and verdict['done'], (key, verdict)
        assert 'No HAProxy runs on localhost' in result.stdout

        # A load balancer the controller cannot reach (here: ssh to a closed port) is not waited for.
        closed = lab.free_port(setup.ports)
        result, registered = wait_for_votes(tmp_path, 'unreachable', voter(setup, 2, lb_hosts=['lb-gone']), pre_tasks=[
            {'name': 'A load balancer nobody answers for', 'ansible.builtin.add_host': {
                'name': 'lb-gone', 'ansible_host': lab.HOST, 'ansible_port': closed, 'ansible_connection': 'ssh'}}])
        assert result.returncode == 0, result.stdout + result.stderr
        read = captured['unreachable'] = only_read(registered)
        assert haproxy_votes(read, voter(setup, 2))['state'] == 'unreachable'
        assert 'lb-gone is unreachable' in result.stdout

        # The two other Sentinels stop: HAProxy counts no other vote, so there is no majority to keep.
        for port in (setup.sentinel_ports[0], setup.sentinel_ports[2]):
            setup.sentinels[port].stop()
        lab.wait_until(lambda: setup.votes(master) == 1, 10, 'HAProxy did not lose the votes of the stopped Sentinels')
        result, registered = wait_for_votes(tmp_path, 'alone', voter(setup, 2))
        assert result.returncode == 0, result.stdout + result.stderr
        read = captured['alone'] = only_read(registered)
        assert haproxy_votes(read, voter(setup, 2))['state'] == 'no vote needed'

    if os.environ.get('HASTACK_CAPTURE_TEST_DATA'):
        captured['_comment'] = (
            "What redis_sentinel's tasks/votes.yml registered (one loop result each, stdout_lines and stderr_lines left "
            "out) and show stat as socat printed it "
            "(trailing newlines stripped, as the command module does), from the haproxy role's haproxy.cfg in HAProxy %s "
            "in front of Redis and three Sentinels on 127.0.0.1; captured by tests/integration/test_sentinel_votes.py "
            "with HASTACK_CAPTURE_TEST_DATA=1." % subprocess.run([lab.binary('haproxy'), '-v'], capture_output=True, text=True,
                                                                 check=True).stdout.split()[2])
        captured['sentinels'] = {'sentinel%d' % index: port for index, port in enumerate(setup.sentinel_ports, 1)}
        DATA.write_text(json.dumps(captured, indent=2, sort_keys=True) + '\n', encoding='utf-8')

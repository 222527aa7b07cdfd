# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What switchover.yml waits for before pausing writes, against a real Sentinel with two replicas: the
Sentinel chooses the replica to promote from its own cached view, so a priority changed on a replica counts
only once the Sentinel's view shows it (redis_probe's `replicas`, hastack.redis.switchover_blockers).

HASTACK_CAPTURE_TEST_DATA=1 writes the probe results to tests/unit/plugins/filter/data/sentinel_probe_results.json
(the unit tests' data, taken from this real output)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ansible_collections.hastack.redis.plugins.filter.sentinel import switchover_blockers
from ansible_collections.hastack.redis.plugins.module_utils.probe import probe_sentinel
from ansible_collections.hastack.redis.tests.integration.conftest import MASTER_NAME, wait_until

DATA = Path(__file__).resolve().parents[1] / 'unit' / 'plugins' / 'filter' / 'data' / 'sentinel_probe_results.json'


def _view(sentinel):
    with sentinel.connection() as conn:
        return probe_sentinel(conn, MASTER_NAME)


def _set_priority(server, priority):
    with server.connection() as conn:
        assert conn.command('CONFIG', 'SET', 'replica-priority', str(priority)) in (b'OK', 'OK')


def test_the_sentinel_view_decides_which_replica_may_be_promoted(processes):
    master = processes.server('sw-master')
    target, other = (processes.server('sw-replica%d' % i, '--replicaof', '127.0.0.1', str(master.port)) for i in (1, 2))
    sentinel = processes.sentinel('sw-sentinel', master.port)
    with sentinel.connection() as conn:
        conn.command('SENTINEL', 'DEBUG', 'info-period', '200')
    captured = {}

    def both_seen():
        view = _view(sentinel)
        return len([r for r in view['replicas'] or [] if r['link_status'] == 'ok' and r['link_down_ms'] == 0]) == 2 and view
    captured['two_replicas'] = wait_until(both_seen, 20, 'the Sentinel did not see both replicas with their link up')
    assert captured['two_replicas']['tilt'] is False
    assert sorted(r['port'] for r in captured['two_replicas']['replicas']) == sorted([target.port, other.port])
    assert switchover_blockers(captured['two_replicas'], '127.0.0.1', target.port) == [
        'the Sentinel still sees 127.0.0.1:%d at priority 100 and may promote it' % other.port]

    # Set on the replica at once; the Sentinel's view (what it fails over by) follows at its next INFO.
    _set_priority(other, 0)

    def only_target():
        view = _view(sentinel)
        return not switchover_blockers(view, '127.0.0.1', target.port) and view
    captured['other_at_zero'] = wait_until(only_target, 10, 'the Sentinel never saw the other replica at priority 0')

    _set_priority(target, 0)

    def target_at_zero():
        view = _view(sentinel)
        return any('never promotes it' in b for b in switchover_blockers(view, '127.0.0.1', target.port)) and view
    captured['target_at_zero'] = wait_until(target_at_zero, 10, 'the Sentinel never saw the target at priority 0')
    assert switchover_blockers(captured['target_at_zero'], '127.0.0.1', target.port) == [
        '127.0.0.1:%d has replica-priority 0: Sentinel never promotes it' % target.port]
    assert switchover_blockers(captured['target_at_zero'], '127.0.0.1', master.port) == [
        'the Sentinel does not list 127.0.0.1:%d as a replica' % master.port]

    if os.environ.get('HASTACK_CAPTURE_TEST_DATA'):
        captured['_comment'] = ('redis_probe (mode sentinel) results from real redis-server/redis-sentinel processes on '
                                '127.0.0.1: a master on %d, replicas on %d (the target) and %d; captured by '
                                'tests/integration/test_switchover_view.py with HASTACK_CAPTURE_TEST_DATA=1.'
                                % (master.port, target.port, other.port))
        captured['ports'] = {'master': master.port, 'target': target.port, 'other': other.port}
        DATA.write_text(json.dumps(captured, indent=2, sort_keys=True) + '\n', encoding='utf-8')

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""switchover_blockers: Sentinel promotes by its own cached view of the replicas; the switchover waits until
that view allows only the target."""

from __future__ import annotations

import copy
import json
import pathlib

from ansible_collections.hastack.redis.plugins.filter.sentinel import switchover_blockers

# Real redis_probe results of one Sentinel over a master and two replicas (Redis 7.0.15), captured by
# tests/integration/test_switchover_view.py with HASTACK_CAPTURE_TEST_DATA=1.
_DATA = json.loads((pathlib.Path(__file__).parent / 'data' / 'sentinel_probe_results.json').read_text(encoding='utf-8'))
PORTS = _DATA['ports']
HOST = '127.0.0.1'


def test_another_replica_at_its_priority_could_be_promoted() -> None:
    assert switchover_blockers(_DATA['two_replicas'], HOST, PORTS['target']) == [
        'the Sentinel still sees 127.0.0.1:%d at priority 100 and may promote it' % PORTS['other']]


def test_nothing_blocks_once_the_sentinel_sees_the_others_at_zero() -> None:
    assert switchover_blockers(_DATA['other_at_zero'], HOST, PORTS['target']) == []


def test_a_target_at_priority_zero_is_never_promoted() -> None:
    assert switchover_blockers(_DATA['target_at_zero'], HOST, PORTS['target']) == [
        '127.0.0.1:%d has replica-priority 0: Sentinel never promotes it' % PORTS['target']]


def test_the_target_must_be_a_replica_the_sentinel_lists() -> None:
    assert switchover_blockers(_DATA['other_at_zero'], HOST, PORTS['master']) == [
        'the Sentinel does not list 127.0.0.1:%d as a replica' % PORTS['master'],
        'the Sentinel still sees 127.0.0.1:%d at priority 100 and may promote it' % PORTS['target']]


def test_tilt_and_a_link_seen_down_block() -> None:
    view = copy.deepcopy(_DATA['other_at_zero'])
    view['tilt'] = True
    target = next(r for r in view['replicas'] if r['port'] == PORTS['target'])
    target.update(link_status='err', link_down_ms=1200, flags=['slave', 's_down'])
    assert switchover_blockers(view, HOST, str(PORTS['target'])) == [
        'the Sentinel is in TILT mode',
        'the Sentinel flags 127.0.0.1:%d slave,s_down' % PORTS['target'],
        'the Sentinel last saw the link of 127.0.0.1:%d err (down 1200 ms)' % PORTS['target']]


def test_no_answer_or_no_replica_list_blocks() -> None:
    assert switchover_blockers({'failed': True, 'msg': '127.0.0.1:26379: connection refused'}, HOST, 1) == [
        'the Sentinel did not answer: 127.0.0.1:26379: connection refused']
    view = copy.deepcopy(_DATA['other_at_zero'])
    view['replicas'] = None
    assert switchover_blockers(view, HOST, PORTS['target']) == [
        'the Sentinel does not list its replicas (SENTINEL REPLICAS refused)']

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""current_master: the Sentinels first, then the servers, the preferred master only to bootstrap; ambiguity refused."""

from __future__ import annotations

import copy
import json
import pathlib

from ansible_collections.hastack.redis.plugins.filter.topology import current_master

# Real redis_probe results (see test_status.py): a master on 127.0.0.1:7101, its replica on 7102, a Sentinel
# naming 127.0.0.1:7101. The role turns server results into states exactly like below (topology.yml).
_PROBES = json.loads((pathlib.Path(__file__).parent / 'data' / 'redis_probe_results.json').read_text(encoding='utf-8'))
SENTINEL = _PROBES['sentinel']
# A Sentinel that did not answer, as redis_probe registers it with failed_when: false.
SILENT = {'failed': False, 'changed': False, 'msg': 'probing 127.0.0.1:27102 failed: connection refused',
          'error_kind': 'connection_refused', 'address': '127.0.0.1:27102', 'attempts': 1}


def node(host: str, port: int) -> dict:
    return {'host': host, 'address': '127.0.0.1', 'port': port, 'endpoint': '127.0.0.1:%d' % port,
            'addr': {'host': '127.0.0.1', 'port': port}}


def state(host: str, probe: dict | None, configured: bool = True) -> dict:
    probe = probe or {}
    return {'host': host, 'configured': configured, 'running': 'role' in probe, 'role': probe.get('role', 'none'),
            'master': ({'host': probe['master_host'], 'port': probe['master_port']} if probe.get('role') == 'replica' else {}),
            'connected_replicas': probe.get('connected_replicas', 0)}


NODES = [node('redis1', 7101), node('redis2', 7102)]
RUNNING = [state('redis1', _PROBES['master']), state('redis2', _PROBES['replica'])]


def test_the_sentinels_decide_when_they_answer() -> None:
    decision = current_master(NODES, RUNNING, [SENTINEL, SILENT, SENTINEL], 'redis2')
    assert decision == {'master': NODES[0], 'source': 'sentinel', 'error': None}


def test_without_sentinels_the_replicas_name_the_master() -> None:
    assert current_master(NODES, RUNNING, [SILENT], 'redis2')['master'] == NODES[0]
    assert current_master(NODES, RUNNING, [], 'redis2')['source'] == 'replicas'


def test_a_master_with_replicas_wins_over_the_preferred_one() -> None:
    # The replica is down: only its master's connected_replicas count (the probe as it was before).
    states = [state('redis1', _PROBES['master']), state('redis2', None)]
    expected = {'master': NODES[0], 'source': 'master with replicas', 'error': None}
    assert current_master(NODES, states, [], 'redis2') == expected


def test_a_new_group_is_bootstrapped_on_the_preferred_master() -> None:
    fresh = [state('redis1', None, configured=False), state('redis2', None, configured=False)]
    assert current_master(NODES, fresh, [SILENT], 'redis2') == {'master': NODES[1], 'source': 'bootstrap', 'error': None}


def test_a_configured_preferred_master_that_is_down_is_not_guessed_around() -> None:
    states = [state('redis1', None), state('redis2', {'role': 'master', 'connected_replicas': 0})]
    error = current_master(NODES, states, [], 'redis1')['error']
    assert error.startswith('No Sentinel names the master, no server replicates, and the preferred master redis1 was '
                            'configured before but does not answer.')
    assert error.endswith('Nothing was changed.')


def test_split_or_foreign_sentinels_are_refused() -> None:
    other = copy.deepcopy(SENTINEL)
    other['master'] = {'host': '127.0.0.1', 'port': 7102}
    split = current_master(NODES, RUNNING, [SENTINEL, other], 'redis1')
    assert split['master'] is None and 'the Sentinels are split' in split['error']
    assert '{"host": "127.0.0.1", "port": 7101} and {"host": "127.0.0.1", "port": 7102}' in split['error']
    foreign = copy.deepcopy(SENTINEL)
    foreign['master'] = {'host': '10.9.9.9', 'port': 6379}
    error = current_master(NODES, RUNNING, [foreign], 'redis1', 'orders')['error']
    assert "as master of 'orders'" in error and 'monitor another deployment' in error


def test_servers_that_disagree_without_sentinels_are_refused() -> None:
    two_masters = [state('redis1', _PROBES['master']), state('redis2', {'role': 'master', 'connected_replicas': 1})]
    error = current_master(NODES, two_masters, [], 'redis1')['error']
    assert 'the servers disagree' in error and 'masters with replicas: redis1, redis2' in error
    stray = [state('redis1', _PROBES['master']), state('redis2', dict(_PROBES['replica'], master_port=7999))]
    assert 'replicas follow {"host": "127.0.0.1", "port": 7999}' in current_master(NODES, stray, [], 'redis1')['error']


def test_a_sentinel_master_that_reports_replica_means_a_failover_is_running() -> None:
    states = [state('redis1', dict(_PROBES['replica'], master_port=7102)), state('redis2', _PROBES['master'])]
    error = current_master(NODES, states, [SENTINEL], 'redis1')['error']
    assert error.startswith('The Sentinels name redis1 (127.0.0.1:7101) as master, but it reports role replica.')

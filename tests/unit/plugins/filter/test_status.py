# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stack_status: healthy stacks pass, each kind of disagreement is named."""

from __future__ import annotations

import copy
import json
import pathlib

from ansible_collections.hastack.redis.plugins.filter.status import stack_status

# Real redis_probe results (data/redis_probe_results.json), registered from a master on 127.0.0.1:7101,
# its replica on 7102 and a Sentinel on 27101 (Redis 7.0.15) with a play of two tasks:
#   hastack.redis.redis_probe: {host: 127.0.0.1, port: 7101, username: healthcheck, password: ...}
#   hastack.redis.redis_probe: {mode: sentinel, host: 127.0.0.1, port: 27101, master_name: mymaster}
_PROBES = json.loads((pathlib.Path(__file__).parent / 'data' / 'redis_probe_results.json').read_text(encoding='utf-8'))
MASTER, REPLICA, SENTINEL = _PROBES['master'], _PROBES['replica'], _PROBES['sentinel']
HEALTHY = {
    'servers': {'redis1': MASTER, 'redis2': REPLICA},
    'sentinels': {'redis1': SENTINEL, 'redis2': SENTINEL, 'witness': SENTINEL},
    'lbs': {'redis1': {'holds_vip': True, 'haproxy': ['redis_redis1/redis1,UP,3,40', 'redis_redis2/redis2,DOWN,0,0']},
            'redis2': {'holds_vip': False, 'haproxy': [{'server': 'redis_redis1/redis1', 'status': 'UP 1/2', 'scur': 0, 'stot': 2},
                                                       {'server': 'redis_redis2/redis2', 'status': 'DOWN', 'scur': 0, 'stot': 0}]}},
}


def _with(path: list[str], value) -> dict:
    data = copy.deepcopy(HEALTHY)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def test_a_healthy_stack_has_no_problem_and_a_line_per_component() -> None:
    verdict = stack_status(HEALTHY)
    assert verdict['healthy'] and verdict['problems'] == []
    assert verdict['masters'] == ['redis1']
    assert len(verdict['lines']) == 2 + 3 + 2
    assert any('replica of 127.0.0.1:7101, link up, lag 0 bytes' in line for line in verdict['lines'])
    # The master's line names each replica by the address redis_probe returns.
    assert any('replicas: 127.0.0.1:7102 online lag 0 s' in line for line in verdict['lines'])
    assert any(line.startswith('lb redis1: holds the VIP') for line in verdict['lines'])


def test_two_masters_are_called_out() -> None:
    verdict = stack_status(_with(['servers', 'redis2'], dict(MASTER, address='127.0.0.1:7102')))
    assert not verdict['healthy']
    assert any('several Redis servers say they are master: redis1, redis2' in problem for problem in verdict['problems'])


def test_sentinels_that_disagree_or_lack_quorum() -> None:
    data = _with(['sentinels', 'witness'], dict(SENTINEL, master={'host': '127.0.0.1', 'port': 7102}, quorum_ok=False,
                                                ckquorum='NOQUORUM 1 usable Sentinels'))
    problems = stack_status(data)['problems']
    assert any('name different masters' in problem for problem in problems)
    assert any('NOQUORUM' in problem for problem in problems)


def test_sentinels_naming_another_master_than_the_one_that_says_so() -> None:
    other = dict(SENTINEL, master={'host': '127.0.0.1', 'port': 7102})
    data = _with(['sentinels'], {'redis1': other, 'redis2': other, 'witness': other})
    assert any('the Sentinels name 127.0.0.1:7102 but the Redis master is redis1' in problem
               for problem in stack_status(data)['problems'])


def test_a_lagging_or_disconnected_replica() -> None:
    lagging = stack_status(_with(['servers', 'redis2'], dict(REPLICA, replica_repl_offset=10)), max_lag_bytes=100)['problems']
    assert lagging == ['replica redis2 trails the master by %d bytes (more than 100)' % (MASTER['master_repl_offset'] - 10)]
    down = stack_status(_with(['servers', 'redis2'], dict(REPLICA, master_link_status='down')))['problems']
    assert down == ['replica redis2 has its link to the master down']


def test_unreachable_components_and_vip_holders() -> None:
    data = _with(['servers', 'redis1'], {'msg': 'host unreachable'})
    data['lbs']['redis2'] = {'holds_vip': True, 'haproxy': []}
    problems = stack_status(data)['problems']
    assert 'Redis server redis1 does not answer: host unreachable' in problems
    assert 'no Redis server says it is master' in problems
    assert 'HAProxy on redis2 does not answer on its admin socket' in problems
    assert any('the VIP is held by 2 load balancers (redis1, redis2)' in problem for problem in problems)


def test_haproxy_with_two_servers_up() -> None:
    data = _with(['lbs', 'redis1', 'haproxy'], ['redis_redis1/redis1,UP,0,1', 'redis_redis2/redis2,UP,0,0'])
    assert any('HAProxy on redis1 has 2 Redis servers UP' in problem for problem in stack_status(data)['problems'])

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sentinel_plan on the loop results redis_sentinel's state.yml registers: real answers of three lab Sentinels
(data/sentinel_plan_results.json) and of a single Sentinel elsewhere (data/sentinel_command_results.json)."""

from __future__ import annotations

import copy
import json
import pathlib
import typing as t

from ansible_collections.hastack.redis.plugins.filter.sentinel import sentinel_plan

DATA = pathlib.Path(__file__).parent / 'data'
LAB = json.loads((DATA / 'sentinel_plan_results.json').read_text(encoding='utf-8'))
SINGLE = json.loads((DATA / 'sentinel_command_results.json').read_text(encoding='utf-8'))
MASTERS = [{'name': 'mymaster', 'host': '10.30.1.131', 'port': 6379}, {'name': 'labextra', 'host': '10.30.1.133', 'port': 6390}]


def plan(masters: list[dict[str, t.Any]] | None = None, **replace: dict[str, t.Any]) -> dict[str, t.Any]:
    """sentinel_plan over the lab's results, with the SENTINEL MASTER answer of the Sentinel on a host replaced
    (replace={'redis2': result}) for mymaster."""
    results = copy.deepcopy(LAB['master'])
    for result in results:
        if result['item'][1]['name'] == 'mymaster' and result['item'][0]['host'] in replace:
            result.update({'replies': None, 'msg': None})
            result.update(replace[result['item'][0]['host']])
    return sentinel_plan(results, LAB['replicas'], MASTERS if masters is None else masters)


def test_the_lab_sentinels_agree_on_the_master_they_elected() -> None:
    decided = plan()
    assert decided['current']['mymaster'] == {'host': LAB['elected'], 'port': 6379}
    assert (decided['refused'], decided['unreachable'], decided['conflicts']) == ('', '', [])
    assert [view['state'] for view in decided['views']] == ['known', 'unknown'] * 3


def test_a_master_no_sentinel_knows_starts_from_the_inventory() -> None:
    assert plan()['current']['labextra'] == {'host': '10.30.1.133', 'port': 6390}


def test_no_configured_sentinel_starts_every_master_from_the_inventory() -> None:
    decided = sentinel_plan([], [], MASTERS)
    assert decided['current'] == {'mymaster': {'host': '10.30.1.131', 'port': 6379}, 'labextra': {'host': '10.30.1.133', 'port': 6390}}
    assert decided['conflicts'] == [] and decided['views'] == []


def test_an_inventory_master_the_sentinels_know_neither_as_master_nor_replica_stops_the_role() -> None:
    decided = plan([{'name': 'mymaster', 'host': '10.30.1.200', 'port': 6379}])
    assert decided['conflicts'] == [
        'Master mymaster: the Sentinels report %s:6379, the inventory says 10.30.1.200:6379 and the Sentinels do not know'
        ' 10.30.1.200 as one of its replicas either: they monitor another deployment under this name, or the inventory'
        ' is wrong. Fix redis_sentinel_masters, or SENTINEL REMOVE mymaster on the Sentinels and run again.'
        ' Nothing was changed.' % LAB['elected']]


def test_sentinels_naming_two_masters_stop_the_role() -> None:
    decided = plan(redis2=SINGLE['master_known'])
    assert len(decided['conflicts']) == 1
    assert 'the Sentinels report %s:6379 and 127.0.0.1:7101' % LAB['elected'] in decided['conflicts'][0]
    assert 'the Sentinels disagree: a failover may be running, wait and run again.' in decided['conflicts'][0]


def test_a_refused_password_stops_the_role_naming_the_sentinel() -> None:
    decided = plan(witness=SINGLE['wrong_password'])
    assert decided['refused'].startswith('Sentinel(s) witness refused redis_sentinel_password (AUTH failed')
    assert decided['current']['mymaster'] == {'host': LAB['elected'], 'port': 6379}


def test_a_silent_sentinel_only_warns_and_the_others_decide() -> None:
    decided = plan(redis1=SINGLE['refused'])
    assert decided['unreachable'].startswith('Sentinel(s) redis1 did not answer (talking to 127.0.0.1:1 failed')
    assert decided['refused'] == '' and decided['conflicts'] == []
    assert decided['current']['mymaster'] == {'host': LAB['elected'], 'port': 6379}

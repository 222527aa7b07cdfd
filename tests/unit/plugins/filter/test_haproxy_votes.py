# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""haproxy_votes on what redis_sentinel's tasks/votes.yml registered from a real HAProxy 2.6 running the haproxy
role's haproxy.cfg (a master redis1, a replica redis2, three Sentinels sentinel1-3, all on 127.0.0.1), and on its
show stat as socat printed it (data/haproxy_votes_reads.json, captured by tests/integration/test_sentinel_votes.py
with HASTACK_CAPTURE_TEST_DATA=1)."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.hastack.redis.plugins.filter.status import haproxy_votes, is_up, show_stat

READS = json.loads((pathlib.Path(__file__).parent / 'data' / 'haproxy_votes_reads.json').read_text(encoding='utf-8'))


def sentinel(index: int, **changes) -> dict:
    """The lab's Sentinel as redis_sentinel_endpoint publishes one."""
    name = 'sentinel%d' % index
    return dict({'host': name, 'address': '127.0.0.1', 'port': READS['sentinels'][name]}, **changes)


def test_show_stat_reads_every_row_by_its_header_name() -> None:
    rows = show_stat(READS['counted']['stdout'])
    votes = {(row['pxname'], row['svname']): row for row in rows if '_votes_' in row['pxname']}
    assert votes[('redis_votes_redis1', 'sentinel2')]['status'] == 'UP'
    assert votes[('redis_votes_redis1', 'sentinel2')]['addr'] == '127.0.0.1:%d' % READS['sentinels']['sentinel2']
    # The replica's vote backend: every Sentinel names the master instead, each check fails on the reply.
    assert votes[('redis_votes_redis2', 'sentinel1')]['status'] == 'DOWN'
    assert votes[('redis_votes_redis2', 'sentinel1')]['check_status'] == 'L7RSP'
    assert show_stat('') is None
    assert show_stat(READS['counted']['stdout'].splitlines()[0]) == []


def test_up_and_going_down_count_going_up_does_not() -> None:
    assert is_up('UP') and is_up('UP 1/2')
    assert not is_up('DOWN 1/2') and not is_up('DOWN') and not is_up('MAINT') and not is_up(None)


def test_a_counted_vote_is_done_at_once() -> None:
    verdict = haproxy_votes(READS['counted'], sentinel(2))
    assert verdict == {'done': True, 'state': 'counted', 'servers': ['redis_votes_redis1/sentinel2 UP'],
                       'message': 'HAProxy on localhost counts the vote of sentinel2: redis_votes_redis1/sentinel2 UP'}


def test_the_replicas_vote_backends_never_hold_the_wait() -> None:
    """Every Sentinel's vote for the replica is DOWN (they name the master): no majority to keep there."""
    for index in (1, 2, 3):
        verdict = haproxy_votes(READS['counted'], sentinel(index))
        assert verdict['state'] == 'counted'
        assert verdict['servers'] == ['redis_votes_redis1/sentinel%d UP' % index]


def test_a_stopped_sentinel_is_waited_for_naming_the_load_balancer_and_its_check() -> None:
    verdict = haproxy_votes(READS['waiting'], sentinel(2))
    assert not verdict['done'] and verdict['state'] == 'waiting'
    assert verdict['servers'] == ['redis_votes_redis1/sentinel2 DOWN']
    assert verdict['message'] == ('HAProxy on localhost does not count the vote of sentinel2 yet: redis_votes_redis1/sentinel2 DOWN '
                                  '(L4CON Connection refused at step 1 of tcp-check (connect))')
    # The same HAProxy counts the others: their restart would not wait.
    assert haproxy_votes(READS['waiting'], sentinel(1))['state'] == 'counted'
    assert haproxy_votes(READS['waiting'], sentinel(3))['state'] == 'counted'


def test_a_first_passing_check_is_not_enough() -> None:
    """rise 2: after one passing check the vote server is DOWN 1/2 (going up), and HAProxy does not count it yet."""
    verdict = haproxy_votes(READS['rising'], sentinel(2), 'lb1')
    assert verdict['state'] == 'waiting' and verdict['servers'] == ['redis_votes_redis1/sentinel2 DOWN 1/2']
    assert verdict['message'].startswith('HAProxy on lb1 does not count the vote of sentinel2 yet: ')


def test_the_wait_ends_once_the_vote_is_up_again() -> None:
    assert READS['back']['attempts'] > 1
    assert haproxy_votes(READS['back'], sentinel(2))['state'] == 'counted'


def test_a_just_started_haproxy_counts_every_vote_until_its_first_checks() -> None:
    """HAProxy 2.6 starts every server UP: both vote backends count, and so does the Sentinel's vote in each."""
    verdict = haproxy_votes(READS['just_started'], sentinel(2), 'lb1')
    assert verdict['state'] == 'counted'
    assert verdict['servers'] == ['redis_votes_redis1/sentinel2 UP', 'redis_votes_redis2/sentinel2 UP']


def test_the_vote_server_is_found_by_address_and_port_under_another_name() -> None:
    """haproxy_redis_sentinels may name the Sentinels otherwise than the inventory."""
    renamed = sentinel(2, host='redis-sentinel-b')
    assert haproxy_votes(READS['waiting'], renamed)['servers'] == ['redis_votes_redis1/sentinel2 DOWN']
    assert haproxy_votes(READS['counted'], dict(renamed, address='[127.0.0.1]'))['state'] == 'counted'
    elsewhere = haproxy_votes(READS['waiting'], dict(renamed, port=READS['sentinels']['sentinel2'] + 1))
    assert elsewhere['state'] == 'no vote server' and elsewhere['done']


def test_a_sentinel_haproxy_does_not_list_yet_has_nothing_to_wait_for() -> None:
    added = sentinel(3, host='sentinel4', port=1)
    verdict = haproxy_votes(READS['absent'], added)
    assert verdict == {'done': True, 'state': 'no vote server', 'servers': [],
                       'message': 'HAProxy on localhost has no vote server for sentinel4 in its configuration yet'}


def test_without_another_vote_counted_there_is_no_majority_to_keep() -> None:
    verdict = haproxy_votes(READS['alone'], sentinel(2))
    assert verdict['done'] and verdict['state'] == 'no vote needed'
    # Sentinel 1 back, with sentinel2's vote counted, would make a majority: its vote matters.
    assert haproxy_votes(READS['alone'], sentinel(1))['servers'] == ['redis_votes_redis1/sentinel1 DOWN']


@pytest.mark.parametrize('read, reason', [
    ('no_socket', 'No such file or directory'),
    ('stale_socket', 'Connection refused'),
    ('no_socat', 'socat is not installed, nor HAProxy (the haproxy role installs both)'),
])
def test_no_haproxy_on_the_socket_has_nothing_to_wait_for(read: str, reason: str) -> None:
    """site.yml's first run (the Sentinels before the load balancers), or an HAProxy stopped on purpose."""
    verdict = haproxy_votes(READS[read], sentinel(2))
    assert verdict['done'] and verdict['state'] == 'not running'
    assert verdict['message'].startswith('No HAProxy runs on localhost, none to count the vote of sentinel2: ')
    assert verdict['message'].endswith(reason)
    # socat's date, name and pid are left out.
    assert 'socat[' not in verdict['message']


def test_an_unreachable_load_balancer_is_not_waited_for() -> None:
    verdict = haproxy_votes(READS['unreachable'], sentinel(2))
    assert verdict['done'] and verdict['state'] == 'unreachable'
    assert verdict['message'].startswith('lb-gone is unreachable, its HAProxy was not asked about the vote of sentinel2: ')


def test_anything_but_show_stat_is_asked_again() -> None:
    verdict = haproxy_votes(dict(READS['counted'], stdout=''), sentinel(2))
    assert not verdict['done'] and verdict['state'] == 'no answer'
    assert verdict['message'] == 'HAProxy on localhost does not answer about the vote of sentinel2: nothing'

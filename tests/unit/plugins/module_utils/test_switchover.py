# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import ConnectionClosed, ServerError
from ansible_collections.hastack.redis.plugins.module_utils.switchover import Switchover, SwitchoverError, WrongPromotion
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import FakeClock

MASTER = '10.41.7.11'
TARGET = '10.41.7.12'
OTHER = '10.41.7.13'


class Peer:
    """A server or Sentinel that answers from a script of replies; records every command."""

    def __init__(self, name, log, replies=None, info=None):
        self.name = name
        self.log = log
        self.replies = replies or {}
        self.info_replies = list(info or [{}])

    def command(self, *words):
        self.log.append((self.name,) + words)
        reply = self.replies.get(words[0], 'OK')
        if isinstance(reply, Exception):
            raise reply
        return reply

    def info(self, section=None):
        self.log.append((self.name, 'INFO', section))
        return self.info_replies.pop(0) if len(self.info_replies) > 1 else self.info_replies[0]


class Sentinel:
    """A Sentinel naming the masters of ``named`` in turn (the last one from then on)."""

    def __init__(self, log, named, replies):
        self.log = log
        self.named = list(named)
        self.replies = replies

    def command(self, *words):
        self.log.append(('sentinel',) + words)
        if words[1] == 'get-master-addr-by-name':
            return [self.named.pop(0) if len(self.named) > 1 else self.named[0], '6379']
        reply = self.replies.get(words[1], 'OK')
        if isinstance(reply, Exception):
            raise reply
        return reply


def lab(target_offsets=(1000,), named=(MASTER, TARGET), follows_after=0, master_replies=None, sentinel_replies=None):
    log = []
    named = list(named)
    master_info = [{'role': 'master', 'master_repl_offset': 1000}] * (1 + follows_after)
    master_info = [master_info[0]] + master_info[1:] + [{'role': 'slave', 'master_host': TARGET, 'master_port': 6379}]
    master = Peer('master', log, replies=master_replies, info=master_info)
    target = Peer('target', log, info=[{'role': 'slave', 'slave_repl_offset': offset} for offset in target_offsets])

    sentinel = Sentinel(log, named, sentinel_replies or {})
    return log, master, target, sentinel


def switchover(master, target, sentinel, clock, **kwargs):
    return Switchover(master, target, sentinel, 'orders', MASTER, TARGET, 6379, pause_ms=2000, clock=clock, sleep=clock.sleep,
                      **kwargs)


def test_pauses_waits_fails_over_follows_and_resumes_in_that_order():
    clock = FakeClock()
    log, master, target, sentinel = lab(target_offsets=(990, 995, 1000), named=(MASTER, MASTER, TARGET), follows_after=2)
    result = switchover(master, target, sentinel, clock).run()
    commands = [entry[:3] for entry in log if entry[1] != 'INFO' and entry[1:3] != ('SENTINEL', 'get-master-addr-by-name')]
    # Each wait renews the pause; the failover comes only after the target has the offset.
    assert commands[0] == ('master', 'CLIENT', 'PAUSE')
    failover = commands.index(('sentinel', 'SENTINEL', 'FAILOVER'))
    assert commands[:failover] == [('master', 'CLIENT', 'PAUSE')] * 3
    replicaof = commands.index(('master', 'REPLICAOF', TARGET))
    assert replicaof > failover
    assert commands[-1] == ('master', 'CLIENT', 'UNPAUSE')
    assert log[0] == ('master', 'CLIENT', 'PAUSE', '2000', 'WRITE')
    assert ('master', 'REPLICAOF', TARGET, '6379') in log
    assert result['offset'] == 1000
    assert [event[0] for event in result['events']] == ['paused', 'caught-up', 'promoted', 'follows', 'resumed']
    assert result['paused_seconds'] == pytest.approx(clock.now - 100.0)


def test_a_target_that_never_catches_up_stops_before_the_failover_and_resumes():
    clock = FakeClock()
    log, master, target, sentinel = lab(target_offsets=(990,))
    with pytest.raises(SwitchoverError) as raised:
        switchover(master, target, sentinel, clock, catch_up_timeout=1.0).run()
    assert raised.value.stage == 'caught-up'
    assert "offset 1000" in raised.value.message
    assert not any(entry[1:3] == ('SENTINEL', 'FAILOVER') for entry in log)
    assert log[-1] == ('master', 'CLIENT', 'UNPAUSE')


def test_a_wrong_promotion_stops_at_once_without_touching_the_old_master():
    clock = FakeClock()
    log, master, target, sentinel = lab(named=(MASTER, OTHER))
    with pytest.raises(WrongPromotion) as raised:
        switchover(master, target, sentinel, clock).run()
    assert OTHER in raised.value.message
    assert not any(entry[1] == 'REPLICAOF' for entry in log)
    assert log[-1] == ('master', 'CLIENT', 'UNPAUSE')
    assert clock.now - 100.0 < 1.0


@pytest.mark.parametrize('stage, replies, expected', [
    ('failover', {'sentinel_replies': {'FAILOVER': ServerError('NOGOODSLAVE No suitable replica to promote')}}, 'NOGOODSLAVE'),
    ('follow', {'master_replies': {'REPLICAOF': ConnectionClosed('connection closed by the server')}}, 'connection closed'),
])
def test_a_failed_step_names_its_stage_and_still_resumes(stage, replies, expected):
    clock = FakeClock()
    log, master, target, sentinel = lab(**replies)
    with pytest.raises(SwitchoverError) as raised:
        switchover(master, target, sentinel, clock).run()
    assert raised.value.stage == stage
    assert expected in raised.value.message
    assert log[-1] == ('master', 'CLIENT', 'UNPAUSE')


def test_the_pause_is_renewed_while_waiting_for_the_promotion():
    clock = FakeClock()
    log, master, target, sentinel = lab(named=(MASTER,) * 40 + (TARGET,))
    switchover(master, target, sentinel, clock).run()
    pauses = [entry for entry in log if entry[1:3] == ('CLIENT', 'PAUSE')]
    assert len(pauses) == 41


def test_a_pause_shorter_than_a_poll_round_is_refused():
    with pytest.raises(ValueError):
        Switchover(None, None, None, 'orders', MASTER, TARGET, 6379, pause_ms=50)

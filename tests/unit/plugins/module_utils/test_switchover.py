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


# One entry of a real `SENTINEL REPLICAS` reply (Redis 8.0's Sentinel), whose info-refresh the tests set.
REPLICA_ENTRY = ['name', '10.41.7.12:6379', 'ip', '10.41.7.12', 'port', '6379', 'runid', '3065b4dd6dde41a5b180bd4e3e92467a33b2b156',
                 'flags', 'slave', 'link-pending-commands', '0', 'link-refcount', '1', 'last-ping-sent', '0',
                 'last-ok-ping-reply', '162', 'last-ping-reply', '162', 'down-after-milliseconds', '750', 'info-refresh', '56',
                 'role-reported', 'slave', 'role-reported-time', '1084', 'master-link-down-time', '0', 'master-link-status', 'ok',
                 'master-host', '10.41.7.11', 'master-port', '6379', 'slave-priority', '100', 'slave-repl-offset', '1000',
                 'replica-announced', '1']


class TimedSentinel(Sentinel):
    """A Sentinel whose INFO replies from the target come every `period` seconds from `first` on (clock time)."""

    def __init__(self, log, clock, first, period=10.0, entries=None):
        super().__init__(log, (MASTER, TARGET), {})
        self.clock = clock
        self.first = first
        self.period = period
        self.entries = entries

    def command(self, *words):
        if words[1] != 'REPLICAS':
            return super().command(*words)
        self.log.append(('sentinel',) + words + (self.clock.now,))
        if self.entries is not None:
            return self.entries
        since = self.clock.now - self.first
        age = since % self.period if since >= 0 else since + 1000 * self.period
        entry = list(REPLICA_ENTRY)
        entry[entry.index('info-refresh') + 1] = str(int(age * 1000))
        return [entry]


def run_logged(master, target, sentinel, clock, log, **kwargs):
    times = []
    original = log.append

    class TimedLog(list):
        def append(self, entry):
            times.append(clock.now)
            original(entry)
    timed = TimedLog()
    for peer in (master, target, sentinel):
        peer.log = timed
    result = switchover(master, target, sentinel, clock, **kwargs).run()
    return result, times


# The last reply 3 s ago, the next at 107.0 (every 10 s): start at 107.7, after that reply, not before it.
# The last reply 0.2 s ago: wait it out to exactly 700 ms (100.5), not for the next one.
@pytest.mark.parametrize('first, earliest, latest, ages', [(97.0, 107.7, 107.8, range(700, 801)), (99.8, 100.5, 100.6, [700])])
def test_the_failover_starts_once_the_targets_last_info_reply_is_align_ms_old(first, earliest, latest, ages):
    clock = FakeClock()
    log, master, target, _unused = lab()
    sentinel = TimedSentinel(log, clock, first=first)
    result, times = run_logged(master, target, sentinel, clock, log, align_ms=700)
    pause = [entry[1:3] for entry in log].index(('CLIENT', 'PAUSE'))
    assert earliest <= times[pause] <= latest
    assert result['target_info_age_ms'] in ages
    assert all(entry[1:3] != ('SENTINEL', 'FAILOVER') for entry in log[:pause])


@pytest.mark.parametrize('entries, align_ms', [([], 700), ([REPLICA_ENTRY], 0)])
def test_without_the_targets_age_or_with_alignment_off_it_starts_at_once(entries, align_ms):
    clock = FakeClock()
    log, master, target, _unused = lab()
    sentinel = TimedSentinel(log, clock, first=0.0, entries=[list(entry) for entry in entries])
    result = switchover(master, target, sentinel, clock, align_ms=align_ms).run()
    assert result['target_info_age_ms'] is None
    assert log[0][1:3] == (('SENTINEL', 'REPLICAS') if align_ms else ('CLIENT', 'PAUSE'))
    assert [entry[1:3] for entry in log].count(('SENTINEL', 'REPLICAS')) == (1 if align_ms else 0)


def test_no_info_reply_within_align_timeout_starts_unaligned():
    clock = FakeClock()
    log, master, target, _unused = lab()
    sentinel = TimedSentinel(log, clock, first=90.0, period=60.0)
    result = switchover(master, target, sentinel, clock, align_ms=700, align_timeout=2.0).run()
    assert result['target_info_age_ms'] is None
    assert 102.0 <= clock.now


def test_an_alignment_beyond_the_promotion_round_is_refused():
    with pytest.raises(ValueError):
        Switchover(None, None, None, 'orders', MASTER, TARGET, 6379, align_ms=900)

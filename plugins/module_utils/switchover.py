# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The write pause of a planned switchover, from pause to resume (module redis_switchover).

Everything between pausing the master's writes and resuming them happens here,
on three open connections (master, target, Sentinel), so that the pause holds
no process start or Ansible overhead and no password is ever on a command line.
"""

from __future__ import annotations

import time

from ansible_collections.hastack.redis.plugins.module_utils.probe import sentinel_master_fields
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisError


# While it fails a master over, a Sentinel asks the replicas for INFO once their last reply is a
# second old (sentinel.c: info_period = 1000, whatever SENTINEL DEBUG info-period says): it sees
# the promotion it ordered only at that INFO. It sends REPLICAOF NO ONE on the third round of its
# timer after SENTINEL FAILOVER (one state a round, 10 to 19 rounds a second), and a round sends
# the master's commands before the replicas' INFO. A failover started once the target's last
# INFO reply is align_ms old has its promotion seen about 1000 - align_ms later instead of up to
# a second later. Above 800 ms the INFO may come before REPLICAOF NO ONE, and costs a second.
ALIGN_LIMIT_MS = 800
# Start within this much after the aligned moment, else wait for the next INFO reply.
ALIGN_WINDOW_MS = 100
ALIGN_POLL_SECONDS = 0.05


class SwitchoverError(Exception):
    """The switchover stopped; ``stage`` says where, writes were resumed."""

    def __init__(self, stage, message):
        super().__init__(message)
        self.stage = stage
        self.message = message


class WrongPromotion(SwitchoverError):
    """The Sentinel promoted another replica than the target."""


def _text(value):
    return value.decode('utf-8', 'replace') if isinstance(value, bytes) else value


def _ok(reply):
    return _text(reply) == 'OK'


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Switchover:
    """One switchover of ``master_name`` from ``master`` to ``target``.

    ``master``, ``target`` and ``sentinel`` are connections with ``command()``
    and ``info()`` (module_utils.resp.RedisConnection); ``master_address`` and
    ``target_address`` are the addresses the Sentinels know the servers by.
    """

    def __init__(self, master, target, sentinel, master_name, master_address, target_address, port,
                 pause_ms=10000, catch_up_timeout=5.0, promote_timeout=30.0, follow_timeout=30.0,
                 poll_interval=0.01, align_ms=0, align_timeout=12.0, clock=time.monotonic, sleep=time.sleep):
        if pause_ms < 100:
            raise ValueError('pause_ms must be at least 100, got %d' % pause_ms)
        if not 0 <= align_ms <= ALIGN_LIMIT_MS:
            raise ValueError('align_ms must be between 0 and %d, got %d' % (ALIGN_LIMIT_MS, align_ms))
        self.master = master
        self.target = target
        self.sentinel = sentinel
        self.master_name = master_name
        self.master_address = master_address
        self.target_address = target_address
        self.port = port
        self.pause_ms = pause_ms
        self.catch_up_timeout = catch_up_timeout
        self.promote_timeout = promote_timeout
        self.follow_timeout = follow_timeout
        self.poll_interval = poll_interval
        self.align_ms = align_ms
        self.align_timeout = align_timeout
        self.clock = clock
        self.sleep = sleep
        #: (stage, seconds since the pause) in the order they happened
        self.events = []
        self._paused_at = None

    # -- steps ---------------------------------------------------------------

    def _mark(self, stage):
        self.events.append((stage, round(self.clock() - self._paused_at, 6)))

    def pause(self):
        """Pause (or renew the pause of) client writes on the master."""
        if not _ok(self.master.command('CLIENT', 'PAUSE', str(self.pause_ms), 'WRITE')):
            raise SwitchoverError('pause', 'the master did not accept CLIENT PAUSE')

    def _wait(self, stage, timeout, condition, what):
        """Poll ``condition`` until true, renewing the pause so that it never runs out first."""
        deadline = self.clock() + timeout
        while not condition():
            if self.clock() >= deadline:
                raise SwitchoverError(stage, 'timed out after %g s waiting for %s' % (timeout, what))
            self.pause()
            self.sleep(self.poll_interval)
        self._mark(stage)

    def target_info_age_ms(self):
        """How long ago (ms) the Sentinel last had an INFO reply from the target; None if it does not say."""
        replies = self.sentinel.command('SENTINEL', 'REPLICAS', self.master_name)
        for reply in replies or []:
            fields = sentinel_master_fields(reply)
            if fields.get('ip') == self.target_address and _int(fields.get('port')) == self.port:
                return _int(fields.get('info-refresh'))
        return None

    def align(self):
        """Before the pause: wait until the Sentinel's last INFO reply from the target is align_ms old.

        Returns that age (ms) when the switchover starts, or None when it starts unaligned (alignment
        off, the Sentinel does not report the age, or no INFO reply came within align_timeout).
        """
        if not self.align_ms:
            return None
        deadline = self.clock() + self.align_timeout
        try:
            while self.clock() < deadline:
                age = self.target_info_age_ms()
                if age is None:
                    return None
                if self.align_ms <= age <= self.align_ms + ALIGN_WINDOW_MS:
                    return age
                # Before the aligned moment: sleep until it. After it: look for the next reply.
                self.sleep((self.align_ms - age) / 1000.0 if age < self.align_ms else ALIGN_POLL_SECONDS)
        except RedisError:
            return None
        return None

    def master_offset(self):
        """The master's replication offset (it stops moving once writes are paused)."""
        offset = _int(self.master.info('replication').get('master_repl_offset'))
        if offset is None:
            raise SwitchoverError('catch-up', 'the master reports no master_repl_offset')
        return offset

    def target_offset(self):
        return _int(self.target.info('replication').get('slave_repl_offset'))

    def named_master(self):
        """The host the Sentinel names as master, or None when it names none."""
        reply = self.sentinel.command('SENTINEL', 'get-master-addr-by-name', self.master_name)
        if not reply:
            return None
        return _text(reply[0])

    def _names_target(self):
        named = self.named_master()
        if named == self.target_address:
            return True
        if named is not None and named != self.master_address:
            raise WrongPromotion('promote', 'the Sentinel promoted %s instead of the target %s' % (named, self.target_address))
        return False

    def _follows(self):
        info = self.master.info('replication')
        return _text(info.get('master_host')) == self.target_address and _int(info.get('master_port')) == self.port

    def run(self):
        """Pause, wait for the target to catch up, fail over, make the old master follow, resume.

        Returns a dict: ``offset`` (the master's offset when paused), ``paused_seconds``
        and ``events``. Raises SwitchoverError (writes resumed) when a step fails.
        """
        aligned = self.align()
        self._paused_at = self.clock()
        stage = 'pause'
        try:
            self.pause()
            self._mark('paused')
            stage = 'catch-up'
            offset = self.master_offset()
            self._wait('caught-up', self.catch_up_timeout, lambda: self.target_offset() == offset,
                       "the target to reach the master's offset %d" % offset)
            # The Sentinel that runs the failover names the target once it is promoted;
            # until a majority does, HAProxy refuses clients rather than send them anywhere.
            stage = 'failover'
            if not _ok(self.sentinel.command('SENTINEL', 'FAILOVER', self.master_name)):
                raise SwitchoverError('failover', 'the Sentinel did not accept SENTINEL FAILOVER')
            self._wait('promoted', self.promote_timeout, self._names_target, 'the Sentinel to name the target')
            # Sentinel would convert the old master only at its next look, possibly after the
            # pause ends: its paused clients would then write to a master about to be discarded.
            stage = 'follow'
            if not _ok(self.master.command('REPLICAOF', self.target_address, str(self.port))):
                raise SwitchoverError('follow', 'the old master did not accept REPLICAOF')
            if not _ok(self.master.command('CONFIG', 'REWRITE')):
                raise SwitchoverError('follow', 'the old master did not accept CONFIG REWRITE')
            self._wait('follows', self.follow_timeout, self._follows, 'the old master to follow the target')
        except RedisError as exc:
            raise SwitchoverError(stage, '%s (%s)' % (exc.message, exc.address)) from None
        finally:
            self.resume()
        return {'offset': offset, 'paused_seconds': self.events[-1][1], 'events': [list(event) for event in self.events],
                'target_info_age_ms': aligned}

    def resume(self):
        """Resume client writes on the master (best effort: the pause also runs out by itself)."""
        try:
            self.master.command('CLIENT', 'UNPAUSE')
        except RedisError:
            return False
        if self._paused_at is not None:
            self._mark('resumed')
        return True

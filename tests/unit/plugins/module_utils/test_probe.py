# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the probe logic shared by the module and the integration tests."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import FakeClock

from ansible_collections.hastack.redis.plugins.module_utils.probe import (
    check_expectations,
    normalize_role,
    parse_address,
    probe_until,
    replication_state,
    sentinel_master_fields,
)
from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    AuthenticationError,
    ConnectionRefused,
    parse_info,
)


def test_normalize_role():
    assert normalize_role('slave') == 'replica'
    assert normalize_role('MASTER') == 'master'
    assert normalize_role(None) == ''


@pytest.mark.parametrize('text,expected', [
    ('10.0.0.1:6379', ('10.0.0.1', 6379)),
    ('[::1]:26379', ('::1', 26379)),
    ('redis-1.example.com:6380', ('redis-1.example.com', 6380)),
])
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize('text', ['10.0.0.1', ':6379', 'host:', 'host:abc', 'host:70000', 'host:0'])
def test_parse_address_invalid(text):
    with pytest.raises(ValueError):
        parse_address(text)


def test_replication_state_replica_link_down():
    info = parse_info('role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n'
                      'master_link_down_since_seconds:12\r\nmaster_sync_in_progress:1\r\nslave_repl_offset:5\r\n'
                      'slave_read_only:0\r\nmaster_repl_offset:5\r\n')
    state = replication_state(info)
    assert state['role'] == 'replica'
    assert state['master_link_down_since_seconds'] == 12
    assert state['master_sync_in_progress'] is True
    assert state['read_only'] is False
    assert state['replica_repl_offset'] == 5


def test_sentinel_master_fields_from_list_and_map():
    assert sentinel_master_fields(['quorum', '2', 'flags', 'master']) == {'quorum': '2', 'flags': 'master'}
    assert sentinel_master_fields({b'quorum': b'2'}) == {'quorum': '2'}
    assert sentinel_master_fields(None) == {}


def test_check_expectations():
    replica = {'role': 'replica', 'master_host': '10.0.0.1', 'master_port': 6379}
    assert check_expectations(replica, 'replica', ('10.0.0.1', 6379)) is None
    assert check_expectations(replica, 'master') == 'role is replica, expected master'
    assert 'replica follows 10.0.0.1:6379, expected 10.0.0.2:6379' == check_expectations(replica, None, ('10.0.0.2', 6379))
    assert 'expected a replica of' in check_expectations({'role': 'master'}, None, ('10.0.0.2', 6379))
    sentinel = {'role': 'sentinel', 'master': {'host': '10.0.0.1', 'port': 6379}}
    assert check_expectations(sentinel, None, ('10.0.0.1', 6379)) is None
    assert 'Sentinel reports master 10.0.0.1:6379' in check_expectations(sentinel, None, ('10.0.0.3', 6379))


class FakeConn:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


def test_probe_until_retries_connection_errors_until_expectation_holds():
    clock = FakeClock()
    states = [ConnectionRefused('refused', 'h', 1), {'role': 'master'}, {'role': 'replica'}]
    connections = []

    def connect():
        item = states[0]
        if isinstance(item, Exception):
            states.pop(0)
            raise item
        connections.append(FakeConn())
        return connections[-1]

    def probe(conn):
        return states.pop(0)

    outcome = probe_until(connect, probe, expect_role='replica', wait_timeout=5, poll_interval=0.5,
                          clock=clock, sleep=clock.sleep)
    assert outcome.ok and outcome.attempts == 3
    assert outcome.last_error is not None and outcome.error is None
    assert all(c.closed for c in connections)


def test_probe_until_times_out_with_last_state():
    clock = FakeClock()
    outcome = probe_until(FakeConn, lambda conn: {'role': 'master'}, expect_role='replica', wait_timeout=1,
                          poll_interval=0.25, clock=clock, sleep=clock.sleep)
    assert not outcome.ok
    assert outcome.mismatch == 'role is master, expected replica'
    assert outcome.attempts == 5
    assert outcome.elapsed == 1.0


def test_probe_until_stops_on_permanent_error():
    clock = FakeClock()

    def connect():
        raise AuthenticationError('WRONGPASS', 'h', 1)

    outcome = probe_until(connect, None, wait_timeout=60, clock=clock, sleep=clock.sleep)
    assert outcome.attempts == 1 and outcome.error.kind == 'auth'


def test_probe_until_single_probe():
    clock = FakeClock()
    outcome = probe_until(FakeConn, lambda conn: {'role': 'master'}, expect_role='replica', clock=clock, sleep=clock.sleep)
    assert outcome.attempts == 1 and not outcome.ok


def test_probe_until_reports_odd_replies_as_protocol_errors():
    clock = FakeClock()

    class Conn(FakeConn):
        host, port = '10.0.0.1', 6379

    def probe(conn):
        return {}['missing']

    outcome = probe_until(Conn, probe, clock=clock, sleep=clock.sleep)
    assert outcome.error.kind == 'protocol'
    assert str(outcome.error).startswith('10.0.0.1:6379: unexpected reply content')

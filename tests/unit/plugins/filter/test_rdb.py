# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""replication_refusal: a server that cannot load its master's snapshot is refused, or warned about when it follows it."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.hastack.redis.plugins.filter.rdb import rdb_format, replication_refusal, server_identity
from ansible_collections.hastack.redis.plugins.module_utils.probe import _server_identity
from ansible_collections.hastack.redis.plugins.module_utils.resp import parse_info

# Debian's Redis 7.0.15 (Debian 12), Redis 8.0.2 and Valkey 8.1.1 (Debian 13) in the lab images: INFO server,
# `--version`, the header of a dump each saved, and which full synchronizations completed.
DATA = json.loads((pathlib.Path(__file__).parent / 'data' / 'rdb_servers.json').read_text(encoding='utf-8'))
SERVERS = sorted(DATA['info_server'])


def identity_from_info(name: str) -> dict:
    """What redis_probe reports of a running server: its flavor and version from INFO server."""
    identity = _server_identity(parse_info(DATA['info_server'][name]))
    return {'flavor': identity['flavor'], 'version': identity['version']}


@pytest.mark.parametrize('name', SERVERS)
def test_the_binary_and_the_running_server_name_the_same_version(name):
    assert server_identity(DATA['version_output'][name]) == identity_from_info(name)
    assert '%s-%s' % (identity_from_info(name)['flavor'], identity_from_info(name)['version']) == name


@pytest.mark.parametrize('name', SERVERS)
def test_the_format_is_the_one_each_server_wrote(name):
    assert 'REDIS%04d' % rdb_format(server_identity(DATA['version_output'][name])) == DATA['dump_header'][name]


def test_unknown_output_and_versions():
    assert server_identity('') == {'flavor': None, 'version': None}
    assert server_identity('bash: /usr/bin/valkey-server: No such file or directory') == {'flavor': None, 'version': None}
    assert rdb_format({'flavor': 'valkey', 'version': '9.0.0'}) is None
    assert rdb_format({'flavor': None, 'version': None}) is None


def group(master: str, replica: str, follows: bool = False) -> tuple[list, list]:
    """A master host `m` running `master`, and a host `r` running `replica`, following `m` or not configured yet."""
    nodes = [{'host': 'm', 'addr': {'host': '10.30.1.131', 'port': 6379}},
             {'host': 'r', 'addr': {'host': '10.30.1.132', 'port': 6379}}]
    states = [{'host': 'm', 'role': 'master', 'master': {}, 'server': identity_from_info(master)},
              {'host': 'r', 'role': 'replica' if follows else 'none',
               'master': {'host': '10.30.1.131', 'port': 6379} if follows else {},
               'server': server_identity(DATA['version_output'][replica])}]
    return nodes, states


@pytest.mark.parametrize('case', DATA['replication'], ids=lambda case: '%s->%s' % (case['master'], case['replica']))
def test_a_joining_server_is_refused_exactly_when_its_synchronization_failed(case):
    nodes, states = group(case['master'], case['replica'])
    verdict = replication_refusal(nodes, states, 'm')
    if case['synchronized']:
        assert verdict == {'error': None, 'warnings': []}
    else:
        version = case['replica_log'].rsplit(' ', 1)[-1]
        assert verdict['warnings'] == []
        assert verdict['error'].startswith('r runs %s %s, which loads RDB files up to format version'
                                           % tuple(case['replica'].replace('redis', 'Redis').replace('valkey', 'Valkey').split('-')))
        assert 'the master m runs' in verdict['error'] and 'writes version %s' % version in verdict['error']
        assert verdict['error'].endswith('Nothing was configured.')


def test_a_replica_that_follows_a_master_it_cannot_read_is_a_warning():
    """Redis 7.0 replicas after the switchover to Valkey: synchronized before, by partial resynchronization."""
    nodes, states = group('valkey-8.1.1', 'redis-7.0.15', follows=True)
    verdict = replication_refusal(nodes, states, 'm')
    assert verdict['error'] is None
    assert len(verdict['warnings']) == 1
    assert 'r runs Redis 7.0.15' in verdict['warnings'][0] and 'Retire r' in verdict['warnings'][0]


def test_a_replica_of_another_address_is_refused():
    nodes, states = group('valkey-8.1.1', 'redis-7.0.15', follows=True)
    states[1]['master'] = {'host': '10.30.1.133', 'port': 6379}
    assert replication_refusal(nodes, states, 'm')['error'] is not None


def test_same_versions_and_unknown_versions():
    nodes, states = group('redis-8.0.2', 'redis-8.0.2')
    assert replication_refusal(nodes, states, 'm') == {'error': None, 'warnings': []}
    states[1]['server'] = {'flavor': 'valkey', 'version': '9.0.0'}
    verdict = replication_refusal(nodes, states, 'm')
    assert verdict['error'] is None and 'is unknown to this collection' in verdict['warnings'][0]


def test_a_binary_not_installed_yet_is_not_judged():
    """In check mode the package is not installed: `--version` fails and the server has no version."""
    nodes, states = group('redis-8.0.2', 'valkey-8.1.1')
    states[1]['server'] = server_identity('')
    assert replication_refusal(nodes, states, 'm') == {'error': None, 'warnings': []}

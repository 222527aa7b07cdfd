# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sentinel_view on redis_command results registered from a real Sentinel (data/sentinel_command_results.json)."""

from __future__ import annotations

import json
import pathlib

from ansible_collections.hastack.redis.plugins.filter.sentinel import sentinel_view

RESULTS = json.loads((pathlib.Path(__file__).parent / 'data' / 'sentinel_command_results.json').read_text(encoding='utf-8'))


def test_a_known_master_with_its_fields_and_replicas() -> None:
    view = sentinel_view(RESULTS['master_known'], RESULTS['replicas'], 'witness', 'mymaster')
    assert view['state'] == 'known' and view['message'] == ''
    assert (view['fields']['ip'], view['fields']['port']) == ('127.0.0.1', '7101')
    assert view['replicas'] == ['127.0.0.1']
    assert (view['master'], view['sentinel']) == ('mymaster', 'witness')


def test_an_unknown_master() -> None:
    view = sentinel_view(RESULTS['master_unknown'], RESULTS['replicas'], 'witness', 'nosuchmaster')
    assert view['state'] == 'unknown' and 'No such master' in view['message']
    assert view['fields'] == {} and view['replicas'] == []


def test_a_refused_or_missing_password_is_auth() -> None:
    for case in ('wrong_password', 'no_password'):
        view = sentinel_view(RESULTS[case], None, 'redis1', 'mymaster')
        assert view['state'] == 'auth', case
    assert 'WRONGPASS' in sentinel_view(RESULTS['wrong_password'], None, 'redis1', 'mymaster')['message']


def test_nothing_listening_is_unreachable() -> None:
    view = sentinel_view(RESULTS['refused'], None, 'redis2', 'mymaster')
    assert view['state'] == 'unreachable' and 'connection refused' in view['message']


def test_a_reply_for_another_name_is_not_known() -> None:
    view = sentinel_view(RESULTS['master_known'], RESULTS['replicas'], 'witness', 'othermaster')
    assert view['state'] == 'unreachable' and view['fields'] == {}

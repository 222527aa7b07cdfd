# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets with spaces, quotes, '#', '$', backslashes and non-ASCII letters, written by hastack.redis.redis_quote
into real redis.conf and sentinel.conf files, read back by real redis-server and redis-sentinel processes as
exactly their bytes: clients authenticate with them and Sentinel authenticates to its master with them. JSON's
quoting (to_json) turned 'ä' into \\u00e4, which Redis reads as 'u00e4'."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.filter.encode import redis_quote
from ansible_collections.hastack.redis.tests.integration.conftest import (
    REDIS_SENTINEL, REDIS_SERVER, SKIP_REASON, Process, free_port, sentinel_master, wait_until)

HOSTILE = ['two words', 'a"quote\'s', 'hash#not-a-comment', 'dollar$HOME', 'back\\slash', 'gr\u00fc\u00dfe-\u00e4',
           'all of it: " \' # $ \\ \u00e4\u00f6\u00fc \u20ac']


def _start(tmp_path, name, argv, port, password):
    return Process(name, argv, port, tmp_path, password=password).wait_ready()


def _server(tmp_path, secret):
    port = free_port()
    (tmp_path / 'redis.conf').write_text('\n'.join([
        'port %d' % port, 'bind 127.0.0.1', 'save ""', 'appendonly no', 'dir %s' % tmp_path,
        'requirepass %s' % redis_quote(secret), 'masterauth %s' % redis_quote(secret)]) + '\n', encoding='utf-8')
    return _start(tmp_path, 'quoted-server', [REDIS_SERVER, str(tmp_path / 'redis.conf')], port, secret)


@pytest.mark.parametrize('secret', HOSTILE)
def test_redis_reads_the_quoted_secret_as_written(tmp_path, secret):
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    server = _server(tmp_path, secret)
    try:
        with server.connection() as conn:
            assert conn.command('CONFIG', 'GET', 'masterauth') == ['masterauth', secret]
    finally:
        server.stop()


def test_sentinel_authenticates_with_the_quoted_secrets(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    secret = HOSTILE[-1]
    server = _server(tmp_path, secret)
    sentinel = None
    try:
        sentinel_port = free_port()
        (tmp_path / 'sentinel.conf').write_text('\n'.join([
            'port %d' % sentinel_port, 'bind 127.0.0.1', 'dir %s' % tmp_path,
            'sentinel monitor mymaster 127.0.0.1 %d 1' % server.port,
            'sentinel down-after-milliseconds mymaster 1000',
            'requirepass %s' % redis_quote(secret),
            'sentinel auth-pass mymaster %s' % redis_quote(secret)]) + '\n', encoding='utf-8')
        argv = [REDIS_SENTINEL, str(tmp_path / 'sentinel.conf')] if REDIS_SENTINEL else \
            [REDIS_SERVER, str(tmp_path / 'sentinel.conf'), '--sentinel']
        sentinel = _start(tmp_path, 'quoted-sentinel', argv, sentinel_port, secret)

        def info_read():
            fields = sentinel_master(sentinel)
            return int(fields['info-refresh']) < 1500 and 's_down' not in fields['flags'] and fields
        # Sentinel refreshes INFO from the master only when its AUTH works.
        wait_until(info_read, 10, 'Sentinel never read INFO from its master with the quoted auth-pass')
    finally:
        for process in (sentinel, server):
            if process is not None:
                process.stop()

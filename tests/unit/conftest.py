# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures: a fake Redis/Sentinel server on a local ephemeral port."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import FakeRedis


@pytest.fixture
def fake_server():
    """Factory fixture: ``fake_server(handler_or_responder, on_connect=None) -> FakeRedis``."""
    servers = []

    def start(handler, on_connect=None):
        handler = getattr(handler, 'reply', handler)
        server = FakeRedis(handler, on_connect)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    errors = [error for server in servers for error in server.errors]
    if errors:
        raise AssertionError('fake server handler failed: %r' % (errors,))


@pytest.fixture
def free_port():
    """A local TCP port with nothing listening on it."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port

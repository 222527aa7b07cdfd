# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tls_files: PEM text is written into the role's directory, a host path is used where it is."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.redis.plugins.filter.tls import tls_files

CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
KEY = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n'


def test_pem_text_is_written_into_the_directory() -> None:
    files = tls_files({'cert': CERT, 'key': KEY, 'ca': CERT}, '/etc/redis/tls', 'redis-server')
    assert files == {
        'cert': {'path': '/etc/redis/tls/redis-server.crt', 'content': CERT + '\n', 'mode': '0644'},
        'key': {'path': '/etc/redis/tls/redis-server.key', 'content': KEY, 'mode': '0640'},
        'ca': {'path': '/etc/redis/tls/redis-server.ca.crt', 'content': CERT + '\n', 'mode': '0644'},
    }


def test_a_host_path_is_used_where_it_is() -> None:
    files = tls_files({'cert': '/etc/ssl/redis.pem ', 'key': KEY, 'ca': '/etc/ssl/certs/ca.pem'}, '/etc/redis/tls', 'x')
    assert files['cert'] == {'path': '/etc/ssl/redis.pem', 'content': None, 'mode': '0644'}
    assert files['ca'] == {'path': '/etc/ssl/certs/ca.pem', 'content': None, 'mode': '0644'}
    assert files['key']['path'] == '/etc/redis/tls/x.key'


def test_missing_items_have_an_empty_path() -> None:
    files = tls_files({'cert': None}, '/d', 'x')
    assert [files[name]['path'] for name in ('cert', 'key', 'ca')] == ['', '', '']


def test_not_a_dict() -> None:
    with pytest.raises(AnsibleFilterError, match='cert, key and ca'):
        tls_files('cert', '/d', 'x')

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the tls_check module on files the openssl binary makes (see module_utils/test_tls.py)."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils import basic

from ansible_collections.hastack.redis.plugins.modules import tls_check
from ansible_collections.hastack.redis.tests.unit.plugins.modules.module_runner import patch_exits, run_module
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.test_tls import DNS_NAME, IPV4, IPV6, OPENSSL, make_material

pytestmark = pytest.mark.skipif(OPENSSL is None, reason='the openssl binary (Debian package openssl) makes the test certificates')


@pytest.fixture(scope='session')
def material(tmp_path_factory):
    return make_material(tmp_path_factory.mktemp('tls'))


@pytest.fixture
def warnings(monkeypatch):
    """The module's warnings, in order."""
    seen = []
    patch_exits(monkeypatch)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning, **kwargs: seen.append(warning))
    return seen


def run(args):
    """Run the module; return ``(failed, result)``."""
    return run_module(tls_check.main, args)


def args(material, **kwargs):
    base = {'cert': material.server, 'key': material.server_key, 'ca': material.ca}
    base.update(kwargs)
    return base


def test_good_material(material, warnings):
    failed, result = run(args(material, names=[DNS_NAME, IPV4, IPV6]))
    assert not failed, result
    assert result['changed'] is False
    assert result['subject'] == 'CN=%s' % DNS_NAME
    assert result['issuer'] == 'O=hastack test, CN=Test CA'
    assert result['names'] == [DNS_NAME, '*.redis.example.test', IPV4, IPV6]
    assert result['days_left'] in (364, 365)
    assert result['not_before'].endswith('Z') and result['not_after'].endswith('Z')
    assert 'problems' not in result
    assert warnings == []


def test_check_mode_checks_too(material, warnings):
    failed, result = run(args(material, cert=material.expired, _ansible_check_mode=True))
    assert failed
    assert 'expired on 2020-01-02T00:00:00Z' in result['msg']
    assert result['changed'] is False


def test_every_problem_in_the_message(material, warnings):
    failed, result = run(args(material, cert=material.expired, ca=material.other_ca, names=[IPV4, '192.0.2.99']))
    assert failed
    assert len(result['problems']) == 3
    assert result['msg'] == '; '.join(result['problems'])
    assert material.expired in result['msg'] and material.other_ca in result['msg'] and "name '192.0.2.99'" in result['msg']
    assert result['subject'] == 'CN=%s' % DNS_NAME
    assert result['days_left'] < 0


def test_mismatched_key(material, warnings):
    failed, result = run(args(material, key=material.wrong_key))
    assert failed
    assert result['msg'] == 'key %s does not match cert %s' % (material.wrong_key, material.server)
    assert 'subject' not in result and 'names' not in result


def test_missing_files(material, warnings):
    failed, result = run(args(material, cert='/nonexistent/redis.crt', ca='/nonexistent/ca.crt'))
    assert failed
    assert result['problems'] == ['cert /nonexistent/redis.crt cannot be read: No such file or directory',
                                  'ca /nonexistent/ca.crt cannot be read: No such file or directory']


def test_near_expiry_warns_without_failing(material, warnings):
    failed, result = run(args(material, cert=material.soon))
    assert not failed, result
    assert len(warnings) == 1 and 'cert %s expires on' % material.soon in warnings[0]
    failed, result = run(args(material, cert=material.soon, warn_days=0))
    assert not failed
    assert len(warnings) == 1


def test_negative_warn_days(material, warnings):
    failed, result = run(args(material, warn_days=-1))
    assert failed
    assert result['msg'] == 'warn_days must be 0 or more, got -1'


def test_key_material_is_never_returned(material, warnings):
    with open(material.server_key, encoding='ascii') as handle:
        key_lines = [line for line in handle.read().splitlines() if line and not line.startswith('-----')]
    for key in (material.server_key, material.wrong_key):
        dumped = json.dumps(run(args(material, key=key, names=['nowhere.example.test']))[1])
        assert not any(line in dumped for line in key_lines)
        assert 'PRIVATE KEY' not in dumped

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the tls_check module on files the openssl binary makes (see module_utils/test_tls.py),
given as paths or as their PEM text."""

from __future__ import annotations

import json
import os
import stat
import tempfile

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


@pytest.mark.parametrize('given', ['paths', 'content'])
def test_good_material(material, warnings, temporary, given):
    failed, result = run((args if given == 'paths' else content_args)(material, names=[DNS_NAME, IPV4, IPV6]))
    assert not failed, result
    assert result['changed'] is False
    assert result['subject'] == 'CN=%s' % DNS_NAME
    assert result['issuer'] == 'O=hastack test, CN=Test CA'
    assert result['names'] == [DNS_NAME, '*.redis.example.test', IPV4, IPV6]
    assert result['days_left'] in (364, 365)
    assert result['not_before'].endswith('Z') and result['not_after'].endswith('Z')
    assert 'problems' not in result
    assert warnings == []
    if given == 'paths':
        assert temporary == {}
    else:
        assert_private_and_gone(temporary, result)


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


LABELS = {'cert': 'redis_server_tls_cert of redis1', 'key': 'redis_server_tls_key of redis1', 'ca': 'redis_server_tls_ca_cert'}


def read(path):
    with open(path, encoding='ascii') as handle:
        return handle.read()


def content_args(material, **kwargs):
    """The good certificate, key and CA as PEM text, with ``kwargs`` (a path or other text) instead."""
    base = {'cert_content': read(material.server), 'key_content': read(material.server_key), 'ca_content': read(material.ca),
            'labels': dict(LABELS)}
    base.update(kwargs)
    return base


def key_lines(material, *keys):
    """The base64 lines of the keys' PEM, which no result may hold."""
    lines = []
    for key in keys or (material.server_key, material.wrong_key):
        lines.extend(line for line in read(key).splitlines() if line and not line.startswith('-----'))
    return lines


@pytest.fixture
def temporary(monkeypatch):
    """The temporary directories the module makes, and what check_tls found in them: {path: {name: mode}}."""
    seen = {}
    make, check_tls = tempfile.mkdtemp, tls_check.check_tls

    def mkdtemp(*args, **kwargs):
        directory = make(*args, **kwargs)
        seen[directory] = {}
        return directory

    def spy(cert, key, ca, **kwargs):
        for directory, modes in seen.items():
            if modes:
                continue  # a directory of an earlier run
            modes['.'] = stat.S_IMODE(os.stat(directory).st_mode)
            modes.update((name, stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode)) for name in os.listdir(directory))
        return check_tls(cert, key, ca, **kwargs)

    monkeypatch.setattr(tls_check.tempfile, 'mkdtemp', mkdtemp)
    monkeypatch.setattr(tls_check, 'check_tls', spy)
    return seen


def assert_private_and_gone(temporary, result, names=('cert.pem', 'key.pem', 'ca.pem')):
    """One temporary directory (0700, its files 0600) was used, is gone, and the result does not name it."""
    assert len(temporary) == 1, temporary
    directory, modes = next(iter(temporary.items()))
    assert modes == dict({'.': 0o700}, **{name: 0o600 for name in names})
    assert not os.path.exists(directory)
    assert directory not in json.dumps(result)


@pytest.mark.parametrize('bad, expected', [
    ({'key_content': 'wrong_key'}, 'key redis_server_tls_key of redis1 does not match cert redis_server_tls_cert of redis1'),
    ({'cert_content': 'expired'}, 'cert redis_server_tls_cert of redis1 expired on 2020-01-02T00:00:00Z ('),
    ({'cert_content': 'other'}, 'cert redis_server_tls_cert of redis1 is not signed by a CA of redis_server_tls_ca_cert (OpenSSL: '),
    ({'names': ['redis9.example.test']}, "name 'redis9.example.test' is not in the subjectAltName of cert redis_server_tls_cert "
                                         "of redis1 (it names: %s, *.redis.example.test, %s, %s)" % (DNS_NAME, IPV4, IPV6)),
])
def test_bad_content_is_refused_by_its_label(material, warnings, temporary, bad, expected):
    bad = {option: read(getattr(material, value)) if option.endswith('_content') else value for option, value in bad.items()}
    failed, result = run(content_args(material, **bad))
    assert failed
    assert result['problems'] == [result['msg']]
    assert result['msg'].startswith(expected), result['msg']
    assert_private_and_gone(temporary, result)
    dumped = json.dumps(result)
    assert not any(line in dumped for line in key_lines(material))
    assert 'PRIVATE KEY' not in dumped


def test_content_is_named_by_its_option_without_labels(material, warnings, temporary):
    failed, result = run(content_args(material, key_content=read(material.wrong_key), labels=None))
    assert failed
    assert result['msg'] == 'key key_content does not match cert cert_content'
    failed, result = run(content_args(material, cert_content=read(material.other), labels={'cert': 'redis1'}))
    assert failed
    assert result['msg'].startswith('cert redis1 is not signed by a CA of ca_content (')
    assert len(temporary) == 2 and not any(os.path.exists(directory) for directory in temporary)


def test_paths_and_content_mixed(material, warnings, temporary):
    # A path keeps its name; a label given for it comes first.
    failed, result = run(content_args(material, cert_content=None, cert=material.expired, ca_content=None, ca=material.other_ca))
    assert failed
    assert result['problems'][0].startswith('cert redis_server_tls_cert of redis1 (%s) expired on' % material.expired)
    assert 'is not signed by a CA of redis_server_tls_ca_cert (%s)' % material.other_ca in result['problems'][1]
    assert_private_and_gone(temporary, result, names=('key.pem',))
    failed, result = run({'cert': material.server, 'key_content': read(material.wrong_key), 'ca': material.ca})
    assert failed
    assert result['msg'] == 'key key_content does not match cert %s' % material.server


def test_no_temporary_directory_for_paths(material, warnings, temporary):
    failed, result = run(args(material))
    assert not failed, result
    assert temporary == {}


def test_certificate_and_key_in_one_text(material, warnings, temporary):
    both = read(material.server) + read(material.server_key)
    failed, result = run(content_args(material, cert_content=both, key_content=both))
    assert not failed, result
    assert not any(line in json.dumps(result) for line in key_lines(material))


def test_content_without_a_final_newline(material, warnings, temporary):
    failed, result = run(content_args(material, **{option: read(getattr(material, name)).rstrip('\n') for option, name in
                                                   (('cert_content', 'server'), ('key_content', 'server_key'), ('ca_content', 'ca'))}))
    assert not failed, result


def test_near_expiry_warns_by_label(material, warnings, temporary):
    failed, result = run(content_args(material, cert_content=read(material.soon)))
    assert not failed, result
    assert len(warnings) == 1 and warnings[0].startswith('cert redis_server_tls_cert of redis1 expires on')
    assert not any(directory in warnings[0] for directory in temporary)


def test_garbage_content(material, warnings, temporary):
    failed, result = run(content_args(material, key_content='not a key', ca_content=''))
    assert failed
    assert result['problems'] == ['ca redis_server_tls_ca_cert holds no PEM certificate (no certificate or crl found)',
                                  'key redis_server_tls_key of redis1 holds no PEM private key']
    assert_private_and_gone(temporary, result)


@pytest.mark.parametrize('item', ['cert', 'key', 'ca'])
def test_path_and_content_of_one_item_are_refused(material, warnings, temporary, item):
    failed, result = run(content_args(material, **{item: getattr(material, {'cert': 'server', 'key': 'server_key', 'ca': 'ca'}[item])}))
    assert failed
    what = {'cert': 'the certificate', 'key': 'the private key', 'ca': 'the CA certificates'}[item]
    assert result['msg'] == '%s and %s_content are both given: give %s as a path on the host (%s) or as PEM text (%s_content), not both' \
        % (item, item, what, item, item)
    assert temporary == {}


def test_each_item_is_required(material, warnings, temporary):
    failed, result = run({'cert': material.server, 'warn_days': -1})
    assert failed
    assert result['msg'] == ('key or key_content is required (the private key as a path on the host or as PEM text); '
                             'ca or ca_content is required (the CA certificates as a path on the host or as PEM text); '
                             'warn_days must be 0 or more, got -1')
    assert temporary == {}


def test_unknown_label_is_refused(material, warnings):
    failed, result = run(content_args(material, labels={'certificate': 'x'}))
    assert failed
    assert 'certificate' in result['msg']


def test_the_temporary_directory_goes_whatever_happens(material, warnings, temporary, monkeypatch):
    spy = tls_check.check_tls

    def failing(*args, **kwargs):
        spy(*args, **kwargs)
        raise RuntimeError('check failed')

    monkeypatch.setattr(tls_check, 'check_tls', failing)
    with pytest.raises(RuntimeError, match='check failed'):
        run(content_args(material))
    assert len(temporary) == 1
    assert not any(os.path.exists(directory) for directory in temporary)


def test_content_that_cannot_be_written(material, warnings, monkeypatch):
    made = []

    def full_disk(params, directory):
        made.append(directory)
        raise OSError(28, 'No space left on device', os.path.join(directory, 'cert.pem'))

    monkeypatch.setattr(tls_check, 'write_contents', full_disk)
    failed, result = run(content_args(material))
    assert failed
    assert result['msg'] == 'the PEM text cannot be written into a temporary directory to check it: No space left on device'
    assert made[0] not in json.dumps(result)
    assert not os.path.exists(made[0])


def test_key_content_is_never_returned_nor_logged(material, warnings, temporary):
    assert tls_check.argument_spec()['key_content']['no_log'] is True
    for key in (material.server_key, material.wrong_key):
        for extra in ({}, {'names': ['nowhere.example.test']}, {'cert_content': read(material.soon)}):
            failed, result = run(content_args(material, key_content=read(key), **extra))
            dumped = json.dumps([result, warnings])
            assert not any(line in dumped for line in key_lines(material, key)), dumped
            assert 'PRIVATE KEY' not in dumped

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of module_utils.tls against certificates, keys and CAs that the openssl binary makes.

Every file is made once per session by ``openssl``, through the lab's maker of TLS material
(lab/certs.py): a CA, certificates signed by it or by another CA, out of their dates, without
subjectAltName, for clients only, keys that do not match or ask for a passphrase, so the checks
meet material as OpenSSL writes it, not hand-written PEM.
"""

from __future__ import annotations

import os
import shutil
import ssl
import time

import pytest

from ansible_collections.hastack.redis.lab import certs
from ansible_collections.hastack.redis.plugins.module_utils.tls import check_tls, date_problems, format_name, san_entries

OPENSSL = certs.OPENSSL

pytestmark = pytest.mark.skipif(OPENSSL is None, reason='the openssl binary (Debian package openssl) makes the test certificates')

DNS_NAME = 'redis1.example.test'
IPV4 = '192.0.2.11'
IPV6 = '2001:db8::11'
NAMES = (DNS_NAME, '*.redis.example.test', IPV4, IPV6)


class Material:
    """Paths of the files :func:`make_material` wrote, by name (``material.server``, ``material.ca``...)."""

    def __init__(self, directory):
        self.directory = str(directory)

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return os.path.join(self.directory, name.replace('_key', '.key') if name.endswith('_key') else name + '.pem')


def make_material(directory):
    """Write the test CAs, certificates and keys into ``directory`` with the openssl binary (lab/certs.py)."""
    material = Material(directory)

    def authority(name, subject, **dates):
        certs.make_ca(getattr(material, name), getattr(material, name + '_key'), subject=subject, **dates)

    def signed(name, ca='ca', **kwargs):
        """A certificate with the key server.key, CN=DNS_NAME and NAMES, signed by ``ca`` (None: self-signed)."""
        kwargs.setdefault('names', NAMES)
        ca_files = (getattr(material, ca), getattr(material, ca + '_key')) if ca else (None, None)
        certs.make_certificate(getattr(material, name), material.server_key, *ca_files, subject='/CN=%s' % DNS_NAME, **kwargs)

    authority('ca', '/O=hastack test/CN=Test CA')
    authority('other_ca', '/O=hastack test/CN=Other CA')
    certs.make_key(material.server_key)
    certs.make_key(material.wrong_key)
    signed('server')
    signed('other', 'other_ca')
    signed('soon', days=10)
    signed('cn_only', names=(), usages=('serverAuth',))
    signed('client_only', usages=('clientAuth',))
    signed('self_signed', None)
    signed('expired', not_before='20200101000000Z', not_after='20200102000000Z')
    signed('future', not_before='20991231000000Z', not_after='21000101000000Z')
    # A CA out of its dates that signed a certificate within its own.
    authority('old_ca', '/O=hastack test/CN=Old CA', not_before='20200101000000Z', not_after='20200102000000Z')
    signed('by_old_ca', 'old_ca')
    certs.run_openssl('pkey', '-in', material.server_key, '-aes256', '-passout', 'pass:not-given', '-out', material.encrypted_key)
    with open(material.garbage, 'w', encoding='ascii') as handle:
        handle.write('not a certificate\n')
    os.mkdir(material.folder)
    return material


@pytest.fixture(scope='session')
def material(tmp_path_factory):
    return make_material(tmp_path_factory.mktemp('tls'))


def check(material, cert=None, key=None, ca=None, **kwargs):
    return check_tls(cert or material.server, key or material.server_key, ca or material.ca, **kwargs)


def only_problem(report, *fragments):
    assert len(report['problems']) == 1, report['problems']
    for fragment in fragments:
        assert fragment in report['problems'][0], report['problems']
    return report['problems'][0]


def test_good_material_reports_the_certificate(material):
    report = check(material, names=[DNS_NAME, IPV4, IPV6, 'a.redis.example.test', '[2001:db8:0:0::11]'])
    assert report['problems'] == []
    assert report['warnings'] == []
    assert report['subject'] == 'CN=%s' % DNS_NAME
    assert report['issuer'] == 'O=hastack test, CN=Test CA'
    assert report['names'] == [DNS_NAME, '*.redis.example.test', IPV4, IPV6]
    assert report['days_left'] in (364, 365)
    not_after = time.mktime(time.strptime(report['not_after'], '%Y-%m-%dT%H:%M:%SZ')) - time.timezone
    assert abs(not_after - time.time() - 365 * 86400) < 3600
    assert report['not_before'] < report['not_after']


def test_no_names_required(material):
    assert check(material)['problems'] == []


def test_key_that_does_not_match(material):
    report = check(material, key=material.wrong_key)
    only_problem(report, 'key %s does not match cert %s' % (material.wrong_key, material.server))
    assert report['subject'] is None


def test_key_for_another_certificate_of_the_same_ca(material):
    only_problem(check(material, cert=material.soon, key=material.wrong_key), material.wrong_key, 'does not match')


def test_expired_certificate(material):
    report = check(material, cert=material.expired)
    problem = only_problem(report, 'cert %s expired on 2020-01-02T00:00:00Z' % material.expired)
    assert report['days_left'] < 0
    assert '(%d days ago)' % -int(report['days_left']) in problem
    assert report['not_after'] == '2020-01-02T00:00:00Z'


def test_certificate_not_valid_yet(material):
    report = check(material, cert=material.future)
    only_problem(report, 'cert %s is not valid before 2099-12-31T00:00:00Z' % material.future)
    assert report['warnings'] == []


def test_certificate_of_another_ca(material):
    report = check(material, cert=material.other)
    only_problem(report, 'cert %s is not signed by a CA of %s' % (material.other, material.ca), 'unable to get local issuer')
    assert report['issuer'] == 'O=hastack test, CN=Other CA'


def test_self_signed_certificate(material):
    only_problem(check(material, cert=material.self_signed), 'cert %s is self-signed and not in %s' % (material.self_signed, material.ca))
    assert check(material, cert=material.self_signed, ca=material.self_signed)['problems'] == []


def test_every_problem_is_listed(material):
    report = check(material, cert=material.expired, ca=material.other_ca, names=['redis9.example.test'])
    problems = report['problems']
    assert len(problems) == 3, problems
    assert 'expired on' in problems[0]
    assert 'is not signed by a CA of %s' % material.other_ca in problems[1]
    assert "name 'redis9.example.test'" in problems[2]


def test_ca_file_with_the_certificate_only(material):
    only_problem(check(material, ca=material.server), 'cert %s' % material.server, 'not signed by a CA of %s' % material.server)


def test_names_not_in_the_subject_alt_name(material):
    report = check(material, names=[DNS_NAME, 'redis2.example.test', '192.0.2.12', '2001:db8::12', 'a.b.redis.example.test'])
    problems = report['problems']
    assert len(problems) == 4, problems
    for name in ('redis2.example.test', '192.0.2.12', '2001:db8::12', 'a.b.redis.example.test'):
        assert any("name '%s' is not in the subjectAltName of cert %s" % (name, material.server) in problem for problem in problems)
    assert 'it names: %s, *.redis.example.test, %s, %s' % (DNS_NAME, IPV4, IPV6) in problems[0]


def test_an_address_given_as_a_dns_name_is_no_ip_san(material):
    # The SAN has 2001:db8::11 as an address; the same text in a DNS entry would not do, nor would another spelling.
    assert check(material, names=['2001:0db8:0000::0011'])['problems'] == []


def test_common_name_is_not_enough(material):
    report = check(material, cert=material.cn_only, names=[DNS_NAME])
    only_problem(report, "name '%s' is not in the subjectAltName of cert %s (it names: none)" % (DNS_NAME, material.cn_only))
    assert report['names'] == []


def test_invalid_name(material):
    only_problem(check(material, names=['.leading.dot']), "name '.leading.dot' is neither a host name nor an IP address")


def test_certificate_for_clients_only(material):
    report = check(material, cert=material.client_only)
    only_problem(report, 'cert %s may not be used by a TLS server' % material.client_only, 'serverAuth', 'unsuitable certificate purpose')
    assert report['subject'] is None


def test_ca_certificate_as_server_certificate(material):
    only_problem(check(material, cert=material.ca, key=material.ca_key), 'cert %s may not be used by a TLS server' % material.ca)


def test_near_expiry_warns(material):
    report = check(material, cert=material.soon)
    assert report['problems'] == []
    assert report['days_left'] in (9, 10)
    assert len(report['warnings']) == 1
    assert 'cert %s expires on' % material.soon in report['warnings'][0]
    assert '(fewer than 30)' in report['warnings'][0]
    assert check(material, cert=material.soon, warn_days=5)['warnings'] == []


def test_near_expiry_at_a_given_time(material):
    now = time.time() + 350 * 86400
    report = check(material, now=now)
    assert report['problems'] == []
    assert report['days_left'] in (14, 15)
    assert len(report['warnings']) == 1
    assert check(material, now=now, warn_days=0)['warnings'] == []
    later = check(material, now=now + 20 * 86400)
    assert 'expired on' in only_problem(later, material.server)


def test_expired_ca(material):
    report = check(material, cert=material.by_old_ca, ca=material.old_ca)
    # openssl ca keeps only the subject fields its policy names (CN).
    only_problem(report, "CA 'CN=Old CA' of %s expired on 2020-01-02T00:00:00Z" % material.old_ca)
    assert report['issuer'] == 'CN=Old CA'


@pytest.mark.parametrize('which', ['cert', 'key', 'ca'])
def test_missing_file(material, which):
    missing = os.path.join(material.directory, 'missing-%s.pem' % which)
    report = check(material, **{which: missing})
    only_problem(report, '%s %s cannot be read: No such file or directory' % (which, missing))


def test_every_missing_file_is_named(material):
    report = check_tls('/nonexistent/a.pem', '/nonexistent/b.key', material.folder)
    assert len(report['problems']) == 3
    assert 'ca %s cannot be read: Is a directory' % material.folder in report['problems'][2]


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads a file whatever its mode')
def test_unreadable_key(material, tmp_path):
    key = tmp_path / 'locked.key'
    shutil.copy(material.server_key, str(key))
    key.chmod(0)
    only_problem(check(material, key=str(key)), 'key %s cannot be read: Permission denied' % key)


def test_garbage_certificate(material):
    only_problem(check(material, cert=material.garbage), 'cert %s holds no PEM certificate' % material.garbage)


def test_garbage_key(material):
    only_problem(check(material, key=material.garbage), 'key %s holds no PEM private key' % material.garbage)


def test_certificate_given_as_key(material):
    only_problem(check(material, key=material.server), 'key %s holds no PEM private key' % material.server)


def test_garbage_ca(material):
    report = check(material, ca=material.garbage)
    only_problem(report, 'ca %s holds no PEM certificate' % material.garbage)
    assert report['subject'] == 'CN=%s' % DNS_NAME


def test_encrypted_key(material):
    only_problem(check(material, key=material.encrypted_key), 'key %s is encrypted' % material.encrypted_key)


def test_combined_certificate_and_key_file(material, tmp_path):
    combined = tmp_path / 'combined.pem'
    with open(material.server, encoding='ascii') as cert, open(material.server_key, encoding='ascii') as key:
        combined.write_text(cert.read() + key.read(), encoding='ascii')
    assert check(material, cert=str(combined), key=str(combined))['problems'] == []


def test_labels_name_the_files_instead_of_their_paths(material):
    labels = {'cert': 'the cert of redis1', 'key': 'the key of redis1', 'ca': 'the CA'}
    mismatch = check(material, key=material.wrong_key, labels=labels)
    only_problem(mismatch, 'key the key of redis1 does not match cert the cert of redis1')
    report = check(material, cert=material.expired, ca=material.other_ca, names=['redis9.example.test'], labels=labels)
    problems = report['problems']
    assert len(problems) == 3, problems
    assert problems[0].startswith('cert the cert of redis1 expired on 2020-01-02T00:00:00Z')
    assert 'cert the cert of redis1 is not signed by a CA of the CA' in problems[1]
    assert "name 'redis9.example.test' is not in the subjectAltName of cert the cert of redis1" in problems[2]
    soon = check(material, cert=material.soon, labels={'cert': 'the cert of redis1'})
    assert soon['warnings'][0].startswith('cert the cert of redis1 expires on')
    missing = check(material, cert=os.path.join(material.directory, 'missing.pem'), labels=labels)
    only_problem(missing, 'cert the cert of redis1 cannot be read: No such file or directory')
    for report in (mismatch, check(material, ca=material.garbage, labels=labels), soon, missing):
        assert material.directory not in repr(report)
    # A label left out or empty: that file is named by its path.
    only_problem(check(material, key=material.wrong_key, labels={'cert': ''}), 'key %s does not match cert %s' % (material.wrong_key, material.server))


def test_no_key_material_in_the_report(material):
    with open(material.server_key, encoding='ascii') as handle:
        key_lines = [line for line in handle.read().splitlines() if line and not line.startswith('-----')]
    for key in (material.server_key, material.wrong_key, material.garbage):
        dumped = repr(check(material, key=key, names=['nowhere.example.test']))
        assert not any(line in dumped for line in key_lines)


def test_format_name():
    assert format_name(((('countryName', 'DE'),), (('organizationName', 'Example'),), (('commonName', 'x'),))) == 'C=DE, O=Example, CN=x'
    assert format_name(None) == ''


def test_san_entries_shorten_addresses():
    peer = {'subjectAltName': (('DNS', 'a.test'), ('IP Address', '2001:DB8:0:0:0:0:0:1\n'), ('email', 'x@a.test'))}
    assert san_entries(peer) == ['a.test', '2001:db8::1']


def test_date_problems_boundaries():
    peer = {'notBefore': 'Jan  1 00:00:00 2030 GMT', 'notAfter': 'Jan 31 00:00:00 2030 GMT'}
    start = ssl.cert_time_to_seconds(peer['notBefore'])
    assert date_problems('cert x', peer, start, 30) == ([], [], 30)
    assert date_problems('cert x', peer, start, 31) == ([], ['cert x expires on 2030-01-31T00:00:00Z, in 30 days (fewer than 31)'], 30)
    assert date_problems('cert x', peer, start + 30 * 86400, 30) == ([], ['cert x expires on 2030-01-31T00:00:00Z, in 0 days (fewer than 30)'], 0)
    assert date_problems('cert x', peer, start + 30 * 86400 + 1, 30) == (['cert x expired on 2030-01-31T00:00:00Z (0 days ago)'], [], 0)
    assert date_problems('cert x', peer, start + 32.5 * 86400, 30) == (['cert x expired on 2030-01-31T00:00:00Z (2 days ago)'], [], -2)
    assert date_problems('cert x', peer, start - 1, 30)[0] == ['cert x is not valid before 2030-01-01T00:00:00Z (in 1 days)']

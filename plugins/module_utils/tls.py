# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a TLS certificate, its key and its CA before anything uses them (module tls_check).

A role that installs a certificate should refuse it while nothing depends on it yet: a key that
does not match, a certificate out of its dates or not signed by the CA the peers trust, or one
that does not name a host name or address it must serve, otherwise only shows up as failed
handshakes once Redis, Sentinel or HAProxy restart with it.

Only the ``ssl`` module is used (the managed hosts have no ``cryptography`` and the ``openssl``
binary is not called), so every check is one OpenSSL already makes during a handshake:

* ``load_cert_chain`` of a server context refuses a key that does not match the certificate;
* an in-memory handshake (:class:`ssl.MemoryBIO` pairs) with a client that trusts the certificate
  itself, time checks off, reads the certificate's subject, issuer, dates and subjectAltName;
* the same handshake with a client that trusts only the CA file verifies the chain;
* one handshake per required name, with the client checking that name, matches it against the
  subjectAltName as TLS clients do (wildcards, IPv4 and IPv6 addresses), never the common name.

Dates are compared here rather than by OpenSSL so that an expired certificate is reported as such
whatever else is wrong with it. :func:`check_tls` returns every problem found, it does not raise.
"""

from __future__ import annotations

import ipaddress
import math
import ssl
import time

#: warn when the certificate (or a CA of the CA file) expires in fewer days than this
DEFAULT_WARN_DAYS = 30

# OpenSSL's X509_V_FLAG_PARTIAL_CHAIN and X509_V_FLAG_NO_CHECK_TIME (x509_vfy.h, OpenSSL 1.1.0+);
# the ssl module names only the first one, and only from Python 3.10.
_PARTIAL_CHAIN = 0x80000
_NO_CHECK_TIME = 0x200000

# Rounds of the in-memory handshake: TLS 1.2 needs two flights each way, TLS 1.3 fewer.
_HANDSHAKE_ROUNDS = 10

_DAY = 86400

# OpenSSL's X509_V_ERR_* codes, as the problem a person can act on.
_UNKNOWN_ISSUER = 'is not signed by a CA of %(ca)s'
_VERIFY_PROBLEMS = {
    2: _UNKNOWN_ISSUER,
    7: 'names a CA of %(ca)s as its issuer but was signed by another key',
    9: 'holds a certificate of its chain that is not valid yet',
    10: 'holds a certificate of its chain that has expired',
    18: 'is self-signed and not in %(ca)s',
    19: 'is issued by a root CA that is not in %(ca)s',
    20: _UNKNOWN_ISSUER,
    21: _UNKNOWN_ISSUER,
    24: 'is issued by a certificate that is not a CA (basicConstraints CA:FALSE or missing)',
    26: 'may not be used by a TLS server (its keyUsage or extendedKeyUsage forbids it; serverAuth is needed)',
    28: 'is rejected by the trust settings of %(ca)s',
    66: 'has a key too small for the OpenSSL security level',
    67: 'is issued by a CA whose key is too small for the OpenSSL security level',
    68: 'is signed with a digest too weak for the OpenSSL security level (SHA-1 or MD5)',
}
_HOSTNAME_MISMATCH = (62, 64)
# The same, when OpenSSL refuses the certificate as it loads it.
_LOAD_PROBLEMS = {
    'EE_KEY_TOO_SMALL': _VERIFY_PROBLEMS[66],
    'CA_MD_TOO_WEAK': _VERIFY_PROBLEMS[68],
}

# Attribute names of getpeercert() as the short names OpenSSL prints.
_SHORT_NAMES = {
    'commonName': 'CN', 'countryName': 'C', 'localityName': 'L', 'stateOrProvinceName': 'ST',
    'organizationName': 'O', 'organizationalUnitName': 'OU', 'domainComponent': 'DC',
    'streetAddress': 'street', 'userId': 'UID',
}


class _EncryptedKey(Exception):
    """The key asks for a passphrase (raised by the password callback of ``load_cert_chain``)."""


def _refuse_passphrase():
    raise _EncryptedKey()


def format_name(name):
    """Turn a subject or issuer of ``getpeercert()`` into ``C=DE, O=Example, CN=host`` (certificate order)."""
    parts = []
    for rdn in name or ():
        for key, value in rdn:
            parts.append('%s=%s' % (_SHORT_NAMES.get(key, key), value))
    return ', '.join(parts)


def san_entries(peercert):
    """The DNS names and IP addresses of a ``getpeercert()`` subjectAltName, addresses in their short form."""
    entries = []
    for kind, value in peercert.get('subjectAltName', ()):
        if kind == 'DNS':
            entries.append(value)
        elif kind == 'IP Address':
            entries.append(str(ipaddress.ip_address(value.strip())))
    return entries


def iso_time(seconds):
    """``2026-01-31T12:00:00Z`` for a Unix time."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def _days(seconds):
    """Whole days in ``seconds``, rounded toward zero (so an expiry 2.5 days ago is -2 days left, 2 days ago)."""
    return int(seconds / _DAY)


def date_problems(label, peercert, now, warn_days):
    """``(problems, warnings, days_left)`` for the validity dates of one decoded certificate.

    ``label`` starts each message (``cert /etc/ssl/redis.crt``); ``days_left`` counts whole days,
    negative once the certificate expired a day or more ago.
    """
    not_before = ssl.cert_time_to_seconds(peercert['notBefore'])
    not_after = ssl.cert_time_to_seconds(peercert['notAfter'])
    days_left = _days(not_after - now)
    if now < not_before:
        days_ahead = math.ceil((not_before - now) / _DAY)
        return ['%s is not valid before %s (in %d days)' % (label, iso_time(not_before), days_ahead)], [], days_left
    if now > not_after:
        return ['%s expired on %s (%d days ago)' % (label, iso_time(not_after), _days(now - not_after))], [], days_left
    if days_left < warn_days:
        return [], ['%s expires on %s, in %d days (fewer than %d)' % (label, iso_time(not_after), days_left, warn_days)], days_left
    return [], [], days_left


def handshake(server_context, client_context, server_hostname=None):
    """Run a TLS handshake in memory between two contexts; return the client's ``SSLObject``.

    Raises :class:`ssl.SSLError` (:class:`ssl.SSLCertVerificationError` when the client refuses the
    certificate) or :class:`ValueError` for a ``server_hostname`` that is no host name.
    """
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _unused in range(4))
    client = client_context.wrap_bio(client_in, client_out, server_side=False, server_hostname=server_hostname)
    server = server_context.wrap_bio(server_in, server_out, server_side=True)
    client_done = server_done = False
    for _unused in range(_HANDSHAKE_ROUNDS):
        client_done = client_done or _step(client)
        server_in.write(client_out.read())
        server_done = server_done or _step(server)
        client_in.write(server_out.read())
        if client_done and server_done:
            return client
    raise ssl.SSLError('the handshake did not finish after %d rounds' % _HANDSHAKE_ROUNDS)


def _step(side):
    """One step of one side's handshake: True once it is done, False while it waits for the peer."""
    try:
        side.do_handshake()
    except ssl.SSLWantReadError:
        return False
    return True


def _reason(exc):
    """OpenSSL's words for an SSLError, without the source line of _ssl.c."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return exc.verify_message
    text = getattr(exc, 'reason', None) or str(exc)
    return text.replace('_', ' ').lower() if text.isupper() else text


def verify_problem(exc, cert, ca):
    """The problem, in plain words and naming the files, of a failed handshake with ``cert`` and ``ca``."""
    code = getattr(exc, 'verify_code', None)
    if code in _VERIFY_PROBLEMS:
        return 'cert %s %s (OpenSSL: %s)' % (cert, _VERIFY_PROBLEMS[code] % {'ca': ca}, _reason(exc))
    if code is not None:
        return 'cert %s fails verification against %s: %s' % (cert, ca, _reason(exc))
    return 'a TLS handshake with cert %s failed: %s' % (cert, _reason(exc))


def _unreadable(files):
    """A problem for each ``(kind, path, shown)`` that cannot be opened and read (``shown`` names it)."""
    problems = []
    for kind, path, shown in files:
        try:
            with open(path, 'rb') as handle:
                handle.read(1)
        except OSError as exc:
            problems.append('%s %s cannot be read: %s' % (kind, shown, exc.strerror or exc))
    return problems


def _client_context(trust, flags, check_hostname=False):
    """A client context that requires a certificate and trusts the file ``trust``, with OpenSSL verify ``flags``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=trust)
    context.verify_flags |= flags
    if check_hostname:
        context.hostname_checks_common_name = False
        context.check_hostname = True
    return context


def _load_ca(ca, shown, now, warn_days, report):
    """Client context trusting the file ``ca`` (named ``shown``), or None; dates of its CA certificates into ``report``."""
    try:
        context = _client_context(ca, _NO_CHECK_TIME)
    except ssl.SSLError as exc:
        report['problems'].append('ca %s holds no PEM certificate (%s)' % (shown, _reason(exc)))
        return None
    for authority in context.get_ca_certs():
        label = "CA '%s' of %s" % (format_name(authority.get('subject')), shown)
        problems, warnings, _days_left = date_problems(label, authority, now, warn_days)
        report['problems'].extend(problems)
        report['warnings'].extend(warnings)
    return context


def _load_pair(cert, key, shown):
    """``(server context, None)`` holding the files ``cert`` and ``key``, or ``(None, problem)``.

    ``shown`` names them in the problem (``{'cert': ..., 'key': ...}``).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=_refuse_passphrase)
        return context, None
    except _EncryptedKey:
        return None, 'key %s is encrypted; give the key without a passphrase' % shown['key']
    except ssl.SSLError as exc:
        error = exc
    if error.reason in ('KEY_VALUES_MISMATCH', 'NO_CERTIFICATE_ASSIGNED'):
        return None, 'key %s does not match cert %s' % (shown['key'], shown['cert'])
    try:
        _client_context(cert, 0)
    except ssl.SSLError:
        return None, 'cert %s holds no PEM certificate' % shown['cert']
    if error.reason is None:
        return None, 'key %s holds no PEM private key' % shown['key']
    if error.reason in _LOAD_PROBLEMS:
        return None, 'cert %s %s (OpenSSL: %s)' % (shown['cert'], _LOAD_PROBLEMS[error.reason], _reason(error))
    return None, 'cert %s with key %s cannot be loaded: %s' % (shown['cert'], shown['key'], _reason(error))


def _normal_name(name):
    """A required name as a TLS client gives it: an address in its short form, a DNS name as it is."""
    name = str(name).strip()
    if name.startswith('[') and name.endswith(']'):
        name = name[1:-1]
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _name_problems(server_context, cert, shown, names, entries):
    """A problem for each of ``names`` that a client checking it refuses.

    ``cert`` is the certificate's file, ``shown`` its name in the problems, ``entries`` its SANs, for the message.
    """
    try:
        context = _client_context(cert, _PARTIAL_CHAIN | _NO_CHECK_TIME, check_hostname=True)
    except ssl.SSLError as exc:
        return ['cert %s cannot be loaded to check names: %s' % (shown, _reason(exc))]
    problems = []
    listed = ', '.join(entries) if entries else 'none'
    for name in names:
        wanted = _normal_name(name)
        try:
            handshake(server_context, context, server_hostname=wanted)
        except ssl.SSLCertVerificationError as exc:
            if exc.verify_code in _HOSTNAME_MISMATCH:
                problems.append("name '%s' is not in the subjectAltName of cert %s (it names: %s)" % (name, shown, listed))
            else:
                problems.append(verify_problem(exc, shown, shown))
        except ssl.SSLError as exc:
            problems.append(verify_problem(exc, shown, shown))
        except ValueError:
            problems.append("name '%s' is neither a host name nor an IP address" % (name,))
    return problems


def _chain_problems(server_context, ca_context, cert, ca, dated):
    """Verify the chain of the certificate up to the CA file; then, unless a date problem is known, its dates too.

    ``cert`` and ``ca`` name the two in the problems.
    """
    try:
        handshake(server_context, ca_context)
    except ssl.SSLError as exc:
        return [verify_problem(exc, cert, ca)]
    if dated:
        return []
    ca_context.verify_flags &= ~_NO_CHECK_TIME
    try:
        handshake(server_context, ca_context)
    except ssl.SSLError as exc:
        return [verify_problem(exc, cert, ca)]
    return []


def _empty_report():
    return {'problems': [], 'warnings': [], 'subject': None, 'issuer': None, 'not_before': None,
            'not_after': None, 'days_left': None, 'names': []}


def check_tls(cert, key, ca, names=(), warn_days=DEFAULT_WARN_DAYS, now=None, labels=None):
    """Check a certificate file, its key file and a CA file; return a report, never raise for bad material.

    The report is a dict: ``problems`` (what makes the material unusable, empty when none, each
    naming the file or the name), ``warnings`` (certificates that expire in fewer than
    ``warn_days`` days), and, once the certificate could be read, ``subject``, ``issuer``,
    ``not_before``, ``not_after`` (ISO 8601, UTC), ``days_left`` and ``names`` (its subjectAltName).

    :param names: host names and IP addresses the certificate must name in its subjectAltName
    :param now: Unix time to check the dates against (default: now)
    :param labels: how the problems and warnings name the files, by ``cert``, ``key`` and ``ca``
        (default: their paths), e.g. the variable that gave one written to a temporary file
    """
    report = _empty_report()
    now = time.time() if now is None else now
    shown = {'cert': cert, 'key': key, 'ca': ca}
    shown.update((kind, label) for kind, label in (labels or {}).items() if kind in shown and label)
    report['problems'] = _unreadable((('cert', cert, shown['cert']), ('key', key, shown['key']), ('ca', ca, shown['ca'])))
    if report['problems']:
        return report
    ca_context = _load_ca(ca, shown['ca'], now, warn_days, report)
    server_context, problem = _load_pair(cert, key, shown)
    if problem:
        report['problems'].append(problem)
        return report
    try:
        peer = handshake(server_context, _client_context(cert, _PARTIAL_CHAIN | _NO_CHECK_TIME)).getpeercert()
    except ssl.SSLError as exc:
        report['problems'].append(verify_problem(exc, shown['cert'], shown['cert']))
        return report
    report.update(subject=format_name(peer.get('subject')), issuer=format_name(peer.get('issuer')),
                  not_before=iso_time(ssl.cert_time_to_seconds(peer['notBefore'])),
                  not_after=iso_time(ssl.cert_time_to_seconds(peer['notAfter'])), names=san_entries(peer))
    problems, warnings, report['days_left'] = date_problems('cert %s' % shown['cert'], peer, now, warn_days)
    report['problems'].extend(problems)
    report['warnings'].extend(warnings)
    if ca_context is not None:
        report['problems'].extend(_chain_problems(server_context, ca_context, shown['cert'], shown['ca'],
                                                  dated=bool(report['problems'])))
    report['problems'].extend(_name_problems(server_context, cert, shown['cert'], names, report['names']))
    return report

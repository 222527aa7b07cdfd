#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tls_check
short_description: Check a TLS certificate, its key and its CA on the managed host before anything uses them
version_added: 1.2.0
description:
  - Checks a certificate, its private key and a CA file on the managed host and fails, naming the file or the name,
    when the key does not match the certificate, the certificate has expired or is not valid yet, it is not signed
    by a CA of the CA file, a file is missing or unreadable, or the certificate does not name one of O(names) in
    its subjectAltName.
  - Each of the three is given either as a path on the managed host (O(cert), O(key), O(ca)) or as its PEM text
    (O(cert_content), O(key_content), O(ca_content)), so that a role can check material it has not written yet.
    The module then writes the text into a private temporary directory on the host, checks those files and removes
    the directory, whatever the outcome.
  - Lists every problem it finds in one message, so that a role refuses the material before Redis, Sentinel or
    HAProxy restart with it.
  - Warns, without failing, when the certificate or a CA of the CA file expires in fewer than O(warn_days) days.
  - The module never changes anything. It only needs the Python standard library on the managed host (the C(ssl)
    module); it does not call the C(openssl) program.
author:
  - hastack.redis contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The checks only read files, or write the given PEM text into a temporary directory that they remove; they
      run in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  cert:
    description:
      - The certificate, PEM, a file on the managed host. It may be followed by intermediate certificates, which then
        count as its chain.
      - Exactly one of O(cert) and O(cert_content) is required.
    type: path
  cert_content:
    description:
      - The certificate as PEM text, instead of a file (O(cert)). It may be followed by intermediate certificates,
        which then count as its chain.
      - Problems name it O(labels.cert), by default V(cert_content).
    type: str
  key:
    description:
      - The private key of the certificate, PEM, without a passphrase, a file on the managed host. It may be the same
        file as O(cert).
      - Exactly one of O(key) and O(key_content) is required.
      - The key is only read by OpenSSL; nothing of it is returned.
    type: path
  key_content:
    description:
      - The private key as PEM text, without a passphrase, instead of a file (O(key)). It may follow the certificate
        in the same text as O(cert_content).
      - Problems name it O(labels.key), by default V(key_content). It is never returned or logged.
    type: str
  ca:
    description:
      - The CA certificates (PEM) that the peers trust, a file on the managed host. The certificate must be signed by
        one of them, directly or through intermediates that follow it.
      - Exactly one of O(ca) and O(ca_content) is required.
    type: path
  ca_content:
    description:
      - The CA certificates as PEM text, instead of a file (O(ca)).
      - Problems name it O(labels.ca), by default V(ca_content).
    type: str
  labels:
    description:
      - How the problems and warnings name the certificate, the key and the CA, for example after the variable that
        gave each, so that a message reads C(cert redis_server_tls_cert of redis1 expired on ...).
      - By default an item given as a path is named by its path, one given as PEM text by the name of its option
        (V(cert_content), V(key_content), V(ca_content)). A label given for a path is followed by the path in
        parentheses. The temporary files are never named.
    type: dict
    suboptions:
      cert:
        description: Names the certificate.
        type: str
      key:
        description: Names the private key.
        type: str
      ca:
        description: Names the CA certificates.
        type: str
  names:
    description:
      - Host names and IP addresses (IPv4 or IPv6) that the certificate must serve. Each must match an entry of its
        subjectAltName as a TLS client matches it (wildcards included); the subject's common name does not count.
    type: list
    elements: str
    default: []
  warn_days:
    description:
      - Warn when the certificate or a CA of the CA certificates expires in fewer than this many days. V(0) never
        warns.
    type: int
    default: 30
notes:
  - Every check is one that OpenSSL makes during a TLS handshake between the certificate and a client trusting
    the CA certificates, run in memory on the managed host, so it judges the material as Redis, Sentinel and HAProxy
    will.
  - Without a key that matches it, or when its key usage forbids a TLS server, the certificate cannot be read
    and the module reports that problem alone.
  - OpenSSL's security level applies, so a key or a signature digest too weak for it is refused too.
  - The temporary directory for PEM text is made with mode C(0700), its files with mode C(0600), in the managed
    host's directory for temporary files (E(TMPDIR) unless it is unset).
seealso:
  - module: hastack.redis.redis_probe
"""

EXAMPLES = r"""
- name: Refuse a certificate that cannot serve this host
  hastack.redis.tls_check:
    cert: /etc/redis/tls/redis.crt
    key: /etc/redis/tls/redis.key
    ca: /etc/redis/tls/ca.crt
    names:
      - "{{ inventory_hostname }}"
      - "{{ hastack_back_address }}"
  register: redis_tls

- name: Show when it expires
  ansible.builtin.debug:
    msg: "{{ redis_tls.subject }} expires on {{ redis_tls.not_after }}, in {{ redis_tls.days_left }} days"

- name: Warn two months ahead
  hastack.redis.tls_check:
    cert: /etc/haproxy/tls/haproxy.pem
    key: /etc/haproxy/tls/haproxy.pem
    ca: /etc/haproxy/tls/ca.crt
    warn_days: 60

- name: Check PEM text from the inventory before any file is written, naming the variables in the messages
  hastack.redis.tls_check:
    cert_content: "{{ redis_server_tls_cert }}"
    key_content: "{{ redis_server_tls_key }}"
    ca_content: "{{ redis_server_tls_ca_cert }}"
    names:
      - "{{ hastack_back_address }}"
    labels:
      cert: redis_server_tls_cert of {{ inventory_hostname }}
      key: redis_server_tls_key of {{ inventory_hostname }}
      ca: redis_server_tls_ca_cert
"""

RETURN = r"""
subject:
  description: Subject of the certificate, its attributes in certificate order.
  returned: when the certificate could be read
  type: str
  sample: CN=redis1.example.com
issuer:
  description: Issuer of the certificate, its attributes in certificate order.
  returned: when the certificate could be read
  type: str
  sample: O=Example, CN=Example Redis CA
not_before:
  description: Start of the certificate's validity, ISO 8601, UTC.
  returned: when the certificate could be read
  type: str
  sample: '2026-01-31T12:00:00Z'
not_after:
  description: End of the certificate's validity, ISO 8601, UTC.
  returned: when the certificate could be read
  type: str
  sample: '2027-01-31T12:00:00Z'
days_left:
  description: Whole days until the certificate expires, rounded toward zero; negative once it expired a day ago or more.
  returned: when the certificate could be read
  type: int
  sample: 364
names:
  description: The DNS names and IP addresses of the certificate's subjectAltName, addresses in their short form.
  returned: when the certificate could be read
  type: list
  elements: str
  sample: [redis1.example.com, 10.0.0.11, '2001:db8::11']
problems:
  description: Every problem found, each naming the file (its path or its label, see O(labels)) or the name; C(msg)
    joins them.
  returned: failure
  type: list
  elements: str
  sample: ["cert /etc/redis/tls/redis.crt expired on 2025-01-31T12:00:00Z (12 days ago)"]
warnings:
  description: The certificate or a CA of the CA certificates expires in fewer than O(warn_days) days.
  returned: when one expires soon
  type: list
  elements: str
  sample: ["cert /etc/redis/tls/redis.crt expires on 2026-02-20T12:00:00Z, in 20 days (fewer than 30)"]
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.tls import check_tls

# What the module checks, each given as a path on the host or as PEM text (ITEM_content).
ITEMS = ('cert', 'key', 'ca')
WHAT = {'cert': 'the certificate', 'key': 'the private key', 'ca': 'the CA certificates'}


def argument_spec():
    return dict(
        cert=dict(type='path'),
        cert_content=dict(type='str'),
        key=dict(type='path'),
        key_content=dict(type='str', no_log=True),
        ca=dict(type='path'),
        ca_content=dict(type='str'),
        labels=dict(type='dict', options=dict(
            cert=dict(type='str'),
            key=dict(type='str', no_log=False),
            ca=dict(type='str'),
        )),
        names=dict(type='list', elements='str', default=[]),
        warn_days=dict(type='int', default=30),
    )


def problems(params):
    """What is wrong with the options (empty when nothing is)."""
    found = []
    for item in ITEMS:
        content = item + '_content'
        if params[item] is not None and params[content] is not None:
            found.append('%s and %s are both given: give %s as a path on the host (%s) or as PEM text (%s), not both'
                         % (item, content, WHAT[item], item, content))
        elif params[item] is None and params[content] is None:
            found.append('%s or %s is required (%s as a path on the host or as PEM text)' % (item, content, WHAT[item]))
    if params['warn_days'] < 0:
        found.append('warn_days must be 0 or more, got %d' % params['warn_days'])
    return found


def labels(params):
    """How the problems name each item: its label or, by default, its path or the name of its content option."""
    given = params['labels'] or {}
    named = {}
    for item in ITEMS:
        label = given.get(item)
        if params[item + '_content'] is not None:
            named[item] = label or item + '_content'
        elif label:
            named[item] = '%s (%s)' % (label, params[item])
    return named


def write_contents(params, directory):
    """Write each item given as PEM text into ``directory`` (mode 0600); return the path of every item."""
    paths = {}
    for item in ITEMS:
        content = params[item + '_content']
        if content is None:
            paths[item] = params[item]
            continue
        paths[item] = os.path.join(directory, item + '.pem')
        descriptor = os.open(paths[item], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
            handle.write(content if content.endswith('\n') else content + '\n')
    return paths


def check(module):
    """check_tls on the items, those given as PEM text written into a private temporary directory, removed after."""
    params = module.params
    directory = None
    try:
        try:
            if any(params[item + '_content'] is not None for item in ITEMS):
                directory = tempfile.mkdtemp(prefix='tls_check-')
            paths = write_contents(params, directory)
        except OSError as exc:
            # strerror only: the exception's text names the temporary file.
            module.fail_json(msg='the PEM text cannot be written into a temporary directory to check it: %s'
                             % (exc.strerror or type(exc).__name__))
        return check_tls(paths['cert'], paths['key'], paths['ca'], names=params['names'], warn_days=params['warn_days'],
                         labels=labels(params))
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    wrong = problems(module.params)
    if wrong:
        module.fail_json(msg='; '.join(wrong))
    report = check(module)
    for warning in report.pop('warnings'):
        module.warn(warning)
    found = report.pop('problems')
    # All or nothing: the certificate's details exist once it could be read.
    details = report if report['subject'] is not None else {}
    if found:
        module.fail_json(msg='; '.join(found), changed=False, problems=found, **details)
    module.exit_json(changed=False, **details)


if __name__ == '__main__':
    main()

#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tls_check
short_description: Check a TLS certificate, its key and its CA on the managed host before anything uses them
version_added: 1.1.0
description:
  - Reads a certificate, its private key and a CA file on the managed host and fails, naming the file or the name,
    when the key does not match the certificate, the certificate has expired or is not valid yet, it is not signed
    by a CA of the CA file, a file is missing or unreadable, or the certificate does not name one of O(names) in
    its subjectAltName.
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
    details: The checks only read files; they run in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  cert:
    description:
      - The certificate, PEM. It may be followed by intermediate certificates, which then count as its chain.
    type: path
    required: true
  key:
    description:
      - The private key of O(cert), PEM, without a passphrase. It may be the same file as O(cert).
      - The key is only read by OpenSSL; nothing of it is returned.
    type: path
    required: true
  ca:
    description:
      - The CA certificates (PEM) that the peers trust. O(cert) must be signed by one of them, directly or through
        intermediates in O(cert).
    type: path
    required: true
  names:
    description:
      - Host names and IP addresses (IPv4 or IPv6) that the certificate must serve. Each must match an entry of its
        subjectAltName as a TLS client matches it (wildcards included); the subject's common name does not count.
    type: list
    elements: str
    default: []
  warn_days:
    description:
      - Warn when the certificate or a CA of O(ca) expires in fewer than this many days. V(0) never warns.
    type: int
    default: 30
notes:
  - Every check is one that OpenSSL makes during a TLS handshake between the certificate and a client trusting
    O(ca), run in memory on the managed host, so it judges the material as Redis, Sentinel and HAProxy will.
  - Without a key that matches it, or when its key usage forbids a TLS server, the certificate cannot be read
    and the module reports that problem alone.
  - OpenSSL's security level applies, so a key or a signature digest too weak for it is refused too.
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
  description: Every problem found, each naming the file or the name; C(msg) joins them.
  returned: failure
  type: list
  elements: str
  sample: ["cert /etc/redis/tls/redis.crt expired on 2025-01-31T12:00:00Z (12 days ago)"]
warnings:
  description: The certificate or a CA of O(ca) expires in fewer than O(warn_days) days.
  returned: when one expires soon
  type: list
  elements: str
  sample: ["cert /etc/redis/tls/redis.crt expires on 2026-02-20T12:00:00Z, in 20 days (fewer than 30)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.tls import check_tls


def argument_spec():
    return dict(
        cert=dict(type='path', required=True),
        key=dict(type='path', required=True),
        ca=dict(type='path', required=True),
        names=dict(type='list', elements='str', default=[]),
        warn_days=dict(type='int', default=30),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if params['warn_days'] < 0:
        module.fail_json(msg='warn_days must be 0 or more, got %d' % params['warn_days'])
    report = check_tls(params['cert'], params['key'], params['ca'], names=params['names'], warn_days=params['warn_days'])
    for warning in report.pop('warnings'):
        module.warn(warning)
    problems = report.pop('problems')
    # All or nothing: the certificate's details exist once it could be read.
    details = report if report['subject'] is not None else {}
    if problems:
        module.fail_json(msg='; '.join(problems), changed=False, problems=problems, **details)
    module.exit_json(changed=False, **details)


if __name__ == '__main__':
    main()

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""back_address, back_addresses, back_endpoints: where the stack reaches each inventory host.

A user says once per host where Redis, Sentinel and HAProxy's checks reach it: the host variable
`hastack_back_address` (or, on a single network, `ansible_host`). Every role default and playbook
that needs another host's address asks these filters, so an inventory never lists an address
twice. `variable` names a host variable that wins over both where the host sets it; the roles
pass none, so no role reads another role's variables.
"""

from __future__ import annotations

import typing as t

SHARED_VARIABLE = 'hastack_back_address'
FALLBACK_VARIABLE = 'ansible_host'


def back_address(host: t.Any, hostvars: t.Mapping[str, t.Any], variable: str = '') -> str:
    """The back address of one host: `variable`, then hastack_back_address, then ansible_host; '' if none."""
    name = str(host or '')
    # Ansible's hostvars answers an unknown host with an undefined value, not a KeyError.
    if not name or name not in hostvars:
        return ''
    host_vars = hostvars[name]
    for candidate in ([variable] if variable else []) + [SHARED_VARIABLE, FALLBACK_VARIABLE]:
        value = host_vars.get(candidate)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ''


def back_addresses(hosts: t.Any, hostvars: t.Mapping[str, t.Any], variable: str = '',
                   port: t.Any = None) -> list[dict[str, t.Any]]:
    """[{name, address[, port]}] for each host, in order; address '' where the inventory gives none."""
    entries = []
    for host in hosts or []:
        entry: dict[str, t.Any] = {'name': str(host), 'address': back_address(host, hostvars, variable)}
        if port is not None and str(port) != '':
            entry['port'] = int(port)
        entries.append(entry)
    return entries


def back_endpoints(hosts: t.Any, hostvars: t.Mapping[str, t.Any], port: t.Any, variable: str = '') -> list[str]:
    """["address:port"] for each host, in order (hosts without an address are left out)."""
    return ['%s:%d' % (entry['address'], entry['port'])
            for entry in back_addresses(hosts, hostvars, variable, port) if entry['address']]


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'back_address': back_address, 'back_addresses': back_addresses, 'back_endpoints': back_endpoints}

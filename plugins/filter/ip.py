# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Address filters the roles use in their preflight checks (standard library only)."""

from __future__ import annotations

import ipaddress
import typing as t


def ip_version(value: t.Any) -> int:
    """Return 4 or 6 for a single IP address (no prefix), 0 for anything else."""
    if not isinstance(value, str):
        return 0
    try:
        return ipaddress.ip_address(value.strip()).version
    except ValueError:
        return 0


def ip_in_network(value: t.Any, network: t.Any) -> bool:
    """Return whether an IP address lies inside a network given as CIDR (e.g. 10.20.1.0/24)."""
    if ip_version(value) == 0 or not isinstance(network, str):
        return False
    try:
        return ipaddress.ip_address(value.strip()) in ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False


def host_port(address: t.Any, port: t.Any) -> str:
    """address:port as URLs and listen options write it: an IPv6 address in brackets."""
    host = str(address).strip()
    if ip_version(host) == 6:
        host = '[%s]' % host
    return '%s:%s' % (host, str(port).strip())


def _entries(device_facts: t.Mapping[str, t.Any], version: int) -> list[tuple[str, str]]:
    """(address, prefix or netmask) pairs of one interface's facts for an IP version."""
    if version == 4:
        primary = device_facts.get('ipv4')
        entries = ([primary] if isinstance(primary, t.Mapping) else []) + list(device_facts.get('ipv4_secondaries') or [])
        return [(str(entry.get('address', '')), str(entry.get('netmask', ''))) for entry in entries if isinstance(entry, t.Mapping)]
    return [(str(entry.get('address', '')), str(entry.get('prefix', '')))
            for entry in device_facts.get('ipv6') or [] if isinstance(entry, t.Mapping) and entry.get('scope', 'global') != 'link']


def interface_for(facts: t.Any, address: t.Any, device: t.Any = '') -> dict[str, t.Any]:
    """Find the interface whose subnet holds an address, from a host's network facts.

    Returns device, address (the interface's own address, never the one looked
    for), prefix and contains (whether the subnet holds the address); an empty
    dict when nothing fits. With device given, only that interface is considered.
    """
    version = ip_version(address)
    if not isinstance(facts, t.Mapping) or version == 0:
        return {}
    wanted = ipaddress.ip_address(address.strip())
    names = [device] if device else sorted(str(name) for name in facts.get('interfaces') or [] if name != 'lo')
    for name in names:
        device_facts = facts.get(str(name).replace('-', '_')) or facts.get(str(name))
        if not isinstance(device_facts, t.Mapping):
            continue
        for own, mask in _entries(device_facts, version):
            try:
                network = ipaddress.ip_network(f"{own}/{mask}", strict=False)
            except ValueError:
                continue
            if ipaddress.ip_address(own) == wanted:
                continue
            if wanted in network or device:
                return {'device': str(name), 'address': own, 'prefix': network.prefixlen, 'contains': wanted in network}
    return {}


class FilterModule:
    """hastack.redis address filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            'ip_version': ip_version,
            'ip_in_network': ip_in_network,
            'host_port': host_port,
            'interface_for': interface_for,
        }

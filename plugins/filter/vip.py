# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""holds_vip, vip_holders: who holds a virtual IP, from `ip -o address show`.

keepalived puts the VIP on the interface it manages. The loopback binding
method (vip_bind) also puts it, as a /32 or /128, on `lo` of every load
balancer: an address on `lo` never means "holds the VIP".
"""

from __future__ import annotations

import ipaddress
import typing as t

LOOPBACK = 'lo'


def vip_interfaces(ip_output: t.Any, vip: str) -> list[str]:
    """The interfaces other than `lo` that carry `vip`, from `ip -o address show` lines."""
    wanted = ipaddress.ip_address(str(vip).strip())
    lines = ip_output.splitlines() if isinstance(ip_output, str) else list(ip_output or [])
    found = []
    for line in lines:
        # "2: eth0    inet 10.20.1.130/24 scope global secondary eth0\       valid_lft ..."
        fields = str(line).split()
        if len(fields) < 4 or fields[2] not in ('inet', 'inet6'):
            continue
        interface = fields[1].split('@', 1)[0]
        try:
            address = ipaddress.ip_interface(fields[3]).ip
        except ValueError:
            continue
        if address == wanted and interface != LOOPBACK and interface not in found:
            found.append(interface)
    return found


def holds_vip(ip_output: t.Any, vip: str) -> bool:
    """True when `vip` is on an interface other than `lo`."""
    return bool(vip_interfaces(ip_output, vip))


def vip_holders(outputs: t.Any, vip: str) -> list[str]:
    """Hosts holding `vip`, in order: from {host: ip output} or from lines "host<TAB>ip -o line"."""
    if isinstance(outputs, t.Mapping):
        per_host = {str(host): text for host, text in outputs.items()}
    else:
        per_host = {}
        for line in outputs or []:
            host, _tab, rest = str(line).partition('\t')
            per_host.setdefault(host, []).append(rest)
    return [host for host, text in per_host.items() if holds_vip(text, vip)]


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'holds_vip': holds_vip, 'vip_holders': vip_holders}

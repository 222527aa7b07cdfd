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


class FilterModule:
    """hastack.redis address filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            'ip_version': ip_version,
            'ip_in_network': ip_in_network,
        }

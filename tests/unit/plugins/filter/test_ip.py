# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the address filters the roles' preflight checks rely on."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.hastack.redis.plugins.filter.ip import FilterModule, host_port, interface_for, ip_in_network, ip_version


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.20.1.130", 4),
        (" 10.20.1.130 ", 4),
        ("fd00:20:1::130", 6),
        ("::1", 6),
        ("10.20.1.300", 0),
        ("10.20.1.130/32", 0),
        ("redis1", 0),
        ("", 0),
        (None, 0),
        (10, 0),
        (["10.20.1.130"], 0),
    ],
)
def test_ip_version(value: object, expected: int) -> None:
    assert ip_version(value) == expected


@given(st.ip_addresses())
def test_ip_version_matches_the_address_family(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    assert ip_version(str(address)) == address.version


@pytest.mark.parametrize(
    ("value", "network", "expected"),
    [
        ("10.20.1.130", "10.20.1.0/24", True),
        ("10.20.1.130", "10.20.1.1/24", True),
        ("10.20.2.130", "10.20.1.0/24", False),
        ("fd00:20:1::130", "fd00:20:1::/64", True),
        ("10.20.1.130", "fd00:20:1::/64", False),
        ("10.20.1.300", "10.20.1.0/24", False),
        ("10.20.1.130", "not-a-network", False),
        ("10.20.1.130", None, False),
    ],
)
def test_ip_in_network(value: object, network: object, expected: bool) -> None:
    assert ip_in_network(value, network) is expected


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"ip_version", "ip_in_network", "interface_for", "host_port"}


FACTS = {
    "interfaces": ["lo", "eth0", "eth1", "br-lab"],
    "lo": {"device": "lo", "ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
    "eth0": {
        "device": "eth0",
        "ipv4": {"address": "10.20.1.131", "netmask": "255.255.255.0"},
        # The VIP held by this host shows up as a secondary address.
        "ipv4_secondaries": [{"address": "10.20.1.130", "netmask": "255.255.255.0"}],
        "ipv6": [{"address": "fe80::1", "prefix": "64", "scope": "link"}, {"address": "fd00:20:1::131", "prefix": "64", "scope": "global"}],
    },
    "eth1": {"device": "eth1", "ipv4": {"address": "10.30.1.131", "netmask": "255.255.255.0"}},
    "br_lab": {"device": "br-lab", "ipv4": {"address": "192.0.2.1", "netmask": "255.255.255.0"}},
}


@pytest.mark.parametrize(
    ("address", "device", "expected"),
    [
        ("10.20.1.130", "", {"device": "eth0", "address": "10.20.1.131", "prefix": 24, "contains": True}),
        ("10.30.1.200", "", {"device": "eth1", "address": "10.30.1.131", "prefix": 24, "contains": True}),
        ("192.0.2.9", "", {"device": "br-lab", "address": "192.0.2.1", "prefix": 24, "contains": True}),
        ("fd00:20:1::130", "", {"device": "eth0", "address": "fd00:20:1::131", "prefix": 64, "contains": True}),
        ("10.99.1.130", "", {}),
        ("10.99.1.130", "eth1", {"device": "eth1", "address": "10.30.1.131", "prefix": 24, "contains": False}),
        ("10.20.1.130", "eth9", {}),
        ("not-an-ip", "", {}),
    ],
)
def test_interface_for(address: str, device: str, expected: dict) -> None:
    assert interface_for(FACTS, address, device) == expected


def test_interface_for_without_facts() -> None:
    assert interface_for(None, "10.20.1.130") == {}
    assert interface_for({}, "10.20.1.130") == {}


@pytest.mark.parametrize("address, port, expected", [
    ("10.30.1.131", 9121, "10.30.1.131:9121"),
    ("fd00:30::131", "9100", "[fd00:30::131]:9100"),
    (" 127.0.0.1 ", 9090, "127.0.0.1:9090"),
    ("redis1", 6379, "redis1:6379"),
])
def test_host_port_brackets_ipv6_only(address: str, port: object, expected: str) -> None:
    assert host_port(address, port) == expected


def test_host_port_is_a_filter() -> None:
    assert FilterModule().filters()["host_port"] is host_port

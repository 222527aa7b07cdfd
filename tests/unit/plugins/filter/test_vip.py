# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""holds_vip / vip_holders: the VIP counts on the interface keepalived manages, never on lo."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.filter.vip import holds_vip, vip_holders, vip_interfaces

VIP = '10.20.1.130'
# `ip -o address show` in the lab (Debian 12 containers): the keepalived MASTER, with the VIP as a
# secondary address of its front interface ...
HOLDER = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
20: eth1    inet 10.20.1.131/24 brd 10.20.1.255 scope global eth1\\       valid_lft forever preferred_lft forever
20: eth1    inet 10.20.1.130/24 scope global secondary eth1\\       valid_lft forever preferred_lft forever
22: eth0    inet 10.30.1.131/24 brd 10.30.1.255 scope global eth0\\       valid_lft forever preferred_lft forever
"""
# ... the BACKUP ...
STANDBY = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
24: eth1    inet 10.20.1.132/24 brd 10.20.1.255 scope global eth1\\       valid_lft forever preferred_lft forever
26: eth0    inet 10.30.1.132/24 brd 10.30.1.255 scope global eth0\\       valid_lft forever preferred_lft forever
"""
# ... and the loopback binding method's /32 on lo (vip_bind_method: loopback).
LOOPBACK_LINE = "1: lo    inet 10.20.1.130/32 scope global lo\\       valid_lft forever preferred_lft forever\n"


def test_the_keepalived_master_holds_the_vip() -> None:
    assert holds_vip(HOLDER, VIP)
    assert vip_interfaces(HOLDER, VIP) == ['eth1']


def test_the_vip_on_lo_is_not_holding_it() -> None:
    assert not holds_vip(STANDBY + LOOPBACK_LINE, VIP)
    assert holds_vip(HOLDER + LOOPBACK_LINE, VIP)


def test_a_prefix_of_the_vip_is_not_the_vip() -> None:
    assert not holds_vip(HOLDER, '10.20.1.13')
    assert not holds_vip(HOLDER.splitlines(), '10.20.1.1')


def test_vip_holders_from_a_mapping_or_tabbed_lines() -> None:
    outputs = {'lb1': STANDBY + LOOPBACK_LINE, 'lb2': HOLDER + LOOPBACK_LINE, 'lb3': ''}
    assert vip_holders(outputs, VIP) == ['lb2']
    lines = ['lb1\t' + line for line in (STANDBY + LOOPBACK_LINE).splitlines()]
    lines += ['lb2\t' + line for line in HOLDER.splitlines()]
    assert vip_holders(lines, VIP) == ['lb2']
    assert vip_holders([], VIP) == []


def test_an_ipv6_vip() -> None:
    line = "2: eth1    inet6 fd00:20::130/64 scope global nodad \\       valid_lft forever preferred_lft forever"
    assert holds_vip([line], 'fd00:20::130')
    assert not holds_vip(["1: lo    inet6 fd00:20::130/128 scope global \\       valid_lft forever"], 'fd00:20::130')

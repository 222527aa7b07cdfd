# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""back_address / back_addresses / back_endpoints: one address per host, said once in the inventory."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.filter.inventory import back_address, back_addresses, back_endpoints

# inventory.example's hosts: a management/front address and the shared back address.
HOSTVARS = {
    'redis1': {'ansible_host': '10.20.1.131', 'hastack_back_address': '10.30.1.131'},
    'redis2': {'ansible_host': '10.20.1.132', 'hastack_back_address': '10.30.1.132'},
    'witness': {'ansible_host': '10.20.1.133', 'hastack_back_address': '10.30.1.133'},
    # A host on a single network, and one whose Redis is told explicitly where to listen.
    'single': {'ansible_host': '192.0.2.10'},
    'explicit': {'hastack_back_address': '10.30.1.140', 'redis_server_address': '10.30.2.140'},
    'nothing': {'ansible_connection': 'local'},
}


def test_the_shared_back_address_wins_over_ansible_host() -> None:
    assert back_address('redis1', HOSTVARS) == '10.30.1.131'


def test_a_role_variable_set_for_the_host_wins() -> None:
    assert back_address('explicit', HOSTVARS, 'redis_server_address') == '10.30.2.140'
    assert back_address('redis1', HOSTVARS, 'redis_server_address') == '10.30.1.131'


def test_ansible_host_is_the_last_resort() -> None:
    assert back_address('single', HOSTVARS) == '192.0.2.10'


def test_no_address_is_empty_for_preflight_to_name() -> None:
    assert back_address('nothing', HOSTVARS) == ''
    assert back_address('absent', HOSTVARS) == ''
    assert back_address('', HOSTVARS) == ''
    assert back_address('explicit', {'explicit': {'redis_server_address': '  '}}, 'redis_server_address') == ''


def test_a_group_becomes_haproxy_server_entries_in_order() -> None:
    assert back_addresses(['redis2', 'redis1'], HOSTVARS) == [
        {'name': 'redis2', 'address': '10.30.1.132'}, {'name': 'redis1', 'address': '10.30.1.131'}]
    assert back_addresses(['witness'], HOSTVARS, port='26380') == [
        {'name': 'witness', 'address': '10.30.1.133', 'port': 26380}]
    assert back_addresses(None, HOSTVARS) == []


def test_endpoints_leave_out_hosts_without_an_address() -> None:
    assert back_endpoints(['redis1', 'nothing', 'witness'], HOSTVARS, 26379) == ['10.30.1.131:26379', '10.30.1.133:26379']

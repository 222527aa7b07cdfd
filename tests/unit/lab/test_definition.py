# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab definition read from the repository's own Molecule base config, as Molecule reads it."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.lab.definition import DefinitionError, load


def test_the_reference_lab_by_default() -> None:
    lab = load({})
    assert lab.hosts("redis_servers") == ["redis1", "redis2"]
    assert lab.hosts("redis_sentinels") == ["redis1", "redis2", "witness"]
    assert lab.hosts("redis_lb") == ["redis1", "redis2"]
    assert lab.addresses("redis_sentinels", "back") == {"redis1": "10.30.1.131", "redis2": "10.30.1.132", "witness": "10.30.1.133"}
    assert lab.addresses("redis_lb", "front") == {"redis1": "10.20.1.131", "redis2": "10.20.1.132"}
    assert lab.value("hastack_vip") == "10.20.1.130"
    assert lab.value("hastack_master_name") == "mymaster"
    assert lab.value("lab_app_password").startswith("lab-")


def test_the_environment_moves_the_networks_and_the_witness_like_molecule() -> None:
    lab = load({"LAB_FRONT_PREFIX": "10.61.3", "LAB_BACK_PREFIX": "10.62.3", "LAB_WITNESS_GROUP": "redis_servers"})
    assert lab.hosts("redis_servers") == ["redis1", "redis2", "witness"]
    assert lab.addresses("redis_servers", "back")["witness"] == "10.62.3.133"
    assert lab.value("hastack_vip") == "10.61.3.130"


def test_a_template_or_a_missing_value_is_refused_by_name() -> None:
    lab = load({})
    with pytest.raises(DefinitionError, match="redis_server_acl_users is a template"):
        lab.value("redis_server_acl_users")
    with pytest.raises(DefinitionError, match="sets no no_such_variable"):
        lab.value("no_such_variable")


def test_a_scenario_reshapes_the_lab_as_molecule_merges_it() -> None:
    lab = load({"LAB_WITNESS_GROUP": "redis_servers"}, scenario="lb_hosts")
    assert lab.hosts("redis_servers") == ["redis1", "redis2", "witness"]
    assert lab.hosts("redis_sentinels") == ["redis1", "redis2", "witness"]
    assert lab.hosts("redis_lb") == ["lb1", "lb2"]
    assert lab.addresses("redis_lb", "front") == {"lb1": "10.20.1.134", "lb2": "10.20.1.135"}
    # Everything else is the base lab's.
    assert lab.value("hastack_vip") == "10.20.1.130"
    assert lab.value("lab_app_password") == load({}).value("lab_app_password")
    assert load({}, scenario="failover").groups == load({}).groups
    with pytest.raises(DefinitionError, match="no scenario 'nowhere'"):
        load({}, scenario="nowhere")

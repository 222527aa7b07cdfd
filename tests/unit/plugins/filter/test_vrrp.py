# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vrrp_plan: priorities and initial states by position, explicit values winning."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.filter.vrrp import vrrp_plan

LBS = ['lb1', 'lb2', 'lb3']
NONE_SET = {'lb1': {}, 'lb2': {}, 'lb3': {}}


def test_the_tutorials_100_and_80_then_70() -> None:
    plans = [vrrp_plan(LBS, NONE_SET, host) for host in LBS]
    assert [(plan['priority'], plan['state'], plan['position']) for plan in plans] == [
        (100, 'MASTER', 0), (80, 'BACKUP', 1), (70, 'BACKUP', 2)]
    assert all(plan['priorities'] == [100, 80, 70] for plan in plans)


def test_explicit_priorities_win_and_duplicates_show() -> None:
    hostvars = {'lb1': {}, 'lb2': {'keepalived_priority': 100}, 'lb3': {}}
    assert vrrp_plan(LBS, hostvars, 'lb1')['priorities'] == [100, 100, 70]
    # A host's own role parameter counts for itself even where hostvars say otherwise.
    assert vrrp_plan(LBS, hostvars, 'lb2', priority=90)['priorities'] == [100, 90, 70]
    assert vrrp_plan(LBS, hostvars, 'lb2', priority='90')['priority'] == 90


def test_nopreempt_and_preempt_delay_start_everyone_as_backup() -> None:
    assert vrrp_plan(LBS, NONE_SET, 'lb1', nopreempt=True)['state'] == 'BACKUP'
    assert vrrp_plan(LBS, NONE_SET, 'lb1', preempt_delay='30')['state'] == 'BACKUP'
    assert vrrp_plan(LBS, NONE_SET, 'lb2', state='MASTER')['state'] == 'MASTER'


def test_a_host_outside_the_list_or_beyond_the_ninth_gets_no_derived_priority() -> None:
    many = ['lb%d' % i for i in range(1, 12)]
    plan = vrrp_plan(many, {}, 'lb10')
    assert plan['priority'] == 0 and plan['priorities'][-3:] == [10, 0, 0] and plan['derivable'] == 9
    outside = vrrp_plan(LBS, NONE_SET, 'stats')
    assert outside['position'] == -1 and outside['priority'] == 0 and outside['state'] == 'BACKUP'
    assert vrrp_plan(LBS, NONE_SET, 'stats', priority=50)['priority'] == 50

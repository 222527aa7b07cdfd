# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""vrrp_plan: each load balancer's VRRP priority and initial state, from its place in the list.

The first load balancer is MASTER with priority 100, the next ones BACKUP with 80, 70, ... 10 (the
tutorial's 100 and 80 first). A host's explicit keepalived_priority wins; nopreempt and preempt_delay
only work when every host starts as BACKUP, so they make the first one BACKUP too.
"""

from __future__ import annotations

import typing as t

DERIVED_PRIORITIES = (100, 80, 70, 60, 50, 40, 30, 20, 10)


def _int(value: t.Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _priority(position: int, explicit: t.Any) -> int:
    if _int(explicit) > 0:
        return _int(explicit)
    return DERIVED_PRIORITIES[position] if 0 <= position < len(DERIVED_PRIORITIES) else 0


def vrrp_plan(lb_hosts: t.Any, hostvars: t.Mapping[str, t.Any], host: str, priority: t.Any = 0, state: t.Any = '',
              nopreempt: t.Any = False, preempt_delay: t.Any = 0) -> dict[str, t.Any]:
    """{priority, state, position, priorities, derivable} for `host`; `priorities` holds every listed host's
    effective priority in order (the others' explicit keepalived_priority read from hostvars), to refuse duplicates."""
    hosts = [str(name) for name in (lb_hosts or [])]
    position = hosts.index(host) if host in hosts else -1
    priorities = []
    for index, name in enumerate(hosts):
        if name == host:
            explicit = priority
        elif name in hostvars:
            explicit = hostvars[name].get('keepalived_priority', 0)
        else:
            explicit = 0
        priorities.append(_priority(index, explicit))
    own = _priority(position, priority)
    if state:
        initial = str(state)
    elif bool(nopreempt) or _int(preempt_delay) > 0 or position != 0:
        initial = 'BACKUP'
    else:
        initial = 'MASTER'
    return {'priority': own, 'state': initial, 'position': position, 'priorities': priorities,
            'derivable': len(DERIVED_PRIORITIES)}


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'vrrp_plan': vrrp_plan}

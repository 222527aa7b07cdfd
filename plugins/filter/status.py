# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stack_status: one verdict on the whole stack from what each component says (playbooks/status.yml)."""

from __future__ import annotations

import typing as t


def _address(host: t.Any, port: t.Any) -> str:
    return f"{host}:{port}"


def _server_lines(servers: t.Mapping[str, t.Mapping[str, t.Any]], max_lag: int,
                  problems: list[str]) -> tuple[list[str], list[str]]:
    """Describe each server; return (lines, hosts that say role:master)."""
    lines, masters = [], []
    offsets = {name: int(probe.get('master_repl_offset') or 0) for name, probe in servers.items() if probe.get('role') == 'master'}
    master_offset = max(offsets.values()) if offsets else 0
    for name, probe in sorted(servers.items()):
        if probe.get('role') is None:
            lines.append(f"redis {name}: UNREACHABLE ({probe.get('msg', 'no answer')})")
            problems.append(f"Redis server {name} does not answer: {probe.get('msg', 'no answer')}")
            continue
        if probe['role'] == 'master':
            masters.append(name)
            replicas = ', '.join(f"{_address(replica.get('host'), replica.get('port'))} {replica.get('state')} lag {replica.get('lag')} s"
                                 for replica in probe.get('replicas') or []) or 'no replica'
            lines.append(f"redis {name}: master, offset {probe.get('master_repl_offset')}, replicas: {replicas}")
            continue
        link = probe.get('master_link_status')
        lag = master_offset - int(probe.get('replica_repl_offset') or 0) if master_offset else None
        lines.append(f"redis {name}: replica of {_address(probe.get('master_host'), probe.get('master_port'))}, "
                     f"link {link}, {'lag ' + str(lag) + ' bytes' if lag is not None else 'lag unknown'}")
        if link != 'up':
            problems.append(f"replica {name} has its link to the master {link}")
        elif lag is not None and lag > max_lag:
            problems.append(f"replica {name} trails the master by {lag} bytes (more than {max_lag})")
    if not masters:
        problems.append('no Redis server says it is master')
    elif len(masters) > 1:
        problems.append(f"several Redis servers say they are master: {', '.join(masters)}")
    return lines, masters


def _sentinel_lines(sentinels: t.Mapping[str, t.Mapping[str, t.Any]], problems: list[str]) -> tuple[list[str], set[str]]:
    lines, named = [], set()
    for name, probe in sorted(sentinels.items()):
        master = probe.get('master')
        if not isinstance(master, t.Mapping):
            lines.append(f"sentinel {name}: UNREACHABLE ({probe.get('msg', 'no answer')})")
            problems.append(f"Sentinel {name} does not answer: {probe.get('msg', 'no answer')}")
            continue
        address = _address(master.get('host'), master.get('port'))
        named.add(address)
        flags = ','.join(probe.get('flags') or [])
        lines.append(f"sentinel {name}: master {address} ({flags}), quorum {probe.get('quorum')}, "
                     f"{'quorum reachable' if probe.get('quorum_ok') else 'NO QUORUM'}")
        if not probe.get('quorum_ok'):
            problems.append(f"Sentinel {name}: {probe.get('ckquorum') or 'quorum not reachable'}")
        if probe.get('o_down') or probe.get('s_down'):
            problems.append(f"Sentinel {name} sees its master {address} down")
    if len(named) > 1:
        problems.append(f"the Sentinels name different masters: {', '.join(sorted(named))}")
    return lines, named


def _haproxy_row(row: t.Any) -> dict[str, t.Any]:
    """A Redis server as HAProxy sees it, from a mapping or a CSV line server,status,scur,stot."""
    if isinstance(row, t.Mapping):
        return dict(row)
    fields = str(row).split(',') + ['', '', '', '']
    return {'server': fields[0], 'status': fields[1], 'scur': fields[2], 'stot': fields[3]}


def _lb_lines(lbs: t.Mapping[str, t.Mapping[str, t.Any]], problems: list[str]) -> list[str]:
    lines, holders = [], []
    for name, lb in sorted(lbs.items()):
        if lb.get('holds_vip'):
            holders.append(name)
        servers = [_haproxy_row(row) for row in lb.get('haproxy') or []]
        if not servers:
            lines.append(f"lb {name}: {'holds the VIP' if lb.get('holds_vip') else 'standby'}, HAProxy does not answer")
            problems.append(f"HAProxy on {name} does not answer on its admin socket")
            continue
        up = [server['server'] for server in servers if str(server.get('status', '')).startswith('UP')]
        view = ', '.join(f"{server['server']} {server.get('status')} ({server.get('scur')} now, {server.get('stot')} total)"
                         for server in servers)
        lines.append(f"lb {name}: {'holds the VIP' if lb.get('holds_vip') else 'standby'}, HAProxy: {view}")
        if len(up) != 1:
            problems.append(f"HAProxy on {name} has {len(up)} Redis servers UP ({', '.join(up) or 'none'}), expected exactly one")
    if lbs and len(holders) != 1:
        problems.append(f"the VIP is held by {len(holders)} load balancers ({', '.join(holders) or 'none'}), expected exactly one")
    return lines


def stack_status(data: t.Mapping[str, t.Any], max_lag_bytes: int = 1048576) -> dict[str, t.Any]:
    """Lines describing every component and the problems found; healthy when there is none."""
    problems: list[str] = []
    servers = data.get('servers') or {}
    server_lines, masters = _server_lines(servers, int(max_lag_bytes), problems)
    sentinel_lines, named = _sentinel_lines(data.get('sentinels') or {}, problems)
    if len(masters) == 1 and len(named) == 1:
        own = servers[masters[0]].get('address')
        if own and own not in named:
            problems.append(f"the Sentinels name {next(iter(named))} but the Redis master is {masters[0]} ({own})")
    lb_lines = _lb_lines(data.get('lbs') or {}, problems)
    return {'healthy': not problems, 'masters': masters, 'problems': problems,
            'lines': server_lines + sentinel_lines + lb_lines}


class FilterModule:
    """hastack.redis status filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'stack_status': stack_status}

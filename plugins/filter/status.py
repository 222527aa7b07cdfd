# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stack_status: one verdict on the whole stack from what each component says (playbooks/status.yml).
haproxy_votes: whether one HAProxy counts a Sentinel's vote, from its admin socket's `show stat`
(redis_sentinel's tasks/votes.yml, before the next Sentinel restarts)."""

from __future__ import annotations

import csv
import re
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


def is_up(status: t.Any) -> bool:
    """A server HAProxy counts: UP, or UP and going down (UP 1/2); never DOWN, DOWN 1/2 (going up), MAINT, NOLB."""
    return str(status or '').startswith('UP')


def show_stat(text: t.Any) -> list[dict[str, str]] | None:
    """HAProxy's `show stat` CSV as one mapping per row, by the header's field names; None when the text has no
    header (HAProxy did not answer, or answered something else)."""
    lines = [line for line in str(text or '').splitlines() if line.strip()]
    if not lines or not lines[0].startswith('# '):
        return None
    rows = csv.reader([lines[0][2:]] + lines[1:])
    header = next(rows)
    return [dict(zip(header, row)) for row in rows]


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
        up = [server['server'] for server in servers if is_up(server.get('status'))]
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


# What HAProxy names its Sentinel vote backends (<service>_votes_<server>, haproxy.cfg.j2), as status.yml and
# hastack-redis.lua tell them from the Redis servers' backends.
VOTES = '_votes_'
AGGREGATES = ('FRONTEND', 'BACKEND')
# socat's errors on a socket that is absent (HAProxy not installed, or never started) or that nothing listens on
# (HAProxy stopped): no HAProxy runs there.
NOT_RUNNING = ('No such file or directory', 'Connection refused')
DONE = ('counted', 'no vote needed', 'no vote server', 'not running', 'unreachable')


def _host_port(address: t.Any) -> tuple[str, str]:
    """show stat's addr (10.30.1.133:26379, [fd00::3]:26379) or an address and port, as (host, port)."""
    host, _sep, port = str(address or '').rpartition(':')
    return host.strip('[]'), port


def _is_the_sentinel(row: t.Mapping[str, str], sentinel: t.Mapping[str, t.Any]) -> bool:
    """Its vote server: named after its inventory host (the haproxy role's default), or at its address and port."""
    if row.get('svname') == str(sentinel.get('host') or ''):
        return True
    address = str(sentinel.get('address') or '')
    return bool(address) and _host_port(row.get('addr')) == (address.strip('[]'), str(sentinel.get('port') or ''))


def _server(row: t.Mapping[str, str]) -> str:
    """backend/server status, with its last check when it is not UP (L4CON Connection refused at step 1...)."""
    check = '' if is_up(row.get('status')) else ' '.join(part for part in (row.get('check_status'), row.get('last_chk')) if part)
    return f"{row.get('pxname')}/{row.get('svname')} {row.get('status') or 'without status'}" + (f" ({check})" if check else '')


def _read_failure(read: t.Mapping[str, t.Any]) -> tuple[str, str] | None:
    """(state, reason) when the admin socket gave no `show stat`, else None."""
    if read.get('unreachable'):
        return 'unreachable', str(read.get('msg') or 'unreachable')
    if read.get('skipped'):
        return 'not running', 'not read (skipped)'
    if read.get('rc') == 0 or (read.get('rc') is None and 'stdout' in read):
        return None
    error = str(read.get('stderr') or '').strip()
    if not error and read.get('rc') == 2 and read.get('msg'):
        # The command module could not start socat (errno 2): the haproxy role installs it with HAProxy.
        return 'not running', 'socat is not installed, nor HAProxy (the haproxy role installs both)'
    # socat's last line without its date, name and pid: E connect(5, AF=1 "/run/haproxy/admin.sock", 25): ...
    error = re.sub(r'^.*? socat\[[0-9]+\] ', '', error.splitlines()[-1]) if error else ''
    if any(marker in error for marker in NOT_RUNNING):
        return 'not running', error
    return 'no answer', error or str(read.get('msg') or 'exit code %s' % read.get('rc'))


def haproxy_votes(read: t.Any, sentinel: t.Mapping[str, t.Any], haproxy: t.Any = None) -> dict[str, t.Any]:
    """Whether this HAProxy counts the Sentinel's vote wherever its vote matters.

    `read` is the registered result of socat sending `show stat` to the admin socket (or its output), `sentinel`
    the Sentinel as redis_sentinel_endpoint publishes it (host, address, port). The vote matters in each vote
    backend where the other Sentinels' votes HAProxy counts make a majority with it (or without it): the
    master's. Returns {done, state, message, servers}: state is counted (UP there), waiting (not UP yet), or,
    with nothing to wait for, no vote needed (no backend where it matters: no other vote counted), no vote server
    (HAProxy's configuration lists no server for it yet), not running (no HAProxy on the socket) or unreachable
    (the host); no answer when HAProxy's answer is not `show stat` (done is false: ask again).
    """
    name = str(sentinel.get('host') or sentinel.get('address') or 'the Sentinel')
    if isinstance(read, t.Mapping):
        haproxy = haproxy or read.get('item')
    haproxy = haproxy or 'this load balancer'
    where = f"HAProxy on {haproxy}"
    if isinstance(read, t.Mapping):
        failure = _read_failure(read)
        if failure:
            state, reason = failure
            return _votes(state, {'unreachable': f"{haproxy} is unreachable, its HAProxy was not asked about the vote of {name}",
                                  'not running': f"No HAProxy runs on {haproxy}, none to count the vote of {name}",
                                  'no answer': f"{where} does not answer about the vote of {name}"}[state] + f": {reason}")
        read = read.get('stdout')
    rows = show_stat(read)
    if rows is None:
        first = str(read or '').strip().splitlines()[:1]
        return _votes('no answer', f"{where} does not answer about the vote of {name}: {first[0] if first else 'nothing'}")
    servers = [row for row in rows if VOTES in row.get('pxname', '') and row.get('svname') not in AGGREGATES]
    mine = [row for row in servers if _is_the_sentinel(row, sentinel)]
    if not mine:
        return _votes('no vote server', f"{where} has no vote server for {name} in its configuration yet")
    matters, waiting = [], []
    for row in mine:
        backend = [other for other in servers if other.get('pxname') == row.get('pxname')]
        others_up = sum(1 for other in backend if other is not row and is_up(other.get('status')))
        if others_up and others_up + 1 >= len(backend) // 2 + 1:
            matters.append(row)
            if not is_up(row.get('status')):
                waiting.append(row)
    if waiting:
        return _votes('waiting', f"{where} does not count the vote of {name} yet: "
                      + ', '.join(_server(row) for row in waiting), waiting)
    if not matters:
        return _votes('no vote needed', f"{where} counts no other Sentinel's vote for any server: "
                      f"no majority for the vote of {name} to keep", [])
    return _votes('counted', f"{where} counts the vote of {name}: " + ', '.join(_server(row) for row in matters), matters)


def _votes(state: str, message: str, rows: list[t.Mapping[str, str]] | None = None) -> dict[str, t.Any]:
    return {'done': state in DONE, 'state': state, 'message': message,
            'servers': [f"{row.get('pxname')}/{row.get('svname')} {row.get('status')}" for row in rows or []]}


class FilterModule:
    """hastack.redis status filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'stack_status': stack_status, 'haproxy_votes': haproxy_votes}

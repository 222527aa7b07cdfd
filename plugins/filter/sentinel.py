# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sentinel_view: what one Sentinel knows of one master, from redis_command results.
sentinel_plan: what redis_sentinel's state.yml decides from every Sentinel's answers (the master each is created
with, and what stops the role).
switchover_blockers: why a Sentinel might not promote exactly the chosen replica now (switchover.yml)."""

from __future__ import annotations

import typing as t

AUTH_CODES = ('NOAUTH', 'WRONGPASS', 'NOPERM')


def _pairs(reply: t.Any) -> dict[str, str]:
    """SENTINEL MASTER / REPLICAS entries: a flat [key, value, ...] list (RESP2) or a map (RESP3)."""
    if isinstance(reply, t.Mapping):
        return {str(key): str(value) for key, value in reply.items()}
    if isinstance(reply, list):
        return {str(key): str(value) for key, value in zip(reply[0::2], reply[1::2])}
    return {}


def _error(result: t.Mapping[str, t.Any]) -> str | None:
    """The error of a result: the module's failure, or the first command's error reply."""
    replies = result.get('replies')
    if not isinstance(replies, list) or not replies:
        return str(result.get('msg') or 'no answer')
    first = replies[0]
    if isinstance(first, t.Mapping) and 'error' in first:
        return str(first['error'])
    return None


def sentinel_view(master_result: t.Mapping[str, t.Any], replicas_result: t.Mapping[str, t.Any] | None,
                  sentinel: str, master: str) -> dict[str, t.Any]:
    """{master, sentinel, state, message, fields, replicas}; state is known, unknown (no such master), auth or
    unreachable."""
    error = _error(master_result)
    fields = {} if error else _pairs(master_result['replies'][0])
    if error is None and fields.get('name') != master:
        error = 'SENTINEL MASTER %s answered %r' % (master, master_result['replies'][0])
    if error is None:
        state, message = 'known', ''
    elif 'No such master' in error:
        state, message = 'unknown', error
    elif any(code in error for code in AUTH_CODES) or 'AUTH failed' in error:
        state, message = 'auth', error
    else:
        state, message = 'unreachable', error
    replicas: list[str] = []
    if state == 'known' and replicas_result and _error(replicas_result) is None:
        entries = replicas_result['replies'][0]
        replicas = [entry['ip'] for entry in map(_pairs, entries if isinstance(entries, list) else []) if 'ip' in entry]
    return {'master': master, 'sentinel': sentinel, 'state': state, 'message': message,
            'fields': fields if state == 'known' else {}, 'replicas': replicas}


def _unique(items: t.Iterable[t.Any]) -> list[t.Any]:
    seen: list[t.Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _masters_conflict(name: str, wanted: t.Mapping[str, t.Any], reported: list[list[str]], replicas: list[str]) -> str:
    """Why the Sentinels' answers about master `name` cannot be reconciled with the inventory, or ''."""
    host, port = str(wanted['host']), str(wanted['port'])
    if not reported or (len(reported) == 1 and (reported[0] == [host, port] or host in replicas)):
        return ''
    said = 'Master %s: the Sentinels report %s, the inventory says %s:%s' % (
        name, ' and '.join(':'.join(pair) for pair in reported), host, port)
    if len(reported) > 1:
        return said + ' and the Sentinels disagree: a failover may be running, wait and run again. Nothing was changed.'
    return (said + ' and the Sentinels do not know %s as one of its replicas either: they monitor another deployment'
            ' under this name, or the inventory is wrong. Fix redis_sentinel_masters, or SENTINEL REMOVE %s on the'
            ' Sentinels and run again. Nothing was changed.' % (host, name))


def sentinel_plan(master_results: t.Sequence[t.Mapping[str, t.Any]], replica_results: t.Sequence[t.Mapping[str, t.Any]],
                  masters: t.Sequence[t.Mapping[str, t.Any]]) -> dict[str, t.Any]:
    """What redis_sentinel's state.yml decides from the Sentinels' answers.

    master_results and replica_results are the loop results of SENTINEL MASTER and SENTINEL REPLICAS, one per
    (Sentinel node, master) item, in the same order; masters is the role's list of {name, host, port}.
    Returns views (one sentinel_view per item), current (per master name, the {host, port} each Sentinel is
    created with: what the Sentinels report, else the inventory's), and the messages that stop the role
    (refused: a Sentinel refused the password; conflicts: per master) or only warn (unreachable).
    """
    views = [sentinel_view(query, replicas, query['item'][0]['host'], query['item'][1]['name'])
             for query, replicas in zip(master_results, list(replica_results) + [None] * len(master_results))]
    refused = [view for view in views if view['state'] == 'auth']
    silent = [view for view in views if view['state'] == 'unreachable']
    current: dict[str, dict[str, t.Any]] = {}
    conflicts = []
    for wanted in masters:
        known = [view for view in views if view['master'] == wanted['name'] and view['state'] == 'known']
        reported = _unique([[view['fields'].get('ip', ''), view['fields'].get('port', '')] for view in known])
        replicas = _unique(address for view in known for address in view['replicas'])
        conflict = _masters_conflict(wanted['name'], wanted, reported, replicas)
        if conflict:
            conflicts.append(conflict)
        host, port = reported[0] if reported else (wanted['host'], wanted['port'])
        current[wanted['name']] = {'host': str(host), 'port': int(port)}
    return {
        'views': views,
        'current': current,
        'refused': '' if not refused else (
            'Sentinel(s) %s refused redis_sentinel_password (%s). Every Sentinel of the group must use the same'
            ' password; nothing was changed.' % (', '.join(_unique(v['sentinel'] for v in refused)), refused[0]['message'])),
        'unreachable': '' if not silent else (
            'Sentinel(s) %s did not answer (%s); they are left as they are.'
            % (', '.join(_unique(v['sentinel'] for v in silent)), silent[0]['message'])),
        'conflicts': conflicts,
    }


def switchover_blockers(probe: t.Mapping[str, t.Any], target: str, port: t.Any) -> list[str]:
    """What stops `SENTINEL FAILOVER` from promoting exactly `target:port` now, from a redis_probe result of the
    Sentinel that will run it; empty when nothing does.

    Sentinel picks the replica from its own cached view (SENTINEL REPLICAS, refreshed by INFO about once a
    second): the target must be a plain replica there with its link up and a non-zero priority, and every other
    replica must be at priority 0 in that view, or Sentinel may promote it instead. In TILT mode it fails nothing
    over.
    """
    if not probe or probe.get('failed') or probe.get('role') != 'sentinel':
        return ['the Sentinel did not answer: %s' % (probe or {}).get('msg', 'no result')]
    blockers = []
    if probe.get('tilt'):
        blockers.append('the Sentinel is in TILT mode')
    replicas = probe.get('replicas')
    if replicas is None:
        return blockers + ['the Sentinel does not list its replicas (SENTINEL REPLICAS refused)']
    wanted = (str(target), int(port))
    mine = [replica for replica in replicas if (str(replica.get('host')), replica.get('port')) == wanted]
    if not mine:
        blockers.append('the Sentinel does not list %s:%s as a replica' % wanted)
    else:
        seen = mine[0]
        if seen.get('flags') != ['slave']:
            blockers.append('the Sentinel flags %s:%s %s' % (wanted + (','.join(seen.get('flags') or []),)))
        if seen.get('link_status') != 'ok' or seen.get('link_down_ms'):
            blockers.append('the Sentinel last saw the link of %s:%s %s (down %s ms)'
                            % (wanted + (seen.get('link_status'), seen.get('link_down_ms'))))
        if not seen.get('priority'):
            blockers.append('%s:%s has replica-priority 0: Sentinel never promotes it' % wanted)
    for replica in replicas:
        if (str(replica.get('host')), replica.get('port')) != wanted and replica.get('priority') != 0:
            blockers.append('the Sentinel still sees %s:%s at priority %s and may promote it'
                            % (replica.get('host'), replica.get('port'), replica.get('priority')))
    return blockers


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'sentinel_view': sentinel_view, 'sentinel_plan': sentinel_plan, 'switchover_blockers': switchover_blockers}

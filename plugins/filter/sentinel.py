# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sentinel_view: what one Sentinel knows of one master, from redis_command results (redis_sentinel's state.yml).
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
        return {'sentinel_view': sentinel_view, 'switchover_blockers': switchover_blockers}

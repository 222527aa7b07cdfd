# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sentinel_view: what one Sentinel knows of one master, from redis_command results (redis_sentinel's state.yml)."""

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


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'sentinel_view': sentinel_view}

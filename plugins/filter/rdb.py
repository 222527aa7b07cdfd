# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether each server of a replication group can take a full synchronization from its master.

A replica that connects to a master (or loses its partial-resync window) loads the master's RDB
snapshot, and a server refuses an RDB format newer than its own ("Can't handle RDB format version
12"): it never completes the synchronization and keeps retrying. That happens when a group mixes
versions, as during a move from Redis to Valkey. Measured in the lab on Debian's packages: Redis
7.0.15 (Debian 12) writes version 10, Redis 8.0.2 (Debian 13) 12, Valkey 8.1.1 (Debian 13) 11;
Valkey 8.1.1 loads Redis 7.0.15's snapshot and refuses Redis 8.0.2's, and Redis 7.0.15 refuses
Valkey 8.1.1's. The other rows are each release's RDB_VERSION (rdb.h), which is also the newest
format it loads.
"""

from __future__ import annotations

import re
import typing as t

# (flavor, major, minor) -> the RDB format version the release writes and the newest it loads.
RDB_FORMATS: dict[tuple[str, int, int], int] = {
    ('redis', 5, 0): 9,
    ('redis', 6, 0): 9,
    ('redis', 6, 2): 9,
    ('redis', 7, 0): 10,
    ('redis', 7, 2): 11,
    ('redis', 7, 4): 12,
    ('redis', 8, 0): 12,
    ('valkey', 7, 2): 11,
    ('valkey', 8, 0): 11,
    ('valkey', 8, 1): 11,
}

_VERSION_OUTPUT = re.compile(r'^(Redis|Valkey) server v=(\d+\.\d+\.\d+)', re.IGNORECASE)


def server_identity(version_output: t.Any) -> dict[str, t.Any]:
    """{flavor, version} from the first line of `redis-server --version` / `valkey-server --version`."""
    match = _VERSION_OUTPUT.match(str(version_output or '').strip())
    if not match:
        return {'flavor': None, 'version': None}
    return {'flavor': match.group(1).lower(), 'version': match.group(2)}


def rdb_format(server: t.Any) -> int | None:
    """The RDB format version a server ({flavor, version}) writes and reads up to, or None when unknown."""
    if not isinstance(server, t.Mapping):
        return None
    match = re.match(r'^(\d+)\.(\d+)', str(server.get('version') or ''))
    if not match:
        return None
    return RDB_FORMATS.get((str(server.get('flavor') or '').lower(), int(match.group(1)), int(match.group(2))))


def _name(server: t.Mapping[str, t.Any]) -> str:
    return '%s %s' % ({'redis': 'Redis', 'valkey': 'Valkey'}.get(str(server.get('flavor')), server.get('flavor')),
                      server.get('version'))


def replication_refusal(nodes: t.Any, states: t.Any, master: str) -> dict[str, t.Any]:
    """{error: None or why the group cannot be configured, warnings: [...]} for the servers replicating from `master`.

    nodes: each server's {host, addr: {host, port}}; states: each server's {host, role, master: {host, port} or {},
    server: {flavor, version}} (the running server's, else the installed binary's); master: the master's host.
    A server that cannot load the master's snapshot is refused, unless it already follows the master (it was
    synchronized before, by an older master or a partial resynchronization): that one is a warning, as its next full
    synchronization would fail.
    """
    states = {str(state.get('host')): state for state in (states or []) if isinstance(state, t.Mapping)}
    nodes = {str(node.get('host')): node for node in (nodes or []) if isinstance(node, t.Mapping)}
    writer = (states.get(master) or {}).get('server') or {}
    writes = rdb_format(writer)
    master_addr = (nodes.get(master) or {}).get('addr') or {}
    refused: list[str] = []
    warnings: list[str] = []
    for host, state in states.items():
        reader = state.get('server') or {}
        if host == master or (reader.get('flavor'), reader.get('version')) == (writer.get('flavor'), writer.get('version')):
            continue
        if not reader.get('version') or not writer.get('version'):
            # Not installed yet (check mode): nothing runs that could fail to synchronize.
            continue
        reads = rdb_format(reader)
        if reads is None or writes is None:
            warnings.append('Whether %s (%s) can load a snapshot of the master %s (%s) is unknown to this collection: '
                            'check that its version reads the RDB format the master writes.'
                            % (host, _name(reader), master, _name(writer)))
            continue
        if reads >= writes:
            continue
        what = ('%s runs %s, which loads RDB files up to format version %d, and the master %s runs %s, which writes '
                'version %d' % (host, _name(reader), reads, master, _name(writer), writes))
        follows = state.get('role') == 'replica' and _same(state.get('master'), master_addr)
        if follows:
            warnings.append('%s: %s follows it now, but its next full synchronization will fail. Retire %s '
                            '(playbooks/retire_server.yml) or give it a version that reads format %d.'
                            % (what, host, host, writes))
        else:
            refused.append(what)
    error = None
    if refused:
        error = ('%s: a full synchronization from the master would fail, so %s cannot replicate from it. Install a '
                 'version that loads format %d there, or leave it out of redis_servers. Nothing was configured.'
                 % ('; '.join(refused), 'this server' if len(refused) == 1 else 'these servers', writes))
    return {'error': error, 'warnings': warnings}


def _same(address: t.Any, other: t.Mapping[str, t.Any]) -> bool:
    if not isinstance(address, t.Mapping) or not other:
        return False
    try:
        return str(address.get('host')) == str(other.get('host')) and int(address.get('port')) == int(other.get('port'))
    except (TypeError, ValueError):
        return False


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'server_identity': server_identity, 'replication_refusal': replication_refusal}

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""current_master: which server of a replication group is the master now (redis_server's topology.yml).

Every host decides from the same facts: the Sentinels' answers first, then what the servers say
(the master their replicas follow, a master that has replicas), and only for a group nobody has set
up yet the preferred master. Anything ambiguous is refused with what to do, so a re-run never
undoes a failover and never guesses.
"""

from __future__ import annotations

import json
import typing as t


def _addr(value: t.Any) -> dict[str, t.Any] | None:
    if not isinstance(value, t.Mapping) or not value.get('host'):
        return None
    try:
        return {'host': str(value['host']), 'port': int(value['port'])}
    except (KeyError, TypeError, ValueError):
        return None


def _unique(addresses: t.Iterable[dict[str, t.Any] | None]) -> list[dict[str, t.Any]]:
    out: list[dict[str, t.Any]] = []
    for address in addresses:
        if address is not None and address not in out:
            out.append(address)
    return out


def _json(addresses: t.Iterable[t.Any]) -> str:
    return ', '.join(json.dumps(address) for address in addresses)


def current_master(nodes: t.Any, states: t.Any, sentinel_results: t.Any, preferred: str,
                   master_name: str = 'mymaster') -> dict[str, t.Any]:
    """{master: the node, source: sentinel | replicas | master with replicas | bootstrap, error: None or why not}.

    nodes: each server's {host, address, port, endpoint, addr: {host, port}}; states: each server's
    {host, configured, running, role, master: {host, port} or {}, connected_replicas}; sentinel_results:
    redis_probe results (mode sentinel) of the Sentinels asked, failed ones included.
    """
    nodes = list(nodes or [])
    states = {str(state.get('host')): state for state in (states or [])}
    addrs = [_addr(node.get('addr')) for node in nodes]
    sentinel_view = _unique(_addr(result.get('master')) for result in (sentinel_results or [])
                            if isinstance(result, t.Mapping) and 'master' in result)
    replica_view = _unique(_addr(state.get('master')) for state in states.values() if state.get('role') == 'replica')
    with_replicas = [host for host, state in states.items()
                     if state.get('role') == 'master' and int(state.get('connected_replicas') or 0) > 0]

    def refuse(message: str) -> dict[str, t.Any]:
        return {'master': None, 'source': None, 'error': message + ' Nothing was changed.'}

    if len(sentinel_view) > 1 or any(address not in addrs for address in sentinel_view):
        why = ('A failover is running or the Sentinels are split: wait for them to agree and run again.'
               if len(sentinel_view) > 1 else
               'The Sentinels monitor another deployment under this name, or the inventory is wrong: fix '
               'redis_server_hosts/redis_server_address, or SENTINEL RESET/REMOVE the stale master on the Sentinels.')
        return refuse("The Sentinels report %s as master of '%s', while the servers of this group are %s. %s"
                      % (' and '.join(json.dumps(a) for a in sentinel_view), master_name, _json(addrs), why))
    if not sentinel_view and (len(replica_view) > 1 or any(a not in addrs for a in replica_view)
                              or (len(replica_view) != 1 and len(with_replicas) > 1)):
        return refuse('No Sentinel names the master and the servers disagree: replicas follow %s, masters with '
                      'replicas: %s, group addresses %s. Repair replication by hand (REPLICAOF) and run again.'
                      % (_json(replica_view) or 'nobody', ', '.join(with_replicas) or 'none', _json(addrs)))
    preferred_state = states.get(str(preferred), {})
    if not (sentinel_view or replica_view or with_replicas) and preferred_state.get('configured') \
            and not preferred_state.get('running'):
        # Another server may have been promoted while no Sentinel answers: making it a replica could lose its data.
        return refuse('No Sentinel names the master, no server replicates, and the preferred master %s was configured '
                      'before but does not answer. The role will not guess a master: start the server on %s (or the '
                      'Sentinels, redis_server_sentinels) and run again.' % (preferred, preferred))

    by_addr = {json.dumps(_addr(node.get('addr'))): node for node in nodes}
    by_host = {str(node.get('host')): node for node in nodes}
    if sentinel_view:
        source, master = 'sentinel', by_addr.get(json.dumps(sentinel_view[0]))
    elif replica_view:
        source, master = 'replicas', by_addr.get(json.dumps(replica_view[0]))
    elif with_replicas:
        source, master = 'master with replicas', by_host.get(with_replicas[0])
    else:
        source, master = 'bootstrap', by_host.get(str(preferred))
    if master is None:
        return refuse('The preferred master %s is not a server of this group (%s).' % (preferred, ', '.join(by_host)))
    if source == 'sentinel' and states.get(str(master.get('host')), {}).get('role') == 'replica':
        return refuse('The Sentinels name %s (%s) as master, but it reports role replica. A failover is probably '
                      'running: wait until it ends and run again.' % (master.get('host'), master.get('endpoint')))
    return {'master': master, 'source': source, 'error': None}


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'current_master': current_master}

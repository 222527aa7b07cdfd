# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Probe the live replication state of a Redis/Valkey server or a Sentinel.

Pure functions on top of :mod:`resp` so that modules, tests and tools share
one definition of "role", "follows master X" and "Sentinel reports X".
"""

from __future__ import annotations

import time

from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    AuthenticationError,
    NoAuthError,
    NoPermissionError,
    ProtocolError,
    RedisError,
    ServerError,
    TlsError,
    format_address,
)


class UnknownMasterError(ServerError):
    """The Sentinel does not monitor a master with the requested name."""

    kind = 'unknown_master'


class NotSentinelError(RedisError):
    """mode=sentinel was requested but the peer is a plain server (or the reverse)."""

    kind = 'not_sentinel'


#: errors that retrying cannot fix; wait loops stop on them at once
PERMANENT_ERRORS = (AuthenticationError, NoAuthError, NoPermissionError, TlsError, NotSentinelError)


def normalize_role(role):
    """Map INFO/ROLE role names to master, replica or sentinel."""
    role = str(role or '').lower()
    if role in ('slave', 'replica'):
        return 'replica'
    return role


def parse_address(text):
    """Split ``host:port`` (``[v6]:port`` allowed) into ``(host, port)``; raise ValueError if invalid."""
    host, sep, port = str(text).strip().rpartition(':')
    if not sep or not host or not port.isdigit():
        raise ValueError('%r is not a host:port address' % (text,))
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    port_number = int(port)
    if not 0 < port_number < 65536:
        raise ValueError('port %d of %r is out of range' % (port_number, text))
    return host, port_number


def same_address(host, port, expected):
    """True when ``host``/``port`` equal the ``(host, port)`` tuple ``expected`` (case-insensitive host)."""
    if host is None or port is None:
        return False
    return str(host).lower() == expected[0].lower() and int(port) == expected[1]


def _to_str(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _server_identity(info):
    """Flavor, version, uptime and run id from INFO server."""
    is_valkey = 'valkey_version' in info or str(info.get('server_name', '')).lower() == 'valkey'
    version = info.get('valkey_version') if is_valkey and 'valkey_version' in info else info.get('redis_version')
    return {
        'flavor': 'valkey' if is_valkey else 'redis',
        'version': None if version is None else str(version),
        'uptime_in_seconds': _int_or_none(info.get('uptime_in_seconds')),
        'run_id': None if info.get('run_id') is None else str(info.get('run_id')),
        # Valkey 8 reports server_mode where Redis reports redis_mode.
        'redis_mode': info.get('redis_mode', info.get('server_mode')),
    }


def _replica_entries(info):
    """List of connected replicas from the ``slaveN`` lines of INFO replication."""
    replicas = []
    index = 0
    while 'slave%d' % index in info:
        entry = info['slave%d' % index]
        index += 1
        if not isinstance(entry, dict):
            continue
        replicas.append({
            'host': None if entry.get('ip') is None else str(entry.get('ip')),
            'port': _int_or_none(entry.get('port')),
            'state': entry.get('state'),
            'offset': _int_or_none(entry.get('offset')),
            'lag': _int_or_none(entry.get('lag')),
        })
    return replicas


def replication_state(info):
    """Build the replication part of the probe result from a parsed INFO replication dict."""
    role = normalize_role(info.get('role'))
    state = {'role': role, 'master_repl_offset': _int_or_none(info.get('master_repl_offset'))}
    if role == 'master':
        state['replicas'] = _replica_entries(info)
        state['connected_replicas'] = _int_or_none(info.get('connected_slaves'))
        if state['connected_replicas'] is None:
            state['connected_replicas'] = len(state['replicas'])
    elif role == 'replica':
        link_down = info.get('master_link_down_since_seconds')
        state.update({
            'master_host': None if info.get('master_host') is None else str(info.get('master_host')),
            'master_port': _int_or_none(info.get('master_port')),
            'master_link_status': info.get('master_link_status'),
            'master_link_down_since_seconds': _int_or_none(link_down),
            'master_last_io_seconds_ago': _int_or_none(info.get('master_last_io_seconds_ago')),
            'master_sync_in_progress': bool(_int_or_none(info.get('master_sync_in_progress'))),
            'replica_repl_offset': _int_or_none(info.get('slave_repl_offset')),
            'read_only': bool(_int_or_none(info.get('slave_read_only', info.get('replica_read_only', 1)))),
        })
    return state


def probe_server(conn):
    """Probe a Redis/Valkey server; return a dict describing its role and replication."""
    server = conn.info('server')
    result = _server_identity(server)
    result['address'] = conn.address
    if str(result['redis_mode'] or '').lower() == 'sentinel':
        result['role'] = 'sentinel'
        return result
    result.update(replication_state(conn.info('replication')))
    if result['role'] not in ('master', 'replica'):
        raise ProtocolError('INFO replication reports no usable role (%r); is this a Redis/Valkey server?'
                            % (result['role'],), conn.host, conn.port)
    return result


def sentinel_master_fields(reply):
    """Turn the SENTINEL MASTER reply (flat list or RESP3 map) into a dict."""
    if isinstance(reply, dict):
        return {_to_str(k): _to_str(v) for k, v in reply.items()}
    fields = {}
    if isinstance(reply, list):
        for index in range(0, len(reply) - 1, 2):
            fields[_to_str(reply[index])] = _to_str(reply[index + 1])
    return fields


def sentinel_replica(fields):
    """One entry of SENTINEL REPLICAS (its fields as a dict) as the Sentinel last saw the replica."""
    priority = fields.get('slave-priority', fields.get('replica-priority'))
    return {
        'host': None if fields.get('ip') is None else str(fields.get('ip')),
        'port': _int_or_none(fields.get('port')),
        'flags': [flag for flag in str(fields.get('flags', '')).split(',') if flag],
        'link_status': None if fields.get('master-link-status') is None else str(fields.get('master-link-status')),
        'link_down_ms': _int_or_none(fields.get('master-link-down-time')),
        'priority': _int_or_none(priority),
        'offset': _int_or_none(fields.get('slave-repl-offset')),
    }


def _unknown_master(conn, master_name):
    return UnknownMasterError("Sentinel does not monitor a master named '%s'; check master_name against "
                              "the 'sentinel monitor' lines of the Sentinel configuration" % master_name,
                              conn.host, conn.port, code='ERR')


def _sentinel_command(conn, master_name, *args):
    try:
        return conn.command('SENTINEL', *args)
    except ServerError as exc:
        if 'no such master' in exc.message.lower():
            raise _unknown_master(conn, master_name) from None
        raise


def probe_sentinel(conn, master_name):
    """Probe a Sentinel about ``master_name``; return the master address and health flags."""
    server = conn.info('server')
    result = _server_identity(server)
    result['address'] = conn.address
    if str(result['redis_mode'] or '').lower() != 'sentinel':
        raise NotSentinelError("peer is a %s server (mode %s), not a Sentinel; use mode=server or the Sentinel port "
                               "(usually 26379)" % (result['flavor'], result['redis_mode']), conn.host, conn.port)
    result['role'] = 'sentinel'
    addr = _sentinel_command(conn, master_name, 'get-master-addr-by-name', master_name)
    if not addr or not isinstance(addr, list) or len(addr) < 2:
        raise _unknown_master(conn, master_name)
    result['master'] = {'host': str(_to_str(addr[0])), 'port': _int_or_none(_to_str(addr[1]))}
    fields = sentinel_master_fields(_sentinel_command(conn, master_name, 'MASTER', master_name))
    flags = [flag for flag in str(fields.get('flags', '')).split(',') if flag]
    result.update({
        'master_name': master_name,
        'quorum': _int_or_none(fields.get('quorum')),
        'num_other_sentinels': _int_or_none(fields.get('num-other-sentinels')),
        'num_replicas': _int_or_none(fields.get('num-slaves')),
        'flags': flags,
        's_down': 's_down' in flags,
        'o_down': 'o_down' in flags,
        'failover_in_progress': 'failover_in_progress' in flags,
        'config_epoch': _int_or_none(fields.get('config-epoch')),
    })
    # The replicas as the Sentinel last saw them (it fails over by this view, not the replicas' own);
    # None for an ACL user without +sentinel|replicas.
    try:
        replicas = _sentinel_command(conn, master_name, 'REPLICAS', master_name)
        result['replicas'] = [sentinel_replica(sentinel_master_fields(entry)) for entry in (replicas or [])]
    except NoPermissionError:
        result['replicas'] = None
    result['tilt'] = _int_or_none(conn.info('sentinel').get('sentinel_tilt')) == 1
    try:
        message = _sentinel_command(conn, master_name, 'CKQUORUM', master_name)
        result['quorum_ok'] = True
        result['ckquorum'] = str(_to_str(message))
    except UnknownMasterError:
        raise
    except (NoPermissionError, NoAuthError, AuthenticationError):
        raise
    except ServerError as exc:
        result['quorum_ok'] = False
        result['ckquorum'] = exc.message
    return result


def check_expectations(state, expect_role=None, expect_master=None):
    """Return None when ``state`` meets the expectations, else a sentence explaining the mismatch.

    ``expect_master`` is a ``(host, port)`` tuple.  For a server it must be the
    master the replica follows; for a Sentinel the master address it reports.
    """
    role = state.get('role')
    if expect_role and role != expect_role:
        return 'role is %s, expected %s' % (role, expect_role)
    if expect_master is None:
        return None
    wanted = format_address(expect_master[0], expect_master[1])
    if role == 'sentinel':
        master = state.get('master') or {}
        if same_address(master.get('host'), master.get('port'), expect_master):
            return None
        return 'Sentinel reports master %s, expected %s' % (format_address(master.get('host'), master.get('port')), wanted)
    if role != 'replica':
        return 'role is %s, expected a replica of %s' % (role, wanted)
    if same_address(state.get('master_host'), state.get('master_port'), expect_master):
        return None
    return 'replica follows %s, expected %s' % (format_address(state.get('master_host'), state.get('master_port')), wanted)


def _checked_probe(probe, conn):
    """Run ``probe(conn)``; report replies of an unexpected shape as a ProtocolError."""
    try:
        return probe(conn)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise ProtocolError('unexpected reply content (%s: %s); is this a Redis/Valkey server or Sentinel?'
                            % (type(exc).__name__, exc), conn.host, conn.port) from None


class ProbeOutcome:
    """Result of :func:`probe_until`: final state, mismatch reason, last error and counters."""

    def __init__(self):
        self.state = None
        self.mismatch = None
        self.error = None
        self.last_error = None
        self.attempts = 0
        self.elapsed = 0.0

    @property
    def ok(self):
        """True when the last probe succeeded and met the expectations."""
        return self.state is not None and self.error is None and self.mismatch is None


def probe_until(connect, probe, expect_role=None, expect_master=None, wait_timeout=0.0, poll_interval=0.1,
                clock=time.monotonic, sleep=time.sleep):
    """Probe repeatedly until expectations hold or ``wait_timeout`` expires.

    ``connect()`` returns a (possibly already connected) connection,
    ``probe(conn)`` returns a state dict.  Connection errors cause a reconnect
    on the next attempt; errors in :data:`PERMANENT_ERRORS` stop at once.
    """
    outcome = ProbeOutcome()
    start = clock()
    deadline = start + max(0.0, wait_timeout or 0.0)
    conn = None
    try:
        while True:
            outcome.attempts += 1
            try:
                if conn is None:
                    conn = connect()
                outcome.state = _checked_probe(probe, conn)
                outcome.error = None
                outcome.mismatch = check_expectations(outcome.state, expect_role, expect_master)
                if outcome.mismatch is None:
                    break
            except PERMANENT_ERRORS as exc:
                outcome.error = outcome.last_error = exc
                break
            except RedisError as exc:
                outcome.error = outcome.last_error = exc
                if conn is not None:
                    conn.close()
                    conn = None
            remaining = deadline - clock()
            if remaining <= 0:
                break
            sleep(max(0.0, min(poll_interval, remaining)))
    finally:
        if conn is not None:
            conn.close()
        outcome.elapsed = round(clock() - start, 3)
    return outcome

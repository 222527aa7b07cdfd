# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fake Redis/Sentinel server on a local ephemeral port, for unit tests."""

from __future__ import annotations

import socket
import threading

from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    ConnectionClosed,
    ErrorReply,
    RedisError,
    RespParser,
    encode_value,
)

CLOSE = object()


class FakeClock:
    """A monotonic clock that moves only when someone sleeps on it (pass it as clock=, its sleep as sleep=)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def info_text(sections):
    """Render ``{section: {key: value}}`` like INFO does."""
    lines = []
    for name, values in sections.items():
        lines.append('# %s' % name.capitalize())
        for key, value in values.items():
            lines.append('%s:%s' % (key, value))
        lines.append('')
    return '\r\n'.join(lines)


MASTER_SERVER = {'redis_version': '7.0.15', 'redis_mode': 'standalone', 'run_id': 'a' * 40, 'uptime_in_seconds': '42', 'tcp_port': '6379'}
VALKEY_SERVER = {'redis_version': '7.2.4', 'server_name': 'valkey', 'valkey_version': '8.0.1', 'redis_mode': 'standalone',
                 'run_id': 'b' * 40, 'uptime_in_seconds': '7'}
SENTINEL_SERVER = {'redis_version': '7.0.15', 'redis_mode': 'sentinel', 'run_id': 'c' * 40, 'uptime_in_seconds': '99'}
# Valkey 8 names the mode server_mode.
VALKEY_SENTINEL_SERVER = {'redis_version': '7.2.4', 'server_name': 'valkey', 'valkey_version': '8.1.1', 'server_mode': 'sentinel',
                          'run_id': 'd' * 40, 'uptime_in_seconds': '5'}
MASTER_REPLICATION = {
    'role': 'master', 'connected_slaves': '2',
    'slave0': 'ip=10.0.0.12,port=6379,state=online,offset=1234,lag=0',
    'slave1': 'ip=10.0.0.13,port=6380,state=wait_bgsave,offset=0,lag=1',
    'master_replid': '1' * 40, 'master_repl_offset': '1234',
}
REPLICA_REPLICATION = {
    'role': 'slave', 'master_host': '10.0.0.11', 'master_port': '6379', 'master_link_status': 'up',
    'master_last_io_seconds_ago': '1', 'master_sync_in_progress': '0', 'slave_read_repl_offset': '1200',
    'slave_repl_offset': '1200', 'slave_priority': '100', 'slave_read_only': '1', 'replica_announced': '1',
    'connected_slaves': '0', 'master_replid': '1' * 40, 'master_repl_offset': '1200',
}
SENTINEL_MASTER_FIELDS = [
    'name', 'mymaster', 'ip', '10.0.0.11', 'port', '6379', 'runid', 'a' * 40, 'flags', 'master',
    'num-slaves', '1', 'num-other-sentinels', '2', 'quorum', '2', 'config-epoch', '3',
]

# One entry of SENTINEL REPLICAS as Redis 7.0's Sentinel sends it (the keys sentinel.c emits, in its order).
SENTINEL_REPLICA_FIELDS = [
    'name', '10.0.0.12:6379', 'ip', '10.0.0.12', 'port', '6379', 'runid', 'e' * 40, 'flags', 'slave',
    'link-pending-commands', '0', 'link-refcount', '1', 'last-ping-sent', '0', 'last-ok-ping-reply', '109',
    'last-ping-reply', '109', 'down-after-milliseconds', '750', 'info-refresh', '545', 'role-reported', 'slave',
    'role-reported-time', '31090', 'master-link-down-time', '0', 'master-link-status', 'ok', 'master-host', '10.0.0.11',
    'master-port', '6379', 'slave-priority', '100', 'slave-repl-offset', '82110', 'replica-announced', '1',
]
SENTINEL_INFO = {'sentinel_masters': '1', 'sentinel_tilt': '0', 'sentinel_tilt_since_seconds': '-1',
                 'sentinel_running_scripts': '0', 'sentinel_scripts_queue_length': '0',
                 'sentinel_simulate_failure_flags': '0',
                 'master0': 'name=mymaster,status=ok,address=10.0.0.11:6379,slaves=1,sentinels=3'}


class Responder:
    """Canned behaviour of a fake server.  Attributes may be changed while it runs."""

    def __init__(self, server=None, replication=None, password=None, username=None, noperm=(), sentinel_masters=None,
                 ckquorum=None, resp3=True):
        self.server = dict(server or MASTER_SERVER)
        #: INFO replication dicts served in turn; the last one is repeated
        self.replication = list(replication or [MASTER_REPLICATION])
        self.password = password
        self.username = username
        self.noperm = {c.upper() for c in noperm}
        self.sentinel_masters = sentinel_masters or {}
        self.ckquorum = ckquorum or ErrorReply('NOQUORUM 1 usable Sentinels. Not enough available Sentinels')
        self.resp3 = resp3
        self.info_calls = 0
        self.sentinel_info = dict(SENTINEL_INFO)

    def _auth(self, session, args):
        user, password = (args[0], args[1]) if len(args) == 2 else ('default', args[0])
        if self.password is None:
            return ErrorReply('ERR AUTH <password> called without any password configured for the default user. '
                              'Are you sure your configuration is correct?')
        if password != self.password or user != (self.username or 'default'):
            return ErrorReply('WRONGPASS invalid username-password pair or user is disabled.')
        session['authed'] = True
        return 'OK'

    def reply(self, session, args):
        """Return the Python reply for one command."""
        name = args[0].upper()
        if name == 'AUTH':
            return self._auth(session, args[1:])
        if name == 'HELLO':
            if not self.resp3:
                return ErrorReply("ERR unknown command 'HELLO'")
            if len(args) > 2 and args[2].upper() == 'AUTH':
                result = self._auth(session, args[3:5])
                if isinstance(result, ErrorReply):
                    return result
            session['protocol'] = int(args[1])
            return {'server': 'redis', 'version': '7.0.15', 'proto': int(args[1]), 'mode': 'standalone', 'role': 'master'}
        if self.password is not None and not session.get('authed'):
            return ErrorReply('NOAUTH Authentication required.')
        if name in self.noperm:
            return ErrorReply("NOPERM this user has no permissions to run the '%s' command" % name.lower())
        if name == 'PING':
            return 'PONG'
        if name == 'INFO':
            return self._info(args[1].lower() if len(args) > 1 else 'default')
        if name == 'SENTINEL':
            return self._sentinel(args[1].lower(), args[2:])
        return ErrorReply("ERR unknown command '%s'" % args[0])

    def _info(self, section):
        if section == 'server':
            return info_text({'server': self.server})
        if section == 'sentinel' and self.server.get('redis_mode', self.server.get('server_mode')) == 'sentinel':
            return info_text({'sentinel': self.sentinel_info})
        if section == 'replication':
            self.info_calls += 1
            current = self.replication[0] if len(self.replication) == 1 else self.replication.pop(0)
            return info_text({'replication': current})
        return info_text({'server': self.server})

    def _sentinel(self, sub, args):
        if self.server.get('redis_mode', self.server.get('server_mode')) != 'sentinel':
            return ErrorReply("ERR unknown command 'SENTINEL'")
        master = self.sentinel_masters.get(args[0]) if args else None
        if sub == 'get-master-addr-by-name':
            return None if master is None else [master['ip'], str(master['port'])]
        if master is None:
            return ErrorReply('ERR No such master with that name')
        if sub == 'master':
            return list(master['fields'])
        if sub == 'ckquorum':
            return self.ckquorum
        if sub in ('replicas', 'slaves'):
            return [list(fields) for fields in master.get('replicas', [SENTINEL_REPLICA_FIELDS])]
        return ErrorReply('ERR unknown sentinel subcommand')


class FakeRedis:
    """A threaded fake server on 127.0.0.1 driven by a handler.

    ``handler(session, args)`` returns a Python value (encoded as RESP),
    raw ``bytes`` (sent as-is), or :data:`CLOSE`.
    ``on_connect(sock)`` may send a greeting or close immediately (return False).
    """

    def __init__(self, handler, on_connect=None, port=0):
        self.handler = handler
        self.on_connect = on_connect
        self.received = []
        #: unexpected exceptions raised by the handler
        self.errors = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(('127.0.0.1', port))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads = []
        self._clients = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                client, dummy = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._clients.append(client)
            thread = threading.Thread(target=self._session, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _session(self, client):
        try:
            client.settimeout(5)
            self._converse(client)
        except OSError:
            return
        except Exception as exc:  # pylint: disable=broad-except  # keep a failing handler visible to the test
            self.errors.append(exc)
        finally:
            client.close()

    def _converse(self, client):
        session = {'protocol': 2}
        if self.on_connect is not None and self.on_connect(client) is False:
            return
        parser = RespParser(client.recv)
        while not self._stop.is_set():
            try:
                args = parser.read_reply()
            except (ConnectionClosed, RedisError):
                return
            self.received.append(args)
            result = self.handler(session, [a if isinstance(a, str) else a.decode('latin-1') for a in args])
            if result is CLOSE:
                return
            data = result if isinstance(result, bytes) else encode_value(result, session['protocol'])
            client.sendall(data)

    def close_sessions(self):
        """Close every open connection and keep serving new ones: a proxy's worker that stops."""
        for client in self._clients:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        """Stop accepting and close every connection."""
        self._stop.set()
        self._listener.close()
        for client in self._clients:
            try:
                client.close()
            except OSError:
                pass
        self._thread.join(2)

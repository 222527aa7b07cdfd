# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Minimal, dependency-free Redis/Valkey/Sentinel client.

Speaks RESP2 and understands every RESP3 reply type.  Only the Python
standard library is used so that the code runs on any managed host.

Replies from a hostile peer cannot stall or exhaust it: sizes, depth and line
lengths are bounded, each command has one deadline (``read_timeout``) however
slowly the bytes drip in, a RESP2 connection accepts only RESP2 types, and
nothing is hashed by a value the peer chooses freely (RESP3 sets come back as
lists, map keys that are not strings as their text: Python's hashes of ints
are predictable, its hashes of strings are not).

Typical use::

    with RedisConnection('127.0.0.1', 6379, password='secret') as conn:
        conn.command('PING')           # -> 'PONG'
        conn.command('INFO', 'server')  # -> 'redis_version:...'

Every failure is raised as a subclass of :class:`RedisError`; the message
names ``host:port`` and never contains a password.
"""

from __future__ import annotations

import math
import socket
import ssl
import time

# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------


class RedisError(Exception):
    """Base class of every error raised by this client."""

    #: short, stable name of the error class, used in module results
    kind = 'error'

    def __init__(self, message, host=None, port=None):
        super().__init__(message)
        self.message = message
        self.host = host
        self.port = port

    @property
    def address(self):
        """``host:port`` of the peer, or None when unknown (in-memory parsing)."""
        if self.host is None:
            return None
        return format_address(self.host, self.port)

    def with_address(self, host, port):
        """Attach the peer address (used when the parser did not know it)."""
        if self.host is None:
            self.host = host
            self.port = port
        return self

    def __str__(self):
        if self.address is None:
            return self.message
        return '%s: %s' % (self.address, self.message)


class RedisConnectionError(RedisError):
    """The TCP/TLS connection could not be established or was lost."""

    kind = 'connection'


class ConnectionRefused(RedisConnectionError):
    """Nothing listens on the address (ECONNREFUSED)."""

    kind = 'connection_refused'


class NameResolutionError(RedisConnectionError):
    """The host name could not be resolved."""

    kind = 'name_resolution'


class TlsError(RedisConnectionError):
    """The TLS handshake failed (certificate verification, protocol mismatch...)."""

    kind = 'tls'


class TlsNotSpoken(TlsError):
    """The peer does not speak TLS on this port: it answered in plain text, or not at all, to the handshake.

    A Redis server or Sentinel without TLS on that port (for instance Debian's packaged default, not
    configured yet) waits for the end of a command line and never answers a ClientHello.
    """

    kind = 'not_tls'


class ConnectionClosed(RedisConnectionError):
    """The peer closed the connection (possibly in the middle of a reply)."""

    kind = 'connection_closed'


class RedisTimeoutError(RedisConnectionError):
    """Connecting or waiting for a reply took longer than the configured timeout."""

    kind = 'timeout'


class ProtocolError(RedisError):
    """The peer sent something that is not valid RESP, or exceeded a parser limit."""

    kind = 'protocol'


class ServerError(RedisError):
    """The server answered a command with an error reply."""

    kind = 'server_error'

    def __init__(self, message, host=None, port=None, code=None, command=None):
        super().__init__(message, host, port)
        self.code = code
        self.command = command


class AuthenticationError(ServerError):
    """Wrong password or username (WRONGPASS, invalid password...)."""

    kind = 'auth'


class NoAuthError(ServerError):
    """The server requires authentication but none was given (NOAUTH)."""

    kind = 'noauth'


class NoPermissionError(ServerError):
    """The ACL user may not run the command (NOPERM)."""

    kind = 'noperm'


# ---------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------


class ErrorReply:
    """An error reply (``-`` or ``!``) found as a value, e.g. inside an array.

    Top-level error replies to :meth:`RedisConnection.command` are raised as
    :class:`ServerError` instead.
    """

    __slots__ = ('message',)

    def __init__(self, message):
        self.message = message

    @property
    def code(self):
        """First word of the error, e.g. ``ERR`` or ``WRONGTYPE``."""
        return self.message.split(' ', 1)[0] if self.message else ''

    def __eq__(self, other):
        return isinstance(other, ErrorReply) and other.message == self.message

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(('ErrorReply', self.message))

    def __repr__(self):
        return 'ErrorReply(%r)' % (self.message,)


class PushMessage(list):
    """An out-of-band RESP3 push message (``>``), e.g. a pub/sub message."""

    def __repr__(self):
        return 'PushMessage(%s)' % (list.__repr__(self),)


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------

DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_AGGREGATE_LENGTH = 1 << 24
DEFAULT_MAX_LINE_LENGTH = 64 * 1024
CHUNK_SIZE = 64 * 1024
_CRLF = b'\r\n'
_NOT_RESP_HINT = 'the peer does not speak the Redis protocol (RESP); check host and port'
_RESP2_MARKERS = frozenset((b'+', b'-', b':', b'$', b'*'))


class RespLimits:
    """Limits protecting the parser from hostile or broken peers."""

    __slots__ = ('max_bulk_length', 'max_depth', 'max_aggregate_length', 'max_line_length')

    def __init__(self, max_bulk_length=DEFAULT_MAX_BULK_LENGTH, max_depth=DEFAULT_MAX_DEPTH,
                 max_aggregate_length=DEFAULT_MAX_AGGREGATE_LENGTH, max_line_length=DEFAULT_MAX_LINE_LENGTH):
        self.max_bulk_length = max_bulk_length
        self.max_depth = max_depth
        self.max_aggregate_length = max_aggregate_length
        self.max_line_length = max_line_length


def _preview(data):
    """Short printable preview of unexpected bytes for error messages."""
    text = bytes(data[:40]).decode('ascii', 'backslashreplace')
    return repr(text + ('...' if len(data) > 40 else ''))


def _map_key(value):
    """A map key the peer cannot turn into hash collisions: strings stay, anything else becomes its text.

    Python hashes str and bytes with a per-process random seed; ints, floats and tuples of them hash
    predictably, so ~80k crafted integer keys would take minutes to insert.
    """
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return repr(value)


class RespParser:
    """Incremental RESP2/RESP3 parser reading from a ``recv(n) -> bytes`` callable.

    ``recv`` must return ``b''`` at end of stream (like ``socket.recv``) and may
    raise on timeout.  Bulk payloads are read incrementally, so a huge declared
    length never causes a large allocation by itself.
    """

    def __init__(self, recv, decode=True, limits=None, host=None, port=None, resp3=True):
        self._recv = recv
        #: accept RESP3 types; False on a RESP2 connection, where any of them means a broken peer
        self.resp3 = resp3
        self._decode = decode
        self._limits = limits or RespLimits()
        self._host = host
        self._port = port
        self._buf = bytearray()
        self._pos = 0
        self._in_reply = False
        #: attributes (RESP3 ``|``) that preceded the last returned value, or None
        self.last_attributes = None

    # -- buffer handling -----------------------------------------------------

    def _error(self, cls, message):
        return cls(message, self._host, self._port)

    def _fill(self):
        if self._pos and self._pos >= len(self._buf) // 2:
            del self._buf[:self._pos]
            self._pos = 0
        data = self._recv(CHUNK_SIZE)
        if not data:
            raise self._error(ConnectionClosed, 'connection closed by the peer in the middle of a reply'
                              if self.has_buffered_data() or self._in_reply else 'connection closed by the peer')
        self._buf += data

    def at_boundary(self):
        """True when no partial reply is pending (clean end of stream)."""
        return not self._in_reply and not self.has_buffered_data()

    def has_buffered_data(self):
        """True when bytes are already buffered (a reply can be parsed without I/O)."""
        return self._pos < len(self._buf)

    def _read_line(self):
        while True:
            idx = self._buf.find(_CRLF, self._pos)
            if idx >= 0:
                if idx - self._pos > self._limits.max_line_length:
                    break
                line = bytes(self._buf[self._pos:idx])
                self._pos = idx + 2
                return line
            if len(self._buf) - self._pos > self._limits.max_line_length:
                break
            self._fill()
        raise self._error(ProtocolError, 'protocol line longer than %d bytes; %s'
                          % (self._limits.max_line_length, _NOT_RESP_HINT))

    def _read_exact(self, length):
        """Read ``length`` bytes followed by CRLF, growing the buffer only as data arrives."""
        while len(self._buf) - self._pos < length + 2:
            self._fill()
        end = self._pos + length
        if self._buf[end:end + 2] != _CRLF:
            raise self._error(ProtocolError, 'bulk payload not terminated by CRLF')
        data = bytes(self._buf[self._pos:end])
        self._pos = end + 2
        return data

    # -- scalar helpers ------------------------------------------------------

    def _int(self, line):
        try:
            if not line or line.strip() != line or b'_' in line:
                raise ValueError('not an integer')
            return int(line)
        except ValueError:
            raise self._error(ProtocolError, 'invalid integer %s in reply' % _preview(line)) from None

    def _text(self, data):
        if not self._decode:
            return data
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            return data

    def _line_text(self, line):
        return line.decode('utf-8', 'backslashreplace')

    def _length(self, line, limit, what, allow_null):
        length = self._int(line)
        if length == -1 and allow_null:
            return -1
        if length < 0:
            raise self._error(ProtocolError, 'invalid %s length %d' % (what, length))
        if length > limit:
            raise self._error(ProtocolError, 'declared %s length %d exceeds the limit of %d' % (what, length, limit))
        return length

    # -- public API ----------------------------------------------------------

    def read_reply(self):
        """Parse and return one complete value from the stream."""
        self.last_attributes = None
        self._in_reply = False
        return self._read_value(0)

    def _read_value(self, depth):
        if depth > self._limits.max_depth:
            raise self._error(ProtocolError, 'reply nested deeper than %d levels' % self._limits.max_depth)
        while not self.has_buffered_data():
            self._fill()
        self._in_reply = True
        # check the type byte before waiting for a full line: a peer that is not
        # a Redis server (HTTP, SSH banner...) is reported as such at once
        marker = bytes(self._buf[self._pos:self._pos + 1])
        handler = self._HANDLERS.get(marker)
        if handler is not None and not self.resp3 and marker not in _RESP2_MARKERS:
            raise self._error(ProtocolError, 'RESP3 reply type %r on a RESP2 connection' % marker.decode('ascii', 'replace'))
        if handler is None:
            raise self._error(ProtocolError, 'unexpected reply %s; %s' % (_preview(self._buf[self._pos:self._pos + 41]), _NOT_RESP_HINT))
        line = self._read_line()
        return handler(self, line[1:], depth)

    def _simple_string(self, rest, depth):
        return self._line_text(rest)

    def _simple_error(self, rest, depth):
        return ErrorReply(self._line_text(rest))

    def _integer(self, rest, depth):
        return self._int(rest)

    def _bulk(self, rest, depth):
        length = self._length(rest, self._limits.max_bulk_length, 'bulk string', True)
        if length == -1:
            return None
        return self._text(self._read_exact(length))

    def _blob_error(self, rest, depth):
        length = self._length(rest, self._limits.max_bulk_length, 'blob error', False)
        return ErrorReply(self._read_exact(length).decode('utf-8', 'backslashreplace'))

    def _verbatim(self, rest, depth):
        length = self._length(rest, self._limits.max_bulk_length, 'verbatim string', False)
        data = self._read_exact(length)
        if len(data) < 4 or data[3:4] != b':':
            raise self._error(ProtocolError, 'verbatim string without a format prefix')
        return self._text(data[4:])

    def _items(self, count, depth):
        items = []
        for dummy in range(count):
            items.append(self._read_value(depth + 1))
        return items

    def _array(self, rest, depth):
        count = self._length(rest, self._limits.max_aggregate_length, 'array', True)
        if count == -1:
            return None
        return self._items(count, depth)

    def _push(self, rest, depth):
        count = self._length(rest, self._limits.max_aggregate_length, 'push', False)
        return PushMessage(self._items(count, depth))

    def _set(self, rest, depth):
        # A list, in the peer's order: hashing members the peer chose could be made quadratic.
        count = self._length(rest, self._limits.max_aggregate_length, 'set', False)
        return self._items(count, depth)

    def _read_map(self, rest, depth, what):
        count = self._length(rest, self._limits.max_aggregate_length // 2, what, False)
        result = {}
        for dummy in range(count):
            key = self._read_value(depth + 1)
            result[_map_key(key)] = self._read_value(depth + 1)
        return result

    def _map(self, rest, depth):
        return self._read_map(rest, depth, 'map')

    def _attribute(self, rest, depth):
        attributes = self._read_map(rest, depth, 'attribute')
        value = self._read_value(depth + 1)
        self.last_attributes = attributes
        return value

    def _null(self, rest, depth):
        if rest:
            raise self._error(ProtocolError, 'invalid null %s' % _preview(rest))
        return None

    def _boolean(self, rest, depth):
        if rest == b't':
            return True
        if rest == b'f':
            return False
        raise self._error(ProtocolError, 'invalid boolean %s' % _preview(rest))

    def _double(self, rest, depth):
        text = rest.decode('ascii', 'replace').lower()
        if text in ('inf', '+inf'):
            return math.inf
        if text == '-inf':
            return -math.inf
        if text in ('nan', '-nan'):
            return math.nan
        try:
            if not text or text.strip() != text or 'inf' in text or 'nan' in text or '_' in text:
                raise ValueError(text)
            return float(text)
        except ValueError:
            raise self._error(ProtocolError, 'invalid double %s' % _preview(rest)) from None

    def _big_number(self, rest, depth):
        return self._int(rest)

    _HANDLERS = {
        b'+': _simple_string,
        b'-': _simple_error,
        b':': _integer,
        b'$': _bulk,
        b'*': _array,
        b'%': _map,
        b'~': _set,
        b',': _double,
        b'_': _null,
        b'#': _boolean,
        b'(': _big_number,
        b'=': _verbatim,
        b'|': _attribute,
        b'>': _push,
        b'!': _blob_error,
    }


def bytes_reader(data):
    """Return a ``recv``-like callable reading from an in-memory bytes object."""
    view = memoryview(bytes(data))
    state = {'pos': 0}

    def recv(size):
        start = state['pos']
        chunk = view[start:start + size]
        state['pos'] = start + len(chunk)
        return bytes(chunk)

    return recv


def parse_all(data, decode=True, limits=None):
    """Parse every complete value of ``data``; raise on truncated or invalid input."""
    parser = RespParser(bytes_reader(data), decode=decode, limits=limits)
    values = []
    while True:
        try:
            values.append(parser.read_reply())
        except ConnectionClosed:
            if parser.at_boundary():
                return values
            raise


def parse(data, decode=True, limits=None):
    """Parse exactly one value from ``data`` (trailing bytes are a ProtocolError)."""
    parser = RespParser(bytes_reader(data), decode=decode, limits=limits)
    value = parser.read_reply()
    if parser.has_buffered_data():
        raise ProtocolError('unexpected data after the reply')
    return value


# ---------------------------------------------------------------------------
# Encoder
# ---------------------------------------------------------------------------


def _to_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode('utf-8')
    if isinstance(value, bool):
        return b'1' if value else b'0'
    if isinstance(value, int):
        return str(value).encode('ascii')
    if isinstance(value, float):
        return repr(value).encode('ascii')
    raise TypeError('cannot send %s as a command argument' % type(value).__name__)


def encode_command(*args):
    """Encode a command as a RESP array of bulk strings."""
    parts = [b'*%d\r\n' % len(args)]
    for arg in args:
        data = _to_bytes(arg)
        parts.append(b'$%d\r\n%s\r\n' % (len(data), data))
    return b''.join(parts)


def _encode_double(value):
    if math.isnan(value):
        return b',nan\r\n'
    if math.isinf(value):
        return b',inf\r\n' if value > 0 else b',-inf\r\n'
    return b',' + repr(value).encode('ascii') + _CRLF


def _encode_bulk(data, marker=b'$'):
    return marker + str(len(data)).encode('ascii') + _CRLF + data + _CRLF


def _encode_aggregate(marker, items, protocol):
    parts = [marker + str(len(items)).encode('ascii') + _CRLF]
    parts.extend(encode_value(item, protocol) for item in items)
    return b''.join(parts)


def _encode_scalar(value, protocol):
    """Encode None/bool/int/float; return None for other types."""
    if value is None:
        return b'_\r\n' if protocol == 3 else b'$-1\r\n'
    if isinstance(value, bool):
        if protocol == 3:
            return b'#t\r\n' if value else b'#f\r\n'
        return b':1\r\n' if value else b':0\r\n'
    if isinstance(value, int):
        if protocol == 3 and not -(1 << 63) <= value < (1 << 63):
            return b'(' + str(value).encode('ascii') + _CRLF
        return b':' + str(value).encode('ascii') + _CRLF
    if isinstance(value, float):
        return _encode_double(value) if protocol == 3 else _encode_bulk(repr(value).encode('ascii'))
    return None


def encode_value(value, protocol=3):
    """Encode a Python value as a RESP reply (used by tests and fake servers).

    None, bool, int, float, str, bytes, list/tuple, dict, set/frozenset,
    :class:`ErrorReply` and :class:`PushMessage` are supported.  With
    ``protocol=2`` RESP3-only types are mapped to their RESP2 equivalents.
    """
    scalar = _encode_scalar(value, protocol)
    if scalar is not None:
        return scalar
    if isinstance(value, ErrorReply):
        data = value.message.encode('utf-8')
        if protocol == 3 and (b'\r' in data or b'\n' in data):
            return _encode_bulk(data, b'!')
        return b'-' + data.replace(b'\r', b' ').replace(b'\n', b' ') + _CRLF
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return _encode_bulk(_to_bytes(value))
    if isinstance(value, PushMessage):
        return _encode_aggregate(b'>' if protocol == 3 else b'*', list(value), protocol)
    if isinstance(value, (list, tuple)):
        return _encode_aggregate(b'*', list(value), protocol)
    if isinstance(value, (set, frozenset)):
        return _encode_aggregate(b'~' if protocol == 3 else b'*', list(value), protocol)
    if isinstance(value, dict):
        if protocol == 3:
            parts = [b'%' + str(len(value)).encode('ascii') + _CRLF]
            for key, item in value.items():
                parts.append(encode_value(key, protocol))
                parts.append(encode_value(item, protocol))
            return b''.join(parts)
        flat = []
        for key, item in value.items():
            flat.extend((key, item))
        return _encode_aggregate(b'*', flat, protocol)
    raise TypeError('cannot encode %s as RESP' % type(value).__name__)


# ---------------------------------------------------------------------------
# Connection
# ---------------------------------------------------------------------------


def format_address(host, port):
    """Return ``host:port``, bracketing IPv6 literals."""
    host = str(host)
    if ':' in host and not host.startswith('['):
        return '[%s]:%s' % (host, port)
    return '%s:%s' % (host, port)


def classify_error(message, host=None, port=None, command=None):
    """Map an error reply text to the matching :class:`ServerError` subclass."""
    code = message.split(' ', 1)[0] if message else ''
    lowered = message.lower()
    if code == 'WRONGPASS' or 'invalid password' in lowered or 'invalid username-password' in lowered \
            or 'called without any password configured' in lowered:
        cls = AuthenticationError
    elif code == 'NOAUTH':
        cls = NoAuthError
    elif code == 'NOPERM':
        cls = NoPermissionError
    else:
        cls = ServerError
    return cls(message, host, port, code=code, command=command)


# OpenSSL's reasons for a reply that is no TLS record at all (a plain-text peer's error line).
_PLAIN_TEXT_REPLIES = ('WRONG_VERSION_NUMBER', 'PACKET_LENGTH_TOO_LONG', 'RECORD_LAYER_FAILURE', 'HTTP_REQUEST',
                       'UNEXPECTED_RECORD', 'RECORD_TOO_LARGE')


class TlsOptions:
    """TLS settings for :class:`RedisConnection`.

    :param ca_file: PEM bundle of trusted CAs (system store when None)
    :param cert_file: client certificate (PEM), for servers requiring client auth
    :param key_file: private key of ``cert_file`` (when not included in it)
    :param verify: verify the server certificate chain
    :param check_hostname: check the certificate matches ``server_name`` or the host
    :param server_name: name sent as SNI and used for the hostname check
    """

    def __init__(self, ca_file=None, cert_file=None, key_file=None, verify=True, check_hostname=True, server_name=None):
        self.ca_file = ca_file
        self.cert_file = cert_file
        self.key_file = key_file
        self.verify = verify
        self.check_hostname = check_hostname
        self.server_name = server_name

    def create_context(self):
        """Build an ``ssl.SSLContext`` (raises OSError/ssl.SSLError on unreadable files)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self.verify:
            context.verify_mode = ssl.CERT_REQUIRED
            context.check_hostname = bool(self.check_hostname)
            if self.ca_file:
                context.load_verify_locations(cafile=self.ca_file)
            else:
                context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context


class RedisConnection:
    """A single, synchronous connection to a Redis/Valkey server or Sentinel.

    The connection is opened lazily by the first :meth:`command` (or
    explicitly with :meth:`connect` / ``with``).  After a connection-level
    error (timeout, protocol error, peer closed) the socket is closed and the
    next command reconnects.  Error replies raise :class:`ServerError` and keep
    the connection usable.
    """

    def __init__(self, host='127.0.0.1', port=6379, username=None, password=None, tls=None,
                 connect_timeout=5.0, read_timeout=5.0, protocol=2, decode=True, limits=None, client_name=None):
        if protocol not in (2, 3):
            raise ValueError('protocol must be 2 or 3')
        if tls is True:
            tls = TlsOptions()
        self.host = host
        self.port = int(port)
        self.username = username
        self._password = password
        self.tls = tls or None
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.requested_protocol = protocol
        #: protocol in use after the handshake (3 only if HELLO 3 succeeded)
        self.protocol = None
        self.decode = decode
        self.limits = limits or RespLimits()
        self.client_name = client_name
        #: server properties returned by HELLO (protocol 3 only)
        self.hello = None
        #: RESP3 push messages received while waiting for replies (bounded)
        self.pushes = []
        self._sock = None
        self._parser = None
        self._deadline = None

    # -- helpers --------------------------------------------------------------

    @property
    def address(self):
        """``host:port`` of the peer."""
        return format_address(self.host, self.port)

    def __repr__(self):
        return 'RedisConnection(%s, tls=%s, connected=%s)' % (self.address, self.tls is not None, self.connected)

    def _err(self, cls, message):
        return cls(message, self.host, self.port)

    @property
    def connected(self):
        """True while a socket is open."""
        return self._sock is not None

    # -- connect / close -------------------------------------------------------

    def connect(self):
        """Open the connection and authenticate; no-op when already connected."""
        if self._sock is not None:
            return self
        sock = self._open_socket()
        try:
            if self.tls is not None:
                sock = self._wrap_tls(sock)
            sock.settimeout(self.read_timeout)
            self._sock = sock
            self._parser = RespParser(self._recv, decode=self.decode, limits=self.limits, host=self.host, port=self.port,
                                      resp3=self.requested_protocol == 3)
            self._handshake()
            self._parser.resp3 = self.protocol == 3
        except BaseException:
            self.close()
            _close_quietly(sock)
            raise
        return self

    def _open_socket(self):
        try:
            infos = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise self._err(NameResolutionError, 'cannot resolve host name %r: %s; check the host option or DNS'
                            % (self.host, exc.strerror or exc)) from None
        except UnicodeError:
            raise self._err(NameResolutionError, 'invalid host name %r' % (self.host,)) from None
        last_error = None
        for family, socktype, proto, dummy, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            try:
                sock.settimeout(self.connect_timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
                return sock
            except socket.timeout:
                last_error = self._err(RedisTimeoutError, 'timed out after %ss while connecting; check that the host is reachable '
                                       '(firewall, routing) or raise connect_timeout' % self.connect_timeout)
            except ConnectionRefusedError:
                last_error = self._err(ConnectionRefused, 'connection refused; check that the server is running and listens on this port')
            except OSError as exc:
                last_error = self._err(RedisConnectionError, 'cannot connect: %s' % (exc.strerror or exc))
            _close_quietly(sock)
        raise last_error or self._err(NameResolutionError, 'host name %r resolved to no address' % (self.host,))

    def _wrap_tls(self, sock):
        try:
            context = self.tls.create_context()
        except (OSError, ssl.SSLError) as exc:
            raise self._err(TlsError, 'cannot load TLS certificate/key/CA files: %s' % (getattr(exc, 'strerror', None) or exc)) from None
        server_name = self.tls.server_name or self.host
        try:
            return context.wrap_socket(sock, server_hostname=server_name)
        except ssl.SSLCertVerificationError as exc:
            raise self._err(TlsError, 'TLS certificate verification failed: %s; check tls_ca_cert and the server name'
                            % (exc.verify_message or exc.reason or exc)) from None
        except ssl.SSLError as exc:
            if exc.reason in _PLAIN_TEXT_REPLIES:
                raise self._err(TlsNotSpoken, 'TLS handshake failed: the peer answered in plain text (%s); check that the port '
                                'speaks TLS' % exc.reason) from None
            raise self._err(TlsError, 'TLS handshake failed: %s; check that the port speaks TLS and the client certificate'
                            % (exc.reason or exc)) from None
        except socket.timeout:
            raise self._err(TlsNotSpoken, 'TLS handshake timed out after %ss; check that the port speaks TLS' % self.connect_timeout) from None
        except OSError as exc:
            raise self._err(TlsError, 'TLS handshake failed: connection lost (%s); check that the port speaks TLS '
                            'and whether the server requires a client certificate' % (exc.strerror or exc)) from None

    def _handshake(self):
        self.protocol = 2
        if self.requested_protocol == 3:
            args = ['HELLO', '3']
            if self._password is not None:
                args += ['AUTH', self.username or 'default', self._password]
            try:
                self.hello = self.command(*args)
                self.protocol = 3
            except ServerError as exc:
                if exc.code not in ('ERR', 'NOPROTO') or isinstance(exc, (AuthenticationError, NoPermissionError)):
                    raise
                # server without RESP3 support: fall back to RESP2
                self._authenticate()
        else:
            self._authenticate()
        if self.client_name:
            self.command('CLIENT', 'SETNAME', self.client_name)

    def _authenticate(self):
        if self._password is None:
            return
        if self.username:
            self.command('AUTH', self.username, self._password)
        else:
            self.command('AUTH', self._password)

    def _scrub(self, exc):
        """Remove the password from an error message, should a peer ever echo it."""
        if self._password and self._password in exc.message:
            exc.message = exc.message.replace(self._password, '********')
            exc.args = (exc.message,)
        return exc

    def close(self):
        """Close the socket (safe to call several times)."""
        sock, self._sock, self._parser = self._sock, None, None
        _close_quietly(sock)

    def __enter__(self):
        return self.connect()

    def __exit__(self, exc_type, exc, tb):
        self.close()

    # -- I/O -------------------------------------------------------------------

    def _recv(self, size):
        # One deadline per command, not per recv: a peer dripping bytes cannot stretch it.
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise self._err(RedisTimeoutError, 'timed out after %ss waiting for a whole reply; the server may be '
                                'overloaded or this is not a Redis port; raise read_timeout if needed' % self.read_timeout)
            self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size)
        except socket.timeout:
            raise self._err(RedisTimeoutError, 'timed out after %ss waiting for a reply; the server may be overloaded '
                            'or this is not a Redis port; raise read_timeout if needed' % self.read_timeout) from None
        except ssl.SSLError as exc:
            raise self._err(TlsError, 'TLS error while reading: %s' % (exc.reason or exc)) from None
        except OSError as exc:
            raise self._err(ConnectionClosed, 'connection lost while reading: %s' % (exc.strerror or exc)) from None

    def _send(self, data):
        try:
            # The last reply's deadline may have left a short timeout on the socket.
            self._sock.settimeout(self.read_timeout)
            self._sock.sendall(data)
        except socket.timeout:
            raise self._err(RedisTimeoutError, 'timed out after %ss while sending' % self.read_timeout) from None
        except OSError as exc:
            raise self._err(ConnectionClosed, 'connection lost while sending: %s' % (exc.strerror or exc)) from None

    def _read_reply(self):
        while True:
            reply = self._parser.read_reply()
            if isinstance(reply, PushMessage) and self.protocol == 3:
                self.pushes.append(reply)
                del self.pushes[:-100]
                continue
            return reply

    def command(self, *args):
        """Send one command and return its parsed reply.

        Error replies raise :class:`ServerError` (or a subclass); connection-level
        failures close the connection and raise :class:`RedisConnectionError`
        or :class:`ProtocolError`.
        """
        if not args:
            raise ValueError('command() needs at least the command name')
        payload = encode_command(*args)
        self.connect()
        self._deadline = time.monotonic() + self.read_timeout if self.read_timeout else None
        try:
            self._send(payload)
            reply = self._read_reply()
        except RedisError as exc:
            self.close()
            raise self._scrub(exc)
        except BaseException:
            self.close()
            raise
        finally:
            self._deadline = None
        if isinstance(reply, ErrorReply):
            name = _to_bytes(args[0]).decode('utf-8', 'replace').upper()
            raise self._scrub(classify_error(reply.message, self.host, self.port, command=name))
        return reply

    def ping(self):
        """Send PING and return True when the server answers PONG."""
        return self.command('PING') in ('PONG', b'PONG')

    def info(self, section=None):
        """Return ``INFO [section]`` parsed into a flat dict (see :func:`parse_info`)."""
        args = ('INFO', section) if section else ('INFO',)
        text = self.command(*args)
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
        return parse_info(text if isinstance(text, str) else '')


def _close_quietly(sock):
    if sock is None:
        return
    try:
        sock.close()
    except OSError:
        pass


# ---------------------------------------------------------------------------
# INFO parsing
# ---------------------------------------------------------------------------

#: keys whose values stay strings even when they look numeric
_STRING_INFO_KEYS = frozenset((
    'run_id', 'master_replid', 'master_replid2', 'redis_git_sha1', 'redis_git_dirty', 'redis_build_id',
    'master_host', 'ip', 'address', 'name', 'executable', 'config_file', 'os',
))


def _info_scalar(key, value):
    if key in _STRING_INFO_KEYS or key.endswith('_version') or key.endswith('_sha1') or key.endswith('_id'):
        return value
    text = value[1:] if value.startswith('-') else value
    if text.isdigit() and text.isascii():
        return int(value)
    head, sep, tail = text.partition('.')
    if sep and head.isdigit() and tail.isdigit() and head.isascii() and tail.isascii():
        return float(value)
    return value


def _info_value(key, value):
    if '=' in value:
        parts = value.split(',')
        if all('=' in part for part in parts):
            result = {}
            for part in parts:
                sub_key, dummy, sub_value = part.partition('=')
                result[sub_key] = _info_scalar(sub_key, sub_value)
            return result
    return _info_scalar(key, value)


def parse_info_sections(text):
    """Parse INFO output into ``{section: {key: value}}`` (section names lower-cased).

    Numeric values become int/float; ``slaveN``, ``dbN``, ``masterN`` and other
    ``k=v,k=v`` values become dicts.
    """
    sections = {}
    current = sections.setdefault('default', {})
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith('#'):
            current = sections.setdefault(line.lstrip('#').strip().lower(), {})
            continue
        key, sep, value = line.partition(':')
        if not sep:
            continue
        current[key] = _info_value(key, value)
    if not sections['default']:
        del sections['default']
    return sections


def parse_info(text):
    """Parse INFO output into one flat ``{key: value}`` dict (see :func:`parse_info_sections`)."""
    flat = {}
    for values in parse_info_sections(text).values():
        flat.update(values)
    return flat


def wait_for(predicate, timeout, interval=0.05):
    """Call ``predicate()`` until it returns a truthy value or ``timeout`` seconds passed.

    Returns the last value of the predicate; helpful for tests and tools.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the RESP parser, encoder and connection."""

from __future__ import annotations

import math
import socket
import ssl
import threading
import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hastack.redis.plugins.module_utils import resp
from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    AuthenticationError,
    ConnectionClosed,
    ConnectionRefused,
    ErrorReply,
    NameResolutionError,
    NoAuthError,
    NoPermissionError,
    ProtocolError,
    PushMessage,
    RedisConnection,
    RedisError,
    RedisTimeoutError,
    RespLimits,
    RespParser,
    ServerError,
    TlsError,
    TlsOptions,
    bytes_reader,
    encode_command,
    encode_value,
    parse,
    parse_all,
    parse_info,
    parse_info_sections,
)
from ansible_collections.hastack.redis.tests.unit.plugins.module_utils.fake_redis import CLOSE, Responder

PASSWORD = 's3cr3t-Pa55'

# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------

texts = st.text(max_size=30)
binaries = st.binary(max_size=30)
ints = st.integers(min_value=-(1 << 200), max_value=1 << 200)
floats = st.floats(allow_nan=False)
hashable_scalars = st.one_of(texts, binaries, st.integers(min_value=-(1 << 70), max_value=1 << 70))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts, binaries, texts.map(ErrorReply))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(texts, st.integers()), children, max_size=5),
        st.sets(hashable_scalars, max_size=5),
    ),
    max_leaves=30,
)


def decoded(value):
    """What the parser returns with decode=True for a value encoded with protocol 3."""
    if isinstance(value, bytes):
        try:
            return value.decode('utf-8')
        except UnicodeDecodeError:
            return value
    if isinstance(value, PushMessage):
        return PushMessage(decoded(v) for v in value)
    if isinstance(value, list):
        return [decoded(v) for v in value]
    if isinstance(value, dict):
        return {resp._map_key(decoded(k)): decoded(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [decoded(v) for v in value]
    return value


def resp2_view(value):
    """What a RESP2 round trip (decode=False) yields for ``value``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return repr(value).encode()
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, ErrorReply):
        return ErrorReply(value.message.replace('\r', ' ').replace('\n', ' '))
    if isinstance(value, (list, set, frozenset)):
        return [resp2_view(v) for v in value]
    if isinstance(value, dict):
        flat = []
        for key, item in value.items():
            flat.extend((resp2_view(key), resp2_view(item)))
        return flat
    return value


def raw_view(value):
    """What a RESP3 round trip with decode=False yields."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, list):
        return [raw_view(v) for v in value]
    if isinstance(value, dict):
        return {resp._map_key(raw_view(k)): raw_view(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [raw_view(v) for v in value]
    return value


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------


@settings(deadline=None)
@given(values)
def test_resp3_round_trip_decoded(value):
    assert parse(encode_value(value, 3)) == decoded(value)


@settings(deadline=None)
@given(values)
def test_resp3_round_trip_raw(value):
    assert parse(encode_value(value, 3), decode=False) == raw_view(value)


@settings(deadline=None)
@given(values)
def test_resp2_round_trip_raw(value):
    assert parse(encode_value(value, 2), decode=False) == resp2_view(value)


@settings(deadline=None)
@given(st.lists(values, max_size=5))
def test_stream_of_values(items):
    data = b''.join(encode_value(v, 3) for v in items)
    assert parse_all(data) == [decoded(v) for v in items]


@settings(deadline=None)
@given(st.lists(st.one_of(texts, binaries, ints, floats), min_size=1, max_size=8))
def test_command_encoding_parses_as_bulk_array(args):
    expected = [resp._to_bytes(a) for a in args]
    assert parse(encode_command(*args), decode=False) == expected


def test_resp3_scalar_types():
    data = (b'+OK\r\n-ERR bad\r\n:-7\r\n,3.25\r\n,inf\r\n,-inf\r\n_\r\n#t\r\n#f\r\n(123456789012345678901234567890\r\n'
            b'=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n$-1\r\n*-1\r\n')
    out = parse_all(data)
    assert out[:4] == ['OK', ErrorReply('ERR bad'), -7, 3.25]
    assert out[4] == math.inf and out[5] == -math.inf
    assert out[6:9] == [None, True, False]
    assert out[9] == 123456789012345678901234567890
    assert out[10] == 'Some string'
    assert out[11] == ErrorReply('SYNTAX invalid syntax') and out[11].code == 'SYNTAX'
    assert out[12:] == [None, None]
    assert math.isnan(parse(b',nan\r\n'))


def test_resp3_aggregates_attribute_and_push():
    parser = RespParser(bytes_reader(b'|1\r\n+ttl\r\n:3\r\n*2\r\n:1\r\n:2\r\n>2\r\n+message\r\n+hi\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n'))
    assert parser.read_reply() == [1, 2]
    assert parser.last_attributes == {'ttl': 3}
    push = parser.read_reply()
    assert isinstance(push, PushMessage) and push == ['message', 'hi']
    assert parser.last_attributes is None
    assert parser.read_reply() == {'k': [1, 2]}


def test_sets_stay_lists_and_map_keys_that_are_not_strings_become_text():
    assert parse(b'%1\r\n*2\r\n:1\r\n:2\r\n+v\r\n') == {'[1, 2]': 'v'}
    assert parse(b'%2\r\n:7\r\n+int\r\n_\r\n+null\r\n') == {'7': 'int', 'None': 'null'}
    assert parse(b'~2\r\n*1\r\n%1\r\n:1\r\n:2\r\n:3\r\n') == [[{'1': 2}], 3]
    assert parse(b'%1\r\n$1\r\nk\r\n:1\r\n', decode=False) == {b'k': 1}


def test_crafted_integer_keys_and_members_parse_in_linear_time():
    # Integers that all share one hash bucket made a dict or set insertion quadratic: 80k took minutes.
    count = 80000
    members = b''.join(b':%d\r\n' % (i * (2 ** 61 - 1)) for i in range(count))
    started = time.monotonic()
    assert len(parse(b'~%d\r\n' % count + members)) == count
    pairs = b''.join(b':%d\r\n:0\r\n' % (i * (2 ** 61 - 1)) for i in range(count))
    assert len(parse(b'%%%d\r\n' % count + pairs)) == count
    assert time.monotonic() - started < 10


def test_resp3_types_are_refused_on_a_resp2_connection():
    parser = RespParser(bytes_reader(b'%1\r\n+k\r\n+v\r\n'), resp3=False)
    with pytest.raises(ProtocolError, match="RESP3 reply type '%' on a RESP2 connection"):
        parser.read_reply()
    assert RespParser(bytes_reader(b'*1\r\n$1\r\nx\r\n'), resp3=False).read_reply() == ['x']


def test_non_utf8_bulk_stays_bytes():
    assert parse(b'$2\r\n\xff\xfe\r\n') == b'\xff\xfe'
    assert parse(b'$2\r\nhi\r\n', decode=False) == b'hi'


# ---------------------------------------------------------------------------
# hostile and broken input
# ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data):
    try:
        parse_all(data)
    except (ProtocolError, ConnectionClosed):
        pass


@settings(max_examples=200, deadline=None)
@given(values, st.data())
def test_truncated_input_raises_connection_closed(value, data):
    encoded = encode_value(value, 3)
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    with pytest.raises(ConnectionClosed):
        parse(encoded[:cut])


@settings(max_examples=200, deadline=None)
@given(values, st.data())
def test_corrupted_input_never_crashes(value, data):
    encoded = bytearray(encode_value(value, 3))
    index = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    encoded[index] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        parse_all(bytes(encoded))
    except (ProtocolError, ConnectionClosed):
        pass


def _peak_memory(func):
    tracemalloc.start()
    try:
        try:
            func()
        except RedisError:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize('payload', [
    b'$536870912\r\nabc',
    b'!536870912\r\nabc',
    b'=536870912\r\ntxt:abc',
    b'*16777216\r\n:1\r\n:2\r\n',
    b'%8388608\r\n:1\r\n',
    b'~16777216\r\n',
    b'>16777216\r\n',
])
def test_huge_declared_lengths_do_not_allocate(payload):
    with pytest.raises(ConnectionClosed):
        parse(payload)
    assert _peak_memory(lambda: parse(payload)) < 2 * 1024 * 1024


@pytest.mark.parametrize('payload', [
    b'$536870913\r\n', b'*16777217\r\n', b'%9999999999999\r\n', b'$-2\r\n', b'*-5\r\n', b'%-1\r\n', b'~-1\r\n',
    b'$abc\r\n', b'$ 5\r\n', b':1_000\r\n', b':' + b'9' * 5000 + b'\r\n', b',1.5.5\r\n', b',infinity\r\n',
    b'#x\r\n', b'_x\r\n', b'=3\r\nabc\r\n', b'$3\r\nabcX\r\n', b'\r\n', b'?what\r\n',
])
def test_invalid_input_raises_protocol_error(payload):
    with pytest.raises(ProtocolError):
        parse(payload)


def test_trailing_data_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        parse(b'+OK\r\n+OK\r\n')


def test_custom_limits():
    limits = RespLimits(max_bulk_length=4, max_depth=2, max_aggregate_length=3, max_line_length=10)
    assert parse(b'$4\r\nabcd\r\n', limits=limits) == 'abcd'
    for payload in (b'$5\r\nabcde\r\n', b'*1\r\n*1\r\n*1\r\n:1\r\n', b'*4\r\n', b'+' + b'a' * 20 + b'\r\n'):
        with pytest.raises(ProtocolError):
            parse(payload, limits=limits)


@pytest.mark.parametrize('opener', [b'*1\r\n', b'%1\r\n+k\r\n', b'~1\r\n', b'>1\r\n', b'|1\r\n+k\r\n+v\r\n'])
def test_deep_nesting_is_refused(opener):
    assert parse(b'*1\r\n' * 64 + b':1\r\n') is not None
    with pytest.raises(ProtocolError, match='nested deeper'):
        parse(opener * 100000 + b':1\r\n')


def test_long_line_without_crlf_is_refused():
    with pytest.raises(ProtocolError, match='longer than'):
        parse(b'+' + b'a' * (256 * 1024))


def test_http_answer_is_a_protocol_error():
    with pytest.raises(ProtocolError, match='does not speak the Redis protocol'):
        parse(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')


def test_bulk_read_incrementally_from_small_chunks():
    payload = b'x' * 300000
    data = b'$%d\r\n%s\r\n' % (len(payload), payload)
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]
    chunks.reverse()
    parser = RespParser(lambda size: chunks.pop() if chunks else b'', decode=False)
    assert parser.read_reply() == payload


# ---------------------------------------------------------------------------
# INFO parsing
# ---------------------------------------------------------------------------

INFO = """# Server\r
redis_version:7.0.15\r
redis_git_sha1:00000000\r
run_id:1234567890123456789012345678901234567890\r
uptime_in_seconds:12\r
\r
# Replication\r
role:master\r
connected_slaves:1\r
slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0\r
master_repl_offset:1234\r
\r
# Keyspace\r
db0:keys=1,expires=0,avg_ttl=0\r
mem_fragmentation_ratio:1.25\r
os:Linux 6.1.0 x86_64\r
"""


def test_parse_info_sections_and_values():
    sections = parse_info_sections(INFO)
    assert set(sections) == {'server', 'replication', 'keyspace'}
    assert sections['server']['redis_version'] == '7.0.15'
    assert sections['server']['redis_git_sha1'] == '00000000'
    assert sections['server']['run_id'] == '1234567890123456789012345678901234567890'
    assert sections['server']['uptime_in_seconds'] == 12
    assert sections['replication']['slave0'] == {'ip': '127.0.0.1', 'port': 6380, 'state': 'online', 'offset': 1234, 'lag': 0}
    assert sections['keyspace']['db0'] == {'keys': 1, 'expires': 0, 'avg_ttl': 0}
    flat = parse_info(INFO)
    assert flat['mem_fragmentation_ratio'] == 1.25
    assert flat['os'] == 'Linux 6.1.0 x86_64'
    assert flat['role'] == 'master'


@settings(deadline=None)
@given(st.text())
def test_parse_info_never_crashes(text):
    assert isinstance(parse_info(text), dict)


# ---------------------------------------------------------------------------
# connection against a fake server
# ---------------------------------------------------------------------------


def test_command_and_context_manager(fake_server):
    server = fake_server(Responder())
    with RedisConnection('127.0.0.1', server.port, read_timeout=2) as conn:
        assert conn.ping()
        assert conn.info('replication')['role'] == 'master'
        with pytest.raises(ServerError) as err:
            conn.command('NOPE')
        assert err.value.code == 'ERR' and err.value.command == 'NOPE'
        assert conn.connected, 'an error reply keeps the connection usable'
        assert conn.command('PING') == 'PONG'
    assert not conn.connected


def test_password_and_acl_auth(fake_server):
    server = fake_server(Responder(password=PASSWORD, username='probe'))
    with RedisConnection('127.0.0.1', server.port, username='probe', password=PASSWORD) as conn:
        assert conn.ping()
    assert ['AUTH', 'probe', PASSWORD] in server.received


@pytest.mark.parametrize('username,password,error', [
    (None, 'wrong', AuthenticationError),
    ('probe', 'wrong', AuthenticationError),
    (None, None, NoAuthError),
])
def test_auth_failures(fake_server, username, password, error):
    server = fake_server(Responder(password=PASSWORD, username='probe'))
    conn = RedisConnection('127.0.0.1', server.port, username=username, password=password)
    with pytest.raises(error) as err:
        conn.connect()
        conn.command('INFO')
    assert '127.0.0.1:%d' % server.port in str(err.value)
    assert PASSWORD not in str(err.value) and 'wrong' not in str(err.value).replace('WRONGPASS', '')
    conn.close()


def test_password_without_server_password_is_auth_error(fake_server):
    server = fake_server(Responder())
    with pytest.raises(AuthenticationError):
        RedisConnection('127.0.0.1', server.port, password=PASSWORD).connect()


def test_noperm(fake_server):
    server = fake_server(Responder(noperm=['INFO']))
    with RedisConnection('127.0.0.1', server.port) as conn:
        with pytest.raises(NoPermissionError, match="no permissions to run the 'info'"):
            conn.command('INFO', 'server')


def test_resp3_hello_and_push_messages(fake_server):
    pushed = {'done': False}

    def handler(session, args):
        if args[0] == 'HELLO':
            session['protocol'] = 3
            return {'proto': 3, 'server': 'redis'}
        if not pushed['done']:
            pushed['done'] = True
            return encode_value(PushMessage(['invalidate', ['k']]), 3) + encode_value({'a': 1.5}, 3)
        return {'a': 1.5}

    server = fake_server(handler)
    with RedisConnection('127.0.0.1', server.port, protocol=3, password=None) as conn:
        assert conn.protocol == 3 and conn.hello['proto'] == 3
        assert conn.command('X') == {'a': 1.5}
        assert conn.pushes == [['invalidate', ['k']]]


def test_resp3_falls_back_to_resp2(fake_server):
    server = fake_server(Responder(resp3=False, password=PASSWORD))
    with RedisConnection('127.0.0.1', server.port, password=PASSWORD, protocol=3) as conn:
        assert conn.protocol == 2
        assert conn.ping()


def test_connection_refused(free_port):
    conn = RedisConnection('127.0.0.1', free_port, password=PASSWORD)
    with pytest.raises(ConnectionRefused) as err:
        conn.command('PING')
    assert str(err.value).startswith('127.0.0.1:%d: connection refused' % free_port)
    assert PASSWORD not in str(err.value)


def test_name_resolution_failure():
    with pytest.raises(NameResolutionError, match='no-such-host.invalid'):
        RedisConnection('no-such-host.invalid', 6379, connect_timeout=2).connect()


def test_connect_timeout(monkeypatch):
    def fake_connect(self, address):
        raise socket.timeout('timed out')

    monkeypatch.setattr(socket.socket, 'connect', fake_connect)
    with pytest.raises(RedisTimeoutError, match='while connecting'):
        RedisConnection('127.0.0.1', 1, connect_timeout=0.1).connect()


def test_read_timeout_on_silent_or_partial_peer(fake_server):
    for answer in (lambda session, args: b'', lambda session, args: b'$10\r\nabc'):
        server = fake_server(answer)
        conn = RedisConnection('127.0.0.1', server.port, read_timeout=0.2)
        start = time.monotonic()
        with pytest.raises(RedisTimeoutError) as err:
            conn.command('PING')
        assert time.monotonic() - start < 2
        assert '127.0.0.1:%d' % server.port in str(err.value)
        assert not conn.connected


def test_one_deadline_per_command_against_a_dripping_peer(fake_server):
    # A byte every 0.1 s never trips a per-recv timeout of 0.5 s; the command's deadline ends it.
    def on_connect(client):
        client.recv(100)
        for byte in b'$1000\r\n' + b'x' * 1000:
            client.sendall(bytes([byte]))
            time.sleep(0.1)
        return False

    server = fake_server(lambda session, args: 'PONG', on_connect=on_connect)
    conn = RedisConnection('127.0.0.1', server.port, read_timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RedisTimeoutError, match='timed out after 0.5s waiting for a'):
        conn.command('PING')
    assert time.monotonic() - start < 1.5
    assert not conn.connected


def test_peer_closing_without_reply(fake_server):
    server = fake_server(lambda session, args: CLOSE)
    with pytest.raises(ConnectionClosed, match='closed by the peer'):
        RedisConnection('127.0.0.1', server.port).command('PING')


def test_peer_sends_partial_reply_then_closes(fake_server):
    def on_connect(client):
        client.recv(100)
        client.sendall(b'*3\r\n$3\r\nfoo\r\n')
        return False

    server = fake_server(lambda session, args: 'PONG', on_connect=on_connect)
    with pytest.raises(ConnectionClosed, match='middle of a reply'):
        RedisConnection('127.0.0.1', server.port, read_timeout=2).command('PING')


def test_http_peer(fake_server):
    server = fake_server(lambda session, args: b'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n')
    with pytest.raises(ProtocolError, match='does not speak the Redis protocol') as err:
        RedisConnection('127.0.0.1', server.port).command('PING')
    assert '127.0.0.1:%d' % server.port in str(err.value)


def test_reconnects_after_connection_error(fake_server):
    server = fake_server(Responder())
    conn = RedisConnection('127.0.0.1', server.port)
    assert conn.ping()
    conn._sock.close()
    with pytest.raises(RedisError):
        conn.command('PING')
    assert not conn.connected
    assert conn.ping()
    conn.close()


def test_tls_to_plain_server_fails_cleanly(fake_server):
    def on_connect(client):
        client.recv(4096)
        client.sendall(b'-ERR Protocol error: invalid multibulk length\r\n')
        return False

    server = fake_server(lambda session, args: 'PONG', on_connect=on_connect)
    with pytest.raises(TlsError) as err:
        RedisConnection('127.0.0.1', server.port, tls=TlsOptions(verify=False), connect_timeout=2).connect()
    assert str(err.value).startswith('127.0.0.1:%d: TLS' % server.port)
    assert err.value.kind == 'not_tls' and 'plain text' in str(err.value)


def test_tls_to_a_silent_plain_server_is_not_tls(fake_server):
    # A plain-text Redis waits for the end of a command line: the ClientHello gets no answer.
    def on_connect(client):
        client.recv(4096)
        return True

    server = fake_server(lambda session, args: 'PONG', on_connect=on_connect)
    with pytest.raises(TlsError) as err:
        RedisConnection('127.0.0.1', server.port, tls=TlsOptions(verify=False), connect_timeout=0.3).connect()
    assert err.value.kind == 'not_tls' and 'timed out' in str(err.value)


def test_tls_missing_ca_file(tmp_path, fake_server):
    server = fake_server(Responder())
    with pytest.raises(TlsError, match='cannot load TLS'):
        RedisConnection('127.0.0.1', server.port, tls=TlsOptions(ca_file=str(tmp_path / 'missing.pem'))).connect()


def test_tls_context_options(tmp_path):
    context = TlsOptions(verify=False).create_context()
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    context = TlsOptions(check_hostname=False).create_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname


def test_concurrent_connections(fake_server):
    server = fake_server(Responder())
    errors = []

    def worker():
        try:
            with RedisConnection('127.0.0.1', server.port) as conn:
                for dummy in range(20):
                    conn.ping()
        except RedisError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for dummy in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_error_hierarchy_and_address_format():
    assert issubclass(ConnectionRefused, resp.RedisConnectionError)
    assert issubclass(AuthenticationError, ServerError)
    assert resp.format_address('::1', 6379) == '[::1]:6379'
    error = ProtocolError('bad').with_address('10.0.0.1', 1)
    assert str(error) == '10.0.0.1:1: bad'
    assert resp.classify_error('WRONGPASS invalid username-password pair').kind == 'auth'
    assert resp.classify_error('ERR invalid password').kind == 'auth'
    assert resp.classify_error('NOAUTH Authentication required.').kind == 'noauth'
    assert resp.classify_error('NOPERM no').kind == 'noperm'
    assert resp.classify_error('LOADING Redis is loading').code == 'LOADING'


def test_password_echoed_by_peer_is_scrubbed(fake_server):
    server = fake_server(lambda session, args: ErrorReply("ERR unknown command 'AUTH', with args beginning with: '%s'" % args[-1]))
    with pytest.raises(ServerError) as err:
        RedisConnection('127.0.0.1', server.port, password=PASSWORD).connect()
    assert PASSWORD not in str(err.value) and '********' in str(err.value)

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""resp_hex and redis_quote: byte-exact encodings for HAProxy and Redis configuration files."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.hastack.redis.plugins.filter.encode import (MASK, basic_auth_digests, mask_secrets, redis_quote, resp_hex,
                                                                     validator_refusal)
from ansible_collections.hastack.redis.plugins.module_utils.resp import encode_command, parse


def test_lengths_count_bytes_not_characters() -> None:
    # 'ä€' is 2 characters and 5 bytes: Redis reads the length as bytes.
    assert bytes.fromhex(resp_hex([['u', '\u00e4\u20ac']])) == b'*2\r\n$1\r\nu\r\n$5\r\n\xc3\xa4\xe2\x82\xac\r\n'
    assert bytes.fromhex(resp_hex([['AUTH', '\u00e4\u20ac']])) == encode_command('AUTH', '\u00e4\u20ac')
    assert bytes.fromhex(resp_hex([['10.30.1.131', 6379]])) == b'*2\r\n$11\r\n10.30.1.131\r\n$4\r\n6379\r\n'


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), max_size=4))
def test_resp_hex_is_the_clients_own_encoding(commands) -> None:
    assert bytes.fromhex(resp_hex(commands)) == b''.join(encode_command(*command) for command in commands)


def test_redis_quote_escapes_what_the_config_parser_reads() -> None:
    assert redis_quote('lab-admin-secret') == '"lab-admin-secret"'
    assert redis_quote('a "b" \\ #$') == '"a \\"b\\" \\\\ #$"'
    assert redis_quote('\u00e4') == '"\\xc3\\xa4"'
    assert redis_quote('tab\there\nnl') == '"tab\\there\\nnl"'
    assert redis_quote(10) == '"10"'


@given(st.text(max_size=40))
def test_redis_quote_round_trips_through_the_parsers_rules(value) -> None:
    # Redis's sdssplitargs inside double quotes: \\xHH, \\n, \\r, \\t, \\b, \\a and \\<c> for any other c.
    quoted = redis_quote(value)
    assert quoted.startswith('"') and quoted.endswith('"') and quoted.isascii()
    body, out, index = quoted[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char == '\\':
            nxt = body[index + 1]
            if nxt == 'x':
                out.append(int(body[index + 2:index + 4], 16))
                index += 4
                continue
            out += {'n': b'\n', 'r': b'\r', 't': b'\t', 'b': b'\b', 'a': b'\a'}.get(nxt, nxt.encode())
            index += 2
            continue
        assert char != '"'
        out += char.encode()
        index += 1
    assert bytes(out) == value.encode('utf-8')
    assert parse(encode_command(value)) == [value]


def test_mask_secrets_masks_every_spelling_a_configuration_shows() -> None:
    secret = 'lab-secret \u00e4"\'#$\\'
    hexed = resp_hex([['AUTH', 'healthcheck', secret]])
    lines = [
        "stats auth 'admin:%s'" % secret,
        'masterauth %s' % redis_quote(secret),
        'tcp-check send-binary %s' % hexed,
        '{"password": %s}' % json.dumps(secret),
    ]
    masked = mask_secrets(lines, [secret, '', None])
    assert 'lab-secret' not in masked
    assert secret.encode('utf-8').hex() not in masked
    assert masked.count(MASK) == 4
    assert masked.splitlines()[0] == "stats auth 'admin:%s'" % MASK
    # The command around the password stays readable: array of 3, AUTH, healthcheck.
    assert masked.splitlines()[2] == 'tcp-check send-binary %s%s0d0a' % (hexed[:hexed.index(secret.encode('utf-8').hex())], MASK)


def test_mask_secrets_leaves_text_without_secrets_alone() -> None:
    assert mask_secrets('[ALERT] parsing [haproxy.cfg:67]: unknown keyword', ['s3cret']) == '[ALERT] parsing [haproxy.cfg:67]: unknown keyword'
    assert mask_secrets(None, ['x']) == ''


@given(st.text(min_size=1, max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_no_spelling_of_a_secret_survives(secret, before, after) -> None:
    text = before + redis_quote(secret) + after + resp_hex([['AUTH', secret]]) + secret
    masked = mask_secrets(text, [secret])
    assert secret.encode('utf-8').hex() not in masked
    assert redis_quote(secret)[1:-1] not in masked or redis_quote(secret)[1:-1] in MASK


# The result of the haproxy role's template task when haproxy -c refused `log ... local9` (failover scenario, Debian 13).
HAPROXY_REFUSED = {
    'failed': True, 'msg': 'failed to validate', 'exit_status': 1, 'stdout': '',
    'stderr': "[NOTICE]   (3564) : haproxy version is 3.0.11-1+deb13u4\n[NOTICE]   (3564) : path to executable is /usr/sbin/haproxy\n"
              "[ALERT]    (3564) : config : parsing [/root/.ansible/tmp/ansible-tmp-1796197907.8818455-8351-80576514102867/.source.cfg:7]"
              " : log : unknown log facility 'local9'\n"
              "[ALERT]    (3564) : config : Fatal errors found in configuration.\n",
}


def test_validator_refusal_names_the_tool_the_file_and_what_it_said() -> None:
    message = validator_refusal(HAPROXY_REFUSED, 'haproxy -c', '/etc/haproxy/haproxy.cfg', ['lab-stats-secret'])
    assert message.startswith('haproxy -c refused the rendered configuration, so /etc/haproxy/haproxy.cfg was not replaced: ')
    assert "unknown log facility 'local9'" in message and 'failed to validate' in message


def test_validator_refusal_masks_what_the_validator_quotes() -> None:
    secret = 'lab-stats-secret \u00e4"#$\\'
    quoting = dict(HAPROXY_REFUSED, stderr="[ALERT] parsing [x.cfg:67] : 'stats auth admin:%s' unexpected" % secret)
    message = validator_refusal(quoting, 'haproxy -c', '/etc/haproxy/haproxy.cfg', [secret, ''])
    assert 'lab-stats-secret' not in message and MASK in message


def test_validator_refusal_tells_a_rendering_failure_apart() -> None:
    message = validator_refusal({'failed': True, 'msg': 'Destination directory /etc/keepalived does not exist'},
                                "keepalived's configuration test", '/etc/keepalived/keepalived.conf', [])
    assert message == 'Rendering /etc/keepalived/keepalived.conf failed: Destination directory /etc/keepalived does not exist'


# The stats listener of HAProxy 2.6.12 (Debian 12) and 3.0.11 (Debian 13), with only this digest in its file
# (acl ... req.fhdr(authorization),sha2(256),hex -m str -f FILE), answered 200 to this login, 401 to others.
HAPROXY_LET_IN = ('admin', "old'pw \u00e4", '2A9CC2FCB987729E12DD710D98D8D87B1BB87918CEFF9A8F3D028853E8E5C999')


def test_basic_auth_digests_are_what_haproxy_matched() -> None:
    username, password, digest = HAPROXY_LET_IN
    assert basic_auth_digests(password, username) == [digest]
    assert basic_auth_digests([password], username) == [digest]


def test_basic_auth_digests_keep_the_order_and_each_login_once() -> None:
    username, password, digest = HAPROXY_LET_IN
    digests = basic_auth_digests(['new-pw', password, 'new-pw'], username)
    assert len(digests) == 2 and digests[1] == digest and digests[0] != digest
    assert basic_auth_digests([password], 'other') != [digest]


@given(st.text(min_size=1), st.text(min_size=1))
def test_basic_auth_digests_are_upper_case_sha256_hex(username, password) -> None:
    (digest,) = basic_auth_digests(password, username)
    assert len(digest) == 64 and digest == digest.upper() and int(digest, 16) >= 0

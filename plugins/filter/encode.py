# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""resp_hex, redis_quote: secrets and addresses written into configuration files byte for byte;
mask_secrets: a validator's output with every form of those secrets replaced.

resp_hex: commands as the Redis protocol (RESP arrays of bulk strings, lengths in bytes) in hex, for
HAProxy's `tcp-check send-binary` / `expect binary`: nothing in a password needs escaping there.
redis_quote: a value as a double-quoted string that Redis's and Sentinel's configuration parser reads
back as exactly its UTF-8 bytes (JSON's \\uXXXX is not understood there; \\xHH is).
basic_auth_digests: what HAProxy's stats listener compares a client's Authorization header with, so
that no password is written into its configuration.
"""

from __future__ import annotations

import base64
import hashlib
import json
import typing as t

_ESCAPES = {0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t'}


def _bytes(word: t.Any) -> bytes:
    if isinstance(word, bytes):
        return word
    if isinstance(word, bool):
        word = int(word)
    return str(word).encode('utf-8')


def resp_hex(commands: t.Any) -> str:
    """Hex of the RESP encoding of `commands`, a list of commands that are each a list of words."""
    out = bytearray()
    for command in commands or []:
        words = [_bytes(word) for word in command]
        out += b'*%d\r\n' % len(words)
        for word in words:
            out += b'$%d\r\n' % len(word) + word + b'\r\n'
    return out.hex()


def redis_quote(value: t.Any) -> str:
    """`value` as a double-quoted redis.conf / sentinel.conf argument: printable ASCII as is, `"` and `\\`
    escaped, every other byte of its UTF-8 form as \\xHH."""
    parts = []
    for byte in _bytes(value):
        if byte in _ESCAPES:
            parts.append(_ESCAPES[byte])
        elif 0x20 <= byte < 0x7f:
            parts.append(chr(byte))
        else:
            parts.append('\\x%02x' % byte)
    return '"%s"' % ''.join(parts)


def basic_auth_digests(passwords: t.Any, username: t.Any) -> list[str]:
    """SHA-256, in upper-case hex as HAProxy's `sha2(256),hex` converters write it, of the Authorization header
    a client sends with HTTP basic auth as `username` and each of `passwords` (one password or a list), in order,
    each once."""
    if not isinstance(passwords, (list, tuple)):
        passwords = [passwords]
    digests: list[str] = []
    for password in passwords:
        header = b'Basic ' + base64.b64encode(_bytes(username) + b':' + _bytes(password))
        digest = hashlib.sha256(header).hexdigest().upper()
        if digest not in digests:
            digests.append(digest)
    return digests


MASK = '********'


def _forms(secret: t.Any) -> list[str]:
    """Every spelling of `secret` that a configuration file of this collection, or a tool quoting it, may show."""
    data = _bytes(secret)
    text = data.decode('utf-8')
    forms = {text, redis_quote(text)[1:-1], data.hex(), data.hex().upper(), json.dumps(text)[1:-1],
             json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1], text.encode('unicode_escape').decode('ascii')}
    # Longest first, so that no shorter form leaves part of a longer one behind.
    return sorted((form for form in forms if form), key=len, reverse=True)


def mask_secrets(text: t.Any, secrets: t.Any) -> str:
    """`text` (a validator's output, a list of lines or a string) with each of `secrets` masked in every spelling."""
    if isinstance(text, (list, tuple)):
        text = '\n'.join(str(line) for line in text)
    text = '' if text is None else str(text)
    for secret in secrets or []:
        if secret is None or str(secret) == '':
            continue
        for form in _forms(secret):
            text = text.replace(form, MASK)
    return text


def validator_refusal(result: t.Any, tool: str, path: str, secrets: t.Any) -> str:
    """Why a template task with `validate:` failed, from its registered `result`: the validator's own words
    (or the rendering error) with `secrets` masked, naming `tool` and the file that was not replaced."""
    result = result or {}
    said = ' '.join(str(result.get(key) or '') for key in ('msg', 'stdout', 'stderr') if result.get(key))
    if 'exit_status' in result:
        head = '%s refused the rendered configuration, so %s was not replaced: ' % (tool, path)
    else:
        head = 'Rendering %s failed: ' % path
    return head + mask_secrets(said, secrets)


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'resp_hex': resp_hex, 'redis_quote': redis_quote, 'mask_secrets': mask_secrets,
                'validator_refusal': validator_refusal, 'basic_auth_digests': basic_auth_digests}

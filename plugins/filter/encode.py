# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""resp_hex, redis_quote: secrets and addresses written into configuration files byte for byte.

resp_hex: commands as the Redis protocol (RESP arrays of bulk strings, lengths in bytes) in hex, for
HAProxy's `tcp-check send-binary` / `expect binary`: nothing in a password needs escaping there.
redis_quote: a value as a double-quoted string that Redis's and Sentinel's configuration parser reads
back as exactly its UTF-8 bytes (JSON's \\uXXXX is not understood there; \\xHH is).
"""

from __future__ import annotations

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


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'resp_hex': resp_hex, 'redis_quote': redis_quote}

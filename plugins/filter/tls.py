# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tls_files: where a role's certificate, key and CA live on the host, and what it writes there.

A role takes each of the three as PEM text (from a vault, or `lookup('file', ...)` on the
controller), which it writes into its own directory on the host, or as the path of a file already
on the host (kept up to date by the user's own tooling), which it uses where it is.
"""

from __future__ import annotations

import posixpath
import typing as t

from ansible.errors import AnsibleFilterError

PEM_MARK = '-----BEGIN '
# What each item is called in the role's directory, and who may read it (the service's group).
_ITEMS = (('cert', 'crt', '0644'), ('key', 'key', '0640'), ('ca', 'ca.crt', '0644'))


def tls_files(material: t.Any, directory: str, prefix: str) -> dict[str, dict[str, t.Any]]:
    """For each of ``cert``, ``key`` and ``ca`` of ``material``: ``path`` on the host, ``content`` to write there
    (None when the value is a host path, used as it is) and ``mode``."""
    if not isinstance(material, dict):
        raise AnsibleFilterError('tls_files expects a dict with cert, key and ca, got %s' % type(material).__name__)
    files = {}
    for name, suffix, mode in _ITEMS:
        value = str(material.get(name) or '')
        if PEM_MARK in value:
            content = value if value.endswith('\n') else value + '\n'
            files[name] = {'path': posixpath.join(directory, '%s.%s' % (prefix, suffix)), 'content': content, 'mode': mode}
        else:
            files[name] = {'path': value.strip(), 'content': None, 'mode': mode}
    return files


class FilterModule:
    def filters(self):
        return {'tls_files': tls_files}

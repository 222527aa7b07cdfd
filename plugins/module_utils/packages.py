# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Debian packages are missing, from `dpkg-query -W -f='${Package}\\t${db:Status-Status}\\n' NAME...`."""

from __future__ import annotations

import shlex

DPKG_QUERY_FORMAT = '${Package}\\t${db:Status-Status}\\n'


def dpkg_query_command(names):
    """The shell command that prints one `package<TAB>status` line per known package."""
    return ' '.join(['dpkg-query', '-W', '-f=' + shlex.quote(DPKG_QUERY_FORMAT)] + [shlex.quote(name) for name in names])


def missing_packages(names, stdout):
    """The names that dpkg does not report as installed, in the order given.

    dpkg-query prints nothing for a package it has never seen (and exits 1), and a status such as
    `config-files` or `not-installed` for one that was removed.
    """
    installed = set()
    for line in str(stdout or '').splitlines():
        package, _tab, status = line.partition('\t')
        if status.strip() == 'installed':
            installed.add(package.strip())
    return [name for name in names if name not in installed]

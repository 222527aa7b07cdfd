# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""debian_packages decides from dpkg-query which packages are missing."""

from __future__ import annotations

import shlex

from ansible_collections.hastack.redis.plugins.module_utils.packages import dpkg_query_command, missing_packages

# `dpkg-query -W -f='${Package}\t${db:Status-Status}\n' haproxy redis-tools nosuchpkg` on Debian 12
# (exit 1; "no packages found matching nosuchpkg" on stderr).
INSTALLED_AND_UNKNOWN = 'haproxy\tinstalled\nredis-tools\tinstalled\n'


def test_only_unknown_packages_are_missing() -> None:
    assert missing_packages(['haproxy', 'redis-tools', 'nosuchpkg'], INSTALLED_AND_UNKNOWN) == ['nosuchpkg']
    assert missing_packages(['haproxy', 'redis-tools'], INSTALLED_AND_UNKNOWN) == []


def test_removed_packages_with_their_configuration_are_missing() -> None:
    assert missing_packages(['nginx'], 'nginx\tconfig-files\n') == ['nginx']
    assert missing_packages(['nginx'], 'nginx\tnot-installed\n') == ['nginx']


def test_nothing_known_means_everything_is_missing() -> None:
    assert missing_packages(['haproxy', 'socat'], '') == ['haproxy', 'socat']


def test_the_command_quotes_its_format_and_names() -> None:
    words = shlex.split(dpkg_query_command(['haproxy', 'socat']))
    assert words == ['dpkg-query', '-W', '-f=${Package}\\t${db:Status-Status}\\n', 'haproxy', 'socat']

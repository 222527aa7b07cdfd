#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: debian_packages
short_description: Install Debian packages, refreshing the package index only when one is missing
version_added: 1.1.0
description:
  - Asks dpkg which of the packages are installed. When all are, nothing else runs and the task reports no change,
    so a re-run neither refreshes the index nor reports a change.
  - When one is missing, runs M(ansible.builtin.apt) with O(ansible.builtin.apt#module:update_cache=true), whatever
    the age of the package lists. A fresh host or image whose lists were emptied (C(rm -rf /var/lib/apt/lists/*))
    installs at once, where C(cache_valid_time) would trust the emptied lists and answer that the package is not
    available.
  - The one way every role of this collection installs its packages.
author:
  - hastack.redis contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The dpkg query runs in check mode too; with a package missing the task reports a change and installs nothing.
  diff_mode:
    support: none
  platform:
    platforms: debian
options:
  name:
    description:
      - A package name or a list of package names.
    type: list
    elements: str
    required: true
  install_recommends:
    description:
      - Whether apt installs the packages' recommended packages too. Unset, apt's own setting decides (Debian
        installs them).
    type: bool
    version_added: 1.2.0
"""

EXAMPLES = r"""
- name: Install HAProxy and socat
  hastack.redis.debian_packages:
    name:
      - haproxy
      - socat
"""

RETURN = r"""
missing:
  description: The packages dpkg did not report as installed before the task.
  returned: always
  type: list
  elements: str
  sample: [haproxy]
cache_updated:
  description: Whether the package index was refreshed.
  returned: always
  type: bool
  sample: true
"""

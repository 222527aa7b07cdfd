# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""debian_packages: install Debian packages, refreshing the package index only when one is missing."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.hastack.redis.plugins.module_utils.packages import dpkg_query_command, missing_packages


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('name', 'install_recommends'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        names = self._task.args.get('name')
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names or not all(isinstance(name, str) and name for name in names):
            raise AnsibleActionFail('name must be a package name or a non-empty list of package names, got %r' % (names,))

        # Read-only, so it runs in check mode too (the command module would skip it).
        query = self._low_level_execute_command(dpkg_query_command(names))
        missing = missing_packages(names, to_text(query.get('stdout', '')))
        result.update({'changed': False, 'missing': missing, 'cache_updated': False})
        if not missing:
            return result

        if self._task.check_mode:
            # apt refreshes no index in check mode, and the lists of a fresh host know no package.
            result.update({'changed': True, 'msg': 'would refresh the package index and install %s' % ', '.join(missing)})
            return result

        # Lists that are missing, emptied or stale make apt say a package is not available
        # (cache_valid_time trusts an index emptied minutes ago): refresh them before installing.
        apt_args = {'name': names, 'state': 'present', 'update_cache': True}
        if self._task.args.get('install_recommends') is not None:
            apt_args['install_recommends'] = bool(self._task.args['install_recommends'])
        apt = self._execute_module(module_name='ansible.builtin.apt', task_vars=task_vars, module_args=apt_args)
        apt.pop('invocation', None)
        result.update(apt)
        result['missing'] = missing
        return result

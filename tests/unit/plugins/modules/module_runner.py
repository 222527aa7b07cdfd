# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in the test process and get what it would have printed."""

from __future__ import annotations

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class AnsibleExitJson(Exception):
    """Raised instead of exiting with success."""


class AnsibleFailJson(Exception):
    """Raised instead of exiting with a failure."""


def _exit_json(self, **kwargs):
    raise AnsibleExitJson(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs['msg'] = msg
    raise AnsibleFailJson(kwargs)


def patch_exits(monkeypatch):
    """Make AnsibleModule's exit_json and fail_json raise instead of exiting (pytest's monkeypatch undoes it)."""
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)


def run_module(main, args):
    """Run a module's ``main`` with ``args`` (exits patched); return ``(failed, result)``."""
    with patch_module_args(args):
        try:
            main()
        except AnsibleExitJson as exc:
            return False, exc.args[0]
        except AnsibleFailJson as exc:
            return True, exc.args[0]
    raise AssertionError('module neither exited nor failed')

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every secret a module takes is a top-level no_log option.

AnsibleModule logs each invocation on the managed host (the journal), masking no_log options; a
password inside a dict option's suboptions was logged as it is (seen with redis_switchover's first
spec, which took master.password and friends)."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_command, redis_probe, redis_switchover

MODULES = {'redis_command': redis_command.argument_spec(), 'redis_probe': redis_probe.argument_spec(),
           'redis_switchover': redis_switchover.argument_spec()}
SECRET_WORDS = ('password', 'secret', 'pass')


def _suboptions(spec, path=()):
    for name, option in spec.items():
        if option.get('options'):
            for sub, sub_option in option['options'].items():
                yield path + (name, sub), sub_option
            yield from _suboptions(option['options'], path + (name,))


@pytest.mark.parametrize('module', sorted(MODULES))
def test_no_suboption_holds_a_secret(module):
    nested = ['.'.join(path) for path, _option in _suboptions(MODULES[module]) if any(word in path[-1] for word in SECRET_WORDS)]
    assert not nested, '%s: secrets in suboptions are logged unmasked on the host: %s' % (module, nested)


@pytest.mark.parametrize('module', sorted(MODULES))
def test_every_top_level_secret_is_no_log(module):
    spec = MODULES[module]
    loud = [name for name, option in spec.items()
            if any(word in name for word in ('password', 'secrets')) and not option.get('no_log')]
    assert not loud, '%s: options that hold secrets without no_log: %s' % (module, loud)

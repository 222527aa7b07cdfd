# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_switchover


def params(**changes):
    values = {name: option.get('default') for name, option in redis_switchover.argument_spec().items()}
    values.update(master_name='orders', master={'host': '10.41.7.11', 'port': 6379, 'username': 'admin'},
                  target={'host': '10.41.7.12', 'port': 6379, 'username': 'admin'},
                  sentinel={'host': '127.0.0.1', 'port': 26379, 'username': None})
    values.update(changes)
    return values


def test_the_defaults_are_accepted():
    assert redis_switchover.problems(params()) == []


@pytest.mark.parametrize('align_ms', [-1, 801])
def test_an_alignment_out_of_range_is_named(align_ms):
    found = redis_switchover.problems(params(align_ms=align_ms))
    assert found == ['align_ms must be between 0 and 800, got %d' % align_ms]


def test_a_non_positive_align_timeout_is_named():
    assert redis_switchover.problems(params(align_timeout=0.0)) == ['align_timeout must be greater than 0, got 0.0']

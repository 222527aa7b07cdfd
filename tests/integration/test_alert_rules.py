# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's Prometheus alert rules, checked and unit-tested by Prometheus' own promtool."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.hastack.redis.tests.integration.haproxy_lab import binary

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES = REPO_ROOT / 'roles' / 'prometheus' / 'files' / 'hastack-redis.rules.yml'
TESTS = REPO_ROOT / 'tests' / 'prometheus' / 'hastack-redis.test.yml'
PROMTOOL = binary('promtool')

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason='promtool is not installed (apt-get install prometheus)')


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, check=False)


def test_rules_load():
    result = promtool('check', 'rules', str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_unit_tests_pass():
    result = promtool('test', 'rules', str(TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_seen_firing_by_a_test():
    alerts = {rule['alert'] for group in yaml.safe_load(RULES.read_text())['groups'] for rule in group['rules']}
    fired = {case['alertname']
             for test in yaml.safe_load(TESTS.read_text())['tests']
             for case in test.get('alert_rule_test', []) if case.get('exp_alerts')}
    assert alerts - fired == set()
    assert fired - alerts == set()


def test_a_broken_rule_fails_its_test(tmp_path):
    """The tests can fail: the rules with one threshold changed no longer pass them."""
    broken = tmp_path / 'roles' / 'prometheus' / 'files' / RULES.name
    broken.parent.mkdir(parents=True)
    broken.write_text(RULES.read_text().replace('redis_connected_slave_lag_seconds{job="redis"} > 10',
                                                'redis_connected_slave_lag_seconds{job="redis"} > 20'))
    assert broken.read_text() != RULES.read_text()
    tests = tmp_path / 'tests' / 'prometheus' / TESTS.name
    tests.parent.mkdir(parents=True)
    tests.write_text(TESTS.read_text())
    result = promtool('test', 'rules', str(tests))
    assert result.returncode != 0
    assert 'HastackReplicaLagging' in result.stdout + result.stderr

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""redis_server's trial start (tasks/validate.yml) on the role's own rendered files, with the host's real
redis-server: settings and ACL rules Redis accepts pass; an unknown eviction policy or an unknown command in a
user's rules fails with Redis's own message, the secrets masked, and no server is left running."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab

ROLE = Path(__file__).resolve().parents[2] / 'roles' / 'redis_server'
REDIS_SERVER = lab.binary('redis-server')
SECRET = 'trial "secret" #$ \\ \u00e4'


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _trial(tmp_path: Path, **overrides: object) -> subprocess.CompletedProcess:
    """Render managed.conf and users.acl as the role does, then run validate.yml on them."""
    if REDIS_SERVER is None or os.geteuid() != 0 or not _user_exists('redis'):
        pytest.skip('needs root, redis-server and its redis user (tools/install-host-packages.sh redis-server)')
    # The service user reads the files, as it reads /etc/redis: not from pytest's private directories.
    config = Path(tempfile.mkdtemp(prefix='hastack-trial-test-'))
    config.chmod(0o755)
    extra = {
        'inventory_hostname': 'redis1',
        'redis_server_admin_password': SECRET, 'redis_server_replication_password': SECRET,
        'redis_server_healthcheck_password': SECRET, 'redis_server_sentinel_user_password': SECRET,
        'redis_server_address': '127.0.0.1',
        'redis_server_acl_users': [{'name': 'app', 'password': SECRET, 'rules': '~* &* +@all -@dangerous'}],
        '_redis_server_managed_config': str(config / 'hastack-managed.conf'),
        '_redis_server_acl_file': str(config / 'hastack-users.acl'),
    }
    extra.update(overrides)
    render = [{'name': 'Render ' + name, 'ansible.builtin.template': {
        'src': str(ROLE / 'templates' / template), 'dest': str(config / name), 'mode': '0644'}}
        for template, name in (('managed.conf.j2', 'hastack-managed.conf'), ('users.acl.j2', 'hastack-users.acl'))]
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'vars_files': [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml')],
             'tasks': render + [{'name': 'Trial start', 'ansible.builtin.include_tasks': str(ROLE / 'tasks' / 'validate.yml')}]}]
    try:
        return lab.playbook(tmp_path, 'trial', play, extra)
    finally:
        shutil.rmtree(config)


def _no_trial_server_left() -> bool:
    ps = subprocess.run(['ps', '-eo', 'args'], capture_output=True, text=True, check=True).stdout
    return 'hastack-redis-trial.' not in ps


def test_settings_redis_accepts_pass(tmp_path):
    result = _trial(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _no_trial_server_left()
    assert not list(Path('/tmp').glob('hastack-redis-trial.*/trial.sock'))


def test_an_unknown_eviction_policy_fails_with_redis_s_message(tmp_path):
    result = _trial(tmp_path, redis_server_maxmemory_policy='allkeys-lur')
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'refuses the settings' in output and 'allkeys-lur' in output and 'maxmemory-policy' in output, output[-3000:]
    assert 'trial "secret"' not in output and 'trial \\"secret' not in output
    assert _no_trial_server_left()


def test_an_unknown_command_in_a_user_s_rules_fails_naming_it(tmp_path):
    users = [{'name': 'app', 'password': SECRET, 'rules': '+getx'}]
    result = _trial(tmp_path, redis_server_acl_users=users)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'refuses the settings' in output and '+getx' in output, output[-3000:]
    assert 'trial "secret"' not in output
    assert _no_trial_server_left()


def test_a_numeric_password_renders_and_passes(tmp_path):
    """YAML gives `password: 12345678` as a number: it is a password like any other, not a template error."""
    users = [{'name': 'app', 'password': 12345678, 'rules': '~* +@read'}]
    result = _trial(tmp_path, redis_server_acl_users=users, redis_server_admin_password=87654321)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hastack.redis.debian_packages on a fresh Debian 12 host whose package lists were just emptied (the lab's
bare image): ansible.builtin.apt with cache_valid_time finds no package there, debian_packages installs, and a
second run changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ansible_collections.hastack.redis.tests.integration import haproxy_lab as lab

IMAGE = os.environ.get('LAB_IMAGE_PREFIX', 'hastack-redis-lab') + ':debian12-bare'
PACKAGES = ['haproxy', 'socat']


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(['docker', *args], capture_output=True, text=True, timeout=120, check=check)


pytestmark = pytest.mark.skipif(
    shutil.which('docker') is None or subprocess.run(['docker', 'image', 'inspect', IMAGE], capture_output=True,
                                                     check=False).returncode != 0,
    reason='needs Docker and the lab image %s (make image)' % IMAGE)


@pytest.fixture()
def fresh_host():
    """A container of the bare image on a network of its own; its package lists are empty and recent."""
    name = 'hastack-it-packages-' + uuid.uuid4().hex[:8]
    _docker('network', 'create', name)
    try:
        _docker('run', '-d', '--name', name, '--network', name, IMAGE, 'sleep', '900')
        # A fresh host's lists were emptied moments ago; the image may have been built hours ago, so give the
        # lists directory the age cache_valid_time reads (its mtime) that a freshly built host has.
        _docker('exec', name, 'touch', '/var/lib/apt/lists')
        yield name
    finally:
        _docker('rm', '-f', name, check=False)
        _docker('network', 'rm', name, check=False)


def _play(workdir: Path, host: str, tasks: list[dict]) -> dict:
    """Run tasks on the container; return {task name: registered result}."""
    play = [{'hosts': host, 'gather_facts': False, 'tasks': tasks + [
        {'name': 'Keep the results', 'ansible.builtin.copy': {
            'content': '{{ {' + ', '.join("'%s': %s" % (task['register'], task['register']) for task in tasks) + '} | to_json }}',
            'dest': str(workdir / 'results.json'), 'mode': '0644'}, 'delegate_to': 'localhost'}]}]
    (workdir / 'play.yml').write_text(json.dumps(play))
    env = lab.ansible_env(workdir)
    env['ANSIBLE_PYTHON_INTERPRETER'] = '/usr/bin/python3'  # the container's (and the controller's copy task's)
    argv = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', host + ',', '-c', 'community.docker.docker',
            str(workdir / 'play.yml')]
    completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    return json.loads((workdir / 'results.json').read_text())


def test_installs_where_apt_cache_valid_time_finds_nothing(fresh_host, tmp_path):
    results = _play(tmp_path, fresh_host, [
        {'name': 'apt as the roles used it', 'register': 'plain', 'ignore_errors': True,
         'ansible.builtin.apt': {'name': PACKAGES, 'state': 'present', 'update_cache': True, 'cache_valid_time': 3600}},
        {'name': 'Check mode', 'register': 'check', 'check_mode': True, 'hastack.redis.debian_packages': {'name': PACKAGES}},
        {'name': 'Install', 'register': 'first', 'hastack.redis.debian_packages': {'name': PACKAGES}},
        {'name': 'Again', 'register': 'second', 'hastack.redis.debian_packages': {'name': PACKAGES}},
    ])
    # The bug this module exists for: the emptied lists look fresh to cache_valid_time.
    assert results['plain']['failed'] and "No package matching 'haproxy'" in results['plain']['msg']
    assert results['check']['changed'] and results['check']['missing'] == PACKAGES
    assert results['first']['changed'] and results['first']['cache_updated'] and results['first']['missing'] == PACKAGES
    assert not results['second']['changed'] and results['second']['missing'] == []
    status = _docker('exec', fresh_host, 'dpkg-query', '-W', '-f=${db:Status-Status}\n', *PACKAGES).stdout.split()
    assert status == ['installed', 'installed']

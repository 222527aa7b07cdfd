# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""redis_command against a real redis-server, run through ansible-playbook at -vvv: passwords with spaces, quotes,
#, $, a backslash and a non-ASCII letter work end to end and never show in Ansible's output."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisConnection
from ansible_collections.hastack.redis.tests.integration.conftest import REDIS_SERVER, SKIP_REASON

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)

ADMIN_PASSWORD = 'Adm1n pw "quoted" #$x\\y ä'
APP_PASSWORD = "App pw 'single' $HOME \\n ö"


@pytest.fixture(scope='module')
def server(processes):
    return processes.server('command', '--user', 'admin', 'on', '>' + ADMIN_PASSWORD, '~*', '&*', '+@all')


def command_task(name, port, commands, **extra):
    args = {'port': port, 'username': 'admin', 'password': ADMIN_PASSWORD, 'commands': commands}
    args.update(extra.pop('args', {}))
    return dict({'name': name, 'hastack.redis.redis_command': args}, **extra)


def test_commands_with_unusual_secrets_work_and_stay_secret(server, ansible_playbook):
    port = server.port
    run = ansible_playbook([
        command_task('Create the application user', port,
                     [['ACL', 'SETUSER', 'app', 'on', '>' + APP_PASSWORD, '~app:*', '+@all'], ['SET', 'app:k', 'v']],
                     args={'secrets': [APP_PASSWORD]}),
        {'name': 'Log in as it', 'hastack.redis.redis_command': {
            'port': port, 'username': 'app', 'password': APP_PASSWORD, 'commands': [['ACL', 'WHOAMI'], ['GET', 'app:k']],
            'read_only': True}},
        command_task('A refused command', port, [['CONFIG', 'SET', 'no-such-setting', APP_PASSWORD]],
                     args={'secrets': [APP_PASSWORD]}, ignore_errors=True),
        command_task('In check mode nothing is sent', port, [['SET', 'app:never', '1']], check_mode=True),
        command_task('But reads run', port, [['EXISTS', 'app:never']], args={'read_only': True}, check_mode=True),
    ], extra_args=['-vvv'])
    created, login, refused, checked, exists = run.results
    assert created['changed'] and created['replies'] == ['OK', 'OK']
    assert not login['changed'] and login['replies'] == ['app', 'v']
    assert refused['failed'] and refused['msg'].startswith('CONFIG SET failed on 127.0.0.1:%d: ' % port)
    assert checked['changed'] and checked['replies'] == []
    assert not exists['changed'] and exists['replies'] == [0]
    output = run.stdout + run.stderr
    for secret in (ADMIN_PASSWORD, APP_PASSWORD, 'Adm1n pw', 'App pw'):
        assert secret not in output, 'a password reached Ansible output at -vvv'
    # The password the server stored is the one given, non-ASCII letter included.
    with RedisConnection('127.0.0.1', port, username='app', password=APP_PASSWORD) as conn:
        assert conn.command('ACL', 'WHOAMI') == 'app'

#!/usr/bin/python
# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_command
short_description: Send commands to a Redis/Valkey server or Sentinel over one authenticated connection
version_added: 1.1.0
description:
  - Sends each command of O(commands), in order, on one connection, and returns the replies.
  - Passwords, the one to authenticate and any inside a command, travel only inside the module's arguments and
    the connection, never on a command line or in the environment of a process, as C(redis-cli) needs them.
  - Every word is sent as it is, as a RESP bulk string, so spaces, quotes, C(#), C($), backslashes and non-ASCII
    letters need no escaping.
  - An error reply fails the task, naming the command (its first two words) and the server's message. With
    O(allow_errors=true) the error is returned as the command's reply instead.
author:
  - hastack.redis contributors (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hastack.redis.connection
attributes:
  check_mode:
    support: full
    details: Commands run in check mode only with O(read_only=true); otherwise nothing is sent and the task reports a change.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  port:
    description:
      - TCP port to connect to.
    type: int
    default: 6379
  commands:
    description:
      - The commands, each a list of words, for example V([CONFIG, SET, maxmemory, 1gb]).
    type: list
    elements: list
    required: true
  read_only:
    description:
      - The commands change nothing (C(INFO), C(SENTINEL MASTER), ...). The task then never reports a change and runs in
        check mode too.
    type: bool
    default: false
  allow_errors:
    description:
      - Return an error reply as the reply of its command (a mapping with C(error)) instead of failing, and go on with
        the next command.
    type: bool
    default: false
  secrets:
    description:
      - Values that appear inside O(commands) (for example the password in C(SENTINEL SET name auth-pass VALUE)).
        Ansible masks them wherever they would show in the task's result, at any verbosity.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Point Sentinel at the servers' ACL user, the password masked in every output
  hastack.redis.redis_command:
    port: 26379
    password: "{{ sentinel_password }}"
    commands:
      - [SENTINEL, SET, mymaster, auth-user, sentinel, auth-pass, "{{ sentinel_server_password }}"]
    secrets:
      - "{{ sentinel_server_password }}"

- name: Read what a Sentinel knows of a master
  hastack.redis.redis_command:
    port: 26379
    password: "{{ sentinel_password }}"
    commands:
      - [SENTINEL, MASTER, mymaster]
    read_only: true
  register: master
"""

RETURN = r"""
replies:
  description:
    - One reply per command, in order, as the server sent it (strings, integers, lists; RESP3 maps as mappings).
    - With O(allow_errors=true) an error reply is a mapping with C(error) (the message) and C(code) (its first word).
  returned: success
  type: list
  elements: raw
  sample: [OK, OK]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.connection import (
    connection_argument_spec,
    connection_factory,
    connection_problem,
)
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisError, ServerError


def argument_spec():
    spec = connection_argument_spec()
    spec['port'] = dict(type='int', default=6379)
    spec.update(
        commands=dict(type='list', elements='list', required=True),
        read_only=dict(type='bool', default=False),
        allow_errors=dict(type='bool', default=False),
        secrets=dict(type='list', elements='str', default=[], no_log=True),
    )
    return spec


def command_words(command):
    """The words of one command as strings; booleans and None are refused, they have no single Redis spelling."""
    if not command:
        raise ValueError('a command needs at least one word')
    words = []
    for word in command:
        if isinstance(word, bool) or word is None or isinstance(word, (dict, list)):
            raise ValueError('command words must be strings or numbers, got %r' % (type(word).__name__,))
        words.append(str(word))
    return words


def plain(reply):
    """A reply made of types Ansible can return (bytes decoded, maps and sets as mappings and lists)."""
    if isinstance(reply, bytes):
        return reply.decode('utf-8', 'replace')
    if isinstance(reply, dict):
        return {str(plain(key)): plain(value) for key, value in reply.items()}
    if isinstance(reply, (list, tuple, set, frozenset)):
        return [plain(item) for item in reply]
    return reply


def run(conn, commands, allow_errors):
    """Send the commands; return the replies, or raise ServerError naming the failed command."""
    replies = []
    for words in commands:
        try:
            replies.append(plain(conn.command(*words)))
        except ServerError as exc:
            if not allow_errors:
                # Name the command by its first two words only: later words may be values a user wants kept quiet.
                exc.command = ' '.join(words[:2]).upper()
                raise
            replies.append({'error': exc.message, 'code': exc.code})
    return replies


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_together=[('tls_client_cert', 'tls_client_key')])
    params = module.params
    problem = connection_problem(params)
    if problem:
        module.fail_json(msg=problem)
    try:
        commands = [command_words(command) for command in params['commands']]
    except ValueError as exc:
        module.fail_json(msg='commands: %s' % exc)
    if not commands:
        module.fail_json(msg='commands is empty: give at least one command, a list of words')
    if module.check_mode and not params['read_only']:
        module.exit_json(changed=True, replies=[], msg='check mode: %d commands not sent' % len(commands))
    connect, address = connection_factory(params, params['port'])
    conn = None
    failure = None
    try:
        conn = connect()
        replies = run(conn, commands, params['allow_errors'])
    except ServerError as exc:
        failure = '%s failed on %s: %s' % (exc.command or 'a command', address, exc.message)
    except RedisError as exc:
        failure = 'talking to %s failed: %s' % (address, exc.message)
    finally:
        if conn is not None:
            conn.close()
    if failure:
        module.fail_json(msg=failure)
    module.exit_json(changed=not params['read_only'], replies=replies)


if __name__ == '__main__':
    main()

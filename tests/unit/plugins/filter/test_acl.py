# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acl_rules: ACL users as the words of their definition, with previous passwords during a change."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.redis.plugins.filter.acl import acl_previous, acl_previous_refusal, acl_rules, acl_setuser

# ACL GETUSER of Redis 7.0.15 after ACL SETUSER hc '>n3w p"a\ss,()%': its one password hash.
REDIS_HASH = '#b3abdaf19f8f3106badaa1dc9e4f4513209df5a1371e1cc8b5d8aeb9920a2667'
PASSWORD = 'n3w p"a\\ss,()%'


def test_the_hash_is_the_one_redis_keeps() -> None:
    assert acl_rules([{'name': 'hc', 'password': PASSWORD, 'rules': '-@all +ping'}]) == [['hc', 'on', REDIS_HASH, '-@all', '+ping']]


def test_a_previous_password_follows_the_current_one() -> None:
    users = [{'name': 'app', 'password': 'new', 'rules': '~app:* +@all'}, {'name': 'hc', 'password': PASSWORD, 'rules': ['+ping']}]
    entries = acl_rules(users, {'hc': 'old'})
    assert entries[0][:2] == ['app', 'on'] and len(entries[0]) == 5
    assert entries[1][:3] == ['hc', 'on', REDIS_HASH]
    assert entries[1][3] == acl_rules([{'name': 'hc', 'password': 'old', 'rules': []}])[0][2]
    assert entries[1][4:] == ['+ping']


def test_several_previous_passwords_and_the_same_one_twice() -> None:
    entry = acl_rules([{'name': 'u', 'password': 'a', 'rules': ''}], {'u': ['b', 'a', '', 'b']})[0]
    assert len(entry) == 4 and len(set(entry[2:])) == 2


def test_an_empty_previous_password_adds_nothing() -> None:
    assert acl_rules([{'name': 'u', 'password': 'a', 'rules': ''}], {'u': ''}) == acl_rules([{'name': 'u', 'password': 'a', 'rules': ''}])


def test_a_selector_stays_one_argument() -> None:
    entry = acl_rules([{'name': 'u', 'password': 'a', 'rules': '~app:* +get (~log:* +xadd +xrange) -@dangerous'}])[0]
    assert entry[3:] == ['~app:*', '+get', '(~log:* +xadd +xrange)', '-@dangerous']


def test_unbalanced_parentheses_and_a_list_of_previous_passwords_by_mistake_are_refused() -> None:
    with pytest.raises(AnsibleFilterError, match='unbalanced'):
        acl_rules([{'name': 'u', 'password': 'a', 'rules': '(~x +get'}])
    with pytest.raises(AnsibleFilterError, match='mapping of user name'):
        acl_rules([{'name': 'u', 'password': 'a', 'rules': ''}], ['old'])


def test_setuser_redefines_each_user_and_deletes_the_stale_ones_only() -> None:
    entries = acl_rules([{'name': 'admin', 'password': 'a', 'rules': '~* +@all'}, {'name': 'app', 'password': 'b', 'rules': '+get'}])
    # The reply of ACL USERS on a server that also has an old user.
    commands = acl_setuser(entries, ['admin', 'app', 'default', 'olduser'])
    assert commands[0] == ['ACL', 'SETUSER', 'admin', 'reset'] + entries[0][1:]
    assert commands[1][:4] == ['ACL', 'SETUSER', 'app', 'reset']
    assert commands[2:] == [['ACL', 'DELUSER', 'olduser']]
    assert acl_setuser(entries, ['admin', 'app', 'default']) == commands[:2]


def test_previous_passwords_of_one_user_as_a_list() -> None:
    previous = {'admin': 'old', 'app': ['older', '', 'old'], 'hc': None}
    assert acl_previous(previous, 'admin') == ['old']
    assert acl_previous(previous, 'app') == ['older', 'old']
    assert acl_previous(previous, 'hc') == [] and acl_previous(previous, 'nobody') == []
    assert acl_previous('not a mapping', 'admin') == []


def test_previous_passwords_for_an_unknown_user_or_not_a_mapping_are_refused_by_name() -> None:
    names = ['admin', 'app']
    assert acl_previous_refusal({'admin': 'old'}, names, 'redis_server_previous_passwords') == ''
    assert acl_previous_refusal({}, names, 'redis_server_previous_passwords') == ''
    refusal = acl_previous_refusal({'admni': 'old', 'app': 'x'}, names, 'redis_server_previous_passwords')
    assert refusal.startswith('redis_server_previous_passwords names admni, which is no user here (the users are admin, app)')
    assert 'old' not in refusal.replace('old password', '')
    assert 'must be a mapping' in acl_previous_refusal(['old'], names, 'redis_sentinel_previous_passwords')

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acl_rules: the ACL users of a server or Sentinel as the words of their definition, each with its
password's SHA-256 and, while a password changes, its previous one's too."""

from __future__ import annotations

import hashlib
import typing as t

from ansible.errors import AnsibleFilterError


def _words(rules: t.Any) -> list[str]:
    """A user's rules as ACL SETUSER arguments: a list as it is, a string split at blanks, except inside a
    selector's parentheses, which Redis takes as one argument."""
    if isinstance(rules, (list, tuple)):
        return [str(rule) for rule in rules]
    words: list[str] = []
    depth = 0
    for word in str(rules or '').split():
        if depth > 0:
            words[-1] += ' ' + word
        else:
            words.append(word)
        depth += word.count('(') - word.count(')')
    if depth != 0:
        raise AnsibleFilterError('unbalanced parentheses in the ACL rules %r' % (rules,))
    return words


def _previous(value: t.Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None and str(item) != '']
    return [str(value)] if str(value) != '' else []


def _hash(password: str) -> str:
    return '#' + hashlib.sha256(password.encode('utf-8')).hexdigest()


def acl_rules(users: t.Any, previous_passwords: t.Any = None) -> list[list[str]]:
    """Each of `users` (name, password, rules) as [name, 'on', '#<sha256>', ..., rule, ...]: the line of an
    ACL file after `user`, and the arguments of `ACL SETUSER` after `reset`. `previous_passwords` maps a
    user's name to the password (or list of passwords) it also accepts while its consumers move over."""
    previous = previous_passwords or {}
    if not isinstance(previous, dict):
        raise AnsibleFilterError('previous passwords must be a mapping of user name to password, got %s'
                                 % type(previous).__name__)
    entries = []
    for user in users or []:
        name = str(user['name'])
        passwords = [str(user['password'])] + _previous(previous.get(name))
        hashes = list(dict.fromkeys(_hash(password) for password in passwords))
        entries.append([name, 'on'] + hashes + _words(user.get('rules')))
    return entries


def acl_previous(previous_passwords: t.Any, name: t.Any) -> list[str]:
    """The previous passwords `previous_passwords` (user name to a password or a list) gives the user `name`, as a
    list without empty ones; none for a mapping that is not one (preflight refuses it)."""
    if not isinstance(previous_passwords, dict):
        return []
    return _previous(previous_passwords.get(str(name)))


def acl_previous_refusal(previous_passwords: t.Any, names: t.Any, variable: str) -> str:
    """Why `previous_passwords` (the role variable `variable`) cannot be used with the users `names`: not a mapping,
    or a user name that is none of them. Empty when it can."""
    known = [str(name) for name in names or []]
    if not isinstance(previous_passwords, dict):
        return '%s must be a mapping of user name to previous password, got %s. Nothing was changed.' % (
            variable, type(previous_passwords).__name__)
    unknown = [str(name) for name in previous_passwords if str(name) not in known]
    if unknown:
        return '%s names %s, which %s no user here (the users are %s). Nothing was changed.' % (
            variable, ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(known))
    return ''


def acl_setuser(entries: t.Any, existing: t.Any = None) -> list[list[str]]:
    """The commands that give a running server or Sentinel exactly the users of `entries` (acl_rules's
    output): ACL SETUSER <name> reset ... for each (its clients stay connected, where ACL LOAD would
    disconnect every client of every user), then ACL DELUSER for each of `existing` (ACL USERS) that is
    neither among them nor the default user."""
    commands = [['ACL', 'SETUSER', entry[0], 'reset'] + list(entry[1:]) for entry in entries or []]
    keep = {entry[0] for entry in entries or []} | {'default'}
    stale = [str(name) for name in existing or [] if str(name) not in keep]
    if stale:
        commands.append(['ACL', 'DELUSER'] + stale)
    return commands


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {'acl_rules': acl_rules, 'acl_setuser': acl_setuser, 'acl_previous': acl_previous,
                'acl_previous_refusal': acl_previous_refusal}

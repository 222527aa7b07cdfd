# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role's defaults/main.yml and meta/argument_specs.yml describe the same variables."""

from __future__ import annotations

import pathlib
import re
import typing as t

import pytest
import yaml

ROLES_DIR = pathlib.Path(__file__).resolve().parents[2] / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if (path / "tasks" / "main.yml").is_file())


def _load(path: pathlib.Path) -> t.Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _defaults(role: str) -> dict[str, t.Any]:
    path = ROLES_DIR / role / "defaults" / "main.yml"
    return (_load(path) or {}) if path.is_file() else {}


def _options(role: str) -> dict[str, dict[str, t.Any]]:
    specs = _load(ROLES_DIR / role / "meta" / "argument_specs.yml")
    return specs["argument_specs"]["main"].get("options") or {}


def test_there_are_roles() -> None:
    assert "vip_bind" in ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_documented_with_the_same_value(role: str) -> None:
    defaults, options = _defaults(role), _options(role)
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, f"{role}: defaults without an argument_specs entry: {undocumented}"
    mismatched = {
        name: (value, options[name].get("default"))
        for name, value in defaults.items()
        if options[name].get("default") != value and not _said_in_words(value, options[name])
    }
    assert not mismatched, f"{role}: defaults/main.yml vs argument_specs default (defaults, spec): {mismatched}"


def _said_in_words(value: t.Any, spec: dict[str, t.Any]) -> bool:
    """A templated default of a type other than str is described in words instead of given as `default`
    (the docs site's schema, checked by antsibull-docs in make lint, would refuse the template text as an int or a list of dicts)."""
    templated = isinstance(value, str) and "{{" in value
    text = " ".join(spec["description"]) if isinstance(spec["description"], list) else spec["description"]
    return (templated and spec.get("type") not in (None, "str") and "default" not in spec
            and bool(re.search(r"\b(Default|Derived by default)\b", text)))


@pytest.mark.parametrize("role", ROLES)
def test_every_documented_default_is_in_defaults(role: str) -> None:
    defaults, options = _defaults(role), _options(role)
    missing = sorted(name for name, spec in options.items() if "default" in spec and name not in defaults)
    assert not missing, f"{role}: argument_specs defaults missing from defaults/main.yml: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_prefixed_and_described(role: str) -> None:
    for name, spec in _options(role).items():
        assert name.startswith(f"{role}_"), f"{role}: option {name} lacks the role prefix"
        assert spec.get("description"), f"{role}: option {name} has no description"
        assert spec.get("type"), f"{role}: option {name} has no type"


def test_example_group_vars_only_set_options_the_roles_have() -> None:
    """A typo in the one file users edit would be silently ignored by Ansible."""
    example = _load(ROLES_DIR.parent / "inventory.example" / "group_vars" / "all.yml")
    known = {name for role in ROLES for name in _options(role)}
    prefixes = tuple(f"{role}_" for role in ROLES)
    unknown = sorted(name for name in example if name.startswith(prefixes) and name not in known)
    assert not unknown, f"inventory.example sets variables no role has: {unknown}"


def test_example_shared_values_are_read_by_a_role() -> None:
    """A stack-wide hastack_* value no role default follows (nor the example itself) would be silently ignored too."""
    example = _load(ROLES_DIR.parent / "inventory.example" / "group_vars" / "all.yml")
    read = set(re.findall(r"\bhastack_[a-z_]+\b", " ".join(str(value) for value in example.values())))
    for path in list(ROLES_DIR.glob("*/defaults/main.yml")) + list((ROLES_DIR.parent / "playbooks").glob("*.yml")):
        read.update(re.findall(r"\bhastack_[a-z_]+\b", path.read_text()))
    unread = sorted(name for name in example if name.startswith("hastack_") and name not in read)
    assert not unread, f"inventory.example sets shared values no role or playbook reads: {unread}"

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of the README's guide for real hosts: which commands it finds, how it answers the vault prompt."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.hastack.redis.lab.guide import adapt, commands, edit

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_guide_copies_the_example_encrypts_the_vault_and_runs_the_playbooks() -> None:
    found = commands(README.read_text(encoding="utf-8"))
    assert found[0] == "mkdir -p inventory/group_vars/all"
    assert found.count("#") == 1
    edited = found.index("#")
    assert all(command.split()[0] in ("mkdir", "cp") for command in found[:edited])
    assert found[edited + 1] == "ansible-vault encrypt inventory/group_vars/all/vault.yml"
    playbooks = [command.split()[3] for command in found[edited + 2:]]
    assert playbooks == ["hastack.redis.site", "hastack.redis.status", "hastack.redis.site"]
    assert "--check --diff" in found[-1]


def test_a_readme_without_the_guide_is_an_error() -> None:
    with pytest.raises(ValueError, match="guide"):
        commands("# hastack.redis\n")


def test_the_vault_prompt_becomes_the_password_file() -> None:
    assert adapt("ansible-playbook -i inventory hastack.redis.site --ask-vault-pass --check", "/k") == [
        "ansible-playbook", "-i", "inventory", "hastack.redis.site", "--vault-password-file=/k", "--check"]
    assert adapt("ansible-vault encrypt inventory/group_vars/all/vault.yml", "/k") == [
        "ansible-vault", "encrypt", "--vault-password-file=/k", "inventory/group_vars/all/vault.yml"]
    assert adapt("cp a b", "/k") == ["cp", "a", "b"]


def test_edit_sets_keys_and_keeps_the_rest(tmp_path: pathlib.Path) -> None:
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "main.yml").write_text("hastack_vip: 10.20.1.130\nvault_x: ''\n", encoding="utf-8")
    edit(tmp_path, {"inventory/main.yml": {"vault_x": "sëcret"}, "inventory/new.yml": {"ansible_user": "operator"}})
    assert yaml.safe_load((tmp_path / "inventory" / "main.yml").read_text(encoding="utf-8")) == {
        "hastack_vip": "10.20.1.130", "vault_x": "sëcret"}
    assert yaml.safe_load((tmp_path / "inventory" / "new.yml").read_text(encoding="utf-8")) == {"ansible_user": "operator"}
    assert (tmp_path / "inventory" / "new.yml").stat().st_mode & 0o777 == 0o600

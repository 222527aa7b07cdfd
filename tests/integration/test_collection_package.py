# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Galaxy tarball installs offline and its content works by FQCN."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import typing as t

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str], cwd: pathlib.Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    tool = BIN / args[0]
    command = [str(tool) if tool.exists() else args[0]] + args[1:]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class Installed(t.NamedTuple):
    """The built tarball, where it was installed, and the environment that sees only that copy."""

    tarball: pathlib.Path
    path: pathlib.Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the tarball from the checkout and install it into an empty collections path."""
    work = tmp_path_factory.mktemp("package")
    collections = work / "collections"
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    env.pop("PYTHONPATH", None)
    env["ANSIBLE_NOCOLOR"] = "1"
    _run(["ansible-galaxy", "collection", "build", "--output-path", str(work), str(ROOT)], env, work)
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
    tarball = work / f"hastack-redis-{version}.tar.gz"
    assert tarball.is_file()
    _run(["ansible-galaxy", "collection", "install", "--offline", "-p", str(collections), str(tarball)], env, work)
    return Installed(tarball, collections / "ansible_collections" / "hastack" / "redis", env)


def test_tarball_carries_the_collection_and_no_development_files(installed: Installed) -> None:
    with tarfile.open(installed.tarball) as archive:
        names = set(archive.getnames())
    for expected in ("MANIFEST.json", "FILES.json", "meta/runtime.yml", "roles/vip_bind/tasks/main.yml",
                     "plugins/modules/redis_probe.py", "playbooks/site.yml", "README.md", "LICENSE"):
        assert expected in names, f"{expected} missing from the tarball"
    leaked = sorted(name for name in names if name.split("/")[0] in {
        ".venv", ".cache", ".ci", ".git", ".ansible", "molecule", "tools", "Makefile", "requirements-dev.txt", "tests"})
    assert not leaked, f"development files in the tarball: {leaked[:10]}"


def test_roles_and_playbooks_resolve_by_fqcn(installed: Installed, tmp_path: pathlib.Path) -> None:
    path, env = installed.path, installed.env
    assert (path / "roles" / "vip_bind" / "meta" / "argument_specs.yml").is_file()
    _run(["ansible-playbook", "-i", "localhost,", "--syntax-check", "hastack.redis.site"], env, tmp_path)
    # Playbooks that import others (status.yml, switchover.yml, endpoints.yml) find them in the installed copy.
    for playbook in ("rolling_restart", "retire_server", "switchover"):
        listed = _run(["ansible-playbook", "-i", "localhost,", "--list-tasks", f"hastack.redis.{playbook}"], env, tmp_path)
        assert "Resolve the server's address, port" in listed.stdout, listed.stdout
    doc = _run(["ansible-doc", "-t", "role", "--json", "hastack.redis.vip_bind"], env, tmp_path)
    assert "vip_bind_method" in json.loads(doc.stdout)["hastack.redis.vip_bind"]["entry_points"]["main"]["options"]


def test_module_and_filters_run_from_the_installed_collection(installed: Installed, tmp_path: pathlib.Path) -> None:
    env = installed.env
    doc = _run(["ansible-doc", "--json", "hastack.redis.redis_probe"], env, tmp_path)
    assert "expect_role" in json.loads(doc.stdout)["hastack.redis.redis_probe"]["doc"]["options"]
    filtered = _run(["ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", "ansible.builtin.debug",
                     "-a", "msg={{ '10.20.1.130' | hastack.redis.ip_version }}"], env, tmp_path)
    assert '"msg": 4' in filtered.stdout
    # Nothing listens on port 1: the module must run and fail cleanly, naming the address.
    probe = _run(["ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", "hastack.redis.redis_probe",
                  "-e", f"ansible_python_interpreter={sys.executable}",
                  "-a", "host=127.0.0.1 port=1 connect_timeout=2"], env, tmp_path, check=False)
    assert probe.returncode != 0
    assert "127.0.0.1:1" in probe.stdout
    assert "Traceback" not in probe.stdout + probe.stderr


def test_checkout_is_not_on_the_collections_path(installed: Installed) -> None:
    path, env = installed.path, installed.env
    assert env["ANSIBLE_COLLECTIONS_PATH"] == str(path.parents[2])
    assert shutil.which("ansible-galaxy", path=str(BIN)) is not None


def test_site_playbook_runs_from_a_checkout(tmp_path: pathlib.Path) -> None:
    """ansible.cfg alone makes the checkout visible as hastack.redis (after `make venv`)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_") and key != "PYTHONPATH"}
    env["ANSIBLE_NOCOLOR"] = "1"
    env["HOME"] = str(tmp_path)  # no copy under ~/.ansible/collections may stand in for the checkout
    listed = _run(["ansible-playbook", "-i", "inventory.example/hosts.yml", "--list-tasks", "playbooks/site.yml"], env, ROOT)
    for task in ("hastack.redis.redis_server :", "hastack.redis.haproxy :", "hastack.redis.keepalived :", "hastack.redis.stats_nginx :"):
        assert task in listed.stdout, f"{task} missing from site.yml's task list"


def test_installs_from_the_git_checkout(tmp_path: pathlib.Path) -> None:
    """`ansible-galaxy collection install git+file://<checkout>`: Galaxy clones the committed tree and builds it."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    collections = tmp_path / "collections"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_") and key != "PYTHONPATH"}
    env.update(ANSIBLE_NOCOLOR="1", HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=str(collections))
    _run(["ansible-galaxy", "collection", "install", "--offline", "-p", str(collections), f"git+file://{ROOT}"], env, tmp_path)
    installed = collections / "ansible_collections" / "hastack" / "redis"
    manifest = json.loads((installed / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["name"] == "redis" and manifest["collection_info"]["dependencies"] == {}
    assert (installed / "plugins" / "modules" / "redis_switchover.py").is_file()
    assert not (installed / "molecule").exists() and not (installed / ".git").exists()
    listed = _run(["ansible-playbook", "-i", "localhost,", "--list-tasks", "hastack.redis.switchover"], env, tmp_path)
    assert "Pause writes, fail over to the target" in listed.stdout

# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's one definition, as the code on the controller reads it.

The lab is defined once, in Molecule's base config (.config/molecule/config.yml):
its hosts and their groups, each host's front and back addresses, the VIP and
the secrets. The scenarios get them as inventory variables; the benchmark and
the lab tools read the same file here, with the LAB_* environment variables
applied the way Molecule applies them, so no address or secret is written
twice. A scenario that changes the lab's shape (molecule/lb_hosts: load
balancers of their own) is merged over it as Molecule merges it.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import typing as t

import yaml
from molecule.interpolation import Interpolator, TemplateWithDefaults
from molecule.util import merge_dicts

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".config" / "molecule" / "config.yml"
SCENARIOS = ROOT / "molecule"


class DefinitionError(ValueError):
    """The lab definition lacks what was asked, or gives a template where a value is needed."""


@dataclasses.dataclass(frozen=True)
class Definition:
    """The lab's hosts (name -> groups), host variables and stack-wide variables."""

    groups: dict[str, list[str]]
    host_vars: dict[str, dict[str, t.Any]]
    variables: dict[str, t.Any]

    def hosts(self, group: str) -> list[str]:
        """The hosts of `group`, in the order the lab lists them."""
        return [host for host, groups in self.groups.items() if group in groups]

    def host_value(self, host: str, name: str) -> str:
        """A host variable that must be a plain value (e.g. lab_back_ip)."""
        return _plain(self.host_vars.get(host, {}).get(name), f"{name} of {host}")

    def value(self, name: str) -> t.Any:
        """A stack-wide variable that must be a plain value (e.g. hastack_vip, a password)."""
        return _plain(self.variables.get(name), name)

    def addresses(self, group: str, network: str) -> dict[str, str]:
        """{host: its address on `network` (front or back)} for the hosts of `group`."""
        return {host: self.host_value(host, f"lab_{network}_ip") for host in self.hosts(group)}


def _plain(value: t.Any, what: str) -> t.Any:
    if value is None:
        raise DefinitionError(f"the lab definition ({CONFIG.relative_to(ROOT)}) sets no {what}")
    if isinstance(value, str) and "{{" in value:
        raise DefinitionError(f"{what} is a template in the lab definition ({value!r}); read a variable that holds the value")
    return value


def parse(text: str, environ: t.Mapping[str, str], scenario_text: str = "") -> Definition:
    """The definition in a Molecule config's text (and a scenario's molecule.yml merged over it, as Molecule merges
    them: mappings key by key, anything else replaced), with ${VAR:-default} filled from `environ` like Molecule does."""
    interpolator = Interpolator(TemplateWithDefaults, dict(environ))
    config = yaml.safe_load(interpolator.interpolate(text))
    if scenario_text:
        config = merge_dicts(config, yaml.safe_load(interpolator.interpolate(scenario_text)) or {})
    inventory = config["provisioner"]["inventory"]
    return Definition(
        groups={platform["name"]: list(platform.get("groups", [])) for platform in config["platforms"]},
        host_vars={host: dict(values) for host, values in inventory.get("host_vars", {}).items()},
        variables=dict(inventory["group_vars"]["all"]),
    )


def load(environ: t.Mapping[str, str] | None = None, path: pathlib.Path = CONFIG, scenario: str = "") -> Definition:
    """The lab as Molecule builds it in this environment (LAB_FRONT_PREFIX, LAB_WITNESS_GROUP, ...), for `scenario`
    when it changes the lab's hosts (its molecule.yml sets platforms)."""
    scenario_text = ""
    if scenario:
        scenario_file = SCENARIOS / scenario / "molecule.yml"
        if not scenario_file.is_file():
            raise DefinitionError(f"no scenario {scenario!r} ({scenario_file.relative_to(ROOT)} does not exist)")
        scenario_text = scenario_file.read_text(encoding="utf-8")
    return parse(path.read_text(encoding="utf-8"), os.environ if environ is None else environ, scenario_text)

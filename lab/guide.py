# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the README's guide for real hosts, command by command, as a user would.

The guide is the shell block between `<!-- guide -->` and `<!-- /guide -->` in
README.md. Its commands run in order in --workdir (which holds, or links,
`inventory.example`). Where the user edits the copied files (the guide's
comment that starts with "# edit"), the edits of --edits are merged in: a JSON mapping of file
(relative to --workdir) to the YAML keys to set. The vault password comes from
--vault-password-file where the guide asks for it. Prints one JSON object: each
command with its exit status, the changed/failed counts of a playbook's recap,
the last lines of its output, and the lines that show a secret of --hide.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shlex
import sys
import typing as t

import yaml

from ansible_collections.hastack.redis.lab import playbook

START, END = "<!-- guide -->", "<!-- /guide -->"


def commands(readme: str) -> list[str]:
    """The guide's commands, in order; "# edit ..." (where the user edits the files) is kept as "#", other comments go."""
    if START not in readme or END not in readme:
        raise ValueError(f"README has no {START} ... {END} block")
    block = readme.split(START, 1)[1].split(END, 1)[0]
    lines = [line.strip() for line in block.splitlines()]
    lines = [line for line in lines if line and not line.startswith("```")]
    return ["#" if line.startswith("# edit") else line for line in lines if line.startswith("# edit") or not line.startswith("#")]


def adapt(command: str, vault_password_file: str) -> list[str]:
    """The command's words, with the vault password read from a file instead of a prompt."""
    words = shlex.split(command)
    if words and words[0] == "ansible-playbook":
        return [f"--vault-password-file={vault_password_file}" if word == "--ask-vault-pass" else word for word in words]
    if words[:2] == ["ansible-vault", "encrypt"]:
        return words[:2] + [f"--vault-password-file={vault_password_file}"] + words[2:]
    return words


def edit(workdir: pathlib.Path, edits: t.Mapping[str, t.Mapping[str, t.Any]]) -> None:
    for name, values in edits.items():
        path = workdir / name
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
        data.update(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)


def run(readme: str, workdir: pathlib.Path, edits: t.Mapping[str, t.Mapping[str, t.Any]], vault_password_file: str,
        hide: t.Sequence[str]) -> dict[str, t.Any]:
    steps: list[dict[str, t.Any]] = []
    for command in commands(readme):
        if command == "#":
            edit(workdir, edits)
            steps.append({"command": "(edit the files)", "rc": 0})
            continue
        found = playbook.run(adapt(command, vault_password_file), hide, cwd=workdir)
        step: dict[str, t.Any] = {"command": command, "rc": found["rc"], "tail": (found["tail"] + found["errors"])[-30:],
                                  "leaks": found["leaks"]}
        if command.startswith("ansible-playbook"):
            step.update(changed=found["changed"], failed=found["failed"], hosts=list(found["hosts"]))
        steps.append(step)
        if found["rc"] != 0:
            break
    return {"steps": steps, "ran": len(steps), "of": len(commands(readme))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=pathlib.Path, required=True)
    parser.add_argument("--workdir", type=pathlib.Path, required=True)
    parser.add_argument("--edits", type=pathlib.Path, required=True, help="JSON: {file: {key: value}}")
    parser.add_argument("--vault-password-file", required=True)
    parser.add_argument("--hide", type=pathlib.Path, help="a file of secrets, one per line, that no output may show")
    args = parser.parse_args(argv)
    hide = [line for line in args.hide.read_text(encoding="utf-8").splitlines() if line] if args.hide else []
    edits = json.loads(args.edits.read_text(encoding="utf-8"))
    report = run(args.readme.read_text(encoding="utf-8"), args.workdir, edits, args.vault_password_file, hide)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

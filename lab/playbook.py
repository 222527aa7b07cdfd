# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one ansible-playbook command as a user would and say what its output shows.

Prints one JSON object: the exit status, each host's recap counts, the names of
the tasks that changed each host, the sums of changed= and failed=, the lines
that show a secret (the lab's `lab-...-secret` pattern, or a string of --hide),
the number of output lines, and the last lines of stdout and stderr.

usage: playbook.py [--hide FILE|-] -- ansible-playbook ARGS...
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys
import typing as t

# Every lab secret matches it (molecule/resources, the scenarios' inventories).
LAB_SECRET = r"lab-[a-z-]*secret"
_TASK = re.compile(r"^TASK \[(?P<name>.+)\] \*+")
_CHANGED = re.compile(r"^changed: \[(?P<host>[^\]]+)\]")
_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>ok=\d+.*)$")


def recap(output: str) -> dict[str, dict[str, int]]:
    """Each host's counts from the recap (ok, changed, unreachable, failed, skipped, rescued, ignored)."""
    hosts: dict[str, dict[str, int]] = {}
    for line in output.splitlines():
        found = _RECAP.match(line.strip())
        if found:
            hosts[found["host"]] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", found["counts"])}
    return hosts


def changed_tasks(output: str) -> dict[str, list[str]]:
    """For each host, the tasks that reported a change on it, in order, each once."""
    task = ""
    changed: dict[str, list[str]] = {}
    for line in output.splitlines():
        header = _TASK.match(line)
        if header:
            task = header["name"]
            continue
        found = _CHANGED.match(line)
        if found:
            host = found["host"].split(" -> ")[0]
            if task not in changed.setdefault(host, []):
                changed[host].append(task)
    return changed


def leaks(lines: t.Iterable[str], hidden: t.Sequence[str] = ()) -> list[str]:
    """The lines that show a lab secret or one of `hidden`, cut to 200 characters."""
    pattern = re.compile("|".join([LAB_SECRET] + [re.escape(secret) for secret in hidden if secret]))
    return [line[:200] for line in lines if pattern.search(line)]


def summary(rc: int, stdout: str, stderr: str, hidden: t.Sequence[str] = ()) -> dict[str, t.Any]:
    hosts = recap(stdout)
    lines = stdout.splitlines() + stderr.splitlines()
    return {
        "rc": rc,
        "hosts": hosts,
        "changed": sum(counts.get("changed", 0) for counts in hosts.values()),
        "failed": sum(counts.get("failed", 0) for counts in hosts.values()),
        "changed_tasks": changed_tasks(stdout),
        "leaks": leaks(lines, hidden),
        "lines": len(lines),
        "tail": stdout.splitlines()[-40:],
        "errors": stderr.splitlines()[-40:],
    }


def run(command: t.Sequence[str], hidden: t.Sequence[str] = (), cwd: pathlib.Path | None = None) -> dict[str, t.Any]:
    result = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, check=False)
    return summary(result.returncode, result.stdout, result.stderr, hidden)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hide", help="a file of strings, one per line, that no output may show (-: standard input)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- ansible-playbook ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    text = "" if not args.hide else sys.stdin.read() if args.hide == "-" else pathlib.Path(args.hide).read_text(encoding="utf-8")
    hidden = [line for line in text.splitlines() if line]
    json.dump(run(command, hidden), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

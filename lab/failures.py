# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The failed tasks of a Molecule log, printed last.

A failed scenario's output ends with the lab's destruction, so whoever reads
only the end of a long run (a CI summary) never sees what failed. This reads
the saved log and prints the last tasks that failed without being ignored
(a test that expects a refusal also shows ``fatal:``, so the last one is the
failure), each cut to a readable length, and molecule's own errors.

usage: python lab/failures.py LOG [--tasks N] [--lines N]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable

_HEADER = re.compile(r"^(TASK|PLAY|RUNNING HANDLER) \[")
_FAILED = re.compile(r"^(fatal|failed): \[")
_IGNORED = "...ignoring"
_MOLECULE_ERROR = re.compile(r"^ERROR\s")


def segments(lines: Iterable[str]) -> list[list[str]]:
    """The log cut at each task, play or handler header (a header starts its segment)."""
    found: list[list[str]] = [[]]
    for line in lines:
        if _HEADER.match(line) and found[-1]:
            found.append([])
        found[-1].append(line.rstrip("\n"))
    return [segment for segment in found if segment]


def failures(lines: Iterable[str], count: int = 3) -> list[list[str]]:
    """The last ``count`` segments that hold a failure Ansible did not ignore."""
    failed = [segment for segment in segments(lines)
              if any(_FAILED.match(line) for line in segment) and not any(line.strip() == _IGNORED for line in segment)]
    return failed[-count:] if count > 0 else []


def digest(lines: list[str], count: int = 3, max_lines: int = 60) -> str:
    """What to print: the failed tasks, each cut at ``max_lines``, then molecule's errors."""
    out = []
    for segment in failures(lines, count):
        out.append("\n".join(segment[:max_lines]))
        if len(segment) > max_lines:
            out.append(f"[... {len(segment) - max_lines} more lines]")
    errors = [line.rstrip("\n") for line in lines if _MOLECULE_ERROR.match(line)]
    if errors:
        out.append("\n".join(errors))
    return "\n\n".join(out) if out else "no failed task in the log"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--tasks", type=int, default=3, help="how many failed tasks to print (the last ones)")
    parser.add_argument("--lines", type=int, default=60, help="at most this many lines of each")
    args = parser.parse_args(argv)
    with open(args.log, encoding="utf-8", errors="replace") as log:
        lines = log.readlines()
    print(f"=== the last failed tasks of {args.log}")
    print(digest(lines, args.tasks, args.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

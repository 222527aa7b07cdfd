# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn a writer log (writer.py), the members the master holds at the end and
the list of injected faults into a failover report (JSON).

Events: a JSON list of {"name": ..., "at": <unix time the fault was injected>,
...}; any other key of an event (e.g. sessions a non-master received) is copied
into its report. Each event owns the writes from its `at` to the next event's.
An event with `elected_at` (when the Sentinels' majority was seen naming another
master) also counts the lost writes acknowledged after it: a deposed master's.
"""

from __future__ import annotations

import argparse
import json
import typing as t


class Write(t.NamedTuple):
    at: float
    number: int
    status: str
    detail: str


def parse_log(lines: t.Iterable[str]) -> list[Write]:
    writes = []
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue  # a line cut short when the writer was killed
        writes.append(Write(float(parts[0]), int(parts[1]), parts[2], parts[3] if len(parts) > 3 else ""))
    return writes


def _window(writes: list[Write], start: float, end: float) -> list[Write]:
    return [write for write in writes if start <= write.at < end]


def event_report(event: dict[str, t.Any], writes: list[Write], end: float, members: set[int]) -> dict[str, t.Any]:
    """What clients saw between this fault and the next one."""
    mine = _window(writes, float(event["at"]), end)
    first_failure = next((write for write in mine if write.status != "ok"), None)
    recovered = None
    if first_failure is not None:
        recovered = next((write for write in mine if write.status == "ok" and write.at > first_failure.at), None)
    acked = [write for write in mine if write.status == "ok"]
    lost_writes = [write for write in acked if write.number not in members]
    lost = [write.number for write in lost_writes]
    report = {key: value for key, value in event.items() if key not in ("name", "at")}
    report.update({
        "event": event["name"],
        "fault_injected_at": round(float(event["at"]), 6),
        "first_failed_write_at": round(first_failure.at, 6) if first_failure else None,
        "first_failure": f"{first_failure.status}: {first_failure.detail}".rstrip(": ") if first_failure else None,
        "first_successful_write_after_at": round(recovered.at, 6) if recovered else None,
        "unavailable_seconds": round(recovered.at - first_failure.at, 3) if first_failure and recovered else (
            0.0 if first_failure is None else None),
        "writes": len(mine),
        "failed_writes": sum(1 for write in mine if write.status != "ok"),
        "acknowledged_writes": len(acked),
        "acknowledged_writes_lost": len(lost),
        "lost_examples": lost[:10],
        "writes_refused_by_a_replica": sum(1 for write in mine if write.status == "readonly"),
        # How long after the fault the last write that was lost got acknowledged.
        "last_lost_write_seconds_after_fault": round(lost_writes[-1].at - float(event["at"]), 3) if lost_writes else None,
    })
    if "elected_at" in event:
        elected = float(event["elected_at"])
        report["elected_seconds_after_fault"] = round(elected - float(event["at"]), 3)
        report["acknowledged_writes_lost_after_election"] = sum(1 for write in lost_writes if write.at > elected)
        # How long after the election the deposed master still acknowledged a write that was lost (None: none after it).
        late = [write.at for write in lost_writes if write.at > elected]
        report["last_lost_write_seconds_after_election"] = round(max(late) - elected, 3) if late else None
    return report


def build(writes: list[Write], members: set[int], events: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    events = sorted(events, key=lambda event: float(event["at"]))
    last = max((write.at for write in writes), default=0.0) + 1
    ends = [float(event["at"]) for event in events[1:]] + [last]
    acked = [write for write in writes if write.status == "ok"]
    before_first = [write for write in acked if not events or write.at < float(events[0]["at"])]
    return {
        "writes": len(writes),
        "acknowledged_writes": len(acked),
        "failed_writes": len(writes) - len(acked),
        "acknowledged_writes_lost": sum(1 for write in acked if write.number not in members),
        "acknowledged_writes_lost_before_first_fault": sum(1 for write in before_first if write.number not in members),
        "writes_refused_by_a_replica": sum(1 for write in writes if write.status == "readonly"),
        "first_write_at": round(writes[0].at, 6) if writes else None,
        "last_write_at": round(writes[-1].at, 6) if writes else None,
        "events": [event_report(event, writes, end, members) for event, end in zip(events, ends)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--log", required=True, help="the writer's log")
    parser.add_argument("--members", required=True, help="members of the key on the master at the end, one per line")
    parser.add_argument("--events", required=True, help="JSON list of the injected faults")
    parser.add_argument("--output", required=True, help="where to write the JSON report")
    args = parser.parse_args()
    with open(args.log, encoding="utf-8") as log:
        writes = parse_log(log)
    with open(args.members, encoding="utf-8") as members_file:
        members = {int(line) for line in members_file if line.strip()}
    with open(args.events, encoding="utf-8") as events_file:
        events = json.load(events_file)
    report = build(writes, members, events)
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
        out.write("\n")
    print(json.dumps(report))


if __name__ == "__main__":
    main()

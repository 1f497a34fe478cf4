"""``kubectl targon events``: Targon's events of the workload, oldest first, as a table.

These are Targon's own records (the operator mirrors them into Kubernetes Events too, but
those age out after an hour); TIME is Targon's timestamp, verbatim.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from ..resource import parse_time
from ..targon import WorkloadEvent
from .table import render
from .target import ClusterOptions, connect, load, targon_client

HEADERS = ("TIME", "TYPE", "STATUS", "REASON", "MESSAGE")
_EPOCH = datetime.fromtimestamp(0, UTC)


def rows(events: list[WorkloadEvent]) -> list[tuple[str, str, str, str, str]]:
    """One row per event, oldest first (stable for events of the same second)."""
    ordered = sorted(events, key=lambda e: parse_time(e.created_at) or _EPOCH)
    return [
        (
            e.created_at or "-",
            e.event_type or "-",
            e.new_status or "-",
            e.reason or "-",
            e.message or e.display_message or "",
        )
        for e in ordered
    ]


async def events(options: ClusterOptions, name: str, *, out: TextIO) -> int:
    async with connect(options) as (kube, namespace):
        target = await load(kube, namespace, name)
        uid = target.workload_uid()
        async with targon_client(target) as client:
            items = [event async for event in client.list_events(uid)]
    if not items:
        print(f"No Targon events for {name} ({uid}).", file=sys.stderr)
        return 0
    for line in render(HEADERS, rows(items)):
        print(line, file=out)
    return 0

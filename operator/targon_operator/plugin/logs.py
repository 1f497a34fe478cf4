"""``kubectl targon logs``: the workload's log lines from Targon, as they come.

Each line is written and flushed at once, so ``-f`` is live through pipes too. ``--since``
takes RFC 3339 or a duration like ``kubectl logs --since`` (``10m``, ``2h``, ``1h30m``);
Targon takes only RFC 3339, so a duration is turned into a UTC timestamp here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TextIO

from .target import ClusterOptions, connect, load, targon_client

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|s|m|h|d))")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(value: str, *, now: datetime | None = None) -> str:
    """RFC 3339 in UTC (``2025-01-15T10:30:00Z``) from RFC 3339 or a relative duration."""
    text = value.strip()
    moment: datetime | None
    if text and _DURATION.sub("", text) == "":
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(text))
        moment = (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    else:
        moment = _rfc3339(text)
        if moment is None:
            raise ValueError(
                f"{value!r} is neither RFC 3339 (2025-01-15T10:30:00Z) nor a duration (10m, 2h)"
            )
    # Whole seconds, rounded down: the window is never narrower than asked.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc3339(text: str) -> datetime | None:
    """A timestamp with a date, a ``T``, a time and an offset (``Z`` or ``+02:00``)."""
    if "T" not in text.upper():
        return None
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


async def logs(
    options: ClusterOptions,
    name: str,
    *,
    follow: bool,
    tail: int | None,
    since: str | None,
    out: TextIO,
) -> int:
    async with connect(options) as (kube, namespace):
        target = await load(kube, namespace, name)
        uid = target.workload_uid()
        async with targon_client(target) as client:
            async for line in client.stream_logs(uid, tail=tail, since=since, follow=follow):
                out.write(line + "\n")
                out.flush()
    return 0

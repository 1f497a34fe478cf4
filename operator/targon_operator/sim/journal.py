"""The request journal: every /tha/v2 request, oldest first, for tests to assert on.

An entry is written when a request arrives and completed with its status when the answer
goes out, so a request that hangs (fault injection) or a log stream still open shows up
with ``status: null``. The journal is a bounded deque: benchmarks send hundreds of
thousands of requests and memory must not grow with them. Bodies are kept as sent
(secrets included): it is a test tool, and tests must not print it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, kw_only=True)
class JournalEntry:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    """The parsed JSON body, or ``None`` when there was none or it was not JSON."""
    time: str
    request_id: str
    status: int | None = field(default=None)
    """The status answered; ``None`` while pending, and for ever if the request hung."""

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "time": self.time,
            "request_id": self.request_id,
        }


class Journal:
    """The last ``size`` requests."""

    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)

    def add(self, entry: JournalEntry) -> JournalEntry:
        self._entries.append(entry)
        return entry

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

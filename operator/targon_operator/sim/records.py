"""The simulator's records: workloads, volumes, SSH keys, and bounded windows of history.

Plain mutable dataclasses; the rules that change them live in ``lifecycle`` and ``store``.
Events and log lines live in a ``Window``: a bounded deque that numbers items from the
first one ever appended, so that a cursor or a log follower stays meaningful while old
items are dropped (memory stays bounded however long a workload lives).
"""

from __future__ import annotations

import itertools
import random
import string
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_UID_ALPHABET = string.ascii_lowercase + string.digits


def new_uid(prefix: str, rng: random.Random) -> str:
    """``prefix`` + 12 lowercase alphanumerics, the shape of the reference's uids."""
    return prefix + "".join(rng.choices(_UID_ALPHABET, k=12))


def iso(timestamp: float) -> str:
    """RFC 3339 in UTC with whole seconds, as in the reference (``2025-01-15T10:30:00Z``)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Window(Generic[T]):
    """The last ``maxlen`` items of an append-only sequence, indexed from the very first."""

    __slots__ = ("_items", "total")

    def __init__(self, maxlen: int) -> None:
        self._items: deque[T] = deque(maxlen=maxlen)
        self.total = 0
        """How many items were ever appended: the index the next one gets."""

    def append(self, item: T) -> None:
        self._items.append(item)
        self.total += 1

    @property
    def first(self) -> int:
        """The index of the oldest item still kept."""
        return self.total - len(self._items)

    def since(self, index: int, limit: int | None = None) -> list[T]:
        """Items from ``index`` on (or from the oldest kept one), at most ``limit``."""
        start = max(index, self.first) - self.first
        stop = None if limit is None else start + limit
        return list(itertools.islice(self._items, start, stop))

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class Volume:
    uid: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "name": self.name}


@dataclass(frozen=True, slots=True)
class SSHKey:
    uid: str
    name: str
    public_key_raw: str

    def to_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "name": self.name, "public_key_raw": self.public_key_raw}


@dataclass(frozen=True, slots=True)
class LogLine:
    time: float
    """When the line was written (full precision; the text shows whole seconds)."""
    text: str


@dataclass(slots=True, eq=False)
class Workload:
    """One workload: its validated configuration and its runtime state."""

    uid: str
    owner: int
    """The index of the API key that created it in ``SimConfig.api_keys``."""
    seq: int
    """Creation order across the store: the list order and what cursors point at."""
    config: dict[str, Any]
    """The normalised create body as amended by PATCHes and attaches (secrets included)."""
    created_at: float
    updated_at: float
    events: Window[dict[str, Any]]
    logs: Window[LogLine]
    status: str = "REGISTERED"
    message: str = ""
    ready_replicas: int = 0
    total_replicas: int = 0
    revision: int = 1
    ready_at: float | None = None
    """When the current rollout becomes RUNNING; ``None`` when none is under way."""
    rollout: int = 0
    """Bumped by every deploy or forced state, so a stale scheduled transition is ignored."""
    next_heartbeat: float | None = None
    """When the next periodic log line is due; ``None`` unless RUNNING."""
    deleted: bool = False

    @property
    def type(self) -> str:
        return str(self.config["type"])

    @property
    def name(self) -> str:
        return str(self.config["name"])

    @property
    def image(self) -> str:
        return str(self.config["image"])

    @property
    def resource_name(self) -> str:
        return str(self.config["resource_name"])

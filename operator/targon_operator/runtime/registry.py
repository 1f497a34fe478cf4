"""An in-memory view of every TargonWorkload the operator watches.

The batched sync needs to know, for each Targon workload in a list page, which resource
it belongs to and what that resource's status says, without a GET per resource. kopf's
watch feeds this registry (``observe``), and the operator's own status patches update it
at once (``record_status``), so a sync compares against the freshest status. Each entry has
a lock: a reconcile and the sync never write the same resource at the same time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Tracked:
    namespace: str
    name: str
    uid: str = ""
    """metadata.uid of the resource (Events point at it)."""
    generation: int = 0
    resource_version: str = ""
    created: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    deleting: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready_seen: bool = False
    """Whether Ready=True was already observed (for the time-to-ready metric)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def workload_uid(self) -> str | None:
        value = self.status.get("workloadUid")
        return str(value) if value else None


def _newer(candidate: str, current: str) -> bool:
    """resourceVersions are opaque, but etcd's are increasing integers; use that if we can."""
    if candidate.isdigit() and current.isdigit():
        return int(candidate) >= int(current)
    return True


class Registry:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Tracked] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Tracked]:
        return iter(list(self._items.values()))

    def get(self, namespace: str, name: str) -> Tracked | None:
        return self._items.get((namespace, name))

    def observe(self, body: Mapping[str, Any]) -> Tracked:
        """Record a resource as the watch (or a handler) saw it."""
        meta = body.get("metadata", {})
        key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        tracked = self._items.get(key)
        if tracked is None:
            tracked = Tracked(namespace=key[0], name=key[1])
            self._items[key] = tracked
        version = str(meta.get("resourceVersion", ""))
        if _newer(version, tracked.resource_version):
            tracked.resource_version = version
            tracked.uid = str(meta.get("uid", ""))
            tracked.generation = int(meta.get("generation") or 0)
            tracked.created = str(meta.get("creationTimestamp", ""))
            tracked.spec = dict(body.get("spec") or {})
            tracked.status = {k: v for k, v in (body.get("status") or {}).items() if k != "kopf"}
            tracked.deleting = bool(meta.get("deletionTimestamp"))
        return tracked

    def record_status(self, namespace: str, name: str, obj: Mapping[str, Any]) -> None:
        """After our own status patch: the response is the freshest view there is."""
        if (namespace, name) in self._items:
            self.observe(obj)

    def forget(self, namespace: str, name: str) -> None:
        self._items.pop((namespace, name), None)

    def owned_uids(self, *, besides: tuple[str, str] | None = None) -> frozenset[str]:
        return frozenset(
            uid for t in self._items.values() if t.key != besides and (uid := t.workload_uid)
        )

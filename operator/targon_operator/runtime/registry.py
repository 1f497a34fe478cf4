"""An in-memory view of every TargonWorkload the operator watches.

The batched sync needs to know, for each Targon workload in a list page, which resource
it belongs to and what that resource's status says, without a GET per resource. kopf's
watch feeds this registry (``observe``), and the operator's own status patches update it
at once (``record_status``), so a sync compares against the freshest status. Each entry has
a lock: a reconcile and the sync never write the same resource at the same time.

At 5,000 resources memory matters: spec and status are kept as compact JSON (about a fifth
of the size of the parsed dicts) and parsed when a sync or a reconcile needs them; the
few fields every sync round reads for every resource are kept parsed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


class Tracked:
    """One resource, as last seen."""

    __slots__ = (
        "_spec",
        "_status",
        "created",
        "deleting",
        "diff_base",
        "event_watermark",
        "generation",
        "lock",
        "name",
        "namespace",
        "observed_generation",
        "phase",
        "ready_seen",
        "resource_version",
        "uid",
        "workload_uid",
    )

    def __init__(self, namespace: str, name: str) -> None:
        self.namespace = namespace
        self.name = name
        self.uid = ""
        """metadata.uid of the resource (Events point at it)."""
        self.generation = 0
        self.resource_version = ""
        self.created = ""
        self.deleting = False
        self.lock = asyncio.Lock()
        self.ready_seen = False
        """Whether Ready=True was already observed (for the time-to-ready metric)."""
        self.event_watermark: str | None = None
        self.workload_uid: str | None = None
        self.phase: str | None = None
        self.observed_generation: int | None = None
        self.diff_base: bytes | None = None
        """Digest of kopf's diff-base in ``status.kopf`` (see ``handlers.diffbase``)."""
        self._spec = b"{}"
        self._status = b"{}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def spec(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self._spec)
        return value

    @property
    def status(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self._status)
        return value

    def set_spec(self, spec: Mapping[str, Any]) -> None:
        self._spec = json.dumps(spec, **_COMPACT).encode()  # type: ignore[arg-type]

    def set_status(self, status: Mapping[str, Any]) -> None:
        stored = (status.get("kopf") or {}).get("lastHandledConfiguration")
        self.diff_base = diff_base_digest(stored) if isinstance(stored, str) else None
        kept = {k: v for k, v in status.items() if k != "kopf"}
        self._status = json.dumps(kept, **_COMPACT).encode()  # type: ignore[arg-type]
        uid = kept.get("workloadUid")
        self.workload_uid = str(uid) if uid else None
        phase = kept.get("phase")
        self.phase = str(phase) if phase else None
        observed = kept.get("observedGeneration")
        self.observed_generation = int(observed) if observed is not None else None


def diff_base_digest(encoded: str) -> bytes:
    return hashlib.blake2b(encoded.encode(), digest_size=16).digest()


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
            tracked = Tracked(key[0], key[1])
            self._items[key] = tracked
        version = str(meta.get("resourceVersion", ""))
        if _newer(version, tracked.resource_version):
            tracked.resource_version = version
            tracked.uid = str(meta.get("uid", ""))
            tracked.generation = int(meta.get("generation") or 0)
            tracked.created = str(meta.get("creationTimestamp", ""))
            tracked.set_spec(body.get("spec") or {})
            tracked.set_status(body.get("status") or {})
            tracked.deleting = tracked.deleting or bool(meta.get("deletionTimestamp"))
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

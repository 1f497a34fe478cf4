"""Kubernetes Events on a resource: Targon's own events mirrored, and the operator's.

Targon events are mirrored each once: an Event's name is derived from the Targon event
(uid, time, type, message), so posting it twice is a harmless 409. The apiserver expires
Events after an hour (``--event-ttl``), after which a name could be used again: so Targon
events older than ``MAX_AGE`` are not mirrored at all, rather than remembering what was
mirrored in status, which would cost a status write per resource per change. Messages are
Targon's or the operator's own text; neither ever holds a secret value.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from ..kube import KubeClient, KubeConflict, KubeError, paths
from ..resource import now_iso, parse_time
from ..targon import WorkloadEvent, classify
from ..targon.phases import Phase
from .registry import Tracked

logger = logging.getLogger(__name__)

COMPONENT = "targon-operator"
MAX_AGE = timedelta(minutes=45)
"""Older Targon events are not mirrored: their Events may already have expired."""
_INSTANCE = socket.gethostname()


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()[:16]


def _camel(text: str) -> str:
    return "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", text) if w) or "Event"


class EventRecorder:
    def __init__(self, kube: KubeClient) -> None:
        self.kube = kube

    def _event(
        self, tracked: Tracked, *, name: str, reason: str, message: str, warning: bool, when: str
    ) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": tracked.namespace},
            "involvedObject": {
                "apiVersion": f"{paths.GROUP}/{paths.VERSION}",
                "kind": paths.KIND,
                "name": tracked.name,
                "namespace": tracked.namespace,
                "uid": tracked.uid,
            },
            "reason": reason[:128],
            "message": message[:1024],
            "type": "Warning" if warning else "Normal",
            "source": {"component": COMPONENT},
            "reportingComponent": f"{paths.GROUP}/{COMPONENT}",
            "reportingInstance": _INSTANCE[:128],
            "firstTimestamp": when,
            "lastTimestamp": when,
            "count": 1,
        }

    async def _create(self, event: dict[str, Any]) -> bool:
        try:
            await self.kube.create(paths.collection("Event", event["metadata"]["namespace"]), event)
        except KubeConflict:
            return False
        except KubeError as exc:
            logger.warning("could not post event %s: %s", event["reason"], exc)
            return False
        return True

    async def post(
        self, tracked: Tracked, *, reason: str, message: str, warning: bool = False
    ) -> None:
        """An event of the operator's own (a new one each time)."""
        now = now_iso()
        name = f"{tracked.name}.{_digest(tracked.uid, reason, message, now)}"
        await self._create(
            self._event(
                tracked, name=name, reason=reason, message=message, warning=warning, when=now
            )
        )

    async def post_once(self, tracked: Tracked, *, reason: str, message: str) -> None:
        """A warning posted once per (resource, reason, message): retries do not repeat it."""
        name = f"{tracked.name}.{_digest(tracked.uid, reason, message)}"
        event = self._event(
            tracked, name=name, reason=reason, message=message, warning=True, when=now_iso()
        )
        await self._create(event)

    async def mirror(
        self, tracked: Tracked, events: list[WorkloadEvent], *, after: str | None
    ) -> str | None:
        """Post Targon ``events`` newer than ``after`` (and than ``MAX_AGE``); returns the
        newest time seen, for the next call's ``after``."""
        seen_until = parse_time(after)
        oldest = datetime.now(UTC) - MAX_AGE
        if seen_until is None or seen_until < oldest:
            seen_until = oldest
        newest, newest_time = after, seen_until
        for item in events:
            moment = parse_time(item.created_at)
            # Strictly older only: Targon's times have whole seconds, so an event of the same
            # second may be new; posting one twice is a harmless 409.
            if moment is not None and moment < seen_until:
                continue
            await self._create(self._mirrored(tracked, item))
            if moment is not None and (newest_time is None or moment > newest_time):
                newest, newest_time = item.created_at, moment
        return newest

    def _mirrored(self, tracked: Tracked, item: WorkloadEvent) -> dict[str, Any]:
        when = item.created_at or now_iso()
        ident = _digest(item.workload_uid, when, item.event_type, item.new_status, item.message)
        text = item.display_message or item.message or ""
        if item.new_status:
            text = f"{text} (status {item.new_status})" if text else f"status {item.new_status}"
        return self._event(
            tracked,
            name=f"{tracked.name}.{ident}",
            reason=_camel(item.event_type or "TargonEvent"),
            message=text,
            warning=classify(item.new_status) is Phase.FAILED or bool(item.exit_code),
            when=when,
        )

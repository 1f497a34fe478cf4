"""Writing status: one merge patch to the status subresource, remembered at once.

Every status write of the operator goes through ``StatusWriter.patch``, so each one is
counted, the registry learns the result before the watch event arrives, and no write
ever touches spec or metadata. ``None`` in a patch removes the field (JSON merge patch).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..kube import KubeClient, paths
from .metrics import Metrics
from .registry import Registry

logger = logging.getLogger(__name__)


class StatusWriter:
    def __init__(self, kube: KubeClient, registry: Registry, metrics: Metrics) -> None:
        self.kube = kube
        self.registry = registry
        self.metrics = metrics

    async def patch(
        self, namespace: str, name: str, status: Mapping[str, Any], *, writer: str
    ) -> dict[str, Any]:
        """Merge ``status`` into the resource's status; returns the resulting status."""
        path = paths.workload(namespace, name, "status")
        obj = await self.kube.merge_patch(path, {"status": dict(status)})
        self.metrics.status_patches.labels(writer).inc()
        self.registry.record_status(namespace, name, obj)
        result: dict[str, Any] = obj.get("status") or {}
        return result


def status_changes(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``desired`` whose value differs from ``current`` (a minimal merge patch)."""
    return {k: v for k, v in desired.items() if current.get(k) != v}

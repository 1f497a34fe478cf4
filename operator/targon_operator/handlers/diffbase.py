"""kopf's diff-base, carried by the reconcile's own status write.

After a handler succeeds, kopf records the spec it handled (its diff-base) in
``status.kopf`` with a status patch of its own: one write per resource per spec change, a
sixth of the operator's writes during a burst of creates, on an apiserver that is the
bottleneck. A reconcile started by a kopf handler already ends with a status write, so
that write carries the diff-base along (``essence_of``), and kopf's own patch skips it
when the status already holds the same value (``store``).

Only a reconcile that ends in success carries it: kopf stores the diff-base only when the
handler is done, and a diff-base stored early would hide a failed change from kopf's retry.
The sync's reconciles never carry it: only kopf knows which spec it has handled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import kopf

from ..runtime import Registry
from ..runtime.registry import diff_base_digest

FIELD = "status.kopf.lastHandledConfiguration"


class SharedDiffBaseStorage(kopf.StatusDiffBaseStorage):
    def __init__(self, *, registry: Registry, progress: kopf.ProgressStorage) -> None:
        super().__init__(field=FIELD)
        self.registry = registry
        self.progress = progress
        self._extra_fields: list[Any] | None = None

    def build(
        self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None
    ) -> kopf.BodyEssence:
        # kopf passes the fields its handlers filter on; ``essence_of`` needs the same.
        self._extra_fields = list(extra_fields) if extra_fields is not None else None
        return super().build(body=body, extra_fields=self._extra_fields)

    def essence_of(self, body: kopf.Body) -> str:
        """The diff-base kopf will store once the handler on ``body`` succeeds, encoded
        as kopf encodes it."""
        essence = super().build(body=body, extra_fields=self._extra_fields)
        essence = self.progress.clear(essence=essence)
        return _encode(essence)

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        tracked = self.registry.get(body.metadata.namespace or "", body.metadata.name or "")
        encoded = _encode(essence)
        if tracked is not None and tracked.diff_base == diff_base_digest(encoded):
            return  # the reconcile's status write has stored it already
        super().store(body=body, patch=patch, essence=essence)


def _encode(essence: kopf.BodyEssence) -> str:
    # Exactly as kopf's StatusDiffBaseStorage encodes it: compact, in insertion order.
    return json.dumps(essence, separators=(",", ":"))

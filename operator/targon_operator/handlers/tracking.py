"""The watch feeds the registry that the batched sync reads."""

from __future__ import annotations

from typing import Any

import kopf

from ..kube import paths
from ..runtime import Runtime


@kopf.on.event(paths.GROUP, paths.VERSION, paths.PLURAL)
async def tracked(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    rt: Runtime = memo.runtime
    if event.get("type") == "DELETED":
        rt.registry.forget(body.metadata.namespace or "", body.metadata.name or "")
    else:
        rt.registry.observe(body)

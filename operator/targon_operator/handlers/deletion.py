"""Delete: remove the Targon workload (or orphan it), then let kopf drop the finalizer.

A failed delete is retried with backoff and the finalizer stays, so a workload is never
left running on Targon without a resource that bills for it visibly. A create still
pending is resolved first, for the same reason.
"""

from __future__ import annotations

from typing import Any

import kopf

from ..kube import paths
from ..runtime import Reconciler, Runtime
from .retrying import backoff


@kopf.on.delete(paths.GROUP, paths.VERSION, paths.PLURAL)
async def deleted(body: kopf.Body, memo: kopf.Memo, retry: int, **_: Any) -> None:
    rt: Runtime = memo.runtime
    tracked = rt.registry.observe(body)
    tracked.deleting = True
    async with tracked.lock:
        outcome = await Reconciler(rt, tracked).run()
    if outcome.failure is not None:
        delay = outcome.failure.retry_after or backoff(retry, cap=rt.settings.backoff_max)
        raise kopf.TemporaryError(
            f"{outcome.failure.reason}: {outcome.failure.message}", delay=delay
        )
    rt.registry.forget(tracked.namespace, tracked.name)

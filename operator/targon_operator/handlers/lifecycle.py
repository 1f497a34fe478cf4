"""Create, update and resume: all three run the same level-triggered reconcile.

The only difference is what the handler knows: an update knows which spec fields changed
(so a field removed from the spec still reaches Targon); a resume after a restart knows
nothing new, and finishes whatever the status says was in flight.
"""

from __future__ import annotations

from typing import Any

import kopf

from ..kube import paths
from ..runtime import Reconciler, Runtime
from ..translate import changed_fields
from .diffbase import SharedDiffBaseStorage
from .retrying import raise_for


async def _reconcile(
    memo: Any, body: kopf.Body, retry: int, changed: frozenset[str] = frozenset()
) -> None:
    rt: Runtime = memo.runtime
    diff_base: SharedDiffBaseStorage = memo.diff_base
    tracked = rt.registry.observe(body)
    async with tracked.lock:
        outcome = await Reconciler(
            rt, tracked, changed_fields=changed, diff_base=diff_base.essence_of(body)
        ).run()
    raise_for(outcome.failure, retry=retry, settings=rt.settings)


@kopf.on.create(paths.GROUP, paths.VERSION, paths.PLURAL)
async def created(body: kopf.Body, memo: kopf.Memo, retry: int, **_: Any) -> None:
    await _reconcile(memo, body, retry)


@kopf.on.update(paths.GROUP, paths.VERSION, paths.PLURAL, field="spec")
async def updated(
    body: kopf.Body, old: Any, new: Any, memo: kopf.Memo, retry: int, **_: Any
) -> None:
    await _reconcile(memo, body, retry, frozenset(changed_fields(old, new or {})))


@kopf.on.resume(paths.GROUP, paths.VERSION, paths.PLURAL)
async def resumed(body: kopf.Body, memo: kopf.Memo, retry: int, **_: Any) -> None:
    await _reconcile(memo, body, retry)

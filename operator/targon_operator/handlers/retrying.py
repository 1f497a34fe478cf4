"""From a reconcile's failure to kopf's retry: never, slowly, or with backoff."""

from __future__ import annotations

import random

import kopf

from ..conditions import Failure, Retry
from ..settings import OperatorSettings


def backoff(retry: int, *, cap: float, base: float = 1.0) -> float:
    """Exponential backoff with jitter: 1, 2, 4, ... seconds (x 0.5-1.0), capped."""
    ceiling = min(cap, base * (2 ** min(retry, 20)))
    return float(ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not cryptography


def raise_for(failure: Failure | None, *, retry: int, settings: OperatorSettings) -> None:
    """Raise what tells kopf when to call the handler again (nothing on success)."""
    if failure is None:
        return
    if failure.retry is Retry.ON_SPEC_CHANGE:
        raise kopf.PermanentError(f"{failure.reason}: {failure.message}")
    if failure.retry is Retry.SLOW:
        raise kopf.TemporaryError(f"{failure.reason}: {failure.message}", delay=settings.slow_retry)
    delay = backoff(retry, cap=settings.backoff_max)
    if failure.retry_after:
        delay = max(delay, failure.retry_after)
    raise kopf.TemporaryError(f"{failure.reason}: {failure.message}", delay=delay)

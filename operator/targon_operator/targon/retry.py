"""When to repeat a failed request, and how long to wait first.

The policy is data (attempts, base delay, cap) plus two pure functions, so tests can pin
the decisions without a clock. What may be repeated depends on whether repeating could do
something twice: reads, deletes, attaches and PATCHes converge to the same end state; a
create or a deploy does not, so those are repeated only when the request surely never
reached the server (the connection was not established).
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import (
    RateLimited,
    ServerError,
    TargonConnectError,
    TargonError,
    TargonTransportError,
)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How the client repeats requests that failed for a passing reason."""

    max_attempts: int = 5
    """Attempts in all, the first one included; 1 disables retries."""

    base_delay: float = 0.25
    """The first backoff in seconds; each further one doubles, up to ``max_delay``."""

    max_delay: float = 10.0
    """The cap of one exponential backoff step, in seconds."""

    max_retry_after: float = 60.0
    """The longest ``Retry-After`` the client waits for; a longer one is raised instead."""

    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)

    def delay_for(self, error: TargonError, attempt: int) -> float:
        """Seconds to wait before the next attempt; honours the server's Retry-After."""
        hint = getattr(error, "retry_after", None)
        if isinstance(hint, int | float) and hint > 0:
            # A little jitter on top, so that many clients told "1s" do not return in step.
            return float(hint) + self.rng.uniform(0, min(1.0, self.base_delay))
        return self.backoff(attempt)


NO_RETRIES = RetryPolicy(max_attempts=1)


def is_retryable(error: TargonError, *, idempotent: bool) -> bool:
    """Whether ``error`` is passing and repeating the request cannot do anything twice."""
    if isinstance(error, TargonConnectError):
        return True
    if not idempotent:
        return False
    return isinstance(error, RateLimited | ServerError | TargonTransportError)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())

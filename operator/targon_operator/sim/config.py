"""The simulator's settings: one frozen object, each field documented.

The CLI (`targon-operator sim`) builds it from flags, tests build it directly; the server,
the store and the journal only read it. Defaults suit a demo (a deploy takes two seconds,
like a fast real one); tests shorten the delays.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SimConfig:
    """How the simulator behaves; immutable once built."""

    api_keys: tuple[str, ...]
    """The valid Bearer tokens. A workload belongs to the key that created it."""

    deploy_delay: float = 2.0
    """Seconds a workload stays DEPLOYING before it becomes RUNNING."""

    log_interval: float = 5.0
    """Seconds between the synthetic log lines a RUNNING workload writes."""

    seed: int | None = None
    """Seed for uids, request ids and fault dice; ``None`` draws one at random."""

    max_page_size: int = 100
    """The largest ``limit`` honoured by list endpoints; larger ones are clamped to it."""

    default_page_size: int = 20
    """The page size when a list request gives no ``limit``."""

    journal_size: int = 100_000
    """How many requests the journal keeps; the oldest are dropped first."""

    max_log_lines: int = 1_000
    """Log lines kept per workload; older ones are dropped."""

    max_events: int = 1_000
    """Events kept per workload; older ones are dropped."""

    def __post_init__(self) -> None:
        # Accept any sequence (a list from argparse) but store an immutable tuple.
        object.__setattr__(self, "api_keys", tuple(self.api_keys))
        if not self.api_keys:
            raise ValueError("api_keys: at least one API key is required")
        for key in self.api_keys:
            if not isinstance(key, str) or not key or key != key.strip() or " " in key:
                raise ValueError("api_keys: each key must be a non-empty string without spaces")
        if len(set(self.api_keys)) != len(self.api_keys):
            raise ValueError("api_keys: keys must be distinct")
        if self.deploy_delay < 0:
            raise ValueError("deploy_delay: must not be negative")
        if self.log_interval <= 0:
            raise ValueError("log_interval: must be positive")
        if self.max_page_size < 1:
            raise ValueError("max_page_size: must be at least 1")
        if not 1 <= self.default_page_size <= self.max_page_size:
            raise ValueError("default_page_size: must be between 1 and max_page_size")
        for name in ("journal_size", "max_log_lines", "max_events"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")

"""Everything one running simulator holds, bundled for the request handlers.

The store, the journal, the fault rules and the settings live in one object that the
aiohttp application carries under a typed key, so handlers reach them without globals and
two simulators in one process (two tests, or a test and the demo) never share state.
"""

from __future__ import annotations

import asyncio
import hmac
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import SimConfig
from .faults import Faults
from .journal import Journal
from .store import Store


def _generator(seed: float | None) -> random.Random:
    # Reproducible on purpose (a seed replays a run); nothing drawn from it is a secret.
    return random.Random(seed)  # noqa: S311


@dataclass(kw_only=True)
class Runtime:
    config: SimConfig
    clock: Callable[[], float]
    store: Store
    journal: Journal
    faults: Faults
    ids: random.Random
    """Draws request ids; separate from the store's generator so uids stay reproducible."""
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the server stops: hung requests and log followers return at once."""

    @classmethod
    def create(cls, config: SimConfig, *, clock: Callable[[], float] = time.time) -> Runtime:
        seeds = _generator(config.seed)
        return cls(
            config=config,
            clock=clock,
            store=Store(config, clock=clock, rng=_generator(seeds.random())),
            journal=Journal(config.journal_size),
            faults=Faults(_generator(seeds.random())),
            ids=_generator(seeds.random()),
        )

    def request_id(self) -> str:
        return f"req-{self.ids.getrandbits(64):016x}"

    def owner_of(self, token: str) -> int | None:
        """The index of the API key ``token``, compared in constant time, or ``None``."""
        found = None
        for index, key in enumerate(self.config.api_keys):
            if hmac.compare_digest(token.encode(), key.encode()):
                found = index
        return found

    def reset(self) -> None:
        """Back to a fresh start: no workloads, volumes, keys, requests or faults."""
        self.store.reset()
        self.journal.clear()
        self.faults.clear()

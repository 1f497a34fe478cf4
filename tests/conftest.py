"""Fixtures shared by every test directory.

``simulator``: a Targon API simulator on a free local port, fresh for each test, with the
API key ``test-key`` and short delays (a deploy takes 0.2 s), so tests that wait for
RUNNING wait briefly. Use ``simulator.url`` (or ``simulator.api_url`` for ``/tha/v2``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from targon_operator.sim import SimConfig, Simulator

SIMULATOR_API_KEY = "test-key"


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    config = SimConfig(
        api_keys=(SIMULATOR_API_KEY,), deploy_delay=0.2, log_interval=0.2, seed=20250115
    )
    sim = Simulator(config)
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()

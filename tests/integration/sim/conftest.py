"""Clients for the simulator under test: plain httpx, never the project's own client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from targon_operator.sim import SimConfig, Simulator

from .helpers import client


def _api(sim: Simulator, key: str) -> httpx.AsyncClient:
    return client(sim.api_url, key=key)


@pytest.fixture
async def api(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """The Targon API of ``simulator``, authenticated with its key."""
    async with _api(simulator, simulator.config.api_keys[0]) as client:
        yield client


@pytest.fixture
async def admin(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """The simulator's root URL: ``/_sim/...`` and unauthenticated API calls."""
    async with client(simulator.url) as root:
        yield root


@pytest.fixture
async def references(admin: httpx.AsyncClient) -> None:
    """The volume and SSH key the reference's rental example refers to."""
    volume = {"uid": "vol-xyz789abc123", "name": "my-data"}
    key = {"uid": "shk-def456ghi789", "name": "my-laptop", "public_key_raw": "ssh-ed25519 AAAA..."}
    assert (await admin.post("/_sim/volumes", json=volume)).status_code == 201
    assert (await admin.post("/_sim/ssh-keys", json=key)).status_code == 201


@pytest.fixture
async def two_keys() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Clients for two valid keys of one simulator: ("alice", "bob")."""
    config = SimConfig(api_keys=("alice-key", "bob-key"), deploy_delay=0.2, seed=7)
    sim = Simulator(config)
    await sim.start()
    try:
        async with _api(sim, "alice-key") as alice, _api(sim, "bob-key") as bob:
            yield alice, bob
    finally:
        await sim.stop()

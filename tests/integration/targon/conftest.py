"""Fixtures for the client's tests: clients of the per-test simulator, its admin interface.

Every client made here reports its HTTP attempts to the test's ``calls`` list and is
closed before the simulator stops. Clients default to fast retries (``FAST_RETRY``), so
that a retry costs milliseconds; tests of hangs ask for a short read timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from targon_operator.sim import SimConfig, Simulator
from targon_operator.targon import CallRecord, RetryPolicy, TargonClient, TargonConfig

from .helpers import FAST_RETRY, SSH_KEY_UID, VOLUME_UID, MakeClient, SimAdmin


@pytest.fixture
def api_key(simulator: Simulator) -> str:
    return simulator.config.api_keys[0]


@pytest.fixture
def calls() -> list[CallRecord]:
    """What the observer of every client made by ``make_client`` saw, in order."""
    return []


@pytest.fixture
async def make_client(
    simulator: Simulator, api_key: str, calls: list[CallRecord]
) -> AsyncIterator[MakeClient]:
    """Build clients of ``simulator`` (or of ``base_url``); all are closed afterwards."""
    made: list[TargonClient] = []

    def make(
        *,
        api_key: str = api_key,
        base_url: str | None = None,
        retry: RetryPolicy = FAST_RETRY,
        read_timeout: float = 5.0,
    ) -> TargonClient:
        config = TargonConfig(
            api_key=SecretStr(api_key),
            base_url=base_url or simulator.url,
            connect_timeout=1.0,
            read_timeout=read_timeout,
            retry=retry,
        )
        client = TargonClient(config, observer=calls.append)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> TargonClient:
    """A client of ``simulator`` with its key, fast retries and a 5 s read timeout."""
    return make_client()


@pytest.fixture
async def admin(simulator: Simulator) -> AsyncIterator[SimAdmin]:
    async with httpx.AsyncClient(base_url=simulator.url, timeout=5.0) as http:
        yield SimAdmin(http)


@pytest.fixture
async def references(admin: SimAdmin) -> None:
    """The volume and SSH key the reference's rental example refers to."""
    await admin.add_volume(VOLUME_UID, "my-data")
    await admin.add_ssh_key(SSH_KEY_UID, "my-laptop")


@pytest.fixture
async def two_key_simulator() -> AsyncIterator[Simulator]:
    """A simulator with two valid keys; each sees only its own workloads."""
    sim = Simulator(SimConfig(api_keys=("alice-key-0451", "bob-key-1138"), seed=7))
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()

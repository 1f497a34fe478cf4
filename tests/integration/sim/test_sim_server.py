"""Running the simulator: in-process, in a thread, serve() for the CLI, and its settings."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import httpx
import pytest

from targon_operator.sim import SimConfig, Simulator, SimulatorThread, serve

from .helpers import client


def test_simulator_thread_serves_synchronous_callers() -> None:
    config = SimConfig(api_keys=("k",), deploy_delay=0)
    with SimulatorThread(config) as sim:
        headers = {"Authorization": "Bearer k"}
        with httpx.Client(base_url=sim.api_url, headers=headers, timeout=5) as client:
            created = client.post(
                "/workloads",
                json={"name": "a", "image": "i:1", "resource_name": "cpu-small", "type": "RENTAL"},
            )
            assert created.status_code == 200
            assert client.post(f"/workloads/{created.json()['uid']}/deploy").status_code == 202
            state = client.get(f"/workloads/{created.json()['uid']}/state").json()
        assert state["status"] == "RUNNING"  # a zero delay is due at the next read
        url = sim.url

    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_sim/health", timeout=1)


async def test_simulator_url_is_only_known_while_running() -> None:
    sim = Simulator(SimConfig(api_keys=("k",)))
    with pytest.raises(RuntimeError):
        _ = sim.url

    url = await sim.start()
    try:
        assert url == sim.url
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            await sim.start()
    finally:
        await sim.stop()
    await sim.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = sim.url


async def test_a_stopped_simulator_starts_again_with_its_state() -> None:
    sim = Simulator(SimConfig(api_keys=("k",)))
    await sim.start()
    async with client(sim.url) as root:
        await root.post("/_sim/volumes", json={"uid": "vol-kept", "name": "v"})
    await sim.stop()

    await sim.start()
    try:
        async with client(sim.url) as root:
            volumes = (await root.get("/_sim/volumes")).json()["items"]
    finally:
        await sim.stop()

    assert volumes == [{"uid": "vol-kept", "name": "v"}]


async def test_starting_on_a_port_in_use_fails() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        sim = Simulator(SimConfig(api_keys=("k",)))
        with pytest.raises(OSError):
            await sim.start(port=taken.getsockname()[1])


def test_simulator_thread_on_a_port_in_use_raises_at_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        thread = SimulatorThread(SimConfig(api_keys=("k",)), port=taken.getsockname()[1])
        with pytest.raises(OSError):
            thread.start()
        thread.stop()


async def test_stop_ends_hung_requests_and_log_followers_promptly() -> None:
    sim = Simulator(SimConfig(api_keys=("k",), deploy_delay=0))
    await sim.start()
    async with client(sim.url, key="k", timeout=10) as root:
        body = {"name": "a", "image": "i:1", "resource_name": "cpu-small", "type": "RENTAL"}
        uid = (await root.post("/tha/v2/workloads", json=body)).json()["uid"]
        await root.post("/_sim/faults", json={"rules": [{"path": "/workloads$", "hang": True}]})
        hung = asyncio.create_task(root.get("/tha/v2/workloads"))
        logs = root.build_request("GET", f"/tha/v2/workloads/{uid}/logs?follow=true")
        follower = await root.send(logs, stream=True)
        await asyncio.sleep(0.1)

        started = asyncio.get_running_loop().time()
        await sim.stop()
        [outcome] = await asyncio.gather(hung, return_exceptions=True)
        streamed = await asyncio.wait_for(follower.aread(), timeout=1.5)

        assert asyncio.get_running_loop().time() - started < 1.5
        assert (follower.status_code, streamed) == (200, b"")
        # Either the 503 "stopping" answer went out or the connection closed first.
        if not isinstance(outcome, httpx.HTTPError):
            assert isinstance(outcome, httpx.Response)
            assert outcome.status_code == 503


async def test_serve_announces_its_url_and_stops_on_request() -> None:
    stop = asyncio.Event()
    announced: list[str] = []
    server = asyncio.create_task(
        serve(SimConfig(api_keys=("k",)), port=0, on_ready=announced.append, stop=stop)
    )
    while not announced:
        await asyncio.sleep(0.01)

    async with client(announced[0]) as root:
        assert (await root.get("/_sim/health")).json()["status"] == "ok"
    stop.set()
    await asyncio.wait_for(server, timeout=5)


@pytest.mark.parametrize(
    "settings",
    [
        {"api_keys": ()},
        {"api_keys": ("",)},
        {"api_keys": ("a b",)},
        {"api_keys": ("k", "k")},
        {"api_keys": ("k",), "deploy_delay": -1},
        {"api_keys": ("k",), "log_interval": 0},
        {"api_keys": ("k",), "max_page_size": 0},
        {"api_keys": ("k",), "default_page_size": 500},
        {"api_keys": ("k",), "journal_size": 0},
    ],
    ids=[
        "no-keys", "empty-key", "key-with-space", "duplicate-keys", "negative-delay",
        "zero-log-interval", "zero-page-size", "default-above-max", "zero-journal",
    ],
)  # fmt: skip
def test_invalid_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings.keys() - {"api_keys"}), "api_keys")):
        SimConfig(**settings)


def test_settings_accept_a_list_of_keys_and_keep_a_tuple() -> None:
    config = SimConfig(api_keys=["a", "b"])  # type: ignore[arg-type]

    assert config.api_keys == ("a", "b")
    assert config.deploy_delay == 2.0
    assert config.max_page_size == 100


async def test_the_same_seed_gives_the_same_uids() -> None:
    async def first_uid() -> str:
        sim = Simulator(SimConfig(api_keys=("k",), seed=42))
        await sim.start()
        try:
            async with client(sim.url) as root:
                response = await root.post("/_sim/volumes", json={"name": "v"})
                return str(response.json()["uid"])
        finally:
            await sim.stop()

    assert await first_uid() == await first_uid()


def test_the_simulator_imports_nothing_of_the_client_or_kubernetes() -> None:
    # A bug shared by the client and the simulator would hide itself; keep them apart.
    script = (
        "import sys, targon_operator.sim\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('kopf', 'kubernetes', 'httpx')\n"
        "       or m.startswith('targon_operator.') and not m.startswith('targon_operator.sim')]\n"
        "print(bad)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"

"""What the API may add tomorrow must not break the client today.

Unknown status strings pass through verbatim (and classify as ``Phase.UNKNOWN``); unknown
response fields are kept on the models. The simulator never sends unknown fields, so a
small real HTTP proxy in front of it adds one to every JSON object it answers with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import BaseModel

from targon_operator.sim import Simulator
from targon_operator.targon import Phase, TargonClient, VolumeMount, classify

from .helpers import SSH_KEY_UID, VOLUME_UID, MakeClient, SimAdmin, digest_of, rental

EXTRA = "added_tomorrow"


def _with_extras(value: Any) -> Any:
    if isinstance(value, dict):
        return {**{k: _with_extras(v) for k, v in value.items()}, EXTRA: {"n": 1}}
    if isinstance(value, list):
        return [_with_extras(item) for item in value]
    return value


@pytest.fixture
async def extending_proxy(simulator: Simulator) -> AsyncIterator[str]:
    """The URL of a proxy to the simulator that adds a field to every JSON object."""
    upstream = httpx.AsyncClient(base_url=simulator.url, timeout=5.0)

    async def forward(request: web.Request) -> web.Response:
        answer = await upstream.request(
            request.method,
            request.path,
            params=list(request.query.items()),
            content=await request.read(),
            headers={"Authorization": request.headers.get("Authorization", "")},
        )
        headers = {"X-Request-Id": answer.headers.get("x-request-id", "")}
        if answer.headers.get("content-type", "").startswith("application/json"):
            return web.json_response(
                _with_extras(answer.json()), status=answer.status_code, headers=headers
            )
        return web.Response(body=answer.content, status=answer.status_code, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
        await upstream.aclose()


def _extra(model: BaseModel) -> Any:
    return (model.model_extra or {}).get(EXTRA)


@pytest.fixture
async def second_ssh_key(admin: SimAdmin) -> str:
    await admin.add_ssh_key("shk-bbbbbbbbbbbb", "second")
    return "shk-bbbbbbbbbbbb"


@pytest.mark.usefixtures("references")
async def test_unknown_response_fields_are_kept(
    make_client: MakeClient, extending_proxy: str, second_ssh_key: str
) -> None:
    client = make_client(base_url=extending_proxy)

    created = await client.create_workload(
        rental(volumes=[VolumeMount(uid=VOLUME_UID, mount_path="/data")], ssh_keys=[SSH_KEY_UID])
    )
    fetched = await client.get_workload(created.uid)
    deployed = await client.deploy_workload(created.uid)
    state = await client.get_state(created.uid)
    page = await client.list_workloads_page()
    listed = [w async for w in client.list_workloads()]
    events = await client.list_events_page(created.uid)
    verified = await client.verify_workload(created.uid, digest_of(created.image))
    attached = await client.attach_ssh_key(created.uid, second_ssh_key)

    for model in (created, fetched, deployed, state, page, listed[0], events, events.items[0]):
        assert _extra(model) == {"n": 1}, type(model).__name__
    for nested in (fetched.state, fetched.resource, fetched.ports[0], fetched.volumes[0]):
        assert nested is not None
        assert _extra(nested) == {"n": 1}, type(nested).__name__
    assert _extra(fetched.ssh_keys[0]) == {"n": 1}
    assert verified.verified is True
    assert _extra(verified) == {"n": 1}
    assert _extra(attached) == {"n": 1}


async def test_unknown_status_passes_through_every_read(
    client: TargonClient, admin: SimAdmin
) -> None:
    workload = await client.create_workload(rental())
    await admin.force_state(workload.uid, "hibernating", message="sleeping")

    fetched = await client.get_workload(workload.uid)
    state = await client.get_state(workload.uid)
    (listed,) = [w async for w in client.list_workloads()]
    events = [e async for e in client.list_events(workload.uid)]

    assert fetched.state.status == "hibernating"
    assert fetched.state.message == "sleeping"
    assert state.status == "hibernating"
    assert listed.state.status == "hibernating"
    assert events[-1].new_status == "hibernating"
    assert classify(state.status) is Phase.UNKNOWN


async def test_lower_case_running_classifies_as_running(
    client: TargonClient, admin: SimAdmin
) -> None:
    workload = await client.create_workload(rental())
    await admin.force_state(workload.uid, "running")

    state = await client.get_state(workload.uid)

    assert state.status == "running"
    assert classify(state.status) is Phase.RUNNING
    assert classify((await client.get_workload(workload.uid)).state.status) is Phase.RUNNING


async def test_cpu_resource_without_gpu_type_parses(client: TargonClient) -> None:
    workload = await client.create_workload(rental(resource_name="cpu-small"))

    assert workload.resource is not None
    assert (workload.resource.gpu_type, workload.resource.gpu_count) == (None, 0)

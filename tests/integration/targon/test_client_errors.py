"""Every documented error status, and every transport failure, as the right exception.

API errors must carry the status, the API's own message (which names the offending
field) and the request id the server logged; transport errors must tell "never
connected" from "no answer in time". No exception may carry the API key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from targon_operator.sim import Simulator
from targon_operator.targon import (
    NO_RETRIES,
    AmbiguousCreateError,
    BadRequest,
    Conflict,
    CreateWorkloadRequest,
    Forbidden,
    NotFound,
    Port,
    RateLimited,
    ServerError,
    ServerlessConfig,
    TargonAPIError,
    TargonClient,
    TargonConfig,
    TargonConnectError,
    TargonError,
    TargonTimeout,
    TargonTransportError,
    Unauthorized,
    UpdateWorkloadRequest,
)

from .helpers import (
    SSH_KEY_UID,
    VOLUME_UID,
    MakeClient,
    SimAdmin,
    assert_secret_free,
    closed_port,
    rental,
)

UNKNOWN_UID = "wrk-000000000000"
Call = Callable[[TargonClient, str], Awaitable[Any]]


async def _drain(lines: AsyncIterator[str]) -> list[str]:
    return [line async for line in lines]


# One call per endpoint that names a workload: the first argument is the client, the second
# the workload uid.
CALLS: dict[str, Call] = {
    "get": lambda c, uid: c.get_workload(uid),
    "update": lambda c, uid: c.update_workload(uid, UpdateWorkloadRequest(image="busybox:1")),
    "delete": lambda c, uid: c.delete_workload(uid),
    "deploy": lambda c, uid: c.deploy_workload(uid),
    "state": lambda c, uid: c.get_state(uid),
    "events": lambda c, uid: c.list_events_page(uid),
    "logs": lambda c, uid: _drain(c.stream_logs(uid)),
    "verify": lambda c, uid: c.verify_workload(uid, "sha256:" + "0" * 64),
    "attach_volume": lambda c, uid: c.attach_volume(uid, VOLUME_UID, mount_path="/data"),
    "detach_volume": lambda c, uid: c.detach_volume(uid, VOLUME_UID),
    "attach_ssh_key": lambda c, uid: c.attach_ssh_key(uid, SSH_KEY_UID),
    "detach_ssh_key": lambda c, uid: c.detach_ssh_key(uid, SSH_KEY_UID),
}


async def _api_error(
    admin: SimAdmin, exc: TargonError, cls: type[TargonAPIError], status: int, key: str
) -> TargonAPIError:
    """``exc`` is exactly ``cls`` with the status, message and id of the journalled answer."""
    assert type(exc) is cls, repr(exc)
    assert isinstance(exc, TargonAPIError)
    assert exc.status_code == status
    assert exc.message
    assert exc.request_id is not None
    entry = await admin.entry(exc.request_id)
    assert entry["status"] == status
    assert (exc.method, exc.path) == (entry["method"], entry["path"].removeprefix("/tha/v2"))
    assert (
        str(exc) == f"{exc.method} {exc.path}: {status} {exc.message} (request id {exc.request_id})"
    )
    assert_secret_free(exc, key)
    return exc


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (rental(ports=[Port(port=80)]), "ports[0].port"),
        (rental(serverless_config=ServerlessConfig(max_replicas=1)), "serverless_config"),
        (rental(name="Not_A_DNS_Label"), "name"),
        (rental(resource_name="tpu-huge"), "resource_name"),
    ],
    ids=["port", "serverless_config", "name", "resource_name"],
)
async def test_invalid_create_is_bad_request_naming_the_field(
    client: TargonClient,
    admin: SimAdmin,
    api_key: str,
    request_: CreateWorkloadRequest,
    field: str,
) -> None:
    with pytest.raises(BadRequest) as caught:
        await client.create_workload(request_)

    error = await _api_error(admin, caught.value, BadRequest, 400, api_key)
    assert error.message.startswith(f"{field}: ")
    assert len(await admin.journal()) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, uid: c.verify_workload(uid, "5a1b2c3..."), "digest"),
        (lambda c, uid: c.list_workloads_page(limit=0), "limit"),
        (lambda c, uid: c.list_workloads_page(type="rental"), "type"),
        (lambda c, uid: c.attach_volume(uid, VOLUME_UID, mount_path="data"), "mount_path"),
        (lambda c, uid: _drain(c.stream_logs(uid, tail=-1)), "tail"),
    ],
    ids=["verify-digest", "list-limit", "list-type", "attach-mount-path", "logs-tail"],
)
@pytest.mark.usefixtures("references")
async def test_invalid_parameters_are_bad_request_naming_the_field(
    client: TargonClient, admin: SimAdmin, api_key: str, call: Call, field: str
) -> None:
    workload = await client.create_workload(rental())

    with pytest.raises(BadRequest) as caught:
        await call(client, workload.uid)

    error = await _api_error(admin, caught.value, BadRequest, 400, api_key)
    assert error.message.startswith(f"{field}: ")


async def test_wrong_key_is_unauthorized(
    make_client: MakeClient, admin: SimAdmin, api_key: str
) -> None:
    wrong = "sk-wrong-7f3a9c"
    client = make_client(api_key=wrong)

    with pytest.raises(Unauthorized) as caught:
        await client.list_workloads_page()

    await _api_error(admin, caught.value, Unauthorized, 401, wrong)
    assert_secret_free(caught.value, api_key)


@pytest.mark.parametrize(
    "endpoint", ["get", "update", "delete", "deploy", "state", "events", "logs", "verify"]
)
async def test_another_keys_workload_is_forbidden(
    two_key_simulator: Simulator, endpoint: str
) -> None:
    alice_key, bob_key = two_key_simulator.config.api_keys

    def connect(key: str) -> TargonClient:
        config = TargonConfig(
            api_key=SecretStr(key), base_url=two_key_simulator.url, retry=NO_RETRIES
        )
        return TargonClient(config)

    async with connect(alice_key) as alice, connect(bob_key) as bob:
        workload = await alice.create_workload(rental())

        with pytest.raises(Forbidden) as caught:
            await CALLS[endpoint](bob, workload.uid)

        assert caught.value.status_code == 403
        assert caught.value.request_id
        assert caught.value.message
        assert_secret_free(caught.value, alice_key, bob_key)
        assert (await alice.get_workload(workload.uid)).image == "pytorch/pytorch:latest"


@pytest.mark.parametrize("endpoint", sorted(CALLS))
@pytest.mark.usefixtures("references")
async def test_unknown_workload_is_not_found(
    client: TargonClient, admin: SimAdmin, api_key: str, endpoint: str
) -> None:
    with pytest.raises(NotFound) as caught:
        await CALLS[endpoint](client, UNKNOWN_UID)

    error = await _api_error(admin, caught.value, NotFound, 404, api_key)
    assert error.message.startswith(("workload_uid: ", "uid: "))
    assert UNKNOWN_UID in error.message


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, uid: c.attach_volume(uid, "vol-000000000000", mount_path="/d"), "volume_uid"),
        (lambda c, uid: c.attach_ssh_key(uid, "shk-000000000000"), "ssh_key_uid"),
        (lambda c, uid: c.detach_volume(uid, VOLUME_UID), "volume_uid"),
        (lambda c, uid: c.detach_ssh_key(uid, SSH_KEY_UID), "ssh_key_uid"),
    ],
    ids=["attach-unknown-volume", "attach-unknown-key", "detach-volume", "detach-key"],
)
@pytest.mark.usefixtures("references")
async def test_unknown_or_unattached_reference_is_not_found(
    client: TargonClient, admin: SimAdmin, api_key: str, call: Call, field: str
) -> None:
    workload = await client.create_workload(rental())

    with pytest.raises(NotFound) as caught:
        await call(client, workload.uid)

    error = await _api_error(admin, caught.value, NotFound, 404, api_key)
    assert error.message.startswith(f"{field}: ")


@pytest.mark.usefixtures("references")
async def test_ssh_key_attached_twice_is_conflict(
    client: TargonClient, admin: SimAdmin, api_key: str
) -> None:
    workload = await client.create_workload(rental())
    await client.attach_ssh_key(workload.uid, SSH_KEY_UID)

    with pytest.raises(Conflict) as caught:
        await client.attach_ssh_key(workload.uid, SSH_KEY_UID)

    await _api_error(admin, caught.value, Conflict, 409, api_key)
    assert len(await admin.journal(method="PUT")) == 2


@pytest.mark.usefixtures("references")
async def test_volume_attached_twice_is_conflict(
    client: TargonClient, admin: SimAdmin, api_key: str
) -> None:
    workload = await client.create_workload(rental())
    await client.attach_volume(workload.uid, VOLUME_UID, mount_path="/data")

    with pytest.raises(Conflict) as caught:
        await client.attach_volume(workload.uid, VOLUME_UID, mount_path="/other")

    await _api_error(admin, caught.value, Conflict, 409, api_key)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_failure_is_server_error(
    make_client: MakeClient, admin: SimAdmin, api_key: str, status: int
) -> None:
    client = make_client(retry=NO_RETRIES)
    await admin.faults({"status": status})

    with pytest.raises(ServerError) as caught:
        await client.list_workloads_page()

    error = await _api_error(admin, caught.value, ServerError, status, api_key)
    assert error.message == "fault: injected by a /_sim/faults rule"


async def test_rate_limit_is_rate_limited_with_its_retry_after(
    make_client: MakeClient, admin: SimAdmin, api_key: str
) -> None:
    client = make_client(retry=NO_RETRIES)
    await admin.faults({"status": 429, "retry_after": 7})

    with pytest.raises(RateLimited) as caught:
        await client.get_workload(UNKNOWN_UID)

    await _api_error(admin, caught.value, RateLimited, 429, api_key)
    assert caught.value.retry_after == 7.0


async def test_refused_connection_is_connect_error(make_client: MakeClient, api_key: str) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}", retry=NO_RETRIES)

    with pytest.raises(TargonConnectError) as caught:
        await client.list_workloads_page()

    assert isinstance(caught.value, TargonTransportError)
    assert not isinstance(caught.value, TargonAPIError)
    assert (caught.value.method, caught.value.path) == ("GET", "/workloads")
    assert_secret_free(caught.value, api_key)


async def test_hung_request_is_timeout(
    make_client: MakeClient, admin: SimAdmin, api_key: str
) -> None:
    client = make_client(retry=NO_RETRIES, read_timeout=0.2)
    await admin.faults({"method": "GET", "hang": True})

    with pytest.raises(TargonTimeout) as caught:
        await client.get_workload(UNKNOWN_UID)

    assert (caught.value.method, caught.value.path) == ("GET", f"/workloads/{UNKNOWN_UID}")
    assert_secret_free(caught.value, api_key)
    (entry,) = await admin.journal()
    assert entry["status"] is None


def test_api_and_transport_errors_share_one_root_but_not_a_branch() -> None:
    api_errors = (BadRequest, Unauthorized, Forbidden, NotFound, Conflict, RateLimited, ServerError)
    transport_errors = (TargonConnectError, TargonTimeout, AmbiguousCreateError)
    assert all(issubclass(cls, TargonAPIError) for cls in api_errors)
    assert not any(issubclass(cls, TargonTransportError) for cls in api_errors)
    assert all(issubclass(cls, TargonTransportError) for cls in transport_errors)
    assert not any(issubclass(cls, TargonAPIError) for cls in transport_errors)
    assert issubclass(TargonAPIError, TargonError)
    assert issubclass(TargonTransportError, TargonError)

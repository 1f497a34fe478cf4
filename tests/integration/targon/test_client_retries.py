"""Which failures the client repeats, how long it waits, and what it never repeats.

Reads (and the other idempotent calls) are repeated after 429, 5xx and transport errors,
honouring Retry-After. A create or a deploy is repeated only when the connection was
never established: after a timeout or a 5xx it may have taken effect, and doing it twice
would register a second workload or restart a running one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest

from targon_operator.targon import (
    AmbiguousCreateError,
    CallRecord,
    RateLimited,
    RetryPolicy,
    ServerError,
    TargonClient,
    TargonConnectError,
    TargonTimeout,
    UpdateWorkloadRequest,
)

from .helpers import SSH_KEY_UID, MakeClient, SimAdmin, assert_secret_free, closed_port, rental

CREATE_PATH = "^/tha/v2/workloads$"
HANG_TIMEOUT = 0.3


def _attempts(calls: list[CallRecord], endpoint: str) -> list[tuple[int | None, int]]:
    return [(c.status_code, c.attempt) for c in calls if c.endpoint == endpoint]


async def test_get_succeeds_after_two_server_errors(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    await admin.faults({"method": "GET", "status": 500, "times": 2})

    fetched = await client.get_workload(workload.uid)

    assert fetched.uid == workload.uid
    journal = await admin.journal(method="GET")
    assert [e["status"] for e in journal] == [500, 500, 200]
    assert _attempts(calls, "get") == [(500, 1), (500, 2), (200, 3)]


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(
    make_client: MakeClient, admin: SimAdmin, status: int
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05))
    await admin.faults({"method": "GET", "status": status, "retry_after": 1, "times": 1})

    started = time.monotonic()
    page = await client.list_workloads_page()
    elapsed = time.monotonic() - started

    assert page.items == []
    assert elapsed >= 1.0
    assert [e["status"] for e in await admin.journal()] == [status, 200]


async def test_retry_after_beyond_the_policy_cap_is_raised_at_once(
    make_client: MakeClient, admin: SimAdmin, api_key: str
) -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, max_retry_after=0.5)
    client = make_client(retry=policy)
    await admin.faults({"status": 429, "retry_after": 30})

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        await client.list_workloads_page()

    assert time.monotonic() - started < 5.0
    assert caught.value.retry_after == 30.0
    assert len(await admin.journal()) == 1
    assert_secret_free(caught.value, api_key)


async def test_gives_up_after_max_attempts(
    make_client: MakeClient, admin: SimAdmin, calls: list[CallRecord], api_key: str
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05))
    await admin.faults({"method": "GET", "status": 502})

    with pytest.raises(ServerError) as caught:
        await client.list_workloads_page()

    assert caught.value.status_code == 502
    assert [e["status"] for e in await admin.journal()] == [502] * 4
    assert _attempts(calls, "list") == [(502, 1), (502, 2), (502, 3), (502, 4)]
    assert_secret_free(caught.value, api_key)


async def test_latency_below_the_read_timeout_succeeds_at_once(
    make_client: MakeClient, admin: SimAdmin
) -> None:
    client = make_client(read_timeout=2.0)
    await admin.faults({"method": "GET", "latency_ms": 200})

    started = time.monotonic()
    page = await client.list_workloads_page()

    assert page.items == []
    assert time.monotonic() - started >= 0.2
    assert [e["status"] for e in await admin.journal()] == [200]


async def test_hung_get_is_retried_after_the_read_timeout(
    client: TargonClient, make_client: MakeClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    impatient = make_client(read_timeout=HANG_TIMEOUT)
    await admin.faults({"method": "GET", "hang": True, "times": 1})

    started = time.monotonic()
    fetched = await impatient.get_workload(workload.uid)

    assert fetched.uid == workload.uid
    assert time.monotonic() - started >= HANG_TIMEOUT
    assert [e["status"] for e in await admin.journal(method="GET")] == [None, 200]
    assert _attempts(calls, "get") == [(None, 1), (200, 2)]


async def test_get_that_always_hangs_raises_timeout_after_max_attempts(
    make_client: MakeClient, admin: SimAdmin, api_key: str
) -> None:
    client = make_client(
        read_timeout=HANG_TIMEOUT,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05),
    )
    await admin.faults({"method": "GET", "hang": True})

    with pytest.raises(TargonTimeout) as caught:
        await client.list_workloads_page()

    assert [e["status"] for e in await admin.journal()] == [None, None]
    assert_secret_free(caught.value, api_key)


async def test_timed_out_create_is_not_retried(
    make_client: MakeClient, admin: SimAdmin, calls: list[CallRecord], api_key: str
) -> None:
    client = make_client(read_timeout=HANG_TIMEOUT)
    await admin.faults({"method": "POST", "path": CREATE_PATH, "hang": True, "after": True})

    with pytest.raises(AmbiguousCreateError) as caught:
        await client.create_workload(rental("ghost"))

    assert len(await admin.journal(method="POST", path=CREATE_PATH)) == 1
    assert [w["name"] for w in await admin.workloads()] == ["ghost"]
    assert _attempts(calls, "create") == [(None, 1)]
    assert "may have been registered" in str(caught.value)
    assert_secret_free(caught.value, api_key)


async def test_create_that_gets_a_server_error_is_not_retried(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord], api_key: str
) -> None:
    await admin.faults({"method": "POST", "path": CREATE_PATH, "status": 500, "after": True})

    with pytest.raises(ServerError) as caught:
        await client.create_workload(rental("ghost"))

    assert caught.value.status_code == 500
    assert len(await admin.journal(method="POST", path=CREATE_PATH)) == 1
    # The server did register it: a second attempt would have made a twin.
    assert [w["name"] for w in await admin.workloads()] == ["ghost"]
    assert _attempts(calls, "create") == [(500, 1)]
    assert_secret_free(caught.value, api_key)


async def test_create_is_retried_when_the_connection_is_refused(
    make_client: MakeClient, calls: list[CallRecord], api_key: str
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(TargonConnectError) as caught:
        await client.create_workload(rental())

    assert _attempts(calls, "create") == [(None, 1), (None, 2), (None, 3)]
    assert_secret_free(caught.value, api_key)


async def test_deploy_is_not_retried_on_server_error(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord], api_key: str
) -> None:
    workload = await client.create_workload(rental())
    await admin.faults({"path": "/deploy$", "status": 500})

    with pytest.raises(ServerError) as caught:
        await client.deploy_workload(workload.uid)

    assert len(await admin.journal(path="/deploy$")) == 1
    assert _attempts(calls, "deploy") == [(500, 1)]
    assert_secret_free(caught.value, api_key)
    assert (await client.get_state(workload.uid)).status == "REGISTERED"


async def test_timed_out_deploy_is_not_retried(
    client: TargonClient,
    make_client: MakeClient,
    admin: SimAdmin,
    calls: list[CallRecord],
    api_key: str,
) -> None:
    workload = await client.create_workload(rental())
    impatient = make_client(read_timeout=HANG_TIMEOUT)
    await admin.faults({"path": "/deploy$", "hang": True, "after": True})

    with pytest.raises(TargonTimeout) as caught:
        await impatient.deploy_workload(workload.uid)

    assert len(await admin.journal(path="/deploy$")) == 1
    assert _attempts(calls, "deploy") == [(None, 1)]
    assert_secret_free(caught.value, api_key)
    # It did start: a second deploy would have restarted it.
    assert (await client.get_state(workload.uid)).status in ("DEPLOYING", "RUNNING")


async def test_deploy_is_retried_when_the_connection_is_refused(
    make_client: MakeClient, calls: list[CallRecord], api_key: str
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(TargonConnectError) as caught:
        await client.deploy_workload("wrk-000000000000")

    assert _attempts(calls, "deploy") == [(None, 1), (None, 2), (None, 3)]
    assert_secret_free(caught.value, api_key)


OTHER_KEY_UID = "shk-aaaaaaaaaaaa"
Call = Callable[[TargonClient, str], Awaitable[object]]

# Calls that converge to the same end state however often they arrive, with the method
# a fault must match and the status of their success.
IDEMPOTENT_CALLS: dict[str, tuple[str, int, Call]] = {
    "update": (
        "PATCH",
        200,
        lambda c, uid: c.update_workload(uid, UpdateWorkloadRequest(image="a:1")),
    ),
    "delete": ("DELETE", 204, lambda c, uid: c.delete_workload(uid)),
    "attach_ssh_key": ("PUT", 200, lambda c, uid: c.attach_ssh_key(uid, OTHER_KEY_UID)),
    "detach_ssh_key": ("DELETE", 204, lambda c, uid: c.detach_ssh_key(uid, SSH_KEY_UID)),
    "verify": ("POST", 200, lambda c, uid: c.verify_workload(uid, "sha256:" + "0" * 64)),
}


@pytest.mark.parametrize("endpoint", sorted(IDEMPOTENT_CALLS))
@pytest.mark.usefixtures("references")
async def test_idempotent_calls_are_retried_after_a_server_error(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord], endpoint: str
) -> None:
    method, ok, call = IDEMPOTENT_CALLS[endpoint]
    await admin.add_ssh_key(OTHER_KEY_UID, "other")
    workload = await client.create_workload(rental(ssh_keys=[SSH_KEY_UID]))
    await admin.faults({"method": method, "status": 503, "times": 1})

    await call(client, workload.uid)

    assert _attempts(calls, endpoint) == [(503, 1), (ok, 2)]


async def test_log_request_is_retried_after_a_server_error(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    await admin.faults({"path": "/logs$", "status": 500, "times": 2})

    lines = [line async for line in client.stream_logs(workload.uid)]

    assert lines == []
    assert _attempts(calls, "logs") == [(500, 1), (500, 2), (200, 3)]

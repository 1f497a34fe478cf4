"""The observer sees one ``CallRecord`` per HTTP attempt: endpoint, method, status, attempt.

It is how the operator counts calls per endpoint (metrics, and tests that assert "no
needless PATCH"), so the endpoint names are part of the client's contract.
"""

from __future__ import annotations

import pytest

from targon_operator.targon import (
    NO_RETRIES,
    CallRecord,
    NotFound,
    TargonClient,
    TargonTimeout,
    UpdateWorkloadRequest,
)

from .helpers import (
    SSH_KEY_UID,
    VOLUME_UID,
    MakeClient,
    SimAdmin,
    assert_secret_free,
    digest_of,
    rental,
)


def _seen(calls: list[CallRecord]) -> list[tuple[str, str, int | None, int]]:
    return [(c.endpoint, c.method, c.status_code, c.attempt) for c in calls]


@pytest.mark.usefixtures("references")
async def test_each_endpoint_reports_one_call_under_its_name(
    client: TargonClient, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    _ = [w async for w in client.list_workloads()]
    await client.get_workload(workload.uid)
    await client.update_workload(workload.uid, UpdateWorkloadRequest(image="busybox:1"))
    await client.deploy_workload(workload.uid)
    await client.get_state(workload.uid)
    _ = [e async for e in client.list_events(workload.uid)]
    _ = [line async for line in client.stream_logs(workload.uid, tail=1)]
    await client.verify_workload(workload.uid, digest_of("busybox:1"))
    await client.attach_volume(workload.uid, VOLUME_UID, mount_path="/data")
    await client.detach_volume(workload.uid, VOLUME_UID)
    await client.attach_ssh_key(workload.uid, SSH_KEY_UID)
    await client.detach_ssh_key(workload.uid, SSH_KEY_UID)
    await client.delete_workload(workload.uid)

    assert _seen(calls) == [
        ("create", "POST", 200, 1),
        ("list", "GET", 200, 1),
        ("get", "GET", 200, 1),
        ("update", "PATCH", 200, 1),
        ("deploy", "POST", 202, 1),
        ("state", "GET", 200, 1),
        ("events", "GET", 200, 1),
        ("logs", "GET", 200, 1),
        ("verify", "POST", 200, 1),
        ("attach_volume", "PUT", 200, 1),
        ("detach_volume", "DELETE", 204, 1),
        ("attach_ssh_key", "PUT", 200, 1),
        ("detach_ssh_key", "DELETE", 204, 1),
        ("delete", "DELETE", 204, 1),
    ]
    assert all(c.duration >= 0 for c in calls)


async def test_each_attempt_of_a_retried_call_is_reported(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    calls.clear()
    await admin.faults({"method": "GET", "path": "/state$", "status": 503, "times": 2})

    await client.get_state(workload.uid)

    assert _seen(calls) == [
        ("state", "GET", 503, 1),
        ("state", "GET", 503, 2),
        ("state", "GET", 200, 3),
    ]


async def test_error_answers_are_reported_with_their_status(
    client: TargonClient, calls: list[CallRecord], api_key: str
) -> None:
    with pytest.raises(NotFound) as caught:
        await client.get_workload("wrk-000000000000")

    assert_secret_free(caught.value, api_key)

    assert _seen(calls) == [("get", "GET", 404, 1)]


async def test_an_attempt_without_an_answer_has_no_status(
    make_client: MakeClient, admin: SimAdmin, calls: list[CallRecord], api_key: str
) -> None:
    client = make_client(read_timeout=0.2, retry=NO_RETRIES)
    await admin.faults({"method": "GET", "hang": True})

    with pytest.raises(TargonTimeout) as caught:
        await client.list_workloads_page()

    assert_secret_free(caught.value, api_key)

    (call,) = calls
    assert (call.endpoint, call.status_code, call.attempt) == ("list", None, 1)
    assert call.duration >= 0.2


async def test_each_page_of_a_list_is_its_own_call(
    client: TargonClient, calls: list[CallRecord]
) -> None:
    for i in range(5):
        await client.create_workload(rental(f"job-{i}"))
    calls.clear()

    _ = [w async for w in client.list_workloads(limit=2)]

    assert _seen(calls) == [("list", "GET", 200, 1)] * 3

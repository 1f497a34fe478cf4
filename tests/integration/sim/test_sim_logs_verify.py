"""Logs (tail, since, follow streaming) and image digest verification."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from .helpers import assert_error, create, rental, running, wait_for


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def _log_lines(api: httpx.AsyncClient, uid: str, **params: str | int) -> list[str]:
    response = await api.get(f"/workloads/{uid}/logs", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text.splitlines()


async def test_registered_workload_has_no_logs(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    assert await _log_lines(api, workload["uid"]) == []


async def test_running_workload_logs_start_ready_and_periodic_lines(
    api: httpx.AsyncClient,
) -> None:
    workload = await running(api, rental())

    lines = await wait_for(
        lambda: _log_lines(api, workload["uid"]),
        until=lambda lines: any("heartbeat" in line for line in lines),
    )

    assert lines[0].endswith("[main] Pulling image pytorch/pytorch:latest")
    assert lines[1].endswith("[main] Starting container pytorch/pytorch:latest")
    assert "[main] Ready: 1/1 replicas" in lines[2]
    stamp = lines[0].split(" ", 1)[0]
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")


async def test_tail_returns_the_last_lines(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await running(api, rental())
    # A forced FAILED stops the periodic lines, so the log holds still while we read it.
    await admin.post(f"/_sim/workloads/{workload['uid']}/state", json={"status": "FAILED"})
    everything = await _log_lines(api, workload["uid"])

    last_two = await _log_lines(api, workload["uid"], tail=2)
    too_many = await _log_lines(api, workload["uid"], tail=10_000)
    none = await _log_lines(api, workload["uid"], tail=0)

    assert len(everything) >= 4
    assert everything[-1].endswith("Status set to FAILED")
    assert last_two == everything[-2:]
    assert too_many == everything
    assert none == []


async def test_since_returns_only_lines_written_after_it(api: httpx.AsyncClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    workload = await running(api, rental())

    assert len(await _log_lines(api, workload["uid"], since=_rfc3339(before))) >= 3
    future = _rfc3339(datetime.now(UTC) + timedelta(hours=1))
    assert await _log_lines(api, workload["uid"], since=future) == []
    offset = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert await _log_lines(api, workload["uid"], since=offset) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tail": "-1"}, "tail"),
        ({"tail": "ten"}, "tail"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-01-15"}, "since"),
        ({"since": "2025-01-15T10:30:00"}, "since"),
        ({"follow": "yes"}, "follow"),
        ({"follow": "1"}, "follow"),
        ({"lines": "5"}, "lines"),
    ],
    ids=[
        "tail-negative", "tail-word", "since-word", "since-date-only", "since-no-zone",
        "follow-yes", "follow-one", "unknown-param",
    ],
)  # fmt: skip
async def test_invalid_log_query_is_400_naming_the_parameter(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    workload = await create(api, rental())

    response = await api.get(f"/workloads/{workload['uid']}/logs", params=params)

    assert_error(response, 400, field)


async def test_follow_streams_new_lines_until_the_workload_is_deleted(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, rental())
    uid = workload["uid"]
    received: list[str] = []

    async def read_stream() -> None:
        params = {"follow": "true"}
        async with api.stream("GET", f"/workloads/{uid}/logs", params=params) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            async for line in response.aiter_lines():
                received.append(line)

    reader = asyncio.create_task(read_stream())
    await api.post(f"/workloads/{uid}/deploy")

    async def heartbeats() -> int:
        return sum("heartbeat" in line for line in received)

    await wait_for(heartbeats, until=lambda n: n >= 2)
    assert (await api.delete(f"/workloads/{uid}")).status_code == 204
    await asyncio.wait_for(reader, timeout=5)

    assert "Starting container pytorch/pytorch:latest" in received[1]
    assert received[-1].endswith("Stopping container (workload deleted)")


async def test_follow_with_tail_zero_sends_only_new_lines(api: httpx.AsyncClient) -> None:
    workload = await running(api, rental())
    received: list[str] = []

    async def read_stream() -> None:
        params = {"follow": "true", "tail": "0"}
        async with api.stream("GET", f"/workloads/{workload['uid']}/logs", params=params) as r:
            async for line in r.aiter_lines():
                received.append(line)
                return

    await asyncio.wait_for(read_stream(), timeout=5)

    assert "heartbeat" in received[0]


async def test_follow_ends_cleanly_when_the_client_disconnects(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await running(api, rental())
    path = f"/workloads/{workload['uid']}/logs"

    async with api.stream("GET", path, params={"follow": "true"}) as response:
        assert response.status_code == 200
        async for _ in response.aiter_lines():
            break

    # The server is still healthy and journalled the stream with its status.
    journal = (await admin.get("/_sim/requests")).json()["items"]
    assert [e["status"] for e in journal if e["path"] == f"/tha/v2{path}"] == [200]
    assert (await api.get("/workloads")).status_code == 200


# --- Verify --------------------------------------------------------------------------------


def _digest_of(image: str) -> str:
    return hashlib.sha256(image.encode()).hexdigest()


async def test_verify_accepts_the_digest_with_or_without_prefix(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, rental(image="pytorch/pytorch:latest"))
    hexdigest = _digest_of("pytorch/pytorch:latest")

    for digest in (hexdigest, f"sha256:{hexdigest}"):
        response = await api.post(
            "/workloads/verify", json={"uid": workload["uid"], "digest": digest}
        )
        assert response.status_code == 200
        assert response.json() == {"verified": True}
    stored = (await admin.get(f"/_sim/workloads/{workload['uid']}")).json()
    assert stored["image_digest"] == f"sha256:{hexdigest}"


async def test_verify_of_another_digest_is_false(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    response = await api.post(
        "/workloads/verify", json={"uid": workload["uid"], "digest": "0" * 64}
    )

    assert response.json() == {"verified": False}


async def test_verify_of_a_pinned_image_compares_the_pinned_digest(
    api: httpx.AsyncClient,
) -> None:
    pinned = "ab" * 32
    workload = await create(api, rental(image=f"ghcr.io/acme/model@sha256:{pinned}"))

    same = await api.post("/workloads/verify", json={"uid": workload["uid"], "digest": pinned})
    other = await api.post(
        "/workloads/verify",
        json={"uid": workload["uid"], "digest": _digest_of(f"ghcr.io/acme/model@sha256:{pinned}")},
    )

    assert same.json() == {"verified": True}
    assert other.json() == {"verified": False}


async def test_verify_follows_a_patched_image(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(image="a:1"))
    await api.patch(f"/workloads/{workload['uid']}", json={"image": "a:2"})

    response = await api.post(
        "/workloads/verify", json={"uid": workload["uid"], "digest": _digest_of("a:2")}
    )

    assert response.json() == {"verified": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"digest": "0" * 64}, "uid"),
        ({"uid": "wrk-000000000000"}, "digest"),
        ({"uid": "", "digest": "0" * 64}, "uid"),
        ({"uid": "wrk-000000000000", "digest": "5a1b2c3"}, "digest"),
        ({"uid": "wrk-000000000000", "digest": "sha512:" + "0" * 64}, "digest"),
        ({"uid": "wrk-000000000000", "digest": "0" * 64, "tag": "x"}, "tag"),
    ],
    ids=["no-uid", "no-digest", "empty-uid", "short-digest", "other-algorithm", "unknown-field"],
)
async def test_invalid_verify_body_is_400(
    api: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    assert_error(await api.post("/workloads/verify", json=body), 400, field)


async def test_verify_of_an_unknown_workload_is_404(api: httpx.AsyncClient) -> None:
    body = {"uid": "wrk-000000000000", "digest": "0" * 64}

    assert_error(await api.post("/workloads/verify", json=body), 404, "uid")


async def test_verify_of_another_keys_workload_is_403(
    two_keys: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, bob = two_keys
    workload = await create(alice, rental())

    response = await bob.post(
        "/workloads/verify", json={"uid": workload["uid"], "digest": "0" * 64}
    )

    assert_error(response, 403, "uid")

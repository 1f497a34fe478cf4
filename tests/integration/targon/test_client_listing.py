"""The paged and streamed endpoints: workloads, events and logs, through the client.

The iterators must follow ``next_cursor`` to the end and yield every item exactly once;
filters and paging parameters must reach the server as query parameters (the journal
shows them); log streams must end when the caller stops reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest

from targon_operator.targon import (
    SERVERLESS,
    CallRecord,
    ServerlessConfig,
    TargonClient,
    WorkloadEvent,
)
from tests.integration.sim.helpers import EVENT_FIELDS, SUMMARY_FIELDS, wait_for

from .helpers import MakeClient, SimAdmin, rental, wait_for_status


async def _created(client: TargonClient, count: int) -> list[str]:
    return [(await client.create_workload(rental(f"job-{i}"))).uid for i in range(count)]


async def test_list_follows_next_cursor_and_yields_each_workload_once(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    uids = await _created(client, 250)
    calls.clear()

    listed = [w.uid async for w in client.list_workloads(limit=100)]

    assert listed == uids
    pages = await admin.journal(method="GET", path="/workloads$")
    assert [len(p["query"]) for p in pages] == [1, 2, 2]
    assert [p["query"]["limit"] for p in pages] == ["100"] * 3
    assert "cursor" not in pages[0]["query"]
    assert pages[1]["query"]["cursor"] != pages[2]["query"]["cursor"]
    assert [c.endpoint for c in calls] == ["list"] * 3


async def test_list_items_carry_every_summary_field(client: TargonClient) -> None:
    await _created(client, 1)

    (item,) = [w async for w in client.list_workloads()]

    assert item.model_fields_set >= SUMMARY_FIELDS
    assert item.state.status == "REGISTERED"


async def test_list_filters_reach_the_server(client: TargonClient, admin: SimAdmin) -> None:
    alpha = await client.create_workload(rental("alpha", project_id="prj-a", app_id="app-a"))
    beta = await client.create_workload(rental("beta", project_id="prj-b"))
    gamma = await client.create_workload(
        rental("gamma", type=SERVERLESS, serverless_config=ServerlessConfig(max_replicas=1))
    )
    await client.deploy_workload(alpha.uid)
    await wait_for_status(client, alpha.uid, "RUNNING")

    async def uids(**filters: Any) -> list[str]:
        return [w.uid async for w in client.list_workloads(**filters)]

    assert await uids(type="RENTAL") == [alpha.uid, beta.uid]
    assert await uids(type="SERVERLESS") == [gamma.uid]
    assert await uids(status="RUNNING") == [alpha.uid]
    assert await uids(name="beta") == [beta.uid]
    assert await uids(project_id="prj-b") == [beta.uid]
    assert await uids(app_id="app-a") == [alpha.uid]
    assert await uids(type="RENTAL", status="REGISTERED") == [beta.uid]
    queries = [e["query"] for e in await admin.journal(method="GET", path="/workloads$")]
    assert queries[-1] == {"type": "RENTAL", "status": "REGISTERED"}
    assert {"name": "beta"} in queries
    assert {"project_id": "prj-b"} in queries


async def test_list_page_returns_one_page_and_its_cursor(client: TargonClient) -> None:
    uids = await _created(client, 3)

    first = await client.list_workloads_page(limit=2)
    assert first.next_cursor
    second = await client.list_workloads_page(limit=2, cursor=first.next_cursor)

    assert [w.uid for w in first.items] == uids[:2]
    assert [w.uid for w in second.items] == uids[2:]
    assert second.next_cursor == ""


async def test_list_of_nothing_is_empty(client: TargonClient) -> None:
    assert [w async for w in client.list_workloads(name="nobody")] == []


async def test_events_iterator_pages_through_every_event_oldest_first(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    await client.deploy_workload(workload.uid)
    await wait_for_status(client, workload.uid, "RUNNING")
    await admin.force_state(workload.uid, "FAILED", message="OOMKilled")
    await admin.force_state(workload.uid, "STOPPED")
    everything = (await client.list_events_page(workload.uid, limit=100)).items
    calls.clear()

    paged: list[WorkloadEvent] = [e async for e in client.list_events(workload.uid, limit=2)]

    assert paged == everything
    assert [e.reason for e in paged] == ["Created", "Deployed", "Ready", "Forced", "Forced"]
    assert [e.new_status for e in paged][-2:] == ["FAILED", "STOPPED"]
    assert paged[3].exit_code == 1
    assert all(e.model_fields_set >= EVENT_FIELDS for e in paged)
    assert [(c.endpoint, c.status_code) for c in calls] == [("events", 200)] * 3
    pages = await admin.journal(path="/events$")
    assert [sorted(p["query"]) for p in pages[-3:]] == [
        ["limit"], ["cursor", "limit"], ["cursor", "limit"]
    ]  # fmt: skip


async def _log_lines(client: TargonClient, uid: str, **params: Any) -> list[str]:
    return [line async for line in client.stream_logs(uid, **params)]


async def _stopped_with_logs(client: TargonClient, admin: SimAdmin) -> str:
    """A workload that ran long enough to log a heartbeat, then stopped writing."""
    workload = await client.create_workload(rental())
    await client.deploy_workload(workload.uid)
    await wait_for(
        lambda: _log_lines(client, workload.uid),
        until=lambda lines: any("heartbeat" in line for line in lines),
    )
    await admin.force_state(workload.uid, "STOPPED")
    return workload.uid


async def test_logs_are_lines_without_newlines(client: TargonClient, admin: SimAdmin) -> None:
    uid = await _stopped_with_logs(client, admin)

    lines = await _log_lines(client, uid)

    assert "Pulling image pytorch/pytorch:latest" in lines[0]
    assert "Starting container" in lines[1]
    assert lines[-1].endswith("Status set to STOPPED")
    assert all(line and "\n" not in line and "\r" not in line for line in lines)


async def test_logs_tail_returns_the_last_lines(client: TargonClient, admin: SimAdmin) -> None:
    uid = await _stopped_with_logs(client, admin)
    lines = await _log_lines(client, uid)

    assert await _log_lines(client, uid, tail=2) == lines[-2:]
    assert await _log_lines(client, uid, tail=0) == []
    tails = [e["query"] for e in await admin.journal(path="/logs$") if "tail" in e["query"]]
    assert tails == [{"tail": "2"}, {"tail": "0"}]


@pytest.mark.parametrize(
    ("since", "sent"),
    [
        (datetime(2000, 1, 1, tzinfo=UTC), "2000-01-01T00:00:00Z"),
        (datetime(2000, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))), "2000-01-01T00:00:00Z"),
        (datetime(2000, 1, 1), "2000-01-01T00:00:00Z"),  # naive means UTC
        ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"),
    ],
)
async def test_logs_since_a_past_time_returns_every_line(
    client: TargonClient, admin: SimAdmin, since: datetime | str, sent: str
) -> None:
    uid = await _stopped_with_logs(client, admin)
    lines = await _log_lines(client, uid)

    assert await _log_lines(client, uid, since=since) == lines
    assert (await admin.journal(path="/logs$"))[-1]["query"] == {"since": sent}


async def test_logs_since_a_future_time_returns_nothing(
    client: TargonClient, admin: SimAdmin
) -> None:
    uid = await _stopped_with_logs(client, admin)

    since = datetime.now(UTC) + timedelta(hours=1)

    assert await _log_lines(client, uid, since=since) == []


async def test_follow_streams_new_lines_until_the_caller_stops(
    client: TargonClient, admin: SimAdmin, calls: list[CallRecord]
) -> None:
    workload = await client.create_workload(rental())
    await client.deploy_workload(workload.uid)
    seen: list[str] = []

    async with asyncio.timeout(10):
        # stream_logs is an async generator; closing it promptly ends the HTTP stream.
        stream = cast(AsyncGenerator[str, None], client.stream_logs(workload.uid, follow=True))
        async with aclosing(stream) as lines:
            async for line in lines:
                seen.append(line)
                if sum("heartbeat" in s for s in seen) == 2:
                    break

    assert "Pulling image" in seen[0]
    assert any("Ready: 1/1 replicas" in line for line in seen)
    (follow,) = await admin.journal(path="/logs$")
    assert follow["query"] == {"follow": "true"}
    assert [(c.endpoint, c.status_code) for c in calls if c.endpoint == "logs"] == [("logs", 200)]
    # The client stays usable after the stream was abandoned.
    assert (await client.get_state(workload.uid)).status == "RUNNING"


async def test_follow_ends_when_the_workload_is_deleted(
    client: TargonClient, make_client: MakeClient
) -> None:
    workload = await client.create_workload(rental())
    await client.deploy_workload(workload.uid)
    await wait_for_status(client, workload.uid, "RUNNING")
    other = make_client()
    seen: list[str] = []

    async def follow() -> None:
        async for line in client.stream_logs(workload.uid, follow=True):
            seen.append(line)

    async def lines_seen() -> int:
        return len(seen)

    async with asyncio.timeout(10):
        reader = asyncio.create_task(follow())
        await wait_for(lines_seen, until=lambda count: count >= 3)
        await other.delete_workload(workload.uid)
        await reader

    assert "Stopping container" in seen[-1]

"""List and events pagination: each item once, stable under change; filters; bad queries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from targon_operator.sim import SimConfig, Simulator

from .helpers import SUMMARY_FIELDS, assert_error, client, create, rental, running, serverless


async def _page(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await api.get("/workloads", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}
    return body


async def _create_many(api: httpx.AsyncClient, count: int, **changes: Any) -> list[str]:
    return [(await create(api, rental(name=f"w-{i}", **changes)))["uid"] for i in range(count)]


async def test_paging_through_250_workloads_visits_each_once_in_creation_order(
    api: httpx.AsyncClient,
) -> None:
    uids = await _create_many(api, 250)

    pages: list[list[str]] = []
    cursor = ""
    while True:
        page = await _page(api, limit=100, cursor=cursor)
        pages.append([item["uid"] for item in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert [len(p) for p in pages] == [100, 100, 50]
    assert [uid for page in pages for uid in page] == uids


async def test_paging_stays_correct_when_workloads_come_and_go_between_pages(
    api: httpx.AsyncClient,
) -> None:
    uids = await _create_many(api, 250)
    first = await _page(api, limit=100)
    seen = [item["uid"] for item in first["items"]]

    # Delete some already seen, some not yet seen, and create new ones at the end.
    deleted = uids[10:20] + uids[150:160]
    for uid in deleted:
        assert (await api.delete(f"/workloads/{uid}")).status_code == 204
    added = await _create_many(api, 5)

    cursor = first["next_cursor"]
    while cursor:
        page = await _page(api, limit=100, cursor=cursor)
        seen += [item["uid"] for item in page["items"]]
        cursor = page["next_cursor"]

    assert len(seen) == len(set(seen))
    assert seen == uids[:100] + [u for u in uids[100:] if u not in deleted] + added


async def test_list_items_have_the_summary_shape(api: httpx.AsyncClient) -> None:
    await running(api, rental())

    item = (await _page(api))["items"][0]

    assert set(item) == SUMMARY_FIELDS
    assert item["state"]["status"] == "RUNNING"
    assert item["volumes"] == []


async def test_filters_select_by_type_status_project_app_and_exact_name(
    api: httpx.AsyncClient,
) -> None:
    a = await create(api, rental(name="alpha", project_id="p1", app_id="a1"))
    b = await create(api, serverless(name="beta", project_id="p1"))
    c = await create(api, rental(name="alpha-2", project_id="p2", app_id="a1"))
    await api.post(f"/workloads/{c['uid']}/deploy")

    async def uids(**params: Any) -> list[str]:
        return [item["uid"] for item in (await _page(api, **params))["items"]]

    assert await uids(type="RENTAL") == [a["uid"], c["uid"]]
    assert await uids(type="SERVERLESS") == [b["uid"]]
    assert await uids(status="registered") == [a["uid"], b["uid"]]
    assert await uids(status="DEPLOYING") == [c["uid"]]
    assert await uids(project_id="p1") == [a["uid"], b["uid"]]
    assert await uids(app_id="a1") == [a["uid"], c["uid"]]
    assert await uids(name="alpha") == [a["uid"]]
    assert await uids(project_id="p1", type="RENTAL", name="alpha") == [a["uid"]]
    assert await uids(name="alp") == []


async def test_filtered_pages_follow_the_cursor_too(api: httpx.AsyncClient) -> None:
    rentals = []
    for i in range(7):
        rentals.append((await create(api, rental(name=f"r{i}")))["uid"])
        await create(api, serverless(name=f"s{i}"))

    first = await _page(api, type="RENTAL", limit=3)
    second = await _page(api, type="RENTAL", limit=3, cursor=first["next_cursor"])
    third = await _page(api, type="RENTAL", limit=3, cursor=second["next_cursor"])

    got = [item["uid"] for page in (first, second, third) for item in page["items"]]
    assert got == rentals
    assert third["next_cursor"] == ""


async def test_last_page_has_an_empty_cursor_even_when_exactly_full(
    api: httpx.AsyncClient,
) -> None:
    await _create_many(api, 4)

    page = await _page(api, limit=4)

    assert len(page["items"]) == 4
    assert page["next_cursor"] == ""


async def test_without_limit_a_page_has_the_default_size(api: httpx.AsyncClient) -> None:
    await _create_many(api, 25)

    page = await _page(api)

    assert len(page["items"]) == 20
    assert page["next_cursor"] != ""


@pytest.fixture
async def small_pages() -> AsyncIterator[httpx.AsyncClient]:
    config = SimConfig(api_keys=("k",), max_page_size=5, default_page_size=5)
    async with Simulator(config) as sim, client(sim.api_url, key="k") as api:
        yield api


async def test_limit_above_the_maximum_is_clamped(small_pages: httpx.AsyncClient) -> None:
    await _create_many(small_pages, 7)

    page = await _page(small_pages, limit=1000)

    assert len(page["items"]) == 5
    assert page["next_cursor"] != ""


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "ZToy"}, "cursor"),  # an events cursor
        ({"type": "rental"}, "type"),
        ({"page": "2"}, "page"),
        ([("limit", "1"), ("limit", "2")], "limit"),
    ],
    ids=[
        "limit-zero", "limit-negative", "limit-word", "limit-empty", "limit-fraction",
        "cursor-garbage", "cursor-of-events", "type-lowercase", "unknown-param", "limit-twice",
    ],
)  # fmt: skip
async def test_invalid_list_query_is_400_naming_the_parameter(
    api: httpx.AsyncClient, params: Any, field: str
) -> None:
    assert_error(await api.get("/workloads", params=params), 400, field)


async def test_events_page_oldest_first_through_the_cursor(api: httpx.AsyncClient) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]
    await api.patch(f"/workloads/{uid}", json={"args": ["a"]})
    everything = (await api.get(f"/workloads/{uid}/events", params={"limit": 100})).json()

    walked: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = (
            await api.get(f"/workloads/{uid}/events", params={"limit": 1, "cursor": cursor})
        ).json()
        assert len(page["items"]) <= 1
        walked += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert everything["next_cursor"] == ""
    assert walked == everything["items"][: len(walked)]
    assert [e["new_status"] for e in walked[:3]] == ["REGISTERED", "DEPLOYING", "RUNNING"]
    assert walked[3]["event_type"] == "CONFIG_UPDATE"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"cursor": "xyz"}, "cursor"), ({"since": "x"}, "since")],
    ids=["limit-zero", "cursor-garbage", "unknown-param"],
)
async def test_invalid_events_query_is_400(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    workload = await create(api, rental())

    response = await api.get(f"/workloads/{workload['uid']}/events", params=params)

    assert_error(response, 400, field)

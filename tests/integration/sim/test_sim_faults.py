"""Fault injection: status, rate, times, Retry-After, latency, hangs, and failing after the work."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .helpers import assert_error, create, rental


async def _faults(admin: httpx.AsyncClient, *rules: dict[str, Any]) -> None:
    response = await admin.post("/_sim/faults", json={"rules": list(rules)})
    assert response.status_code == 200, response.text


async def _journal(admin: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await admin.get("/_sim/requests")).json()["items"]
    return items


async def test_status_fault_with_rate_one_fails_every_matching_request(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"method": "GET", "path": "^/tha/v2/workloads$", "status": 500, "rate": 1})

    for _ in range(3):
        body = assert_error(await api.get("/workloads"), 500, None)
        assert body["error"] == "internal_error"
    assert (await api.post("/workloads", json=rental())).status_code == 200
    assert [e["status"] for e in await _journal(admin)] == [500, 500, 500, 200]


async def test_rate_zero_never_fires(api: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await _faults(admin, {"status": 500, "rate": 0})

    assert [(await api.get("/workloads")).status_code for _ in range(5)] == [200] * 5


async def test_times_limits_how_often_a_rule_fires(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"status": 503, "times": 2})

    statuses = [(await api.get("/workloads")).status_code for _ in range(4)]

    assert statuses == [503, 503, 200, 200]
    rules = (await admin.get("/_sim/faults")).json()["rules"]
    assert rules[0]["remaining"] == 0


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_sent_with_the_injected_error(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, status: int
) -> None:
    await _faults(admin, {"status": status, "retry_after": 7})

    response = await api.get("/workloads")

    assert_error(response, status, None)
    assert response.headers["retry-after"] == "7"


async def test_latency_delays_the_answer(api: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await _faults(admin, {"path": "/workloads$", "latency_ms": 300})

    started = time.monotonic()
    response = await api.get("/workloads")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.28


async def test_hang_holds_the_request_until_the_client_gives_up(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"method": "GET", "hang": True, "times": 1})

    with pytest.raises(httpx.ReadTimeout):
        await api.get("/workloads", timeout=0.3)

    journal = await _journal(admin)
    assert (journal[0]["path"], journal[0]["status"]) == ("/tha/v2/workloads", None)
    assert (await api.get("/workloads")).status_code == 200


async def test_create_failed_after_the_work_exists_although_the_client_saw_500(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"method": "POST", "path": "/workloads$", "status": 500, "after": True})

    response = await api.post("/workloads", json=rental(name="ghost"))

    assert_error(response, 500, None)
    stored = (await admin.get("/_sim/workloads")).json()["items"]
    assert [w["name"] for w in stored] == ["ghost"]
    listed = (await api.get("/workloads", params={"name": "ghost"})).json()["items"]
    assert [w["uid"] for w in listed] == [stored[0]["uid"]]


async def test_create_that_hangs_after_the_work_times_out_but_exists(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"method": "POST", "path": "/workloads$", "hang": True, "after": True})

    with pytest.raises(httpx.ReadTimeout):
        await api.post("/workloads", json=rental(name="ghost"), timeout=0.3)

    assert [w["name"] for w in (await admin.get("/_sim/workloads")).json()["items"]] == ["ghost"]


async def test_latency_after_the_work_lets_a_client_time_out_on_a_done_deploy(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, rental())
    await _faults(admin, {"path": "/deploy$", "latency_ms": 2000, "after": True})

    with pytest.raises(httpx.ReadTimeout):
        await api.post(f"/workloads/{workload['uid']}/deploy", timeout=0.3)

    state = (await admin.get(f"/_sim/workloads/{workload['uid']}")).json()["state"]
    assert state["status"] in ("DEPLOYING", "RUNNING")


async def test_a_fault_before_the_work_leaves_no_trace_in_the_store(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"method": "POST", "status": 502})

    assert_error(await api.post("/workloads", json=rental()), 502, None)

    assert (await admin.get("/_sim/workloads")).json()["items"] == []


async def test_rules_match_method_and_path_and_the_first_match_fires(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, rental())
    await _faults(
        admin,
        {"method": "post", "path": "/deploy$", "status": 503},
        {"path": "/deploy$", "status": 500},
        {"method": "GET", "path": "/state$", "status": 429},
    )

    assert (await api.post(f"/workloads/{workload['uid']}/deploy")).status_code == 503
    assert (await api.get(f"/workloads/{workload['uid']}/state")).status_code == 429
    assert (await api.get(f"/workloads/{workload['uid']}")).status_code == 200


async def test_faults_do_not_touch_admin_paths(admin: httpx.AsyncClient) -> None:
    await _faults(admin, {"status": 500})

    assert (await admin.get("/_sim/workloads")).status_code == 200
    assert (await admin.get("/_sim/health")).json()["status"] == "ok"


async def test_fault_fires_before_auth(admin: httpx.AsyncClient) -> None:
    await _faults(admin, {"status": 503})

    assert (await admin.get("/tha/v2/workloads")).status_code == 503


async def test_deleting_the_faults_clears_them(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"status": 500})

    assert (await admin.delete("/_sim/faults")).status_code == 204

    assert (await api.get("/workloads")).status_code == 200
    assert (await admin.get("/_sim/faults")).json() == {"rules": []}


async def test_posting_rules_replaces_the_previous_ones(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await _faults(admin, {"status": 500})
    await _faults(admin, {"method": "DELETE", "status": 500})

    assert (await api.get("/workloads")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "rules"),
        ({"rules": {}}, "rules"),
        ({"rules": [{"status": 500, "rate": 2}]}, "rules[0].rate"),
        ({"rules": [{"status": 200}]}, "rules[0].status"),
        ({"rules": [{"status": 500, "path": "("}]}, "rules[0].path"),
        ({"rules": [{"status": 500, "times": 0}]}, "rules[0].times"),
        ({"rules": [{"status": 500, "colour": "red"}]}, "rules[0].colour"),
        ({"rules": [{"rate": 1}]}, "rules[0]"),
        ({"rules": [{"status": 500, "hang": True}]}, "rules[0].hang"),
        ({"rules": [{"latency_ms": -1}]}, "rules[0].latency_ms"),
        ({"rules": [{"status": 429, "retry_after": "soon"}]}, "rules[0].retry_after"),
    ],
    ids=[
        "no-rules", "rules-object", "rate-above-one", "status-not-error", "bad-regex",
        "times-zero", "unknown-field", "no-effect", "hang-and-status", "negative-latency",
        "retry-after-string",
    ],
)  # fmt: skip
async def test_invalid_fault_rules_are_400(
    admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    assert_error(await admin.post("/_sim/faults", json=body), 400, field)

"""Deploy, the state machine, PATCH, redeploy, forced states, events, delete, 403/404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.reference import SERVERLESS_EXAMPLE

from .helpers import (
    EVENT_FIELDS,
    PATCH_EXAMPLE,
    STATE_FIELDS,
    SUMMARY_FIELDS,
    TIMESTAMP_RE,
    assert_error,
    create,
    rental,
    running,
    serverless,
    status_of,
    wait_for,
    wait_for_status,
)


async def _events(api: httpx.AsyncClient, uid: str) -> list[dict[str, Any]]:
    response = await api.get(f"/workloads/{uid}/events", params={"limit": 100})
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_deploy_answers_202_with_the_operation_shape_in_deploying(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, rental())

    response = await api.post(f"/workloads/{workload['uid']}/deploy")

    assert response.status_code == 202
    body = response.json()
    assert set(body) == SUMMARY_FIELDS
    assert body["state"] == {
        "status": "DEPLOYING",
        "message": "",
        "ready_replicas": 0,
        "total_replicas": 1,
        "urls": [],
    }
    assert body["revision"] == "1"
    assert body["created_at"] == workload["created_at"]
    assert TIMESTAMP_RE.fullmatch(body["updated_at"])


async def test_deployed_workload_becomes_running_with_one_url_per_proxied_port(
    api: httpx.AsyncClient,
) -> None:
    ports = [
        {"port": 8080, "routing": "PROXIED"},
        {"port": 2222, "routing": "DIRECT"},
        {"port": 9000, "protocol": "UDP"},
    ]
    workload = await create(api, rental(ports=ports))
    uid = workload["uid"]
    assert await status_of(api, uid) == "REGISTERED"

    await api.post(f"/workloads/{uid}/deploy")
    await wait_for_status(api, uid, "RUNNING")

    state = (await api.get(f"/workloads/{uid}/state")).json()
    assert set(state) == {"uid", "workload_type", "updated_at"} | STATE_FIELDS
    assert state["workload_type"] == "RENTAL"
    assert (state["ready_replicas"], state["total_replicas"]) == (1, 1)
    assert state["urls"] == [
        {"port": 8080, "url": f"https://{uid}.caas.targon.com"},
        {"port": 9000, "url": f"https://{uid}-9000.caas.targon.com"},
    ]
    full = (await api.get(f"/workloads/{uid}")).json()
    assert full["state"] == {k: state[k] for k in STATE_FIELDS}
    assert full["updated_at"] == state["updated_at"]


@pytest.mark.parametrize(
    ("config", "replicas"),
    [
        ({"min_replicas": 0, "max_replicas": 5, "initial_replicas": 3}, 3),
        ({"min_replicas": 2, "max_replicas": 5}, 2),
        ({"max_replicas": 5}, 1),
        ({"min_replicas": 0, "max_replicas": 5, "initial_replicas": 0}, 0),
    ],
    ids=["initial", "min", "default-one", "scale-to-zero"],
)
async def test_serverless_deploy_starts_the_configured_replicas(
    api: httpx.AsyncClient, config: dict[str, Any], replicas: int
) -> None:
    workload = await create(api, serverless(serverless_config=config))

    deployed = (await api.post(f"/workloads/{workload['uid']}/deploy")).json()
    assert deployed["state"]["total_replicas"] == replicas
    await wait_for_status(api, workload["uid"], "RUNNING")

    state = (await api.get(f"/workloads/{workload['uid']}/state")).json()
    assert (state["ready_replicas"], state["total_replicas"]) == (replicas, replicas)


async def test_events_record_every_transition_oldest_first_with_every_field(
    api: httpx.AsyncClient,
) -> None:
    workload = await running(api, rental())

    events = await _events(api, workload["uid"])

    assert [e["new_status"] for e in events] == ["REGISTERED", "DEPLOYING", "RUNNING"]
    assert {e["event_type"] for e in events} == {"STATUS_CHANGE"}
    for event in events:
        assert set(event) == EVENT_FIELDS
        assert event["workload_uid"] == workload["uid"]
        assert event["pod_name"] == f"{workload['uid']}-0"
        assert event["container_name"] == "main"
        assert event["container_image"] == "pytorch/pytorch:latest"
        assert event["resource_name"] == "h200-small"
        assert TIMESTAMP_RE.fullmatch(event["created_at"])
    assert events[-1]["replica_count"] == 1
    assert events[-1]["message"] == "All replicas ready"


async def test_patch_example_of_the_reference_is_accepted_and_bumps_the_revision(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, rental(envs=[{"name": "MODEL_NAME", "value": "llama-3"}]))

    response = await api.patch(f"/workloads/{workload['uid']}", json=PATCH_EXAMPLE)

    assert response.status_code == 200
    updated = response.json()
    assert updated["image"] == "pytorch/pytorch:2.0"
    assert updated["envs"] == [{"name": "MODEL_NAME", "value": "llama-3.1"}]
    assert updated["revision"] == "2"
    assert updated["state"]["status"] == "REGISTERED"
    assert updated["ports"] == workload["ports"]
    assert (await api.get(f"/workloads/{workload['uid']}")).json() == updated
    last = (await _events(api, workload["uid"]))[-1]
    assert last["event_type"] == "CONFIG_UPDATE"
    assert "image" in last["message"]
    assert "llama" not in last["message"]


async def test_patch_of_a_running_workload_rolls_it_through_deploying(
    api: httpx.AsyncClient,
) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]

    updated = (await api.patch(f"/workloads/{uid}", json={"image": "pytorch/pytorch:2.1"})).json()

    assert updated["state"]["status"] == "DEPLOYING"
    assert updated["state"]["ready_replicas"] == 0
    assert updated["revision"] == "2"
    await wait_for_status(api, uid, "RUNNING")
    events = [(e["event_type"], e["new_status"]) for e in await _events(api, uid)]
    assert events[-3:] == [
        ("CONFIG_UPDATE", "RUNNING"),
        ("STATUS_CHANGE", "DEPLOYING"),
        ("STATUS_CHANGE", "RUNNING"),
    ]
    patched = await api.patch(f"/workloads/{uid}", json={"args": ["x"]})
    assert patched.json()["revision"] == "3"


async def test_patch_replaces_whole_lists_and_the_whole_serverless_config(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, serverless())

    updated = (
        await api.patch(
            f"/workloads/{workload['uid']}",
            json={"ports": [{"port": 9090}], "serverless_config": {"max_replicas": 2}},
        )
    ).json()

    assert updated["ports"] == [{"port": 9090, "protocol": "TCP", "routing": "PROXIED"}]
    assert updated["serverless_config"] == {"max_replicas": 2}
    assert updated["envs"] == SERVERLESS_EXAMPLE["envs"]


async def test_patch_of_the_name_is_seen_by_the_name_filter(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(name="before"))

    await api.patch(f"/workloads/{workload['uid']}", json={"name": "after"})

    before = (await api.get("/workloads", params={"name": "before"})).json()["items"]
    after = (await api.get("/workloads", params={"name": "after"})).json()["items"]
    assert before == []
    assert [w["uid"] for w in after] == [workload["uid"]]


async def test_deploying_a_running_workload_restarts_it(api: httpx.AsyncClient) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]

    response = await api.post(f"/workloads/{uid}/deploy")

    assert response.status_code == 202
    assert response.json()["state"]["status"] == "DEPLOYING"
    assert response.json()["revision"] == "1"
    events = await _events(api, uid)
    assert events[-1]["reason"] == "Redeployed"
    assert "redeployed" in events[-1]["message"]
    await wait_for_status(api, uid, "RUNNING")


async def test_forced_state_is_reported_with_an_event(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]

    forced = await admin.post(
        f"/_sim/workloads/{uid}/state", json={"status": "FAILED", "message": "OOMKilled"}
    )

    assert forced.status_code == 200
    state = (await api.get(f"/workloads/{uid}/state")).json()
    assert (state["status"], state["message"]) == ("FAILED", "OOMKilled")
    assert (state["ready_replicas"], state["urls"]) == (0, [])
    event = (await _events(api, uid))[-1]
    assert (event["new_status"], event["reason"], event["exit_code"]) == ("FAILED", "Forced", 1)
    listed = (await api.get("/workloads", params={"status": "failed"})).json()["items"]
    assert [w["uid"] for w in listed] == [uid]


async def test_forced_running_with_replicas_publishes_urls(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, serverless())
    body = {"status": "RUNNING", "ready_replicas": 2, "total_replicas": 3}

    await admin.post(f"/_sim/workloads/{workload['uid']}/state", json=body)

    state = (await api.get(f"/workloads/{workload['uid']}/state")).json()
    assert (state["status"], state["ready_replicas"], state["total_replicas"]) == ("RUNNING", 2, 3)
    assert len(state["urls"]) == 1


async def test_forced_lowercase_status_is_passed_through_verbatim(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, rental())

    await admin.post(f"/_sim/workloads/{workload['uid']}/state", json={"status": "stopped"})

    assert await status_of(api, workload["uid"]) == "stopped"


async def test_delete_answers_204_and_the_workload_is_gone(api: httpx.AsyncClient) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]

    response = await api.delete(f"/workloads/{uid}")

    assert response.status_code == 204
    assert response.content == b""
    assert_error(await api.get(f"/workloads/{uid}"), 404, "workload_uid")
    assert (await api.get("/workloads")).json()["items"] == []
    assert_error(await api.delete(f"/workloads/{uid}"), 404, "workload_uid")


async def test_state_changes_are_visible_in_list_get_state_and_events_alike(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, rental())
    uid = workload["uid"]
    await api.post(f"/workloads/{uid}/deploy")

    async def views() -> tuple[str, str, str, str]:
        listed = (await api.get("/workloads")).json()["items"][0]["state"]["status"]
        got = (await api.get(f"/workloads/{uid}")).json()["state"]["status"]
        state = (await api.get(f"/workloads/{uid}/state")).json()["status"]
        event = (await _events(api, uid))[-1]["new_status"]
        return listed, got, state, event

    seen = await wait_for(views, until=lambda v: "RUNNING" in v)
    # Whichever view saw RUNNING first, the ones read after it agree.
    assert seen[seen.index("RUNNING") :] == ("RUNNING",) * (4 - seen.index("RUNNING"))
    assert await views() == ("RUNNING",) * 4


# --- 404, 403 and 401 on every endpoint of one workload -----------------------------------

ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/workloads/{uid}", None),
    ("PATCH", "/workloads/{uid}", {"image": "x:1"}),
    ("DELETE", "/workloads/{uid}", None),
    ("POST", "/workloads/{uid}/deploy", None),
    ("GET", "/workloads/{uid}/state", None),
    ("GET", "/workloads/{uid}/events", None),
    ("GET", "/workloads/{uid}/logs", None),
    ("PUT", "/workloads/{uid}/volumes/vol-a", {"mount_path": "/a"}),
    ("DELETE", "/workloads/{uid}/volumes/vol-a", None),
    ("PUT", "/workloads/{uid}/ssh-keys/shk-a", None),
    ("DELETE", "/workloads/{uid}/ssh-keys/shk-a", None),
]
ENDPOINT_IDS = [
    f"{method} {path.removeprefix('/workloads/{uid}') or '/'}" for method, path, _ in ENDPOINTS
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
async def test_unknown_workload_is_404_on_every_endpoint(
    api: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    response = await api.request(method, path.format(uid="wrk-000000000000"), json=body)

    assert_error(response, 404, "workload_uid")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
async def test_workload_of_another_key_is_403_on_every_endpoint(
    two_keys: tuple[httpx.AsyncClient, httpx.AsyncClient], method: str, path: str, body: Any
) -> None:
    alice, bob = two_keys
    workload = await create(alice, rental())

    response = await bob.request(method, path.format(uid=workload["uid"]), json=body)

    assert_error(response, 403, "workload_uid")
    assert (await alice.get(f"/workloads/{workload['uid']}")).json() == workload


ALL_ENDPOINTS = [
    *ENDPOINTS,
    ("POST", "/workloads", None),
    ("GET", "/workloads", None),
    ("POST", "/workloads/verify", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), ALL_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ALL_ENDPOINTS]
)
async def test_every_endpoint_is_401_without_a_key(
    admin: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    url = "/tha/v2" + path.format(uid="wrk-000000000000")

    assert_error(await admin.request(method, url, json=body), 401, None)


async def test_list_shows_only_the_callers_workloads(
    two_keys: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, bob = two_keys
    mine = await create(alice, rental(name="alice-job"))
    await create(bob, rental(name="bob-job"))

    listed = (await alice.get("/workloads")).json()["items"]

    assert [w["uid"] for w in listed] == [mine["uid"]]

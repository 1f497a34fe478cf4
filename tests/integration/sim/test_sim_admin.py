"""The admin interface: journal, workloads with secrets, volumes, SSH keys, reset."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from targon_operator.sim import SimConfig, Simulator

from .helpers import assert_error, client, create, rental


async def test_journal_records_every_api_request_oldest_first(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    workload = await create(api, rental(name="journalled"))
    await api.get("/workloads", params={"limit": 5, "type": "RENTAL"})
    await admin.get("/tha/v2/workloads")  # no key: 401, journalled too
    await admin.get("/_sim/workloads")  # admin: not journalled

    items = (await admin.get("/_sim/requests")).json()["items"]

    assert [(e["method"], e["path"], e["status"]) for e in items] == [
        ("POST", "/tha/v2/workloads", 200),
        ("GET", "/tha/v2/workloads", 200),
        ("GET", "/tha/v2/workloads", 401),
    ]
    assert items[0]["body"]["name"] == "journalled"
    assert items[0]["query"] == {}
    assert items[1]["query"] == {"limit": "5", "type": "RENTAL"}
    assert items[1]["body"] is None
    for entry in items:
        assert set(entry) == {"method", "path", "query", "body", "status", "time", "request_id"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert workload["uid"]


async def test_journal_keeps_a_body_that_is_not_json_as_null(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await api.post("/workloads", content=b"{oops")

    entry = (await admin.get("/_sim/requests")).json()["items"][0]

    assert (entry["status"], entry["body"]) == (400, None)


async def test_clearing_the_journal_empties_it(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await api.get("/workloads")

    assert (await admin.delete("/_sim/requests")).status_code == 204

    assert (await admin.get("/_sim/requests")).json()["items"] == []


async def test_journal_keeps_only_the_newest_entries() -> None:
    config = SimConfig(api_keys=("k",), journal_size=3)
    async with Simulator(config) as sim, client(sim.url) as root:
        for limit in range(1, 6):
            await root.get("/tha/v2/workloads", params={"limit": limit})

        items = (await root.get("/_sim/requests")).json()["items"]

    assert [e["query"]["limit"] for e in items] == ["3", "4", "5"]


async def test_admin_workloads_show_owner_secrets_digest_and_state(
    two_keys: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, bob = two_keys
    auth = {"username": "u", "password": "p"}
    await create(alice, rental(name="a", registry_auth=auth))
    await create(bob, rental(name="b"))
    root = str(alice.base_url).removesuffix("/tha/v2/")

    async with client(root) as admin:
        items = (await admin.get("/_sim/workloads")).json()["items"]

    assert [(w["name"], w["owner"]) for w in items] == [("a", 0), ("b", 1)]
    assert items[0]["registry_auth"] == auth
    assert "registry_auth" not in items[1]
    assert items[0]["image_digest"].startswith("sha256:")
    assert items[0]["state"]["status"] == "REGISTERED"
    assert "alice-key" not in str(items)


async def test_admin_volumes_get_generated_uids(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/_sim/volumes", json={"name": "scratch"})

    assert response.status_code == 201
    volume = response.json()
    assert re.fullmatch(r"vol-[a-z0-9]{12}", volume["uid"])
    assert volume["name"] == "scratch"
    assert (await admin.get("/_sim/volumes")).json()["items"] == [volume]


async def test_admin_ssh_keys_get_generated_uids(admin: httpx.AsyncClient) -> None:
    body = {"name": "laptop", "public_key_raw": "ssh-ed25519 AAAA"}
    response = await admin.post("/_sim/ssh-keys", json=body)

    assert response.status_code == 201
    key = response.json()
    assert re.fullmatch(r"shk-[a-z0-9]{12}", key["uid"])
    assert key == {"uid": key["uid"], **body}
    assert (await admin.get("/_sim/ssh-keys")).json()["items"] == [key]


async def test_admin_refuses_a_duplicate_uid_with_409(admin: httpx.AsyncClient) -> None:
    await admin.post("/_sim/volumes", json={"uid": "vol-a", "name": "a"})

    assert_error(await admin.post("/_sim/volumes", json={"uid": "vol-a", "name": "b"}), 409, "uid")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/_sim/volumes", {}, "name"),
        ("/_sim/volumes", {"name": "a", "uid": "has/slash"}, "uid"),
        ("/_sim/ssh-keys", {"name": "a"}, "public_key_raw"),
        ("/_sim/ssh-keys", {"name": "a", "public_key_raw": "k", "x": 1}, "x"),
    ],
    ids=["volume-no-name", "volume-bad-uid", "key-no-public-key", "key-unknown-field"],
)
async def test_invalid_admin_bodies_are_400(
    admin: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    assert_error(await admin.post(path, json=body), 400, field)


async def test_forcing_the_state_of_an_unknown_workload_is_404(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/_sim/workloads/wrk-000000000000/state", json={"status": "FAILED"})

    assert_error(response, 404, "workload_uid")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"status": ""}, "status"),
        ({"status": "RUNNING", "ready_replicas": -1}, "ready_replicas"),
        ({"status": "RUNNING", "ready_replicas": 3, "total_replicas": 2}, "ready_replicas"),
        ({"status": "RUNNING", "colour": "red"}, "colour"),
    ],
    ids=["no-status", "empty-status", "negative-ready", "ready-above-total", "unknown-field"],
)
async def test_invalid_forced_state_is_400(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    workload = await create(api, rental())

    response = await admin.post(f"/_sim/workloads/{workload['uid']}/state", json=body)

    assert_error(response, 400, field)
    assert (await api.get(f"/workloads/{workload['uid']}/state")).json()["status"] == "REGISTERED"


async def test_reset_forgets_everything(api: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await admin.post("/_sim/volumes", json={"name": "v"})
    await admin.post("/_sim/ssh-keys", json={"name": "k", "public_key_raw": "ssh-ed25519 A"})
    await admin.post("/_sim/faults", json={"rules": [{"method": "DELETE", "status": 500}]})
    await create(api, rental())

    assert (await admin.post("/_sim/reset")).status_code == 204

    for path in ("/_sim/workloads", "/_sim/volumes", "/_sim/ssh-keys", "/_sim/requests"):
        assert (await admin.get(path)).json()["items"] == [], path
    assert (await admin.get("/_sim/faults")).json()["rules"] == []
    assert (await api.get("/workloads")).json()["items"] == []

"""Create and get: the reference's examples, defaults, references, auth and resources."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from targon_operator.sim import CATALOG
from tests.reference import RENTAL_EXAMPLE, SERVERLESS_EXAMPLE

from .helpers import (
    H200_SMALL,
    TIMESTAMP_RE,
    UID_RE,
    WORKLOAD_FIELDS,
    assert_error,
    create,
    rental,
    serverless,
)

REGISTERED_STATE = {
    "status": "REGISTERED",
    "message": "",
    "ready_replicas": 0,
    "total_replicas": 0,
    "urls": [],
}


def _without_generated(body: dict[str, Any]) -> dict[str, Any]:
    assert UID_RE.fullmatch(body["uid"])
    assert TIMESTAMP_RE.fullmatch(body["created_at"])
    assert body["updated_at"] == body["created_at"]
    return {k: v for k, v in body.items() if k not in ("uid", "created_at", "updated_at")}


@pytest.mark.usefixtures("references")
async def test_rental_example_of_the_reference_is_answered_like_its_example_response(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/workloads", json=RENTAL_EXAMPLE)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert _without_generated(response.json()) == {
        "name": "my-training-job",
        "image": "pytorch/pytorch:latest",
        "type": "RENTAL",
        "resource_name": "h200-small",
        "project_id": "prj-abc123def456",
        "ports": RENTAL_EXAMPLE["ports"],
        "envs": [{"name": "MODEL_NAME", "value": "llama-3"}],
        "volumes": [
            {
                "uid": "vol-xyz789abc123",
                "name": "my-data",
                "mount_path": "/data",
                "read_only": False,
            }
        ],
        "ssh_keys": [
            {
                "uid": "shk-def456ghi789",
                "name": "my-laptop",
                "public_key_raw": "ssh-ed25519 AAAA...",
            }
        ],
        "state": REGISTERED_STATE,
        "resource": H200_SMALL,
        "cost_per_hour": 2.49,
        "revision": "1",
    }


async def test_serverless_example_of_the_reference_is_answered_like_its_example_response(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/workloads", json=SERVERLESS_EXAMPLE)

    assert response.status_code == 200
    assert _without_generated(response.json()) == {
        "name": "my-inference-api",
        "image": "my-model-server:latest",
        "type": "SERVERLESS",
        "resource_name": "h200-small",
        "project_id": "prj-abc123def456",
        "ports": SERVERLESS_EXAMPLE["ports"],
        "envs": SERVERLESS_EXAMPLE["envs"],
        "serverless_config": SERVERLESS_EXAMPLE["serverless_config"],
        "state": REGISTERED_STATE,
        "resource": H200_SMALL,
        "cost_per_hour": 2.49,
        "revision": "1",
    }


async def test_every_documented_field_is_returned_when_set(api: httpx.AsyncClient) -> None:
    body = rental(
        app_id="app-123",
        project_id="prj-1",
        envs=[{"name": "A", "value": "1"}],
        commands=["python"],
        args=["serve.py", "--fast"],
    )
    workload = await create(api, body)

    assert set(workload) == WORKLOAD_FIELDS - {"serverless_config"}
    assert workload["commands"] == ["python"]
    assert workload["args"] == ["serve.py", "--fast"]
    assert workload["app_id"] == "app-123"


async def test_get_returns_the_same_full_workload_as_create(api: httpx.AsyncClient) -> None:
    created = await create(api, SERVERLESS_EXAMPLE)

    response = await api.get(f"/workloads/{created['uid']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_create_fills_in_documented_defaults(
    admin: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await admin.post("/_sim/volumes", json={"uid": "vol-a", "name": "a"})
    body = rental(
        ports=[{"port": 8080}],
        envs=[{"name": "EMPTY"}],
        volumes=[{"uid": "vol-a", "mount_path": "/a"}],
    )

    workload = await create(api, body)

    assert workload["ports"] == [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}]
    assert workload["envs"] == [{"name": "EMPTY", "value": ""}]
    assert workload["volumes"][0]["read_only"] is False


async def test_rental_without_volumes_or_keys_shows_empty_lists(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    assert workload["volumes"] == []
    assert workload["ssh_keys"] == []
    assert "serverless_config" not in workload


async def test_registry_auth_is_stored_but_never_returned_by_the_api(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    auth = {"server": "ghcr.io", "username": "bot", "password": "hunter2-secret"}
    workload = await create(api, rental(registry_auth=auth))

    assert "registry_auth" not in workload
    assert "hunter2-secret" not in (await api.get(f"/workloads/{workload['uid']}")).text
    stored = (await admin.get(f"/_sim/workloads/{workload['uid']}")).json()
    assert stored["registry_auth"] == auth


async def test_two_workloads_may_share_a_name(api: httpx.AsyncClient) -> None:
    first = await create(api, rental(name="twin"))
    second = await create(api, rental(name="twin"))

    assert first["uid"] != second["uid"]


async def test_unknown_volume_is_404_naming_the_field(api: httpx.AsyncClient) -> None:
    body = rental(volumes=[{"uid": "vol-nope", "mount_path": "/data"}])

    response = await api.post("/workloads", json=body)

    assert_error(response, 404, "volumes[0].uid")
    assert (await api.get("/workloads")).json()["items"] == []


async def test_unknown_ssh_key_is_404_naming_the_field(api: httpx.AsyncClient) -> None:
    response = await api.post("/workloads", json=rental(ssh_keys=["shk-nope"]))

    assert_error(response, 404, "ssh_keys[0]")


@pytest.mark.parametrize("name", sorted(CATALOG))
async def test_every_catalog_resource_sets_resource_and_cost(
    api: httpx.AsyncClient, name: str
) -> None:
    workload = await create(api, rental(resource_name=name))

    entry = CATALOG[name]
    assert workload["resource"] == entry.to_json()
    assert workload["resource"]["name"] == name
    assert workload["cost_per_hour"] == entry.cost_per_hour


async def test_cpu_resource_has_no_gpu(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(resource_name="cpu-small"))

    assert workload["resource"]["gpu_type"] is None
    assert workload["resource"]["gpu_count"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Basic dGVzdC1rZXk6"},
        {"Authorization": "Bearer"},
        {"Authorization": "test-key"},
    ],
    ids=["missing", "unknown-key", "basic-scheme", "empty-token", "no-scheme"],
)
async def test_create_without_a_valid_key_is_401(
    admin: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await admin.post("/tha/v2/workloads", json=rental(), headers=headers)

    body = assert_error(response, 401, None)
    assert "test-key" not in body["message"]
    assert (await admin.get("/_sim/workloads")).json()["items"] == []


async def test_bearer_scheme_is_case_insensitive(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/tha/v2/workloads", json=rental(), headers={"Authorization": "bearer test-key"}
    )

    assert response.status_code == 200


async def test_every_response_carries_a_request_id(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    ok = await api.get("/workloads")
    error = await api.get("/workloads/wrk-000000000000")
    admin_response = await admin.get("/_sim/faults")

    ids = {r.headers["x-request-id"] for r in (ok, error, admin_response)}
    assert len(ids) == 3
    assert all(i.startswith("req-") for i in ids)
    assert error.json()["request_id"] == error.headers["x-request-id"]


async def test_unknown_path_under_the_api_is_a_json_404(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/nothing-here"), 404, None)


async def test_wrong_method_is_a_json_405(api: httpx.AsyncClient) -> None:
    response = await api.put("/workloads", json={})

    assert_error(response, 405, None)


async def test_create_does_not_keep_a_reference_to_the_request_body(
    api: httpx.AsyncClient,
) -> None:
    body = copy.deepcopy(SERVERLESS_EXAMPLE)
    first = await create(api, body)
    body["serverless_config"]["max_replicas"] = 9
    second = await create(api, body)

    again = (await api.get(f"/workloads/{first['uid']}")).json()
    assert again["serverless_config"]["max_replicas"] == 5
    assert second["serverless_config"]["max_replicas"] == 9


async def test_serverless_helper_body_is_valid(api: httpx.AsyncClient) -> None:
    assert (await create(api, serverless(name="x")))["name"] == "x"


async def test_body_over_one_megabyte_is_413_and_journalled(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    body = b'{"name": "' + b"a" * 1_100_000 + b'"}'

    assert_error(await api.post("/workloads", content=body), 413, None)

    journal = (await admin.get("/_sim/requests")).json()["items"]
    assert [(e["status"], e["body"]) for e in journal] == [(413, None)]

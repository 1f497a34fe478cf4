"""Bodies from the reference, and small helpers for the simulator's tests."""

from __future__ import annotations

import asyncio
import copy
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from tests.reference import SERVERLESS_EXAMPLE

T = TypeVar("T")

# Building an SSL context per client costs ~20 ms (loading CA certificates), and every
# test makes a few clients; the simulator speaks plain HTTP, so one shared context does.
_TLS = ssl.create_default_context()


def client(base_url: str, *, key: str | None = None, timeout: float = 5.0) -> httpx.AsyncClient:
    """An httpx client for the simulator, authenticated with ``key`` if given."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout, verify=_TLS)


UID_RE = re.compile(r"wrk-[a-z0-9]{12}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


# Verbatim from the reference: "Update Workload", example request.
PATCH_EXAMPLE: dict[str, Any] = {
    "image": "pytorch/pytorch:2.0",
    "envs": [{"name": "MODEL_NAME", "value": "llama-3.1"}],
}

H200_SMALL = {
    "name": "h200-small",
    "display_name": "NVIDIA H200 - Small",
    "gpu_type": "H200",
    "gpu_count": 1,
    "vcpu": 12,
    "memory": 115000,
}

WORKLOAD_FIELDS = {
    "uid", "name", "image", "type", "resource_name", "project_id", "app_id", "ports", "envs",
    "commands", "args", "volumes", "ssh_keys", "serverless_config", "state", "resource",
    "cost_per_hour", "revision", "created_at", "updated_at",
}  # fmt: skip
SUMMARY_FIELDS = {
    "uid", "name", "image", "state", "resource", "cost_per_hour", "revision", "volumes",
    "created_at", "updated_at",
}  # fmt: skip
STATE_FIELDS = {"status", "message", "ready_replicas", "total_replicas", "urls"}
EVENT_FIELDS = {
    "workload_uid", "workload_type", "event_type", "new_status", "message", "display_message",
    "reason", "pod_name", "container_name", "container_image", "exit_code", "replica_count",
    "resource_name", "created_at",
}  # fmt: skip


def rental(**changes: Any) -> dict[str, Any]:
    """A small valid rental body (no references), with ``changes`` applied."""
    body: dict[str, Any] = {
        "name": "job",
        "image": "pytorch/pytorch:latest",
        "resource_name": "h200-small",
        "type": "RENTAL",
        "ports": [{"port": 8080}],
    }
    body.update(changes)
    return body


def serverless(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SERVERLESS_EXAMPLE)
    body.update(changes)
    return body


def assert_error(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    """The error body, after checking its status, shape, field and request id."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "field", "request_id"}
    assert body["field"] == field
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"])
    if field is not None:
        assert body["message"].startswith(f"{field}: "), body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def wait_for(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 5.0,
    interval: float = 0.02,
) -> T:
    """Poll ``probe`` until ``until(result)`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last: {result!r}")
        await asyncio.sleep(interval)


async def status_of(api: httpx.AsyncClient, uid: str) -> str:
    response = await api.get(f"/workloads/{uid}/state")
    response.raise_for_status()
    return str(response.json()["status"])


async def wait_for_status(api: httpx.AsyncClient, uid: str, status: str) -> None:
    await wait_for(lambda: status_of(api, uid), until=lambda s: s == status)


async def create(api: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post("/workloads", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def running(api: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """Create, deploy and wait for RUNNING; the workload as created."""
    workload = await create(api, body)
    assert (await api.post(f"/workloads/{workload['uid']}/deploy")).status_code == 202
    await wait_for_status(api, workload["uid"], "RUNNING")
    return workload

"""Request builders, the simulator's admin interface and checks for the client's tests.

The client under test talks to the simulator over TCP; these helpers talk to its
``/_sim`` admin endpoints with plain httpx (never the client itself), so that a bug in
the client cannot hide in the way a test looks at the server.
"""

from __future__ import annotations

import hashlib
import re
import socket
from typing import Any, Protocol

import httpx

from targon_operator.targon import (
    RENTAL,
    SERVERLESS,
    CreateWorkloadRequest,
    Env,
    Port,
    ProbeConfig,
    RetryPolicy,
    ServerlessConfig,
    TargonClient,
    VolumeMount,
)
from tests.integration.sim.helpers import wait_for

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
"""Quick backoffs, so that retries cost milliseconds."""

VOLUME_UID = "vol-xyz789abc123"
SSH_KEY_UID = "shk-def456ghi789"
PUBLIC_KEY = "ssh-ed25519 AAAA..."

# The reference's "Example Response (Rental)", verbatim; uid and timestamps vary.
RENTAL_RESPONSE_EXAMPLE: dict[str, Any] = {
    "uid": "wrk-abc123def456",
    "name": "my-training-job",
    "image": "pytorch/pytorch:latest",
    "type": "RENTAL",
    "resource_name": "h200-small",
    "project_id": "prj-abc123def456",
    "ports": [
        {"port": 8080, "protocol": "TCP", "routing": "PROXIED"},
        {"port": 2222, "protocol": "TCP", "routing": "DIRECT"},
    ],
    "envs": [{"name": "MODEL_NAME", "value": "llama-3"}],
    "volumes": [{"uid": VOLUME_UID, "name": "my-data", "mount_path": "/data"}],
    "ssh_keys": [{"uid": SSH_KEY_UID, "name": "my-laptop", "public_key_raw": PUBLIC_KEY}],
    "state": {
        "status": "REGISTERED",
        "message": "",
        "ready_replicas": 0,
        "total_replicas": 0,
        "urls": [],
    },
    "resource": {
        "name": "h200-small",
        "display_name": "NVIDIA H200 - Small",
        "gpu_type": "H200",
        "gpu_count": 1,
        "vcpu": 12,
        "memory": 115000,
    },
    "cost_per_hour": 2.49,
    "revision": "1",
    "created_at": "2025-01-15T10:30:00Z",
    "updated_at": "2025-01-15T10:30:00Z",
}

UID_RE = re.compile(r"wrk-[a-z0-9]{12}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
VARYING = ("uid", "created_at", "updated_at")


class MakeClient(Protocol):
    """The ``make_client`` fixture: a client of the test's simulator, closed afterwards."""

    def __call__(
        self,
        *,
        api_key: str = ...,
        base_url: str | None = None,
        retry: RetryPolicy = FAST_RETRY,
        read_timeout: float = 5.0,
    ) -> TargonClient: ...


def rental_example() -> CreateWorkloadRequest:
    """The reference's "Create a Rental Workload" body, built with the models."""
    return CreateWorkloadRequest(
        name="my-training-job",
        image="pytorch/pytorch:latest",
        resource_name="h200-small",
        type=RENTAL,
        project_id="prj-abc123def456",
        ports=[
            Port(port=8080, protocol="TCP", routing="PROXIED"),
            Port(port=2222, protocol="TCP", routing="DIRECT"),
        ],
        envs=[Env(name="MODEL_NAME", value="llama-3")],
        volumes=[VolumeMount(uid=VOLUME_UID, mount_path="/data")],
        ssh_keys=[SSH_KEY_UID],
    )


def serverless_example() -> CreateWorkloadRequest:
    """The reference's "Create a Serverless Workload" body, built with the models."""
    return CreateWorkloadRequest(
        name="my-inference-api",
        image="my-model-server:latest",
        resource_name="h200-small",
        type=SERVERLESS,
        project_id="prj-abc123def456",
        ports=[Port(port=8080, protocol="TCP", routing="PROXIED")],
        envs=[Env(name="MODEL_NAME", value="llama-3")],
        serverless_config=ServerlessConfig(
            min_replicas=0,
            max_replicas=5,
            initial_replicas=1,
            target_concurrency=10,
            scale_down_delay="300s",
            zero_grace_period="600s",
            timeout_seconds=60,
            readiness_probe=ProbeConfig(
                path="/healthz", port=8080, initial_delay_seconds=10, period_seconds=5
            ),
        ),
    )


def rental(name: str = "job", **fields: Any) -> CreateWorkloadRequest:
    """A small valid rental that refers to no volume or SSH key."""
    body: dict[str, Any] = {
        "name": name,
        "image": "pytorch/pytorch:latest",
        "resource_name": "h200-small",
        "type": RENTAL,
        "ports": [Port(port=8080)],
    }
    body.update(fields)
    return CreateWorkloadRequest(**body)


def digest_of(image: str) -> str:
    """The digest the simulator verifies an unpinned image against."""
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_subset(expected: Any, actual: Any, where: str = "") -> None:
    """Every key of ``expected`` is in ``actual`` with an equal value (recursively)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is missing from {sorted(actual)}"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not an array"
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(want, got, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def assert_matches_example(example: dict[str, Any], parsed: dict[str, Any]) -> None:
    """``parsed`` carries every field of the reference's example with its value."""
    assert UID_RE.fullmatch(parsed["uid"])
    assert TIMESTAMP_RE.fullmatch(parsed["created_at"])
    assert TIMESTAMP_RE.fullmatch(parsed["updated_at"])
    assert_subset({k: v for k, v in example.items() if k not in VARYING}, parsed)


def assert_secret_free(exc: BaseException, *secrets: str) -> None:
    """No secret in the text of ``exc`` or of any exception chained to it."""
    seen: BaseException | None = exc
    while seen is not None:
        for text in (str(seen), repr(seen), repr(seen.args)):
            for secret in secrets:
                assert secret not in text, f"a secret leaks through {type(seen).__name__}"
        seen = seen.__cause__ or seen.__context__


class SimAdmin:
    """The simulator's ``/_sim`` endpoints: faults, the journal, forced states, references."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def faults(self, *rules: dict[str, Any]) -> None:
        response = await self._http.post("/_sim/faults", json={"rules": list(rules)})
        assert response.status_code == 200, response.text

    async def journal(
        self, *, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        """Journal entries, oldest first; ``path`` is a regex searched in the request path."""
        items: list[dict[str, Any]] = (await self._http.get("/_sim/requests")).json()["items"]
        return [
            entry
            for entry in items
            if (method is None or entry["method"] == method)
            and (path is None or re.search(path, entry["path"]))
        ]

    async def entry(self, request_id: str) -> dict[str, Any]:
        """The journal entry of one request, by the id the server gave it."""
        (found,) = [e for e in await self.journal() if e["request_id"] == request_id]
        return found

    async def workloads(self) -> list[dict[str, Any]]:
        """Every workload the simulator holds, with its stored ``registry_auth``."""
        items: list[dict[str, Any]] = (await self._http.get("/_sim/workloads")).json()["items"]
        return items

    async def workload(self, uid: str) -> dict[str, Any]:
        response = await self._http.get(f"/_sim/workloads/{uid}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def force_state(self, uid: str, status: str, **fields: Any) -> None:
        response = await self._http.post(
            f"/_sim/workloads/{uid}/state", json={"status": status, **fields}
        )
        assert response.status_code == 200, response.text

    async def add_volume(self, uid: str, name: str) -> None:
        response = await self._http.post("/_sim/volumes", json={"uid": uid, "name": name})
        assert response.status_code == 201, response.text

    async def add_ssh_key(self, uid: str, name: str, public_key_raw: str = PUBLIC_KEY) -> None:
        body = {"uid": uid, "name": name, "public_key_raw": public_key_raw}
        response = await self._http.post("/_sim/ssh-keys", json=body)
        assert response.status_code == 201, response.text


async def wait_for_status(client: TargonClient, uid: str, status: str) -> None:
    """Poll the state endpoint until the workload has ``status``, within a deadline."""

    async def probe() -> str:
        return (await client.get_state(uid)).status

    await wait_for(probe, until=lambda current: current == status, timeout=5.0)

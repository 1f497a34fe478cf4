"""Values from Secrets reach Targon, changes reach it within a resync, and never leak.

No secret value (the API key, a registry password, a Secret-sourced env value) may appear
in the operator's log output (at DEBUG), in Events or in the resource's status.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.integration.operator.conftest import (
    API_KEY,
    OperatorProcess,
    Sim,
    Workloads,
    serverless_spec,
)
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

TOKEN_1 = "hf_first_token_value_8c1f"
TOKEN_2 = "hf_second_token_value_55e0"
REGISTRY_PASSWORD = "registry-password-e4b7a1"
CONFIG_VALUE = "configmap-model-name-71"


def dockerconfig(server: str, username: str, password: str) -> str:
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps(
        {"auths": {server: {"username": username, "password": password, "auth": auth}}}
    )


def test_env_and_registry_credentials_come_from_secrets_and_follow_their_changes(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator({"log_level": "DEBUG"})
    kubectl = workloads.kubectl
    kubectl("create", "secret", "generic", "hf", f"--from-literal=token={TOKEN_1}")
    kubectl("create", "configmap", "model", f"--from-literal=name={CONFIG_VALUE}")
    kubectl(
        "create",
        "secret",
        "generic",
        "regcred",
        "--type=kubernetes.io/dockerconfigjson",
        "--from-literal=.dockerconfigjson="
        + dockerconfig("registry.example.com", "bot", REGISTRY_PASSWORD),
    )
    spec = serverless_spec(
        image="registry.example.com/team/llm:1.0",
        env=[
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}},
            {"name": "MODEL", "valueFrom": {"configMapKeyRef": {"name": "model", "key": "name"}}},
            {"name": "PLAIN", "value": "x"},
        ],
        registryAuth={"secretRef": {"name": "regcred"}},
    )
    workloads.apply("api", spec)
    status = workloads.wait_ready("api")
    (body,) = sim.bodies("POST", "/workloads")
    assert body["envs"] == [
        {"name": "HF_TOKEN", "value": TOKEN_1},
        {"name": "MODEL", "value": CONFIG_VALUE},
        {"name": "PLAIN", "value": "x"},
    ]
    assert body["registry_auth"] == {
        "server": "registry.example.com",
        "username": "bot",
        "password": REGISTRY_PASSWORD,
    }
    assert set(status["sourceVersions"]) == {"secret/hf", "configmap/model", "secret/regcred"}

    # A rotated token reaches Targon within a resync (1 s here), without a spec change.
    kubectl.apply(
        kubectl(
            "create",
            "secret",
            "generic",
            "hf",
            f"--from-literal=token={TOKEN_2}",
            "--dry-run=client",
            "-o",
            "yaml",
        ).stdout,
        server_side=False,
    )
    uid = status["workloadUid"]
    wait_for(
        lambda: {"name": "HF_TOKEN", "value": TOKEN_2} in sim.workload(uid)["envs"],
        timeout=15,
        what="the new token on Targon",
    )
    # A new registry password too (Targon never shows it back, so only the Secret's version tells).
    new_password = REGISTRY_PASSWORD + "-rotated"
    kubectl.apply(
        kubectl(
            "create",
            "secret",
            "generic",
            "regcred",
            "--type=kubernetes.io/dockerconfigjson",
            "--from-literal=.dockerconfigjson="
            + dockerconfig("registry.example.com", "bot", new_password),
            "--dry-run=client",
            "-o",
            "yaml",
        ).stdout,
        server_side=False,
    )
    wait_for(
        lambda: sim.workload(uid)["registry_auth"]["password"] == new_password,
        timeout=15,
        what="the new registry password on Targon",
    )

    assert_no_secret_leaks(
        op, workloads, "api", [TOKEN_1, TOKEN_2, REGISTRY_PASSWORD, new_password, API_KEY]
    )


def assert_no_secret_leaks(
    op: OperatorProcess, workloads: Workloads, name: str, secrets: list[str]
) -> None:
    logs = op.logs()
    assert "action=create" in logs  # the log is the real one, at DEBUG
    status = json.dumps(workloads.get(name))
    events = json.dumps(workloads.events(name))
    for secret in secrets:
        assert secret not in logs, "a secret value is in the operator's log"
        assert secret not in status, "a secret value is in the resource"
        assert secret not in events, "a secret value is in an Event"


def test_a_registry_secret_of_the_wrong_type_is_explained(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.kubectl("create", "secret", "generic", "regcred", "--from-literal=password=hunter2")
    workloads.apply("api", serverless_spec(registryAuth={"secretRef": {"name": "regcred"}}))
    cond = workloads.wait_condition("api", "Synced", status="False", reason="InvalidSource")
    assert "kubernetes.io/dockerconfigjson" in cond["message"]
    assert "hunter2" not in json.dumps(workloads.get("api"))
    assert not sim.workloads()

"""End to end against the cluster in KUBECONFIG, with the chart installed (make e2e-kind).

Skipped unless TARGON_E2E=1. Expects the chart installed with simulator.enabled=true (the
Targon simulator in the cluster), as `make e2e-kind` does; any cluster works (kind, k3d,
a real one).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kubectl import Kubectl

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("TARGON_E2E") != "1", reason="set TARGON_E2E=1 (make e2e-kind)"
    ),
]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def kubectl() -> Iterator[Kubectl]:
    config = Path(os.environ.get("KUBECONFIG", str(Path.home() / ".kube" / "config")))
    admin = Kubectl(kubeconfig=config)
    namespace = f"e2e-{uuid.uuid4().hex[:8]}"
    admin("create", "namespace", namespace)
    yield admin.in_namespace(namespace)
    admin("delete", "namespace", namespace, "--wait=false")


def test_the_installed_operator_runs_the_lifecycle(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(EXAMPLES / "serverless.yaml"))
    kubectl("wait", "--for=condition=Ready", "tw/my-inference-api", "--timeout=180s", timeout=200)
    status = kubectl.json("get", "tw", "my-inference-api")["status"]
    assert status["phase"] == "RUNNING" and status["url"].startswith("https://")

    kubectl(
        "patch",
        "tw",
        "my-inference-api",
        "--type=merge",
        "-p",
        '{"spec": {"image": "my-model-server:v2"}}',
    )
    kubectl.eventually(
        "get",
        "tw",
        "my-inference-api",
        "-o",
        "jsonpath={.status.revision}",
        contains="2",
        timeout=120,
    )
    kubectl("wait", "--for=condition=Ready", "tw/my-inference-api", "--timeout=180s", timeout=200)

    kubectl("delete", "tw", "my-inference-api", "--timeout=120s", timeout=150)
    assert kubectl("get", "tw", "my-inference-api", check=False).returncode != 0

"""Metrics, health endpoints, and GitOps friendliness (a second apply shows no diff)."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.integration.operator.conftest import OperatorProcess, Sim, Workloads, serverless_spec
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


def test_metrics_count_calls_reconciles_phases_and_cost(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("a", serverless_spec())
    workloads.apply("b", serverless_spec())
    workloads.wait_ready("a")
    workloads.wait_ready("b")

    def converged() -> dict[str, float] | None:
        m = operator.metrics()
        return m if m.get('targon_workloads{phase="RUNNING"}') == 2 else None

    metrics = wait_for(converged, what="the gauges to see two running workloads")
    assert metrics['targon_api_calls_total{endpoint="create",status="200"}'] == 2
    assert metrics['targon_api_calls_total{endpoint="deploy",status="202"}'] == 2
    assert metrics["targon_running_cost_per_hour"] == pytest.approx(4.98)
    assert metrics['targon_reconciles_total{outcome="success"}'] >= 2
    assert metrics["targon_reconcile_duration_seconds_count"] >= 2
    assert metrics["targon_time_to_ready_seconds_count"] == 2
    assert metrics["targon_syncs_total"] >= 1
    # Every journaled request is counted, and nothing else.
    journal = len(sim.requests())
    counted = sum(
        v for k, v in operator.metrics().items() if k.startswith("targon_api_calls_total")
    )
    assert counted == pytest.approx(journal, abs=2)  # a sync may be in flight between the reads


def test_liveness_and_readiness_endpoints_answer(operator: OperatorProcess) -> None:
    assert httpx.get(f"http://127.0.0.1:{operator.liveness_port}/healthz").status_code == 200
    assert httpx.get(f"http://127.0.0.1:{operator.metrics_port}/readyz").text == "ok"


def test_a_second_apply_shows_no_diff_after_the_operator_converged(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    manifest = yaml.safe_dump(
        {
            "apiVersion": "targon.com/v1alpha1",
            "kind": "TargonWorkload",
            "metadata": {"name": "gitops", "labels": {"team": "ml"}},
            "spec": serverless_spec(),
        }
    )
    kubectl = workloads.kubectl
    kubectl(
        "apply", "--server-side", "--field-manager=argocd-controller", "-f", "-", input=manifest
    )
    workloads.wait_ready("gitops")
    obj = workloads.get("gitops")
    assert obj is not None
    assert obj["metadata"].get("annotations") is None
    assert obj["metadata"]["labels"] == {"team": "ml"}
    assert obj["metadata"]["generation"] == 1  # nobody wrote spec

    diff = kubectl(
        "diff",
        "--server-side",
        "--field-manager=argocd-controller",
        "-f",
        "-",
        input=manifest,
        check=False,
    )
    assert diff.returncode == 0, diff.stdout
    again = kubectl(
        "apply", "--server-side", "--field-manager=argocd-controller", "-f", "-", input=manifest
    )
    assert "serverside-applied" in again.stdout
    assert workloads.get("gitops")["metadata"]["generation"] == 1  # type: ignore[index]
    shown = kubectl("get", "tw", "gitops", "-o", "json", "--show-managed-fields")
    fields = json.loads(shown.stdout)["metadata"]["managedFields"]
    managers = {m["manager"] for m in fields}
    assert "argocd-controller" in managers

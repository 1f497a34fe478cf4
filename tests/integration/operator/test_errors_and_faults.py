"""Errors become conditions, faults are survived, and a permanent error costs one call."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from tests.integration.operator.conftest import OperatorProcess, Sim, Workloads, serverless_spec
from tests.waiting import stays, wait_for

pytestmark = pytest.mark.cluster


def posts(sim: Sim) -> int:
    return sum(1 for m, p in sim.calls() if (m, p) == ("POST", "/tha/v2/workloads"))


def test_a_spec_targon_refuses_is_invalid_and_costs_one_call_per_generation(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    bad = serverless_spec(serverlessConfig={"maxReplicas": 2, "scalingMetric": "gpu-temperature"})
    workloads.apply("api", bad)
    cond = workloads.wait_condition("api", "Synced", status="False", reason="InvalidSpec")
    assert "scaling_metric" in cond["message"]
    assert workloads.status("api")["observedGeneration"] == 1
    stays(lambda: posts(sim) == 1, duration=3, what="a single create attempt")
    assert "createPending" not in workloads.status("api")

    workloads.patch("api", {"serverlessConfig": {"maxReplicas": 2, "scalingMetric": "rps"}})
    workloads.wait_ready("api")
    assert posts(sim) == 2


def test_500s_429s_and_latency_are_survived(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    start_operator({"request_timeout": "2"})
    sim.faults(
        {
            "method": "POST",
            "path": "^/tha/v2/workloads$",
            "status": 429,
            "retry_after": 1,
            "times": 2,
        },
        {"path": "/deploy$", "status": 503, "times": 2},
        {"method": "GET", "status": 500, "rate": 0.3},
        {"latency_ms": 150, "rate": 0.5},
    )
    for name in ("a", "b", "c"):
        workloads.apply(name, serverless_spec())
    for name in ("a", "b", "c"):
        workloads.wait_ready(name, timeout=60)
    assert len(sim.workloads()) == 3
    statuses = [r["status"] for r in sim.requests()]
    assert 429 in statuses and 503 in statuses


def test_a_hanging_targon_is_timed_out_and_retried(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    start_operator({"request_timeout": "1"})
    sim.faults({"method": "POST", "path": "/deploy$", "hang": True, "times": 1})
    workloads.apply("api", serverless_spec())
    workloads.wait_ready("api", timeout=45)
    assert len(sim.workloads()) == 1


def test_wrong_credentials_are_unauthorized_and_recover_when_the_secret_is_fixed(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    kubectl = workloads.kubectl
    kubectl("create", "secret", "generic", "team-key", "--from-literal=apiKey=not-a-valid-key")
    workloads.apply("api", serverless_spec(credentialsSecretRef={"name": "team-key"}))
    cond = workloads.wait_condition("api", "Synced", status="False", reason="Unauthorized")
    assert "not-a-valid-key" not in cond["message"]
    assert not sim.workloads()

    kubectl("delete", "secret", "team-key")
    kubectl("create", "secret", "generic", "team-key", "--from-literal=apiKey=other-key")
    workloads.wait_ready("api", timeout=30)
    (remote,) = sim.workloads()
    assert remote["owner"] == 1  # the index of "other-key": the resource's own key was used


def test_a_missing_secret_is_named_in_the_condition_and_picked_up_once_created(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    env = [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}]
    workloads.apply("api", serverless_spec(env=env))
    cond = workloads.wait_condition("api", "Synced", status="False", reason="SourceNotFound")
    assert "spec.env[0].valueFrom.secretKeyRef" in cond["message"] and "'hf'" in cond["message"]
    assert not sim.workloads()

    workloads.kubectl("create", "secret", "generic", "hf", "--from-literal=token=hf_secret_value_1")
    workloads.wait_ready("api", timeout=30)
    (remote,) = sim.workloads()
    assert remote["envs"] == [{"name": "HF_TOKEN", "value": "hf_secret_value_1"}]


def test_a_forced_failure_and_an_unknown_status_are_reported_verbatim(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    sim.force_state(uid, "FAILED", message="OOMKilled")
    cond = workloads.wait_condition("api", "Ready", status="False", reason="Failed")
    assert cond["message"] == "OOMKilled"
    assert workloads.status("api")["phase"] == "FAILED"

    sim.force_state(uid, "hibernating", message="")
    workloads.wait_condition("api", "Ready", status="False", reason="UnknownPhase")
    assert workloads.status("api")["phase"] == "hibernating"

    sim.force_state(uid, "running", ready_replicas=1, total_replicas=1)
    workloads.wait_ready("api")
    assert workloads.status("api")["phase"] == "running"


def test_drift_made_outside_the_operator_is_patched_back(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    sim.api.patch(f"/workloads/{uid}", json={"image": "someone-else:latest"}).raise_for_status()
    wait_for(
        lambda: sim.workload(uid)["image"] == "my-model-server:latest",
        what="the image patched back",
    )
    assert {"image": "my-model-server:latest"} in sim.bodies("PATCH")


@pytest.mark.parametrize(("matches", "deploys"), [(True, True), (False, False)])
def test_an_image_digest_is_verified_before_deploying(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, matches: bool, deploys: bool
) -> None:
    import hashlib

    image = "my-model-server:latest"
    digest = "sha256:" + hashlib.sha256((image if matches else "other").encode()).hexdigest()
    workloads.apply("api", serverless_spec(imageDigest=digest))
    if deploys:
        workloads.wait_ready("api")
    else:
        cond = workloads.wait_condition("api", "Ready", status="False", reason="DigestMismatch")
        assert digest in cond["message"]
        stays(
            lambda: not any(p.endswith("/deploy") for _, p in sim.calls()),
            duration=2,
            what="no deploy",
        )
    assert sum(1 for m, p in sim.calls() if p.endswith("/verify")) == 1


def test_max_cost_per_hour_blocks_the_deploy_and_says_why(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec(maxCostPerHour="1.50"))
    cond = workloads.wait_condition("api", "Ready", status="False", reason="CostLimitExceeded")
    assert "2.49" in cond["message"] and "1.50" in cond["message"]
    stays(
        lambda: not any(p.endswith("/deploy") for _, p in sim.calls()), duration=2, what="no deploy"
    )
    assert workloads.status("api")["phase"] == "REGISTERED"

    workloads.patch("api", {"maxCostPerHour": "3.00"})
    workloads.wait_ready("api")


def test_targon_events_are_mirrored_once_each_also_across_restarts(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator()
    workloads.apply("api", serverless_spec())
    workloads.wait_ready("api")

    def mirrored() -> list[str]:
        return sorted(
            e["message"] for e in workloads.events("api") if e["reason"] == "StatusChange"
        )

    wait_for(lambda: len(mirrored()) == 3, what="three Targon events mirrored")
    first = mirrored()
    op.stop()
    start_operator()
    uid = workloads.status("api")["workloadUid"]
    sim.force_state(uid, "RUNNING", message="scaled", ready_replicas=2, total_replicas=2)
    wait_for(lambda: workloads.status("api").get("readyReplicas") == 2, what="the new state")
    wait_for(lambda: len(mirrored()) == 4, what="the fourth event")
    assert set(first) <= set(mirrored())
    counts = [e.get("count", 1) for e in workloads.events("api")]
    assert all(c == 1 for c in counts)


def test_steady_state_costs_one_list_per_interval_and_no_status_patch(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator({"resync_interval": "1"})
    n = 5
    for i in range(n):
        workloads.apply(f"w{i}", serverless_spec())
    for i in range(n):
        workloads.wait_ready(f"w{i}")
    time.sleep(2)  # let the last event mirroring and patches finish
    before = op.metrics()
    sim.clear_journal()
    window = 5.0
    time.sleep(window)
    after = op.metrics()
    requests = sim.requests()
    intervals = window / 1.0
    assert all((r["method"], r["path"]) == ("GET", "/tha/v2/workloads") for r in requests), requests
    assert len(requests) <= (math.ceil(n / 100) + 1) * (intervals + 1)
    patches = sum(v for k, v in after.items() if k.startswith("targon_status_patches_total"))
    patches_before = sum(
        v for k, v in before.items() if k.startswith("targon_status_patches_total")
    )
    assert patches == patches_before

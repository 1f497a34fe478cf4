"""The lifecycle of a TargonWorkload against the simulator: create, update, delete, suspend.

Each test checks both sides: the resource's status, and the simulator's journal (what was
sent, exactly, and that nothing else was).
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.integration.operator.conftest import (
    OperatorProcess,
    Sim,
    Workloads,
    rental_spec,
    serverless_spec,
)
from tests.kubectl import Kubectl
from tests.reference import (
    RENTAL_EXAMPLE,
    RENTAL_EXAMPLE_SPEC,
    SERVERLESS_EXAMPLE,
    SERVERLESS_EXAMPLE_SPEC,
)
from tests.waiting import stays, wait_for

pytestmark = pytest.mark.cluster


def test_a_serverless_workload_is_registered_deployed_and_reported_running(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    before = status_patch_counts(workloads, operator)
    workloads.apply("my-inference-api", SERVERLESS_EXAMPLE_SPEC)
    status = workloads.wait_ready("my-inference-api")

    uid = status["workloadUid"]
    assert status["phase"] == "RUNNING"
    assert (status["readyReplicas"], status["totalReplicas"], status["ready"]) == (1, 1, "1/1")
    assert status["url"] == f"https://{uid}.caas.targon.com"
    assert status["urls"] == [{"port": 8080, "url": status["url"]}]
    assert status["costPerHour"] == 2.49
    assert status["resource"]["gpuType"] == "H200"
    assert status["observedGeneration"] == 1
    assert status["createdAt"] and status["updatedAt"] and status["lastSyncTime"]
    assert "createPending" not in status
    synced = workloads.condition("my-inference-api", "Synced")
    assert synced is not None and synced["status"] == "True" and synced["reason"] == "UpToDate"

    # Exactly the reference's example body was sent, then one deploy, and nothing else.
    assert sim.bodies("POST", "/workloads") == [SERVERLESS_EXAMPLE]
    wait_for(
        lambda: ("GET", f"/tha/v2/workloads/{uid}/events") in sim.calls(), what="events mirrored"
    )
    assert sim.calls() == [
        ("POST", "/tha/v2/workloads"),
        ("POST", f"/tha/v2/workloads/{uid}/deploy"),
        ("GET", f"/tha/v2/workloads/{uid}/events"),
    ]
    obj = workloads.get("my-inference-api")
    assert obj is not None
    assert obj["metadata"]["finalizers"] == ["targon.com/finalizer"]
    assert "annotations" not in obj["metadata"]
    assert_kopf_diff_base_came_with_the_operators_write(
        workloads, "my-inference-api", operator, before
    )


def assert_kopf_diff_base_came_with_the_operators_write(
    workloads: Workloads, name: str, operator: OperatorProcess, before: tuple[float, float]
) -> None:
    """kopf's diff-base holds the handled spec, yet every status write the apiserver
    received was one of the operator's own: they carried it (``handlers.diffbase``)."""
    obj = workloads.get(name)
    assert obj is not None
    stored = json.loads(obj["status"]["kopf"]["lastHandledConfiguration"])
    assert stored["spec"] == obj["spec"]
    received, own = status_patch_counts(workloads, operator)
    assert received - before[0] == own - before[1]


def status_patch_counts(workloads: Workloads, operator: OperatorProcess) -> tuple[float, float]:
    """TargonWorkload status PATCHes received by the apiserver (this test's operator is the
    only writer while it runs), and those the operator counted as its own."""
    own = sum(
        v for k, v in operator.metrics().items() if k.startswith("targon_status_patches_total")
    )
    text = workloads.kubectl("get", "--raw", "/metrics").stdout
    received = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("apiserver_request_total{")
        and 'resource="targonworkloads"' in line
        and 'subresource="status"' in line
        and 'verb="PATCH"' in line
    )
    return received, own


def test_a_rental_with_volumes_and_ssh_keys_sends_the_reference_body(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    sim.volume("vol-xyz789abc123", "my-data")
    sim.ssh_key("shk-def456ghi789", "my-laptop")
    workloads.apply("my-training-job", RENTAL_EXAMPLE_SPEC)
    status = workloads.wait_ready("my-training-job")
    assert sim.bodies("POST", "/workloads") == [RENTAL_EXAMPLE]
    assert status["urls"] == [
        {"port": 8080, "url": f"https://{status['workloadUid']}.caas.targon.com"}
    ]


def test_an_image_change_patches_only_the_image(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    sim.clear_journal()
    before = status_patch_counts(workloads, operator)

    workloads.patch("api", {"image": "my-model-server:v2"})
    wait_for(
        lambda: workloads.status("api").get("observedGeneration") == 2, what="generation 2 handled"
    )
    assert sim.bodies("PATCH") == [{"image": "my-model-server:v2"}]
    assert [c for c in sim.calls() if c[0] != "GET"] == [("PATCH", f"/tha/v2/workloads/{uid}")]
    status = workloads.wait_ready("api")
    assert sim.workload(uid)["image"] == "my-model-server:v2"
    assert status["revision"] == "2"
    assert_kopf_diff_base_came_with_the_operators_write(workloads, "api", operator, before)


def test_removing_a_serverless_setting_reaches_targon(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    config = {"minReplicas": 0, "maxReplicas": 5, "targetConcurrency": 10}
    workloads.apply("api", serverless_spec(serverlessConfig=config))
    uid = workloads.wait_ready("api")["workloadUid"]
    workloads.kubectl(
        "patch",
        "tw",
        "api",
        "--type=json",
        "-p",
        '[{"op": "remove", "path": "/spec/serverlessConfig/targetConcurrency"}]',
    )
    wait_for(
        lambda: "target_concurrency" not in (sim.workload(uid).get("serverless_config") or {}),
        what="target_concurrency removed on Targon",
    )
    assert sim.bodies("PATCH") == [{"serverless_config": {"min_replicas": 0, "max_replicas": 5}}]


def test_a_running_rentals_volumes_and_keys_go_through_attach_and_detach(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    for uid in ("vol-aaaaaaaaaaa1", "vol-aaaaaaaaaaa2"):
        sim.volume(uid)
    for uid in ("shk-aaaaaaaaaaa1", "shk-aaaaaaaaaaa2"):
        sim.ssh_key(uid)
    workloads.apply(
        "box",
        rental_spec(
            volumes=[{"uid": "vol-aaaaaaaaaaa1", "mountPath": "/data"}],
            sshKeys=["shk-aaaaaaaaaaa1"],
        ),
    )
    uid = workloads.wait_ready("box")["workloadUid"]
    sim.clear_journal()

    workloads.patch(
        "box",
        {
            "volumes": [{"uid": "vol-aaaaaaaaaaa2", "mountPath": "/more", "readOnly": True}],
            "sshKeys": ["shk-aaaaaaaaaaa2"],
        },
    )
    wait_for(
        lambda: workloads.status("box").get("observedGeneration") == 2, what="generation 2 handled"
    )
    writes = [c for c in sim.calls() if c[0] != "GET"]
    assert sorted(writes) == sorted(
        [
            ("DELETE", f"/tha/v2/workloads/{uid}/volumes/vol-aaaaaaaaaaa1"),
            ("PUT", f"/tha/v2/workloads/{uid}/volumes/vol-aaaaaaaaaaa2"),
            ("DELETE", f"/tha/v2/workloads/{uid}/ssh-keys/shk-aaaaaaaaaaa1"),
            ("PUT", f"/tha/v2/workloads/{uid}/ssh-keys/shk-aaaaaaaaaaa2"),
        ]
    )
    assert sim.bodies("PUT", "/volumes/vol-aaaaaaaaaaa2") == [
        {"mount_path": "/more", "read_only": True}
    ]
    remote = sim.workload(uid)
    assert [v["uid"] for v in remote["volumes"]] == ["vol-aaaaaaaaaaa2"]


def test_delete_removes_the_remote_workload_then_the_finalizer(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    wait_for(lambda: any(p.endswith("/events") for _, p in sim.calls()), what="events mirrored")
    sim.clear_journal()
    workloads.kubectl("delete", "tw", "api", "--wait=false")
    workloads.wait_gone("api")
    assert sim.calls() == [("DELETE", f"/tha/v2/workloads/{uid}")]
    assert all(w["uid"] != uid for w in sim.workloads())


def test_orphan_policy_keeps_the_remote_workload(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec(deletionPolicy="Orphan"))
    uid = workloads.wait_ready("api")["workloadUid"]
    workloads.kubectl("delete", "tw", "api", "--wait=false")
    workloads.wait_gone("api")
    assert not [c for c in sim.calls() if c[0] == "DELETE"]
    assert sim.workload(uid)["state"]["status"] == "RUNNING"


def test_a_workload_deleted_on_targon_is_registered_again(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    sim.api.delete(f"/workloads/{uid}").raise_for_status()
    new_uid = wait_for(
        lambda: (u := workloads.status("api").get("workloadUid")) not in (None, uid) and u,
        what="a new workload uid",
    )
    workloads.wait_ready("api")
    assert [w["uid"] for w in sim.workloads()] == [new_uid]
    assert any(e["reason"] == "RemoteMissing" for e in workloads.events("api"))


def test_suspend_deletes_the_deployed_workload_and_registers_it_again(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    workloads.patch("api", {"suspend": True})
    workloads.wait_condition("api", "Ready", status="False", reason="Suspended")
    status = workloads.status("api")
    suspended_uid = status["workloadUid"]
    assert suspended_uid != uid and status["phase"] == "REGISTERED"
    assert [(w["uid"], w["state"]["status"]) for w in sim.workloads()] == [
        (suspended_uid, "REGISTERED")
    ]

    workloads.patch("api", {"suspend": False})
    status = workloads.wait_ready("api")
    assert status["workloadUid"] == suspended_uid
    deploys = [c for c in sim.calls() if c == ("POST", f"/tha/v2/workloads/{suspended_uid}/deploy")]
    assert len(deploys) == 1


def test_a_suspended_new_resource_is_registered_but_never_deployed(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("api", serverless_spec(suspend=True))
    workloads.wait_condition("api", "Ready", status="False", reason="Suspended")
    stays(
        lambda: not any(m == "POST" and p.endswith("/deploy") for m, p in sim.calls()),
        duration=2,
        what="no deploy",
    )


def test_an_existing_workload_is_adopted_and_brought_in_line(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    body = copy.deepcopy(SERVERLESS_EXAMPLE)
    body["image"] = "old-image:1"
    uid = sim.api.post("/workloads", json=body).json()["uid"]
    sim.clear_journal()
    spec = {**SERVERLESS_EXAMPLE_SPEC, "workloadUid": uid}
    workloads.apply("adopted", spec)
    status = workloads.wait_ready("adopted")
    assert status["workloadUid"] == uid
    assert sim.bodies("PATCH") == [{"image": "my-model-server:latest"}]
    assert not sim.bodies("POST", "/workloads")
    assert len(sim.workloads()) == 1


def test_adopting_an_unknown_workload_reports_it_and_creates_nothing(
    operator: OperatorProcess, sim: Sim, workloads: Workloads
) -> None:
    workloads.apply("adopted", serverless_spec(workloadUid="wrk-doesnotexist"))
    cond = workloads.wait_condition("adopted", "Synced", status="False", reason="AdoptionFailed")
    assert "wrk-doesnotexist" in cond["message"]
    stays(lambda: not sim.workloads(), duration=1.5, what="nothing created")


def test_kubectl_wait_for_ready_returns_once_running(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, kubectl: Kubectl
) -> None:
    workloads.apply("api", serverless_spec())
    result = kubectl("wait", "--for=condition=Ready", "tw/api", "--timeout=30s", timeout=40)
    assert "condition met" in result.stdout
    assert workloads.status("api")["phase"] == "RUNNING"

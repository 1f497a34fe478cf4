"""The decisions of a reconcile, one step at a time, including after crashes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from targon_operator import errors
from targon_operator.reconcile import (
    Adopt,
    ApplyAttachments,
    ApplyConfig,
    Blocked,
    Create,
    DeleteRemote,
    Deploy,
    Done,
    Fetch,
    ForgetMissing,
    RecoverPendingCreate,
    ResolveInputs,
    StopForSuspend,
    Verify,
    next_step,
    pick_pending_match,
)
from tests.unit.builders import NO_INPUTS, observe, rental_spec, spec, status, summary, workload

PENDING = {"name": "wl", "since": "2025-01-15T10:30:00Z"}


def test_a_new_resource_resolves_inputs_then_creates_under_its_remote_name() -> None:
    obs = observe(spec(name="remote-name"))
    assert next_step(obs) == ResolveInputs()
    assert next_step(replace(obs, inputs=NO_INPUTS)) == Create("remote-name")


def test_after_a_create_it_deploys_without_patching_or_fetching() -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1"),
        inputs=NO_INPUTS,
        remote=workload(),
        config_applied=True,
    )
    assert next_step(obs) == Deploy("wrk-1")


def test_after_a_deploy_the_reconcile_is_done() -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1"), remote=summary(status="DEPLOYING"), config_applied=True
    )
    assert next_step(obs) == Done()


def test_a_pending_create_without_uid_is_looked_up_by_name_before_anything_else() -> None:
    obs = observe(status_=status(createPending=PENDING))
    assert next_step(obs) == RecoverPendingCreate("wl", PENDING["since"])


def test_a_pending_create_that_found_nothing_creates_with_the_pending_name() -> None:
    obs = observe(
        spec(name="other"), status(createPending=PENDING), pending_checked=True, inputs=NO_INPUTS
    )
    assert next_step(obs) == Create("wl")


def test_resume_with_nothing_changed_costs_no_call() -> None:
    obs = observe(status_=status(workloadUid="wrk-1", phase="RUNNING", observedGeneration=1))
    assert next_step(obs) == Done()


def test_resume_of_a_registered_workload_checks_state_before_deploying() -> None:
    obs = observe(status_=status(workloadUid="wrk-1", phase="REGISTERED", observedGeneration=1))
    assert next_step(obs) == Fetch("wrk-1")
    assert next_step(replace(obs, remote=workload(status="RUNNING"))) == Done()
    assert next_step(replace(obs, remote=workload(status="REGISTERED"))) == Deploy("wrk-1")


@pytest.mark.parametrize("phase", ["DEPLOYING", "RUNNING", "running", "active", "FAILED", "weird"])
def test_only_a_registered_workload_is_deployed(phase: str) -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1", observedGeneration=1), remote=workload(status=phase)
    )
    assert next_step(obs) == Done()


def test_a_spec_change_fetches_then_patches_only_what_differs() -> None:
    obs = observe(
        spec(image="my-model-server:v2"),
        status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
    )
    assert next_step(obs) == Fetch("wrk-1")
    obs = replace(obs, remote=workload(status="RUNNING"))
    assert next_step(obs) == ResolveInputs()
    obs = replace(obs, inputs=NO_INPUTS)
    assert next_step(obs) == ApplyConfig("wrk-1", frozenset({"image"}))
    assert next_step(replace(obs, config_applied=True)) == Done()


def test_a_spec_change_that_matches_the_remote_sends_nothing() -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
        remote=workload(status="RUNNING"),
        inputs=NO_INPUTS,
    )
    assert next_step(obs) == Done()


def test_a_key_removed_from_the_serverless_config_is_sent() -> None:
    remote = workload(
        status="RUNNING",
        serverless_config={"min_replicas": 0, "max_replicas": 5, "target_concurrency": 10},
    )
    obs = observe(
        status_=status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
        remote=remote,
        inputs=NO_INPUTS,
        changed_fields=frozenset({"serverless_config"}),
    )
    assert next_step(obs) == ApplyConfig("wrk-1", frozenset({"serverless_config"}))
    # Without a spec change, keys Targon echoes beyond the spec are not drift.
    assert next_step(replace(obs, changed_fields=frozenset(), check_drift=True)) == Done()


def test_a_repeated_update_after_a_crash_sends_nothing_already_there() -> None:
    obs = observe(
        spec(image="my-model-server:v2"),
        status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
        remote=workload(status="RUNNING", image="my-model-server:v2"),
        inputs=NO_INPUTS,
        changed_fields=frozenset({"image"}),
    )
    assert next_step(obs) == Done()


def test_registry_auth_is_sent_whenever_its_source_changed() -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1", observedGeneration=1),
        remote=workload(status="RUNNING"),
        inputs=NO_INPUTS,
        changed_fields=frozenset({"registry_auth"}),
    )
    assert next_step(obs) == ApplyConfig("wrk-1", frozenset({"registry_auth"}))


def test_a_running_rentals_volumes_and_keys_go_through_attach_endpoints() -> None:
    remote = workload(
        status="RUNNING",
        type="RENTAL",
        serverless_config=None,
        ports=[],
        envs=[],
        volumes=[{"uid": "vol-old", "mount_path": "/old"}],
        ssh_keys=[{"uid": "shk-a"}],
        image="pytorch/pytorch:v2",
    )
    obs = observe(
        rental_spec(sshKeys=["shk-a", "shk-b"]),
        status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
        remote=remote,
        inputs=NO_INPUTS,
    )
    step = next_step(obs)
    assert isinstance(step, ApplyAttachments)
    assert [v.uid for v in step.ops.attach_volumes] == ["vol-a"]
    assert step.ops.detach_volumes == ("vol-old",)
    assert step.ops.attach_ssh_keys == ("shk-b",)
    assert step.ops.detach_ssh_keys == ()
    # The rest (the image) is a PATCH without volumes or keys.
    assert next_step(replace(obs, attachments_applied=True)) == ApplyConfig(
        "wrk-1", frozenset({"image"})
    )


def test_a_registered_rentals_volumes_are_patched() -> None:
    remote = workload(
        type="RENTAL", serverless_config=None, ports=[], envs=[], image="pytorch/pytorch:latest"
    )
    obs = observe(
        rental_spec(),
        status(workloadUid="wrk-1", observedGeneration=1),
        generation=2,
        remote=remote,
        inputs=NO_INPUTS,
    )
    assert next_step(obs) == ApplyConfig("wrk-1", frozenset({"volumes", "ssh_keys"}))


def test_suspend_deletes_a_deployed_workload_then_registers_it_again() -> None:
    obs = observe(
        spec(suspend=True), status(workloadUid="wrk-1", observedGeneration=1), generation=2
    )
    assert next_step(obs) == Fetch("wrk-1")
    assert next_step(replace(obs, remote=workload(status="RUNNING"))) == StopForSuspend("wrk-1")
    after = replace(obs, status=status(observedGeneration=1), remote=None, inputs=NO_INPUTS)
    assert next_step(after) == Create("wl")
    registered = replace(obs, remote=workload(status="REGISTERED"), config_applied=True)
    assert next_step(registered) == Done()


def test_a_remote_missing_workload_is_forgotten_and_created_again() -> None:
    obs = observe(
        status_=status(workloadUid="wrk-1", observedGeneration=1), generation=2, remote_missing=True
    )
    assert next_step(obs) == ForgetMissing("wrk-1")


def test_an_adopted_workload_that_disappears_is_not_created_again() -> None:
    obs = observe(spec(workloadUid="wrk-9"), status(workloadUid="wrk-9"), remote_missing=True)
    step = next_step(obs)
    assert isinstance(step, Blocked) and isinstance(step.error, errors.AdoptionTargetMissing)


def test_workload_uid_in_spec_is_adopted_instead_of_created() -> None:
    assert next_step(observe(spec(workloadUid="wrk-9"))) == Adopt("wrk-9")


def test_image_digest_is_verified_before_deploying_and_a_mismatch_blocks() -> None:
    digest = "sha256:" + "a" * 64
    obs = observe(
        spec(imageDigest=digest),
        status(workloadUid="wrk-1"),
        remote=workload(),
        config_applied=True,
    )
    assert next_step(obs) == Verify("wrk-1", digest)
    assert next_step(replace(obs, verified=True)) == Deploy("wrk-1")
    blocked = next_step(replace(obs, verified=False))
    assert isinstance(blocked, Blocked) and isinstance(blocked.error, errors.DigestMismatch)


@pytest.mark.parametrize(
    ("limit", "deploys"), [("2.49", True), ("2.50", True), ("2.48", False), ("0", False)]
)
def test_max_cost_per_hour_guards_the_deploy(limit: str, deploys: bool) -> None:
    obs = observe(
        spec(maxCostPerHour=limit),
        status(workloadUid="wrk-1"),
        remote=workload(),
        config_applied=True,
    )
    step = next_step(obs)
    if deploys:
        assert step == Deploy("wrk-1")
    else:
        assert isinstance(step, Blocked) and isinstance(step.error, errors.CostLimitExceeded)
        assert "2.49" in str(step.error) and "spec.maxCostPerHour" in str(step.error)


def test_deletion_deletes_the_remote_unless_orphaned() -> None:
    obs = observe(status_=status(workloadUid="wrk-1"), deleting=True)
    assert next_step(obs) == DeleteRemote("wrk-1")
    assert next_step(replace(obs, spec=spec(deletionPolicy="Orphan"))) == Done()
    assert next_step(replace(obs, remote_missing=True)) == Done()


def test_deletion_resolves_a_pending_create_first_so_nothing_leaks() -> None:
    obs = observe(status_=status(createPending=PENDING), deleting=True)
    assert next_step(obs) == RecoverPendingCreate("wl", PENDING["since"])
    assert next_step(replace(obs, pending_checked=True)) == Done()


def test_the_pending_match_is_the_oldest_created_after_the_mark() -> None:
    before = summary(uid="wrk-old", created_at="2025-01-15T10:00:00Z")
    first = summary(uid="wrk-a", created_at="2025-01-15T10:30:01Z")
    second = summary(uid="wrk-b", created_at="2025-01-15T10:31:00Z")
    assert pick_pending_match([second, before, first], since="2025-01-15T10:30:00Z") == first
    assert pick_pending_match([before], since="2025-01-15T10:30:00Z") is None
    # A few seconds of clock skew between Targon and the operator are tolerated.
    skewed = summary(uid="wrk-s", created_at="2025-01-15T10:29:57Z")
    assert pick_pending_match([skewed], since="2025-01-15T10:30:00Z") == skewed


def test_the_pending_match_skips_workloads_other_resources_own_and_prefers_the_image() -> None:
    since = "2025-01-15T10:30:00Z"
    mine = summary(uid="wrk-mine", image="a:2", created_at="2025-01-15T10:30:02Z")
    theirs = summary(uid="wrk-theirs", image="a:2", created_at="2025-01-15T10:30:01Z")
    other_image = summary(uid="wrk-other", image="b:1", created_at="2025-01-15T10:30:00Z")
    found = pick_pending_match(
        [theirs, other_image, mine], since=since, image="a:2", exclude=frozenset({"wrk-theirs"})
    )
    assert found == mine

"""What to do next for one resource, decided from what is known. Pure: no I/O.

A reconcile is a loop: observe, ``next_step``, carry the step out, record what it learned
in a new ``Observation``, repeat. Deciding one step at a time from recorded state is what
makes a crash at any point safe: after a restart the same function sees the same status
(``createPending``, ``workloadUid``, ``observedGeneration``) and picks up where the dead
process stopped, without a second create and without a second deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import errors
from .resource import WorkloadSpec, WorkloadStatus, parse_time
from .targon import models as targon
from .targon.phases import Phase, classify
from .translate import UNREADABLE, AttachmentOps, ResolvedInputs, attachment_ops, drifted_fields

ATTACHABLE = frozenset({"volumes", "ssh_keys"})


@dataclass(frozen=True, kw_only=True)
class Observation:
    """Everything known about one resource at this point of a reconcile."""

    name: str
    """metadata.name"""
    generation: int
    spec: WorkloadSpec
    status: WorkloadStatus
    deleting: bool = False
    changed_fields: frozenset[str] = frozenset()
    """Targon fields whose spec source changed since the last handled spec (kopf's diff)."""
    check_drift: bool = False
    """Compare Targon's configuration with the spec although the generation is unchanged."""
    remote: targon.WorkloadSummary | None = None
    """Targon's view as of this reconcile (a create, get, patch or deploy response)."""
    remote_missing: bool = False
    """Targon answered 404 for ``status.workloadUid`` in this reconcile."""
    inputs: ResolvedInputs | None = None
    verified: bool | None = None
    pending_checked: bool = False
    """The list-by-name lookup for a pending create ran in this reconcile and found nothing."""
    config_applied: bool = False
    attachments_applied: bool = False

    @property
    def remote_name(self) -> str:
        if self.status.create_pending is not None:
            return self.status.create_pending.name
        return self.spec.remote_name(self.name)

    @property
    def spec_changed(self) -> bool:
        return self.status.observed_generation != self.generation

    @property
    def full_remote(self) -> targon.Workload | None:
        return self.remote if isinstance(self.remote, targon.Workload) else None


# --- Steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolveInputs:
    """Read the Secrets and ConfigMaps the spec references."""


@dataclass(frozen=True)
class RecoverPendingCreate:
    """A create may have reached Targon before a crash: look the workload up by name."""

    name: str
    since: str


@dataclass(frozen=True)
class Create:
    """Mark the create pending, register the workload, record its uid."""

    name: str


@dataclass(frozen=True)
class Adopt:
    uid: str


@dataclass(frozen=True)
class Fetch:
    uid: str


@dataclass(frozen=True)
class ForgetMissing:
    """The workload is gone from Targon: drop its uid so that it is registered again."""

    uid: str


@dataclass(frozen=True)
class ApplyConfig:
    uid: str
    fields: frozenset[str]


@dataclass(frozen=True)
class ApplyAttachments:
    uid: str
    ops: AttachmentOps


@dataclass(frozen=True)
class Verify:
    uid: str
    digest: str


@dataclass(frozen=True)
class Deploy:
    uid: str


@dataclass(frozen=True)
class StopForSuspend:
    """Targon has no stop call: delete the deployed workload (it is registered again)."""

    uid: str


@dataclass(frozen=True)
class DeleteRemote:
    uid: str


@dataclass(frozen=True)
class Blocked:
    """Nothing to do until the spec changes; the error says why."""

    error: errors.WorkloadError


@dataclass(frozen=True)
class Done:
    pass


Step = (
    ResolveInputs
    | RecoverPendingCreate
    | Create
    | Adopt
    | Fetch
    | ForgetMissing
    | ApplyConfig
    | ApplyAttachments
    | Verify
    | Deploy
    | StopForSuspend
    | DeleteRemote
    | Blocked
    | Done
)


# --- Decisions -----------------------------------------------------------------------------


def next_step(obs: Observation) -> Step:
    """The one next thing to do for ``obs``."""
    if obs.deleting:
        return _next_for_deletion(obs)
    status, spec = obs.status, obs.spec
    uid = status.workload_uid

    if status.create_pending is not None and not uid:
        if not obs.pending_checked:
            return RecoverPendingCreate(status.create_pending.name, status.create_pending.since)
        return ResolveInputs() if obs.inputs is None else Create(obs.remote_name)
    if spec.workload_uid and uid != spec.workload_uid:
        return Adopt(spec.workload_uid)
    if not uid:
        return ResolveInputs() if obs.inputs is None else Create(obs.remote_name)
    if obs.remote_missing:
        if spec.workload_uid:
            return Blocked(
                errors.AdoptionTargetMissing(
                    f"spec.workloadUid: workload {uid} no longer exists on Targon"
                )
            )
        return ForgetMissing(uid)
    return _next_for_existing(obs, uid)


def _next_for_existing(obs: Observation, uid: str) -> Step:
    spec = obs.spec
    needs_config = (obs.spec_changed or obs.check_drift or bool(obs.changed_fields)) and not (
        obs.config_applied
    )
    remote_phase = classify(obs.remote.state.status) if obs.remote else None
    wants_deploy = not spec.suspend and (
        remote_phase is Phase.REGISTERED
        or (obs.remote is None and classify(obs.status.phase) is Phase.REGISTERED)
    )
    # Decisions that change Targon are made on a fresh view, never on status alone.
    if (needs_config and obs.full_remote is None) or (wants_deploy and obs.remote is None):
        return Fetch(uid)
    if spec.suspend and obs.remote is not None and remote_phase is not Phase.REGISTERED:
        return StopForSuspend(uid)

    full = obs.full_remote
    if needs_config and full is not None:
        if obs.inputs is None:
            return ResolveInputs()
        step = _config_step(obs, full, uid)
        if step is not None:
            return step
    if remote_phase is Phase.REGISTERED and not spec.suspend:
        return _deploy_step(obs, uid)
    return Done()


def _config_step(obs: Observation, remote: targon.Workload, uid: str) -> Step | None:
    assert obs.inputs is not None
    # Only what Targon cannot show us is sent on the word of the spec diff; everything else
    # is compared, so a reconcile repeated after a crash does not PATCH (and redeploy) again.
    drift = drifted_fields(
        obs.spec,
        remote,
        inputs=obs.inputs,
        exact_serverless_config="serverless_config" in obs.changed_fields,
    )
    wanted = drift | (set(obs.changed_fields) & UNREADABLE)
    deployed = classify(remote.state.status).is_deployed
    if obs.spec.is_rental and deployed:
        ops = attachment_ops(obs.spec, remote)
        if ops and not obs.attachments_applied:
            return ApplyAttachments(uid, ops)
        wanted -= ATTACHABLE
    if not obs.spec.is_rental:
        wanted -= ATTACHABLE
    else:
        wanted.discard("serverless_config")
    if wanted and not obs.config_applied:
        return ApplyConfig(uid, frozenset(wanted))
    return None


def _deploy_step(obs: Observation, uid: str) -> Step:
    spec = obs.spec
    if spec.image_digest:
        if obs.verified is None:
            return Verify(uid, spec.image_digest)
        if obs.verified is False:
            return Blocked(
                errors.DigestMismatch(
                    f"spec.imageDigest: Targon could not verify {spec.image_digest} for image "
                    f"{spec.image}; not deploying"
                )
            )
    limit = spec.cost_limit()
    cost = obs.remote.cost_per_hour if obs.remote else None
    if limit is not None and cost is not None and Decimal(str(cost)) > limit:
        return Blocked(
            errors.CostLimitExceeded(
                f"spec.maxCostPerHour: {spec.resource_name} costs {cost}/h, above the limit "
                f"{spec.max_cost_per_hour}/h; not deploying"
            )
        )
    return Deploy(uid)


def _next_for_deletion(obs: Observation) -> Step:
    status, spec = obs.status, obs.spec
    if spec.deletion_policy == "Orphan":
        return Done()
    if status.create_pending is not None and not status.workload_uid and not obs.pending_checked:
        return RecoverPendingCreate(status.create_pending.name, status.create_pending.since)
    if status.workload_uid and not obs.remote_missing:
        return DeleteRemote(status.workload_uid)
    return Done()


# --- Helpers the executor uses -------------------------------------------------------------


CLOCK_SLACK_SECONDS = 5.0


def pick_pending_match(
    candidates: list[targon.WorkloadSummary],
    *,
    since: str,
    image: str | None = None,
    exclude: frozenset[str] = frozenset(),
) -> targon.WorkloadSummary | None:
    """The workload a crashed create made: same name, created at or after ``since``.

    ``exclude`` holds uids other resources already own (two resources may share a remote
    name). A few seconds of slack absorb clock skew between Targon and the operator. Among
    several matches, one with the spec's image is preferred, then the oldest.
    """
    start = parse_time(since)
    matches = []
    for item in candidates:
        if item.uid in exclude:
            continue
        created = parse_time(item.created_at)
        if (
            start is None
            or created is None
            or (created - start).total_seconds() >= -CLOCK_SLACK_SECONDS
        ):
            matches.append(item)
    matches.sort(key=lambda i: (image is not None and i.image != image, i.created_at or ""))
    return matches[0] if matches else None


__all__ = [
    "Adopt",
    "ApplyAttachments",
    "ApplyConfig",
    "Blocked",
    "Create",
    "DeleteRemote",
    "Deploy",
    "Done",
    "Fetch",
    "ForgetMissing",
    "Observation",
    "RecoverPendingCreate",
    "ResolveInputs",
    "Step",
    "StopForSuspend",
    "Verify",
    "next_step",
    "pick_pending_match",
]

"""Conditions: how a phase or an error becomes ``Ready``/``Synced``, in one place.

Every reason the operator can report is listed in ``Reason`` (the README's table is
generated from it), and ``failure_for`` is the only function that turns an exception
into a condition and a retry policy, so handlers never format messages ad hoc. A
permanent failure (400, digest mismatch) costs one Targon call per generation: its retry
policy is "when the spec changes".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from . import errors
from .targon import errors as api
from .targon.phases import Phase, classify

READY = "Ready"
SYNCED = "Synced"


class Reason(enum.StrEnum):
    """Every condition reason, with what it means (the README's table comes from here)."""

    RUNNING = "Running"
    DEPLOYING = "Deploying"
    REGISTERED = "Registered"
    SUSPENDED = "Suspended"
    FAILED = "Failed"
    STOPPED = "Stopped"
    UNKNOWN_PHASE = "UnknownPhase"
    PENDING = "Pending"
    UP_TO_DATE = "UpToDate"
    INVALID_SPEC = "InvalidSpec"
    UNAUTHORIZED = "Unauthorized"
    REMOTE_MISSING = "RemoteMissing"
    TARGON_UNAVAILABLE = "TargonUnavailable"
    SOURCE_NOT_FOUND = "SourceNotFound"
    INVALID_SOURCE = "InvalidSource"
    FORBIDDEN = "Forbidden"
    DIGEST_MISMATCH = "DigestMismatch"
    COST_LIMIT_EXCEEDED = "CostLimitExceeded"
    ADOPTION_FAILED = "AdoptionFailed"
    DELETING = "Deleting"


REASON_DOCS: dict[Reason, tuple[str, str]] = {
    Reason.RUNNING: (READY, "Targon reports the workload running."),
    Reason.DEPLOYING: (READY, "Deployed; Targon is starting replicas (or rolling out a change)."),
    Reason.REGISTERED: (READY, "Registered on Targon but not deployed yet."),
    Reason.SUSPENDED: (READY, "spec.suspend is true: registered, not running, not billed."),
    Reason.FAILED: (READY, "Targon reports the workload failed; its message says why."),
    Reason.STOPPED: (READY, "Targon reports the workload stopped or inactive."),
    Reason.UNKNOWN_PHASE: (
        READY,
        "Targon reports a status the operator does not know; shown verbatim in phase.",
    ),
    Reason.PENDING: (READY, "Not registered on Targon yet."),
    Reason.UP_TO_DATE: (SYNCED, "Targon's configuration matches the spec's current generation."),
    Reason.INVALID_SPEC: (
        SYNCED,
        "Targon refused the spec (400). Retried only when the spec changes.",
    ),
    Reason.UNAUTHORIZED: (
        SYNCED,
        "Targon refused the API key (401/403). Retried slowly; fix the key's Secret.",
    ),
    Reason.REMOTE_MISSING: (
        READY,
        "The workload disappeared from Targon; the operator registers it again.",
    ),
    Reason.TARGON_UNAVAILABLE: (
        SYNCED,
        "Targon answered 429/5xx or could not be reached; retried with backoff.",
    ),
    Reason.SOURCE_NOT_FOUND: (
        SYNCED,
        "A referenced Secret, ConfigMap or key is missing; retried with backoff.",
    ),
    Reason.INVALID_SOURCE: (
        SYNCED,
        "A referenced Secret cannot be used (e.g. not a dockerconfigjson).",
    ),
    Reason.FORBIDDEN: (
        SYNCED,
        "The operator may not read a referenced Secret or ConfigMap (RBAC).",
    ),
    Reason.DIGEST_MISMATCH: (
        READY,
        "spec.imageDigest does not match the image; not deployed until the spec changes.",
    ),
    Reason.COST_LIMIT_EXCEEDED: (
        READY,
        "cost per hour is above spec.maxCostPerHour; not deployed.",
    ),
    Reason.ADOPTION_FAILED: (
        SYNCED,
        "spec.workloadUid names no workload on Targon; nothing is created.",
    ),
    Reason.DELETING: (READY, "The resource is being deleted."),
}


class Retry(enum.Enum):
    ON_SPEC_CHANGE = "on-spec-change"
    """Repeating cannot help: wait for a new generation."""
    SLOW = "slow"
    """A human has to fix something outside the spec (a key, a Secret): check now and then."""
    BACKOFF = "backoff"
    """Passing: exponential backoff with jitter, honouring Retry-After."""


@dataclass(frozen=True, kw_only=True)
class Failure:
    condition: str
    reason: Reason
    message: str
    retry: Retry
    retry_after: float | None = None


def failure_for(exc: BaseException) -> Failure:
    """The condition and retry policy for anything a reconcile can raise."""
    match exc:
        case api.BadRequest():
            return Failure(
                condition=SYNCED,
                reason=Reason.INVALID_SPEC,
                message=exc.message,
                retry=Retry.ON_SPEC_CHANGE,
            )
        case api.Unauthorized() | api.Forbidden():
            return Failure(
                condition=SYNCED,
                reason=Reason.UNAUTHORIZED,
                message=f"Targon refused the API key: {exc.message}",
                retry=Retry.SLOW,
            )
        case api.RateLimited() | api.ServerError():
            return Failure(
                condition=SYNCED,
                reason=Reason.TARGON_UNAVAILABLE,
                message=str(exc),
                retry=Retry.BACKOFF,
                retry_after=exc.retry_after,
            )
        case api.TargonAPIError() | api.TargonTransportError():
            return Failure(
                condition=SYNCED,
                reason=Reason.TARGON_UNAVAILABLE,
                message=str(exc),
                retry=Retry.BACKOFF,
            )
        case api.TargonConfigError():
            return Failure(
                condition=SYNCED, reason=Reason.UNAUTHORIZED, message=str(exc), retry=Retry.SLOW
            )
        case errors.SourceNotFound():
            return Failure(
                condition=SYNCED,
                reason=Reason.SOURCE_NOT_FOUND,
                message=str(exc),
                retry=Retry.BACKOFF,
            )
        case errors.InvalidSource():
            return Failure(
                condition=SYNCED,
                reason=Reason.INVALID_SOURCE,
                message=str(exc),
                retry=Retry.BACKOFF,
            )
        case errors.Forbidden():
            return Failure(
                condition=SYNCED, reason=Reason.FORBIDDEN, message=str(exc), retry=Retry.SLOW
            )
        case errors.DigestMismatch():
            return Failure(
                condition=READY,
                reason=Reason.DIGEST_MISMATCH,
                message=str(exc),
                retry=Retry.ON_SPEC_CHANGE,
            )
        case errors.CostLimitExceeded():
            return Failure(
                condition=READY,
                reason=Reason.COST_LIMIT_EXCEEDED,
                message=str(exc),
                retry=Retry.ON_SPEC_CHANGE,
            )
        case errors.AdoptionTargetMissing():
            return Failure(
                condition=SYNCED, reason=Reason.ADOPTION_FAILED, message=str(exc), retry=Retry.SLOW
            )
    return Failure(
        condition=SYNCED,
        reason=Reason.TARGON_UNAVAILABLE,
        message=f"{type(exc).__name__}: {exc}",
        retry=Retry.BACKOFF,
    )


def ready_for_phase(
    phase: str | None, *, suspend: bool, message: str | None = None
) -> tuple[str, Reason, str]:
    """(status, reason, message) of the Ready condition for a Targon status string."""
    meaning = classify(phase) if phase else None
    text = message or ""
    if meaning is None:
        return "False", Reason.PENDING, text or "not registered on Targon yet"
    if meaning is Phase.RUNNING:
        return "True", Reason.RUNNING, text or "the workload is running"
    if meaning is Phase.REGISTERED:
        if suspend:
            return "False", Reason.SUSPENDED, "suspended: registered on Targon, not deployed"
        return "False", Reason.REGISTERED, text or "registered, not deployed yet"
    by_phase = {
        Phase.DEPLOYING: Reason.DEPLOYING,
        Phase.FAILED: Reason.FAILED,
        Phase.STOPPED: Reason.STOPPED,
        Phase.DELETED: Reason.REMOTE_MISSING,
    }
    reason = by_phase.get(meaning, Reason.UNKNOWN_PHASE)
    if reason is Reason.UNKNOWN_PHASE:
        text = text or f"Targon reports status {phase!r}"
    return "False", reason, text


def set_condition(
    conditions: list[dict[str, Any]],
    *,
    type_: str,
    status: str,
    reason: str,
    message: str,
    generation: int | None,
    now: str,
) -> list[dict[str, Any]]:
    """``conditions`` with ``type_`` set; lastTransitionTime moves only when status changes."""
    previous = next((c for c in conditions if c.get("type") == type_), None)
    transition = now
    if (
        previous is not None
        and previous.get("status") == status
        and previous.get("lastTransitionTime")
    ):
        transition = previous["lastTransitionTime"]
    updated: dict[str, Any] = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message[:32768],
        "lastTransitionTime": transition,
    }
    if generation is not None:
        updated["observedGeneration"] = generation
    others = [c for c in conditions if c.get("type") != type_]
    return sorted([*others, updated], key=lambda c: (c["type"] != READY, c["type"]))


def same_conditions(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """Equal but for lastTransitionTime, which set_condition keeps stable anyway."""

    def key(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            (
                c.get("type"),
                c.get("status"),
                c.get("reason"),
                c.get("message"),
                c.get("observedGeneration"),
            )
            for c in items
        )

    return key(a) == key(b)

"""Phases and errors become conditions in one place, with the right retry policy."""

from __future__ import annotations

import pytest

from targon_operator import conditions, errors, targon
from targon_operator.conditions import READY, SYNCED, Reason, Retry


def api_error(cls: type[targon.TargonAPIError], status: int, **kw: object) -> targon.TargonAPIError:
    return cls("boom", status_code=status, method="POST", path="/workloads", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "condition", "reason", "retry"),
    [
        (api_error(targon.BadRequest, 400), SYNCED, Reason.INVALID_SPEC, Retry.ON_SPEC_CHANGE),
        (api_error(targon.Unauthorized, 401), SYNCED, Reason.UNAUTHORIZED, Retry.SLOW),
        (api_error(targon.Forbidden, 403), SYNCED, Reason.UNAUTHORIZED, Retry.SLOW),
        (
            api_error(targon.RateLimited, 429, retry_after=7.0),
            SYNCED,
            Reason.TARGON_UNAVAILABLE,
            Retry.BACKOFF,
        ),
        (api_error(targon.ServerError, 503), SYNCED, Reason.TARGON_UNAVAILABLE, Retry.BACKOFF),
        (
            targon.TargonTimeout("slow", method="GET", path="/"),
            SYNCED,
            Reason.TARGON_UNAVAILABLE,
            Retry.BACKOFF,
        ),
        (
            errors.SourceNotFound(kind="Secret", name="hf", key="token", field="spec.env[0]"),
            SYNCED,
            Reason.SOURCE_NOT_FOUND,
            Retry.BACKOFF,
        ),
        (errors.InvalidSource("bad"), SYNCED, Reason.INVALID_SOURCE, Retry.BACKOFF),
        (errors.DigestMismatch("x"), READY, Reason.DIGEST_MISMATCH, Retry.ON_SPEC_CHANGE),
        (errors.CostLimitExceeded("x"), READY, Reason.COST_LIMIT_EXCEEDED, Retry.ON_SPEC_CHANGE),
        (errors.AdoptionTargetMissing("x"), SYNCED, Reason.ADOPTION_FAILED, Retry.SLOW),
        (RuntimeError("surprise"), SYNCED, Reason.TARGON_UNAVAILABLE, Retry.BACKOFF),
    ],
)
def test_every_error_has_a_condition_and_a_retry_policy(
    exc: BaseException, condition: str, reason: Reason, retry: Retry
) -> None:
    failure = conditions.failure_for(exc)
    assert (failure.condition, failure.reason, failure.retry) == (condition, reason, retry)


def test_retry_after_is_carried_to_the_failure() -> None:
    assert (
        conditions.failure_for(api_error(targon.RateLimited, 429, retry_after=7.0)).retry_after
        == 7.0
    )


def test_a_missing_source_names_the_field_the_object_and_the_key() -> None:
    message = conditions.failure_for(
        errors.SourceNotFound(
            kind="Secret", name="hf", key="token", field="spec.env[0].valueFrom.secretKeyRef"
        )
    ).message
    expected = (
        "spec.env[0].valueFrom.secretKeyRef: key 'token' in Secret 'hf' "
        "not found in the resource's namespace"
    )
    assert message == expected


@pytest.mark.parametrize(
    ("phase", "suspend", "status", "reason"),
    [
        ("RUNNING", False, "True", Reason.RUNNING),
        ("running", False, "True", Reason.RUNNING),
        ("active", False, "True", Reason.RUNNING),
        ("DEPLOYING", False, "False", Reason.DEPLOYING),
        ("building", False, "False", Reason.DEPLOYING),
        ("REGISTERED", False, "False", Reason.REGISTERED),
        ("REGISTERED", True, "False", Reason.SUSPENDED),
        ("FAILED", False, "False", Reason.FAILED),
        ("stopped", False, "False", Reason.STOPPED),
        ("deleted", False, "False", Reason.REMOTE_MISSING),
        ("hibernating", False, "False", Reason.UNKNOWN_PHASE),
        (None, False, "False", Reason.PENDING),
    ],
)
def test_ready_follows_the_phase_whatever_its_spelling(
    phase: str | None, suspend: bool, status: str, reason: Reason
) -> None:
    assert conditions.ready_for_phase(phase, suspend=suspend)[:2] == (status, reason)


def test_the_transition_time_moves_only_when_the_status_changes() -> None:
    first = conditions.set_condition(
        [],
        type_=READY,
        status="False",
        reason="Deploying",
        message="",
        generation=1,
        now="2025-01-01T00:00:00Z",
    )
    same = conditions.set_condition(
        first,
        type_=READY,
        status="False",
        reason="Registered",
        message="m",
        generation=1,
        now="2025-01-01T00:05:00Z",
    )
    assert same[0]["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    flipped = conditions.set_condition(
        same,
        type_=READY,
        status="True",
        reason="Running",
        message="",
        generation=1,
        now="2025-01-01T00:09:00Z",
    )
    assert flipped[0]["lastTransitionTime"] == "2025-01-01T00:09:00Z"
    both = conditions.set_condition(
        flipped,
        type_=SYNCED,
        status="True",
        reason="UpToDate",
        message="",
        generation=1,
        now="2025-01-01T00:09:00Z",
    )
    assert [c["type"] for c in both] == [READY, SYNCED]


def test_every_reason_is_documented() -> None:
    assert set(conditions.REASON_DOCS) == set(Reason)

"""Why the operator cannot make progress on a resource, other than a Targon API error.

Each carries what a user needs to fix it (which Secret, which key, which limit). They are
raised where the problem is found and turned into a condition in one place
(``conditions.failure_for``); messages never contain a secret value.
"""

from __future__ import annotations


class WorkloadError(Exception):
    """A problem with one resource that a condition should explain."""


class SourceNotFound(WorkloadError):
    """A Secret or ConfigMap the spec references, or a key in it, does not exist."""

    def __init__(self, *, kind: str, name: str, key: str | None = None, field: str) -> None:
        what = f"{kind} {name!r}" if key is None else f"key {key!r} in {kind} {name!r}"
        super().__init__(f"{field}: {what} not found in the resource's namespace")
        self.kind = kind
        self.name = name
        self.key = key


class InvalidSource(WorkloadError):
    """A referenced Secret exists but cannot be used (wrong type, malformed JSON)."""


class Forbidden(WorkloadError):
    """The operator's service account may not read a referenced Secret or ConfigMap."""


class DigestMismatch(WorkloadError):
    """Targon says the workload's image does not have the digest the spec pins."""


class CostLimitExceeded(WorkloadError):
    """The workload costs more per hour than ``spec.maxCostPerHour`` allows."""


class AdoptionTargetMissing(WorkloadError):
    """``spec.workloadUid`` names a workload Targon does not know."""

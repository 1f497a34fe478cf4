"""What a Targon status string means, whatever its spelling.

The reference shows REGISTERED, DEPLOYING and RUNNING; Targon's own SDK also knows
running/active/deployed, pending/building, stopped/inactive and deleted, in either case.
Callers keep the original string for display and ask this module what it means, so that a
status Targon adds tomorrow passes through as ``UNKNOWN`` instead of breaking a parse.
"""

from __future__ import annotations

import enum


class Phase(enum.Enum):
    REGISTERED = "REGISTERED"
    DEPLOYING = "DEPLOYING"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    DELETED = "DELETED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_deployed(self) -> bool:
        """Billing or about to: the workload was deployed and is not stopped."""
        return self in (Phase.DEPLOYING, Phase.RUNNING)

    @property
    def is_settled(self) -> bool:
        """No change is expected without someone acting on the workload."""
        return self not in (Phase.DEPLOYING,)


_ALIASES: dict[str, Phase] = {
    "registered": Phase.REGISTERED,
    "created": Phase.REGISTERED,
    "deploying": Phase.DEPLOYING,
    "pending": Phase.DEPLOYING,
    "building": Phase.DEPLOYING,
    "starting": Phase.DEPLOYING,
    "running": Phase.RUNNING,
    "active": Phase.RUNNING,
    "deployed": Phase.RUNNING,
    "ready": Phase.RUNNING,
    "stopped": Phase.STOPPED,
    "inactive": Phase.STOPPED,
    "failed": Phase.FAILED,
    "error": Phase.FAILED,
    "crashloop": Phase.FAILED,
    "deleted": Phase.DELETED,
    "terminated": Phase.DELETED,
}


def classify(status: str | None) -> Phase:
    """The meaning of a status string; unknown or empty strings are ``Phase.UNKNOWN``."""
    if not status:
        return Phase.UNKNOWN
    return _ALIASES.get(status.strip().lower(), Phase.UNKNOWN)

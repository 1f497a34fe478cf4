"""The workload state machine: REGISTERED -> DEPLOYING -> RUNNING, and what each step leaves.

Transitions are functions of (workload, time); the store decides when to call them and
schedules the DEPLOYING -> RUNNING step. Each transition writes the event and the log
lines a real platform would, stamped with the transition's own time, so that events, logs
and ``updated_at`` agree even when a transition is applied late (the store is lazy).
"""

from __future__ import annotations

from typing import Any

from .config import SimConfig
from .errors import invalid
from .records import LogLine, Workload, iso
from .validation import SERVERLESS

REGISTERED = "REGISTERED"
DEPLOYING = "DEPLOYING"
RUNNING = "RUNNING"
_FAILED_STATUSES = {"FAILED", "ERROR", "CRASHLOOP", "CRASHLOOPBACKOFF"}


def is_deployed(w: Workload) -> bool:
    """Deploying or running: a deploy or PATCH now restarts its replicas."""
    return w.status.upper() in (DEPLOYING, RUNNING)


def is_running(w: Workload) -> bool:
    return w.status.upper() == RUNNING


def desired_replicas(w: Workload) -> int:
    """Replicas a deploy starts: ``initial_replicas``, else ``max(min_replicas, 1)``."""
    if w.type != SERVERLESS:
        return 1
    config: dict[str, Any] = w.config.get("serverless_config", {})
    if "initial_replicas" in config:
        return int(config["initial_replicas"])
    return max(int(config.get("min_replicas", 0)), 1)


def log(w: Workload, at: float, text: str) -> None:
    w.logs.append(LogLine(at, f"{iso(at)} [main] {text}"))


def record_event(
    w: Workload,
    at: float,
    event_type: str,
    message: str,
    display_message: str,
    *,
    reason: str = "",
    exit_code: int = 0,
) -> None:
    w.events.append(
        {
            "workload_uid": w.uid,
            "workload_type": w.type,
            "event_type": event_type,
            "new_status": w.status,
            "message": message,
            "display_message": display_message,
            "reason": reason,
            "pod_name": f"{w.uid}-0",
            "container_name": "main",
            "container_image": w.image,
            "exit_code": exit_code,
            "replica_count": w.total_replicas,
            "resource_name": w.resource_name,
            "created_at": iso(at),
        }
    )


def register(w: Workload) -> None:
    record_event(
        w,
        w.created_at,
        "STATUS_CHANGE",
        "Workload registered",
        "Workload is registered",
        reason="Created",
    )


def note_change(w: Workload, now: float, event_type: str, message: str, display: str) -> None:
    """A configuration change: new revision, new ``updated_at``, one event."""
    w.revision += 1
    w.updated_at = now
    record_event(w, now, event_type, message, display, reason="Updated")


def start_rollout(w: Workload, now: float, config: SimConfig, *, reason: str) -> float:
    """(Re)start the replicas: DEPLOYING with none ready. Returns when they will be ready."""
    emit_heartbeats(w, now, config)
    if is_deployed(w):
        log(w, now, f"Stopping container ({reason})")
    w.status = DEPLOYING
    w.message = ""
    w.ready_replicas = 0
    w.total_replicas = desired_replicas(w)
    w.ready_at = now + config.deploy_delay
    w.rollout += 1
    w.next_heartbeat = None
    w.updated_at = now
    log(w, now, f"Pulling image {w.image}")
    log(w, now, f"Starting container {w.image}")
    if reason == "Deployed":
        message, display = "Deployment started", "Workload is deploying"
    elif reason == "Redeployed":
        message, display = "Workload redeployed: running replicas restarted", "Workload redeployed"
    else:
        message, display = f"Rolling out revision {w.revision}", "Workload is updating"
    record_event(w, now, "STATUS_CHANGE", message, display, reason=reason)
    return w.ready_at


def become_running(w: Workload, at: float, config: SimConfig) -> None:
    """The scheduled end of a rollout: every replica ready, URLs published."""
    w.status = RUNNING
    w.ready_replicas = w.total_replicas
    w.ready_at = None
    w.updated_at = at
    w.next_heartbeat = at + config.log_interval
    log(w, at, f"Ready: {w.ready_replicas}/{w.total_replicas} replicas")
    record_event(
        w, at, "STATUS_CHANGE", "All replicas ready", "Workload is now running", reason="Ready"
    )


def emit_heartbeats(w: Workload, now: float, config: SimConfig) -> None:
    """Write the periodic lines a RUNNING workload has produced up to ``now``."""
    due = w.next_heartbeat
    if due is None or due > now:
        return
    interval = config.log_interval
    missed = int((now - due) // interval) + 1
    if missed > config.max_log_lines:
        # Lines older than the window would be dropped at once: do not write them.
        due += (missed - config.max_log_lines) * interval
        missed = config.max_log_lines
    for _ in range(missed):
        log(w, due, f"heartbeat: {w.ready_replicas}/{w.total_replicas} replicas ready")
        due += interval
    w.next_heartbeat = due


def force_state(
    w: Workload,
    now: float,
    config: SimConfig,
    *,
    status: str,
    message: str,
    ready: int | None,
    total: int | None,
) -> None:
    """Set the state as the platform might (e.g. FAILED), cancelling any rollout."""
    emit_heartbeats(w, now, config)
    running = status.upper() == RUNNING
    if total is None:
        total = (w.total_replicas or desired_replicas(w)) if running else w.total_replicas
    if ready is None:
        ready = total if running else 0
    if ready > total:
        raise invalid("ready_replicas", "must not exceed total_replicas")
    w.status, w.message = status, message
    w.ready_replicas, w.total_replicas = ready, total
    w.ready_at = None
    w.rollout += 1
    w.next_heartbeat = now + config.log_interval if running else None
    w.updated_at = now
    failed = status.upper() in _FAILED_STATUSES
    log(w, now, f"Status set to {status}" + (f": {message}" if message else ""))
    record_event(
        w,
        now,
        "STATUS_CHANGE",
        message or f"Status set to {status}",
        f"Workload is {status}",
        reason="Forced",
        exit_code=1 if failed else 0,
    )


def stop(w: Workload, now: float, config: SimConfig) -> None:
    """The workload is deleted: its last log line, and followers are told to stop."""
    emit_heartbeats(w, now, config)
    if is_deployed(w):
        log(w, now, "Stopping container (workload deleted)")
    w.deleted = True
    w.next_heartbeat = None

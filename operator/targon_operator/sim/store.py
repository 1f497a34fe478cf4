"""Every workload, volume and SSH key, indexed so that each request costs O(log n).

Workloads are kept by uid, by creation sequence, per owner and per (owner, name), so a
list page is a bisect plus a scan of the page, and a name lookup does not scan the rest.
Time-based transitions (DEPLOYING -> RUNNING) sit in a heap and are applied lazily, in
time order, at the start of every operation: reads, lists and events agree on the state
without a background task. The clock is injected so tests can drive time by hand.
"""

from __future__ import annotations

import heapq
import itertools
import random
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import lifecycle
from .config import SimConfig
from .errors import ApiError, conflict, invalid, not_found
from .records import LogLine, SSHKey, Volume, Window, Workload, new_uid
from .validation import refuse_on_serverless


@dataclass(frozen=True, kw_only=True)
class ListQuery:
    """The filters of ``GET /workloads``; ``None`` means no filter."""

    type: str | None = None
    status: str | None = None
    """Compared case-insensitively."""
    project_id: str | None = None
    app_id: str | None = None
    name: str | None = None

    def matches(self, w: Workload) -> bool:
        config = w.config
        return (
            (self.type is None or w.type == self.type)
            and (self.status is None or w.status.lower() == self.status.lower())
            and (self.project_id is None or config.get("project_id") == self.project_id)
            and (self.app_id is None or config.get("app_id") == self.app_id)
            and (self.name is None or w.name == self.name)
        )


def _discard(seqs: list[int], seq: int) -> None:
    i = bisect_left(seqs, seq)
    if i < len(seqs) and seqs[i] == seq:
        del seqs[i]


def _short(uid: str) -> str:
    return uid[:100]


class Store:
    """The simulator's state. Not thread-safe: one event loop owns it."""

    def __init__(
        self, config: SimConfig, *, clock: Callable[[], float], rng: random.Random
    ) -> None:
        self.config = config
        self._clock = clock
        self._rng = rng
        self._seq = itertools.count(1)
        self._tiebreak = itertools.count()
        self.reset()

    def reset(self) -> None:
        """Forget everything (sequence numbers keep counting, so old cursors stay stale)."""
        self.volumes: dict[str, Volume] = {}
        self.ssh_keys: dict[str, SSHKey] = {}
        self._workloads: dict[str, Workload] = {}
        self._by_seq: dict[int, Workload] = {}
        self._owner_seqs: dict[int, list[int]] = {}
        self._name_seqs: dict[tuple[int, str], list[int]] = {}
        self._due: list[tuple[float, int, str, int]] = []

    def __len__(self) -> int:
        return len(self._workloads)

    # --- Volumes and SSH keys -----------------------------------------------------------

    def add_volume(self, *, name: str, uid: str | None = None) -> Volume:
        uid = self._fresh_uid("vol-", self.volumes, uid)
        volume = self.volumes[uid] = Volume(uid, name)
        return volume

    def add_ssh_key(self, *, name: str, public_key_raw: str, uid: str | None = None) -> SSHKey:
        uid = self._fresh_uid("shk-", self.ssh_keys, uid)
        key = self.ssh_keys[uid] = SSHKey(uid, name, public_key_raw)
        return key

    def _fresh_uid(self, prefix: str, taken: dict[str, Any], uid: str | None) -> str:
        if uid is not None:
            if uid in taken:
                raise conflict("uid", f"{uid} already exists")
            return uid
        while True:
            fresh = new_uid(prefix, self._rng)
            if fresh not in taken:
                return fresh

    # --- Workloads ------------------------------------------------------------------------

    def create(self, owner: int, spec: dict[str, Any]) -> Workload:
        now = self._tick()
        self._check_references(spec)
        w = Workload(
            uid=self._fresh_uid("wrk-", self._workloads, None),
            owner=owner,
            seq=next(self._seq),
            config=spec,
            created_at=now,
            updated_at=now,
            events=Window(self.config.max_events),
            logs=Window(self.config.max_log_lines),
        )
        self._workloads[w.uid] = w
        self._by_seq[w.seq] = w
        self._owner_seqs.setdefault(owner, []).append(w.seq)
        self._name_seqs.setdefault((owner, w.name), []).append(w.seq)
        lifecycle.register(w)
        return w

    def get(self, uid: str, owner: int | None, *, field: str = "workload_uid") -> Workload:
        """The workload, brought up to date; 404 if unknown, 403 if another key owns it.

        ``owner`` ``None`` is the admin view: any key's workload. ``field`` names where
        the uid came from, for the error message.
        """
        now = self._tick()
        w = self._workloads.get(uid)
        if w is None:
            raise not_found(field, f"workload {_short(uid)}")
        if owner is not None and w.owner != owner:
            raise ApiError(
                403, f"{field}: workload {_short(uid)} belongs to another API key", field=field
            )
        lifecycle.emit_heartbeats(w, now, self.config)
        return w

    def update(self, uid: str, owner: int, changes: dict[str, Any]) -> Workload:
        w = self.get(uid, owner)
        now = self._clock()
        self._check_references(changes)
        if "name" in changes and changes["name"] != w.name:
            key = (w.owner, w.name)
            _discard(self._name_seqs[key], w.seq)
            if not self._name_seqs[key]:
                del self._name_seqs[key]
            insort(self._name_seqs.setdefault((w.owner, changes["name"]), []), w.seq)
        w.config.update(changes)
        lifecycle.note_change(
            w,
            now,
            "CONFIG_UPDATE",
            f"Configuration updated: {', '.join(changes)}",
            "Workload configuration updated",
        )
        if lifecycle.is_deployed(w):
            self._schedule(w, lifecycle.start_rollout(w, now, self.config, reason="Updated"))
        return w

    def delete(self, uid: str, owner: int) -> None:
        w = self.get(uid, owner)
        lifecycle.stop(w, self._clock(), self.config)
        del self._workloads[uid]
        del self._by_seq[w.seq]
        _discard(self._owner_seqs[w.owner], w.seq)
        names = self._name_seqs[(w.owner, w.name)]
        _discard(names, w.seq)
        if not names:
            del self._name_seqs[(w.owner, w.name)]

    def deploy(self, uid: str, owner: int) -> Workload:
        w = self.get(uid, owner)
        reason = "Redeployed" if lifecycle.is_deployed(w) else "Deployed"
        self._schedule(w, lifecycle.start_rollout(w, self._clock(), self.config, reason=reason))
        return w

    def force_state(
        self, uid: str, *, status: str, message: str, ready: int | None, total: int | None
    ) -> Workload:
        w = self.get(uid, None)
        lifecycle.force_state(
            w, self._clock(), self.config, status=status, message=message, ready=ready, total=total
        )
        return w

    def all(self) -> list[Workload]:
        """Every workload of every key, in creation order, brought up to date."""
        self._tick()
        return list(self._workloads.values())

    def follow(self, w: Workload, index: int) -> tuple[list[LogLine], int]:
        """Log lines of ``w`` from ``index`` on, and the index after them."""
        if not w.deleted:
            lifecycle.emit_heartbeats(w, self._tick(), self.config)
        return w.logs.since(index), w.logs.total

    def _check_references(self, spec: dict[str, Any]) -> None:
        for i, mount in enumerate(spec.get("volumes", ())):
            if mount["uid"] not in self.volumes:
                raise not_found(f"volumes[{i}].uid", f"volume {_short(mount['uid'])}")
        for i, key in enumerate(spec.get("ssh_keys", ())):
            if key not in self.ssh_keys:
                raise not_found(f"ssh_keys[{i}]", f"SSH key {_short(key)}")

    # --- Attachments ----------------------------------------------------------------------

    def attach_volume(
        self, uid: str, owner: int, volume_uid: str, *, mount_path: str, read_only: bool
    ) -> dict[str, Any]:
        w = self.get(uid, owner)
        refuse_on_serverless(w.type, "volumes")
        if volume_uid not in self.volumes:
            raise not_found("volume_uid", f"volume {_short(volume_uid)}")
        mounts: list[dict[str, Any]] = w.config.get("volumes", [])
        if any(m["uid"] == volume_uid for m in mounts):
            raise conflict("volume_uid", f"volume {volume_uid} is already attached")
        if any(m["mount_path"] == mount_path for m in mounts):
            raise invalid("mount_path", "is already used by another volume of this workload")
        mount = {"uid": volume_uid, "mount_path": mount_path, "read_only": read_only}
        w.config["volumes"] = [*mounts, mount]
        lifecycle.note_change(
            w,
            self._clock(),
            "VOLUME_ATTACHED",
            f"Volume {volume_uid} attached at {mount_path}",
            "Volume attached",
        )
        return mount

    def detach_volume(self, uid: str, owner: int, volume_uid: str) -> None:
        w = self.get(uid, owner)
        refuse_on_serverless(w.type, "volumes")
        mounts: list[dict[str, Any]] = w.config.get("volumes", [])
        kept = [m for m in mounts if m["uid"] != volume_uid]
        if len(kept) == len(mounts):
            raise not_found("volume_uid", f"volume attachment {_short(volume_uid)}")
        w.config["volumes"] = kept
        lifecycle.note_change(
            w, self._clock(), "VOLUME_DETACHED", f"Volume {volume_uid} detached", "Volume detached"
        )

    def attach_ssh_key(self, uid: str, owner: int, key_uid: str) -> None:
        w = self.get(uid, owner)
        refuse_on_serverless(w.type, "SSH keys")
        if key_uid not in self.ssh_keys:
            raise not_found("ssh_key_uid", f"SSH key {_short(key_uid)}")
        keys: list[str] = w.config.get("ssh_keys", [])
        if key_uid in keys:
            raise conflict("ssh_key_uid", f"SSH key {key_uid} is already attached")
        w.config["ssh_keys"] = [*keys, key_uid]
        lifecycle.note_change(
            w, self._clock(), "SSH_KEY_ATTACHED", f"SSH key {key_uid} attached", "SSH key attached"
        )

    def detach_ssh_key(self, uid: str, owner: int, key_uid: str) -> None:
        w = self.get(uid, owner)
        refuse_on_serverless(w.type, "SSH keys")
        keys: list[str] = w.config.get("ssh_keys", [])
        if key_uid not in keys:
            raise not_found("ssh_key_uid", f"SSH key attachment {_short(key_uid)}")
        w.config["ssh_keys"] = [k for k in keys if k != key_uid]
        lifecycle.note_change(
            w, self._clock(), "SSH_KEY_DETACHED", f"SSH key {key_uid} detached", "SSH key detached"
        )

    # --- Pages ----------------------------------------------------------------------------

    def page(
        self, owner: int, query: ListQuery, *, after: int, limit: int
    ) -> tuple[list[Workload], int | None]:
        """Up to ``limit`` matches created after sequence ``after``, and the next cursor.

        The cursor is the sequence number of the last item, so creates and deletes between
        pages neither repeat nor skip a workload; the scan starts with a bisect and stops
        at the first match past the page, so paging through n workloads costs O(n) in all.
        """
        self._tick()
        if query.name is not None:
            seqs = self._name_seqs.get((owner, query.name), [])
        else:
            seqs = self._owner_seqs.get(owner, [])
        items: list[Workload] = []
        for i in range(bisect_right(seqs, after), len(seqs)):
            w = self._by_seq[seqs[i]]
            if not query.matches(w):
                continue
            if len(items) == limit:
                return items, items[-1].seq
            items.append(w)
        return items, None

    # --- Time -----------------------------------------------------------------------------

    def _schedule(self, w: Workload, ready_at: float) -> None:
        heapq.heappush(self._due, (ready_at, next(self._tiebreak), w.uid, w.rollout))

    def _tick(self) -> float:
        """Apply, in time order, every transition due by now; return now."""
        now = self._clock()
        due = self._due
        while due and due[0][0] <= now:
            at, _, uid, rollout = heapq.heappop(due)
            w = self._workloads.get(uid)
            # A later deploy, forced state or delete makes the entry stale.
            if w is not None and w.rollout == rollout and w.ready_at is not None:
                lifecycle.become_running(w, at, self.config)
        return now

"""Carrying out a reconcile: observe, decide (``reconcile.next_step``), act, record.

Each step is a small I/O function; every fact a step learns that matters after a crash
(the pending create, the workload uid) is written to status before the next Targon call.
Errors are caught once, at the end, and turned into conditions by ``conditions.failure_for``
so the status always says what happened; the caller decides when to try again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from .. import conditions, errors, reconcile, targon, translate
from ..conditions import READY, SYNCED, Failure, Reason
from ..reconcile import Observation
from ..resource import WorkloadSpec, WorkloadStatus, now_iso
from . import inputs as inputs_mod
from .context import Runtime
from .events import EventRecorder
from .registry import Tracked, diff_base_digest
from .status import StatusWriter, status_changes

logger = logging.getLogger("targon_operator.reconcile")

MAX_STEPS = 24


@dataclass(frozen=True, kw_only=True)
class Outcome:
    observation: Observation
    failure: Failure | None = None


class Reconciler:
    """One reconcile of one resource. Build it, ``await run()``, read the outcome."""

    def __init__(
        self,
        rt: Runtime,
        tracked: Tracked,
        *,
        changed_fields: frozenset[str] = frozenset(),
        check_drift: bool = False,
        writer: str = "reconcile",
        diff_base: str | None = None,
    ) -> None:
        self.rt = rt
        self.tracked = tracked
        self.writer = writer
        self.diff_base = diff_base
        """kopf's diff-base, written with the final status of a successful reconcile."""
        self.status = StatusWriter(rt.kube, rt.registry, rt.metrics)
        self.events = EventRecorder(rt.kube)
        spec = WorkloadSpec.model_validate(tracked.spec)
        self.obs = Observation(
            name=tracked.name,
            generation=tracked.generation,
            spec=spec,
            status=WorkloadStatus.model_validate(tracked.status),
            deleting=tracked.deleting,
            changed_fields=changed_fields,
            check_drift=check_drift,
        )
        self._client: targon.TargonClient | None = None

    @property
    def ns(self) -> str:
        return self.tracked.namespace

    def _log(self, action: str, outcome: str = "ok", **extra: Any) -> None:
        uid = self.obs.status.workload_uid or "-"
        details = " ".join(f"{k}={v}" for k, v in extra.items())
        logger.info(
            "%s/%s workload=%s action=%s outcome=%s %s",
            self.ns,
            self.tracked.name,
            uid,
            action,
            outcome,
            details,
        )

    async def client(self) -> targon.TargonClient:
        if self._client is None:
            key: SecretStr = await inputs_mod.api_key(
                self.rt.kube, self.ns, self.obs.spec, await self.rt.default_api_key()
            )
            self._client = self.rt.clients.client_for(key)
        return self._client

    # --- The loop --------------------------------------------------------------------------

    async def run(self) -> Outcome:
        started = time.monotonic()
        try:
            for _ in range(MAX_STEPS):
                step = reconcile.next_step(self.obs)
                if isinstance(step, reconcile.Done):
                    break
                if isinstance(step, reconcile.Blocked):
                    raise step.error
                await self.carry_out(step)
            else:
                # A decision loop that does not settle is a bug; back off rather than spin.
                raise RuntimeError(f"the reconcile did not settle in {MAX_STEPS} steps")
            await self.record_success()
            self.rt.metrics.reconciles.labels("success").inc()
            return Outcome(observation=self.obs)
        except Exception as exc:
            failure = conditions.failure_for(exc)
            self._log("reconcile", "failed", reason=failure.reason.value)
            logger.debug("reconcile failure", exc_info=True)
            await self.record_failure(failure)
            self.rt.metrics.reconciles.labels(failure.reason.value).inc()
            return Outcome(observation=self.obs, failure=failure)
        finally:
            self.rt.metrics.reconcile_duration.observe(time.monotonic() - started)

    async def carry_out(self, step: reconcile.Step) -> None:
        match step:
            case reconcile.ResolveInputs():
                resolved = await inputs_mod.resolve(self.rt.kube, self.ns, self.obs.spec)
                self.obs = replace(self.obs, inputs=resolved)
            case reconcile.RecoverPendingCreate(name=name, since=since):
                await self.recover_pending(name, since)
            case reconcile.Create(name=name):
                await self.create(name)
            case reconcile.Adopt(uid=uid):
                await self.adopt(uid)
            case reconcile.Fetch(uid=uid):
                await self.fetch(uid)
            case reconcile.ForgetMissing(uid=uid):
                await self.forget_missing(uid)
            case reconcile.ApplyConfig(uid=uid, fields=fields):
                await self.apply_config(uid, fields)
            case reconcile.ApplyAttachments(uid=uid, ops=ops):
                await self.apply_attachments(uid, ops)
            case reconcile.Verify(uid=uid, digest=digest):
                result = await (await self.client()).verify_workload(uid, digest)
                self._log("verify", "verified" if result.verified else "mismatch")
                self.obs = replace(self.obs, verified=result.verified)
            case reconcile.Deploy(uid=uid):
                remote = await (await self.client()).deploy_workload(uid)
                self._log("deploy", remote.state.status)
                self.obs = replace(self.obs, remote=remote)
                self.rt.poke_sync()
            case reconcile.StopForSuspend(uid=uid):
                await self.stop_for_suspend(uid)
            case reconcile.DeleteRemote(uid=uid):
                await self.delete_remote(uid)

    # --- Steps -----------------------------------------------------------------------------

    async def write(self, fields: dict[str, Any]) -> None:
        status = await self.status.patch(self.ns, self.tracked.name, fields, writer=self.writer)
        self.obs = replace(self.obs, status=WorkloadStatus.model_validate(status))

    async def recover_pending(self, name: str, since: str) -> None:
        client = await self.client()
        candidates = [
            w async for w in client.list_workloads(name=name, limit=self.rt.settings.page_size)
        ]
        match = reconcile.pick_pending_match(
            candidates,
            since=since,
            image=self.obs.spec.image,
            exclude=self.rt.registry.owned_uids(besides=self.tracked.key),
        )
        if match is None:
            self._log("recover-pending-create", "not-found", name=name)
            self.obs = replace(self.obs, pending_checked=True)
            return
        self._log("recover-pending-create", "adopted", uid=match.uid)
        await self.write(
            {"workloadUid": match.uid, "createPending": None, **translate.remote_status(match)}
        )
        self.obs = replace(self.obs, remote=match, pending_checked=True)

    async def create(self, name: str) -> None:
        assert self.obs.inputs is not None
        request = translate.create_request(self.obs.spec, name=name, inputs=self.obs.inputs)
        client = await self.client()
        if self.obs.status.create_pending is None:
            await self.write({"createPending": {"name": name, "since": now_iso()}})
        try:
            remote = await client.create_workload(request)
        except targon.TargonAPIError as exc:
            if 400 <= exc.status_code < 500 and exc.status_code != 429:
                # A definitive refusal: nothing was registered, nothing to recover.
                await self.write({"createPending": None})
            raise
        self._log("create", "registered", uid=remote.uid, name=name)
        await self.write(
            {"workloadUid": remote.uid, "createPending": None, **translate.remote_status(remote)}
        )
        self.obs = replace(self.obs, remote=remote, config_applied=True, pending_checked=True)

    async def adopt(self, uid: str) -> None:
        try:
            remote = await (await self.client()).get_workload(uid)
        except targon.NotFound:
            raise errors.AdoptionTargetMissing(
                f"spec.workloadUid: Targon has no workload {uid}; nothing was created"
            ) from None
        self._log("adopt", remote.state.status, uid=uid)
        await self.write({"workloadUid": uid, **translate.remote_status(remote)})
        self.obs = replace(self.obs, remote=remote)
        await self.events.post(
            self.tracked, reason="Adopted", message=f"adopted existing workload {uid}"
        )

    async def fetch(self, uid: str) -> None:
        try:
            remote = await (await self.client()).get_workload(uid)
        except targon.NotFound:
            self._log("get", "not-found")
            self.obs = replace(self.obs, remote_missing=True)
            return
        self.obs = replace(self.obs, remote=remote)

    async def forget_missing(self, uid: str) -> None:
        self._log("remote-missing", "registering-again", uid=uid)
        message = f"workload {uid} disappeared from Targon; registering it again"
        now = now_iso()
        conds = conditions.set_condition(
            self._conditions(),
            type_=READY,
            status="False",
            reason=Reason.REMOTE_MISSING,
            message=message,
            generation=self.obs.generation,
            now=now,
        )
        await self.write(
            {"workloadUid": None, "phase": None, "conditions": conds, "message": message}
        )
        self.obs = replace(self.obs, remote=None, remote_missing=False)
        await self.events.post(self.tracked, reason="RemoteMissing", message=message, warning=True)

    async def apply_config(self, uid: str, fields: frozenset[str]) -> None:
        assert self.obs.inputs is not None
        request = translate.update_request(
            self.obs.spec, fields=set(fields), inputs=self.obs.inputs
        )
        if request.is_empty():
            self.obs = replace(self.obs, config_applied=True)
            return
        try:
            remote = await (await self.client()).update_workload(uid, request)
        except targon.NotFound:
            self.obs = replace(self.obs, remote_missing=True)
            return
        self._log("update", "patched", fields=",".join(sorted(fields)), revision=remote.revision)
        self.obs = replace(self.obs, remote=remote, config_applied=True)

    async def apply_attachments(self, uid: str, ops: translate.AttachmentOps) -> None:
        client = await self.client()
        # 404 on a detach and 409 on an attach mean the change is already there.
        for volume_uid in ops.detach_volumes:
            with contextlib.suppress(targon.NotFound):
                await client.detach_volume(uid, volume_uid)
        for volume in ops.attach_volumes:
            with contextlib.suppress(targon.Conflict):
                await client.attach_volume(
                    uid, volume.uid, mount_path=volume.mount_path, read_only=volume.read_only
                )
        for key in ops.detach_ssh_keys:
            with contextlib.suppress(targon.NotFound):
                await client.detach_ssh_key(uid, key)
        for key in ops.attach_ssh_keys:
            with contextlib.suppress(targon.Conflict):
                await client.attach_ssh_key(uid, key)
        self._log(
            "attachments",
            "applied",
            volumes=f"+{len(ops.attach_volumes)}-{len(ops.detach_volumes)}",
            ssh_keys=f"+{len(ops.attach_ssh_keys)}-{len(ops.detach_ssh_keys)}",
        )
        remote = await client.get_workload(uid)
        self.obs = replace(self.obs, remote=remote, attachments_applied=True)

    async def stop_for_suspend(self, uid: str) -> None:
        with contextlib.suppress(targon.NotFound):
            await (await self.client()).delete_workload(uid)
        self._log("suspend", "deleted", uid=uid)
        await self.write({"workloadUid": None, "phase": None, "urls": None, "url": None})
        self.obs = replace(self.obs, remote=None, config_applied=False)
        await self.events.post(
            self.tracked,
            reason="Suspended",
            message=f"deleted deployed workload {uid} (Targon has no stop); registering it again",
        )

    async def delete_remote(self, uid: str) -> None:
        try:
            await (await self.client()).delete_workload(uid)
            self._log("delete", "deleted")
        except targon.NotFound:
            self._log("delete", "already-gone")
        self.obs = replace(self.obs, remote_missing=True)

    # --- Recording the outcome -------------------------------------------------------------

    def _conditions(self) -> list[dict[str, Any]]:
        return [c.dump() for c in self.obs.status.conditions]

    async def record_success(self) -> None:
        if self.obs.deleting:
            return
        obs, now = self.obs, now_iso()
        desired: dict[str, Any] = {}
        if obs.remote is not None:
            desired.update(translate.remote_status(obs.remote))
        phase = desired.get("phase", obs.status.phase)
        message = desired.get("message", obs.status.message) or ""
        ready, reason, text = conditions.ready_for_phase(
            phase, suspend=obs.spec.suspend, message=message
        )
        conds = conditions.set_condition(
            self._conditions(),
            type_=READY,
            status=ready,
            reason=reason,
            message=text,
            generation=obs.generation,
            now=now,
        )
        conds = conditions.set_condition(
            conds,
            type_=SYNCED,
            status="True",
            reason=Reason.UP_TO_DATE,
            message=f"Targon matches generation {obs.generation}",
            generation=obs.generation,
            now=now,
        )
        desired.update(observedGeneration=obs.generation, conditions=conds, message=message)
        if obs.inputs is not None:
            desired["sourceVersions"] = dict(obs.inputs.source_versions) or None
        if obs.status.create_pending is not None and obs.status.workload_uid:
            desired["createPending"] = None
        if self.diff_base is not None and self.tracked.diff_base != diff_base_digest(
            self.diff_base
        ):
            desired["kopf"] = {"lastHandledConfiguration": self.diff_base}
        await self._write_if_changed(desired)

    async def record_failure(self, failure: Failure) -> None:
        obs, now = self.obs, now_iso()
        desired: dict[str, Any] = {}
        if obs.remote is not None:
            desired.update(translate.remote_status(obs.remote))
        conds = self._conditions()
        if failure.condition == READY:
            conds = conditions.set_condition(
                conds,
                type_=SYNCED,
                status="True",
                reason=Reason.UP_TO_DATE,
                message=f"Targon matches generation {obs.generation}",
                generation=obs.generation,
                now=now,
            )
        conds = conditions.set_condition(
            conds,
            type_=failure.condition,
            status="False",
            reason=failure.reason,
            message=failure.message,
            generation=obs.generation,
            now=now,
        )
        if not any(c["type"] == READY for c in conds):
            ready, reason, text = conditions.ready_for_phase(
                desired.get("phase", obs.status.phase), suspend=obs.spec.suspend
            )
            conds = conditions.set_condition(
                conds,
                type_=READY,
                status=ready,
                reason=reason,
                message=text,
                generation=obs.generation,
                now=now,
            )
        desired.update(conditions=conds, message=failure.message)
        if failure.retry is conditions.Retry.ON_SPEC_CHANGE:
            desired["observedGeneration"] = obs.generation
        try:
            await self._write_if_changed(desired)
        except Exception:  # noqa: BLE001 - the resource may be gone; the failure stands
            logger.warning(
                "%s/%s: could not record failure %s", self.ns, self.tracked.name, failure.reason
            )
        else:
            if failure.reason in (
                Reason.INVALID_SPEC,
                Reason.UNAUTHORIZED,
                Reason.DIGEST_MISMATCH,
                Reason.COST_LIMIT_EXCEEDED,
                Reason.SOURCE_NOT_FOUND,
                Reason.ADOPTION_FAILED,
            ):
                await self.events.post_once(
                    self.tracked, reason=failure.reason.value, message=failure.message
                )

    async def _write_if_changed(self, desired: dict[str, Any]) -> None:
        current = self.tracked.status
        changes = status_changes(current, desired)
        if "conditions" in changes and conditions.same_conditions(
            current.get("conditions") or [], desired["conditions"]
        ):
            changes.pop("conditions")
        if not changes:
            return
        changes["lastSyncTime"] = now_iso()
        await self.write(changes)

"""The batched state sync: one paged list of all workloads per interval, for every resource.

A per-resource timer would cost one Targon call per resource per interval; listing costs
ceil(N/100). Each list item is dispatched to the resource that owns its uid (through the
registry), and a status patch is sent only when something changed. A changed ``revision``
means someone changed the workload outside the operator: that resource gets a drift check.
A workload missing from the list gets a reconcile, which confirms with a GET and registers
it again. The sync polls faster while some workload is deploying, and never crashes: a
failed round is logged and the next one runs on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any

from pydantic import SecretStr

from .. import conditions, targon, translate
from ..conditions import READY
from ..kube import KubeError, paths
from ..resource import WorkloadSpec, now_iso, parse_time
from ..targon import Phase, classify
from . import inputs as inputs_mod
from .context import Runtime, key_id
from .events import EventRecorder
from .executor import Reconciler
from .memory import Trimmer
from .registry import Tracked
from .status import StatusWriter, status_changes

logger = logging.getLogger("targon_operator.sync")

CLOCK_SLACK_SECONDS = 5.0
"""A workload registered this close to the start of a list may be missing from it."""


class Syncer:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.status = StatusWriter(rt.kube, rt.registry, rt.metrics)
        self.events = EventRecorder(rt.kube)
        # Event mirroring runs beside the rounds, so that a round (and the status patches
        # users wait for) never waits for Events to be posted.
        self._mirror_queue: asyncio.Queue[tuple[Tracked, targon.TargonClient, str]] = (
            asyncio.Queue()
        )
        self._mirror_pending: set[tuple[str, str]] = set()
        self._trimmer = Trimmer()

    # --- The loop --------------------------------------------------------------------------

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._mirror_worker(), name=f"targon-events-{i}") for i in range(4)
        ]
        try:
            await self._loop()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.sync_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("state sync failed; retrying at the next interval")
            await self._wait(started)

    async def _wait(self, started: float) -> None:
        fast = self.rt.settings.deploying_interval
        interval = fast if self.deploying() else self.rt.settings.resync_interval
        remaining = interval - (time.monotonic() - started)
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.rt.sync_wanted.wait(), timeout=remaining)
        if self.rt.sync_wanted.is_set():
            self.rt.sync_wanted.clear()
            # A deploy just happened: give it the fast interval before looking.
            await asyncio.sleep(max(0.0, fast - (time.monotonic() - started)))

    def deploying(self) -> bool:
        return any(
            classify(t.status.get("phase")) is Phase.DEPLOYING
            for t in self.rt.registry
            if not t.deleting
        )

    async def sync_once(self) -> None:
        self.rt.metrics.syncs.inc()
        jobs: list[Callable[[], Awaitable[None]]] = []
        for client, members in (await self._groups()).values():
            listed_at = time.time()
            try:
                remote = {
                    w.uid: w async for w in client.list_workloads(limit=self.rt.settings.page_size)
                }
            except targon.TargonError as exc:
                logger.warning("listing workloads failed for %d resources: %s", len(members), exc)
                continue
            for tracked in members:
                uid = tracked.workload_uid
                if uid and not tracked.deleting and not tracked.lock.locked():
                    item = remote.get(uid)
                    jobs.append(partial(self.sync_one, tracked, client, uid, item, listed_at))
        jobs.extend(await self._source_checks())
        await self._run_all(jobs)
        self.update_gauges()
        self._trimmer.maybe_trim()

    async def _run_all(self, jobs: list[Callable[[], Awaitable[None]]]) -> None:
        """Run ``jobs`` on a fixed number of workers: a coroutine per job, created only when
        a worker takes it, keeps the memory of a round flat at thousands of resources."""
        pending = iter(jobs)

        async def worker() -> None:
            for job in pending:
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("syncing one resource failed")

        workers = min(self.rt.settings.max_concurrent_syncs, len(jobs))
        await asyncio.gather(*(worker() for _ in range(workers)))

    async def _groups(self) -> dict[str, tuple[targon.TargonClient, list[Tracked]]]:
        """Resources by the API key they use: one list per key."""
        default = await self.rt.default_api_key()
        keys: dict[tuple[str, str, str], SecretStr | None] = {}
        groups: dict[str, tuple[targon.TargonClient, list[Tracked]]] = {}
        for tracked in self.rt.registry:
            if not tracked.workload_uid or tracked.deleting:
                continue
            ref = tracked.spec.get("credentialsSecretRef") or {}
            if ref.get("name"):
                cache_key = (tracked.namespace, ref["name"], ref.get("key", "apiKey"))
                if cache_key not in keys:
                    keys[cache_key] = await self._read_key(tracked)
                key = keys[cache_key]
            else:
                key = default
            if key is None:
                continue
            ident = key_id(key)
            if ident not in groups:
                groups[ident] = (self.rt.clients.client_for(key), [])
            groups[ident][1].append(tracked)
        return groups

    async def _read_key(self, tracked: Tracked) -> SecretStr | None:
        try:
            spec = WorkloadSpec.model_validate(tracked.spec)
            return await inputs_mod.api_key(self.rt.kube, tracked.namespace, spec, None)
        except Exception:  # noqa: BLE001 - the resource's own reconcile reports this
            return None

    # --- One resource ------------------------------------------------------------------------

    async def sync_one(
        self,
        tracked: Tracked,
        client: targon.TargonClient,
        uid: str,
        item: targon.WorkloadSummary | None,
        listed_at: float,
    ) -> None:
        """Bring one resource's status in line with ``item``, the list's view of ``uid``."""
        if tracked.lock.locked():
            return
        async with tracked.lock:
            if tracked.workload_uid != uid or tracked.deleting:
                return  # a reconcile changed it while this round was listing: next round
            status = tracked.status
            if item is None:
                if not self._newer_than_list(status, listed_at):
                    logger.info(
                        "%s/%s workload=%s missing from the list; checking",
                        *tracked.key,
                        tracked.workload_uid,
                    )
                    await Reconciler(self.rt, tracked, check_drift=True, writer="sync").run()
                return
            settled = status.get("observedGeneration") == tracked.generation
            if settled and status.get("revision") and item.revision != status.get("revision"):
                logger.info(
                    "%s/%s workload=%s revision %s -> %s; checking drift",
                    *tracked.key,
                    item.uid,
                    status.get("revision"),
                    item.revision,
                )
                await Reconciler(self.rt, tracked, check_drift=True, writer="sync").run()
                return
            await self._record(tracked, client, item)

    @staticmethod
    def _newer_than_list(status: dict[str, Any], listed_at: float) -> bool:
        created = parse_time(status.get("createdAt"))
        return created is not None and created.timestamp() > listed_at - CLOCK_SLACK_SECONDS

    async def _record(
        self, tracked: Tracked, client: targon.TargonClient, item: targon.WorkloadSummary
    ) -> None:
        status = tracked.status
        desired = translate.remote_status(item)
        desired.pop("workloadUid", None)
        suspend = bool(tracked.spec.get("suspend"))
        ready, reason, text = conditions.ready_for_phase(
            item.state.status, suspend=suspend, message=item.state.message
        )
        current_conditions: list[dict[str, Any]] = list(status.get("conditions") or [])
        previous_ready = next((c for c in current_conditions if c.get("type") == READY), None)
        if (
            previous_ready is not None
            and previous_ready.get("reason") in _STICKY
            and ready != "True"
        ):
            # A digest or cost block explains why the workload is not deployed; keep it.
            ready, reason, text = (
                previous_ready["status"],
                previous_ready["reason"],
                previous_ready.get("message", ""),
            )
        desired["conditions"] = conditions.set_condition(
            current_conditions,
            type_=READY,
            status=ready,
            reason=reason,
            message=text,
            generation=status.get("observedGeneration"),
            now=now_iso(),
        )
        changes = status_changes(status, desired)
        if "conditions" in changes and conditions.same_conditions(
            current_conditions, desired["conditions"]
        ):
            changes.pop("conditions")
        if not changes:
            return
        changes["lastSyncTime"] = now_iso()
        await self.status.patch(tracked.namespace, tracked.name, changes, writer="sync")
        if ready == "True" and not tracked.ready_seen:
            tracked.ready_seen = True
            created = parse_time(tracked.created)
            if created is not None:
                self.rt.metrics.time_to_ready.observe(max(0.0, time.time() - created.timestamp()))
        if (
            "phase" in changes or "updatedAt" in changes
        ) and tracked.key not in self._mirror_pending:
            # Queued after the status patch, so that mirroring never delays what users wait for.
            self._mirror_pending.add(tracked.key)
            self._mirror_queue.put_nowait((tracked, client, item.uid))

    async def _mirror_worker(self) -> None:
        while True:
            tracked, client, uid = await self._mirror_queue.get()
            self._mirror_pending.discard(tracked.key)
            try:
                newest = await self._mirror_events(tracked, client, uid)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("mirroring Targon events failed")
                continue
            if newest:
                tracked.event_watermark = newest

    async def _mirror_events(
        self, tracked: Tracked, client: targon.TargonClient, uid: str
    ) -> str | None:
        try:
            events = [e async for e in client.list_events(uid, limit=100)]
        except targon.TargonError as exc:
            logger.warning("%s/%s: could not read Targon events: %s", *tracked.key, exc)
            return None
        return await self.events.mirror(tracked, events, after=tracked.event_watermark)

    # --- Secrets and ConfigMaps that changed -----------------------------------------------

    async def _source_checks(self) -> list[Callable[[], Awaitable[None]]]:
        """Resources whose referenced Secrets or ConfigMaps changed since they were sent."""
        by_namespace: dict[str, list[Tracked]] = defaultdict(list)
        for tracked in self.rt.registry:
            if (
                tracked.status.get("sourceVersions")
                and tracked.workload_uid
                and not tracked.deleting
            ):
                by_namespace[tracked.namespace].append(tracked)
        jobs: list[Callable[[], Awaitable[None]]] = []
        for namespace, members in by_namespace.items():
            versions = await self._versions(namespace, members)
            for tracked in members:
                recorded: dict[str, str] = tracked.status.get("sourceVersions") or {}
                changed = {ref for ref, rv in recorded.items() if versions.get(ref) != rv}
                if changed:
                    jobs.append(partial(self._resend, tracked, changed))
        return jobs

    async def _versions(self, namespace: str, members: Iterable[Tracked]) -> dict[str, str]:
        kinds = {
            ref.split("/", 1)[0] for t in members for ref in (t.status.get("sourceVersions") or {})
        }
        versions: dict[str, str] = {}
        for kind, api_kind in (("secret", "Secret"), ("configmap", "ConfigMap")):
            if kind not in kinds:
                continue
            try:
                items = await self.rt.kube.list_metadata(paths.collection(api_kind, namespace))
            except KubeError as exc:
                logger.warning("could not list %ss in %s: %s", kind, namespace, exc)
                return {}
            for item in items:
                meta = item.get("metadata", {})
                versions[f"{kind}/{meta.get('name')}"] = str(meta.get("resourceVersion", ""))
        return versions

    async def _resend(self, tracked: Tracked, changed: set[str]) -> None:
        if tracked.lock.locked():
            return
        spec = WorkloadSpec.model_validate(tracked.spec)
        fields: set[str] = set()
        registry_secret = (
            f"secret/{spec.registry_auth.secret_ref.name}" if spec.registry_auth else None
        )
        if registry_secret in changed:
            fields.add("registry_auth")
        if changed - {registry_secret}:
            fields.add("envs")
        logger.info(
            "%s/%s sources changed (%s); sending %s",
            *tracked.key,
            ", ".join(sorted(changed)),
            ", ".join(sorted(fields)),
        )
        async with tracked.lock:
            await Reconciler(
                self.rt, tracked, changed_fields=frozenset(fields), writer="sync"
            ).run()

    # --- Gauges ------------------------------------------------------------------------------

    def update_gauges(self) -> None:
        phases: dict[str, int] = defaultdict(int)
        cost = 0.0
        for tracked in self.rt.registry:
            phase = str(tracked.status.get("phase") or "Pending")
            phases[phase] += 1
            if classify(phase) is Phase.RUNNING:
                cost += float(tracked.status.get("costPerHour") or 0.0)
        self.rt.metrics.workloads.clear()
        for phase, count in phases.items():
            self.rt.metrics.workloads.labels(phase).set(count)
        self.rt.metrics.cost_per_hour.set(cost)


_STICKY = {conditions.Reason.DIGEST_MISMATCH.value, conditions.Reason.COST_LIMIT_EXCEEDED.value}

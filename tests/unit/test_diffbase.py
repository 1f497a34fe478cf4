"""kopf's diff-base carried by the reconcile's status write: the same value kopf would store,
and kopf's own write skipped only when the status already holds exactly that value."""

from __future__ import annotations

import copy
from typing import Any

import kopf

from targon_operator.handlers.diffbase import FIELD, SharedDiffBaseStorage
from targon_operator.runtime import Registry

BODY: dict[str, Any] = {
    "apiVersion": "targon.com/v1alpha1",
    "kind": "TargonWorkload",
    "metadata": {
        "name": "api",
        "namespace": "team",
        "resourceVersion": "7",
        "labels": {"team": "ml"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "x"},
        "managedFields": [{"manager": "kubectl"}],
    },
    "spec": {"type": "Serverless", "image": "m:1", "env": [{"name": "A", "value": "1"}]},
    "status": {"phase": "RUNNING", "kopf": {"progress": {"h": {"retries": 1}}}},
}
EXTRA_FIELDS = [("spec",)]


def storages() -> tuple[SharedDiffBaseStorage, Registry]:
    registry = Registry()
    progress = kopf.StatusProgressStorage(field="status.kopf.progress")
    return SharedDiffBaseStorage(registry=registry, progress=progress), registry


def kopfs_own_value(body: dict[str, Any]) -> str:
    """What kopf's stock storage writes for ``body``, the way kopf's processing calls it."""
    plain = kopf.StatusDiffBaseStorage(field=FIELD)
    progress = kopf.StatusProgressStorage(field="status.kopf.progress")
    essence = progress.clear(essence=plain.build(body=kopf.Body(body), extra_fields=EXTRA_FIELDS))
    patch = kopf.Patch()
    plain.store(body=kopf.Body(body), patch=patch, essence=essence)
    value: str = patch["status"]["kopf"]["lastHandledConfiguration"]
    return value


def test_the_carried_value_is_exactly_what_kopf_would_store() -> None:
    storage, _ = storages()
    storage.build(body=kopf.Body(BODY), extra_fields=EXTRA_FIELDS)  # as kopf does per event
    assert storage.essence_of(kopf.Body(BODY)) == kopfs_own_value(BODY)
    assert '"image":"m:1"' in storage.essence_of(kopf.Body(BODY))


def test_kopf_skips_its_write_only_when_the_status_holds_the_same_value() -> None:
    storage, registry = storages()
    body = kopf.Body(BODY)
    essence = storage.build(body=body, extra_fields=EXTRA_FIELDS)
    carried = storage.essence_of(body)

    # Not yet tracked, or tracked without a diff-base: kopf writes it.
    patch = kopf.Patch()
    storage.store(body=body, patch=patch, essence=essence)
    assert patch["status"]["kopf"]["lastHandledConfiguration"] == carried

    # The reconcile's status write carried it: kopf's patch stays empty.
    written = copy.deepcopy(BODY)
    written["status"]["kopf"]["lastHandledConfiguration"] = carried
    registry.observe(written)
    patch = kopf.Patch()
    storage.store(body=body, patch=patch, essence=essence)
    assert not patch

    # The spec changed since: the carried value is stale, kopf writes the new one.
    changed = copy.deepcopy(BODY)
    changed["spec"]["image"] = "m:2"
    changed_essence = storage.build(body=kopf.Body(changed), extra_fields=EXTRA_FIELDS)
    patch = kopf.Patch()
    storage.store(body=kopf.Body(changed), patch=patch, essence=changed_essence)
    assert '"image":"m:2"' in patch["status"]["kopf"]["lastHandledConfiguration"]

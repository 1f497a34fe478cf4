"""Spec -> Targon request bodies, and Targon's view -> status. Pure functions, no I/O.

Comparisons normalise both sides first (Targon's defaults for protocol, routing and
read-only; sets where order carries no meaning), and a serverless config counts as drifted
only on the keys the spec sets: Targon may echo defaults for the rest, and treating those
as drift would PATCH forever. Removing a key still reaches Targon, because a spec change
names the whole field as changed (``changed_fields``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .resource import VolumeSpec, WorkloadSpec
from .targon import models as targon

TARGON_TYPE = {"Rental": targon.RENTAL, "Serverless": targon.SERVERLESS}

# Targon fields of a workload that a PATCH can change, by the spec field they come from.
SPEC_TO_TARGON: dict[str, str] = {
    "image": "image",
    "projectId": "project_id",
    "appId": "app_id",
    "ports": "ports",
    "env": "envs",
    "command": "commands",
    "args": "args",
    "registryAuth": "registry_auth",
    "volumes": "volumes",
    "sshKeys": "ssh_keys",
    "serverlessConfig": "serverless_config",
}


@dataclass(frozen=True, kw_only=True)
class ResolvedInputs:
    """Values the spec references in Secrets and ConfigMaps, read at reconcile time."""

    env_values: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Values of ``env[].valueFrom`` by variable name."""
    registry_auth: targon.RegistryAuth | None = field(default=None, repr=False)
    source_versions: Mapping[str, str] = field(default_factory=dict)
    """``secret/<name>`` or ``configmap/<name>`` -> resourceVersion of what was read."""


@dataclass(frozen=True, kw_only=True)
class AttachmentOps:
    """Volume and SSH-key changes for a deployed rental, done with their own endpoints."""

    attach_volumes: tuple[VolumeSpec, ...] = ()
    detach_volumes: tuple[str, ...] = ()
    attach_ssh_keys: tuple[str, ...] = ()
    detach_ssh_keys: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.attach_volumes
            or self.detach_volumes
            or self.attach_ssh_keys
            or self.detach_ssh_keys
        )


# --- Spec -> request -----------------------------------------------------------------------


def envs(spec: WorkloadSpec, inputs: ResolvedInputs) -> list[targon.Env]:
    result = []
    for var in spec.env:
        value = var.value if var.value_from is None else inputs.env_values.get(var.name)
        result.append(targon.Env(name=var.name, value=value if value is not None else ""))
    return result


def ports(spec: WorkloadSpec) -> list[targon.Port]:
    return [targon.Port(port=p.port, protocol=p.protocol, routing=p.routing) for p in spec.ports]


def volumes(spec: WorkloadSpec) -> list[targon.VolumeMount]:
    return [
        targon.VolumeMount(uid=v.uid, mount_path=v.mount_path, read_only=v.read_only)
        for v in spec.volumes
    ]


def serverless_config(spec: WorkloadSpec) -> targon.ServerlessConfig | None:
    if spec.serverless_config is None:
        return None
    return targon.ServerlessConfig.model_validate(
        spec.serverless_config.model_dump(exclude_none=True)
    )


def desired_fields(spec: WorkloadSpec, inputs: ResolvedInputs) -> dict[str, Any]:
    """Every Targon field the spec sets, by Targon name; unset ones are ``None``."""
    rental = spec.is_rental
    return {
        "image": spec.image,
        "project_id": spec.project_id,
        "app_id": spec.app_id,
        "ports": ports(spec) or None,
        "envs": envs(spec, inputs) or None,
        "commands": list(spec.command) or None,
        "args": list(spec.args) or None,
        "registry_auth": inputs.registry_auth,
        "volumes": (volumes(spec) or None) if rental else None,
        "ssh_keys": (list(spec.ssh_keys) or None) if rental else None,
        "serverless_config": None if rental else serverless_config(spec),
    }


def create_request(
    spec: WorkloadSpec, *, name: str, inputs: ResolvedInputs
) -> targon.CreateWorkloadRequest:
    return targon.CreateWorkloadRequest(
        name=name,
        resource_name=spec.resource_name,
        type=TARGON_TYPE[spec.type],
        **desired_fields(spec, inputs),
    )


# --- Desired vs remote ---------------------------------------------------------------------


def _port_set(items: Iterable[targon.Port]) -> set[tuple[int, str, str]]:
    return {
        (p.port, (p.protocol or "TCP").upper(), (p.routing or "PROXIED").upper()) for p in items
    }


def _env_list(items: Iterable[targon.Env]) -> list[tuple[str, str]]:
    return [(e.name, e.value or "") for e in items]


def _volume_set(items: Iterable[targon.VolumeMount | VolumeSpec]) -> set[tuple[str, str, bool]]:
    return {(v.uid, v.mount_path, bool(v.read_only)) for v in items}


def _subset_equal(desired: Any, remote: Any) -> bool:
    """Every key ``desired`` sets has the same value in ``remote`` (recursively)."""
    if isinstance(desired, dict):
        if not isinstance(remote, dict):
            return False
        return all(_subset_equal(v, remote.get(k)) for k, v in desired.items() if v is not None)
    if isinstance(desired, float | int) and isinstance(remote, float | int):
        return float(desired) == float(remote)
    return bool(desired == remote)


def drifted_fields(
    spec: WorkloadSpec,
    remote: targon.Workload,
    *,
    inputs: ResolvedInputs,
    exact_serverless_config: bool = False,
) -> set[str]:
    """Targon fields whose remote value differs from what the spec asks for.

    The serverless config is compared on the keys the spec sets, unless
    ``exact_serverless_config`` (the spec's config just changed, so a removed key counts).
    """
    drift: set[str] = set()
    if remote.image != spec.image:
        drift.add("image")
    if spec.project_id is not None and remote.project_id != spec.project_id:
        drift.add("project_id")
    if spec.app_id is not None and remote.app_id != spec.app_id:
        drift.add("app_id")
    if _port_set(remote.ports) != _port_set(ports(spec)):
        drift.add("ports")
    if _env_list(remote.envs) != _env_list(envs(spec, inputs)):
        drift.add("envs")
    if list(remote.commands) != list(spec.command):
        drift.add("commands")
    if list(remote.args) != list(spec.args):
        drift.add("args")
    if spec.is_rental:
        if _volume_set(remote.volumes) != _volume_set(spec.volumes):
            drift.add("volumes")
        if {k.uid for k in remote.ssh_keys} != set(spec.ssh_keys):
            drift.add("ssh_keys")
    else:
        desired = serverless_config(spec)
        want = desired.model_dump(exclude_none=True) if desired else {}
        have = (
            remote.serverless_config.model_dump(exclude_none=True)
            if remote.serverless_config
            else {}
        )
        same = want == have if exact_serverless_config else _subset_equal(want, have)
        if not same:
            drift.add("serverless_config")
    return drift


UNREADABLE = frozenset({"registry_auth"})
"""Fields Targon does not return, so only a change of their source can tell they differ."""


def changed_fields(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> set[str]:
    """Targon fields whose spec source changed between two specs (kopf's old and new)."""
    old = old or {}
    return {
        targon_field
        for spec_field, targon_field in SPEC_TO_TARGON.items()
        if old.get(spec_field) != new.get(spec_field)
    }


_LISTS = frozenset({"ports", "envs", "commands", "args", "volumes", "ssh_keys"})


def update_request(
    spec: WorkloadSpec, *, fields: set[str], inputs: ResolvedInputs
) -> targon.UpdateWorkloadRequest:
    """A PATCH carrying exactly ``fields``, with their desired values."""
    desired = desired_fields(spec, inputs)
    values: dict[str, Any] = {}
    for name in sorted(fields):
        value = desired.get(name)
        if value is not None:
            values[name] = value
        elif name in _LISTS:
            # Clearing a list is an empty list on the wire; an unset scalar is left alone.
            values[name] = []
    return targon.UpdateWorkloadRequest(**values)


def attachment_ops(spec: WorkloadSpec, remote: targon.Workload) -> AttachmentOps:
    """How to bring a deployed rental's volumes and SSH keys in line, endpoint by endpoint."""
    want = {v.uid: v for v in spec.volumes}
    have = {v.uid: v for v in remote.volumes}
    changed = {
        uid
        for uid in want.keys() & have.keys()
        if _volume_set([want[uid]]) != _volume_set([have[uid]])
    }
    want_keys, have_keys = set(spec.ssh_keys), {k.uid for k in remote.ssh_keys}
    return AttachmentOps(
        attach_volumes=tuple(want[uid] for uid in sorted(want.keys() - have.keys() | changed)),
        detach_volumes=tuple(sorted(have.keys() - want.keys() | changed)),
        attach_ssh_keys=tuple(sorted(want_keys - have_keys)),
        detach_ssh_keys=tuple(sorted(have_keys - want_keys)),
    )


# --- Remote -> status ----------------------------------------------------------------------


def remote_status(remote: targon.WorkloadSummary) -> dict[str, Any]:
    """The status fields that mirror Targon's view of a workload (camelCase, JSON-ready)."""
    state = remote.state
    urls = [
        {"port": u.port, "url": u.url} if u.port is not None else {"url": u.url} for u in state.urls
    ]
    resource = None
    if remote.resource is not None:
        r = remote.resource
        resource = {
            k: v
            for k, v in {
                "name": r.name,
                "displayName": r.display_name,
                "gpuType": r.gpu_type,
                "gpuCount": r.gpu_count,
                "vcpu": r.vcpu,
                "memory": r.memory,
            }.items()
            if v is not None
        }
    return {
        "workloadUid": remote.uid,
        "phase": state.status,
        "message": state.message,
        "readyReplicas": state.ready_replicas,
        "totalReplicas": state.total_replicas,
        "ready": f"{state.ready_replicas}/{state.total_replicas}",
        "urls": urls,
        "url": urls[0]["url"] if urls else None,
        "costPerHour": remote.cost_per_hour,
        "revision": remote.revision,
        "resource": resource,
        "createdAt": remote.created_at,
        "updatedAt": remote.updated_at,
    }

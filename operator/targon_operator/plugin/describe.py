"""``kubectl targon describe``: spec, status and Targon's configuration side by side.

Drift is decided by ``translate.drifted_fields``, the very function the operator uses, so
a row marked here is a field the operator would PATCH back. Values that may come from
Secrets are never shown: env variables appear by name (Targon returns their values, so
its column names them too), and registry credentials only by the Secret they come from.
The serverless config gets one row per key, each checked by ``drifted_fields`` on a spec
that sets only that key.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from .. import errors, translate
from ..kube import KubeError
from ..resource import ServerlessConfigSpec, WorkloadSpec, WorkloadStatus
from ..runtime import inputs as inputs_mod
from ..targon import TargonError, Workload
from .table import BOLD, RED, YELLOW, paint, render, use_color
from .target import ClusterOptions, PluginError, Target, connect, load, targon_client

FROM_SECRET = "<from secret>"
FROM_CONFIGMAP = "<from configmap>"


@dataclass(frozen=True, kw_only=True)
class Row:
    """One Targon field: what the spec asks for and what Targon has."""

    field: str
    spec: str
    targon: str
    drifted: bool | None = False
    """``None`` when it cannot be told (a Secret the plugin may not read)."""

    @property
    def marker(self) -> str:
        return {True: "*", None: "?", False: ""}[self.drifted]


# --- Comparing (pure) ----------------------------------------------------------------------


def show(value: Any) -> str:
    """A configuration value in one short line; ``-`` for nothing."""
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={show(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)


def _argv(values: list[str]) -> str:
    return shlex.join(values) if values else "-"


def _ports(items: list[Any]) -> str:
    # Targon's defaults filled in, as translate compares them.
    return show([f"{p.port}/{p.protocol or 'TCP'}/{p.routing or 'PROXIED'}" for p in items])


def _volumes(items: list[Any]) -> str:
    return show([f"{v.uid}:{v.mount_path}{':ro' if v.read_only else ''}" for v in items])


def _spec_envs(spec: WorkloadSpec) -> str:
    names = []
    for var in spec.env:
        source = var.value_from
        if source is not None and source.secret_key_ref is not None:
            names.append(f"{var.name}={FROM_SECRET}")
        elif source is not None and source.config_map_key_ref is not None:
            names.append(f"{var.name}={FROM_CONFIGMAP}")
        else:
            names.append(var.name)
    return show(names)


def _env_row(
    spec: WorkloadSpec,
    remote: Workload | None,
    drift: set[str],
    inputs: translate.ResolvedInputs,
    *,
    inputs_known: bool,
) -> Row:
    if remote is None:
        return Row(field="envs", spec=_spec_envs(spec), targon="-")
    desired = {e.name: e.value or "" for e in translate.envs(spec, inputs)}
    unknown = set() if inputs_known else {v.name for v in spec.env if v.value_from is not None}
    shown, known_difference = [], False
    for env in remote.envs:
        if env.name not in desired:
            shown.append(f"{env.name} (not in spec)")
        elif env.name not in unknown and (env.value or "") != desired[env.name]:
            shown.append(f"{env.name} (value differs)")
        else:
            shown.append(env.name)
            continue
        known_difference = True
    drifted: bool | None = "envs" in drift
    names_match = [e.name for e in remote.envs] == list(desired)
    if drifted and unknown and names_match and not known_difference:
        drifted = None
    return Row(field="envs", spec=_spec_envs(spec), targon=show(shown), drifted=drifted)


def _serverless_rows(
    spec: WorkloadSpec, remote: Workload | None, drift: set[str], inputs: translate.ResolvedInputs
) -> list[Row]:
    desired = translate.serverless_config(spec)
    want = desired.model_dump(exclude_none=True) if desired else {}
    have = (
        remote.serverless_config.model_dump(exclude_none=True)
        if remote is not None and remote.serverless_config is not None
        else {}
    )
    rows = []
    for key in [*want, *(k for k in have if k not in want)]:
        drifted = False
        if remote and spec.serverless_config and "serverless_config" in drift and key in want:
            only = ServerlessConfigSpec(**{key: getattr(spec.serverless_config, key)})
            alone = spec.model_copy(update={"serverless_config": only})
            drifted = "serverless_config" in translate.drifted_fields(alone, remote, inputs=inputs)
        targon_value = show(have.get(key)) if remote is not None else "-"
        rows.append(
            Row(
                field=f"serverless_config.{key}",
                spec=show(want.get(key)),
                targon=targon_value,
                drifted=drifted,
            )
        )
    return rows


def config_rows(
    spec: WorkloadSpec,
    remote: Workload | None,
    *,
    inputs: translate.ResolvedInputs,
    inputs_known: bool = True,
) -> list[Row]:
    """One row per Targon field the operator manages; ``remote`` is None if unknown."""
    drift = translate.drifted_fields(spec, remote, inputs=inputs) if remote else set()

    def row(field: str, want: str, have: str) -> Row:
        return Row(field=field, spec=want, targon=have if remote else "-", drifted=field in drift)

    r = remote or Workload(uid="")
    rows = [
        row("image", spec.image, r.image or "-"),
        row("ports", _ports(spec.ports), _ports(r.ports)),
        _env_row(spec, remote, drift, inputs, inputs_known=inputs_known),
        row("commands", _argv(spec.command), _argv(r.commands)),
        row("args", _argv(spec.args), _argv(r.args)),
    ]
    if spec.registry_auth is not None:
        source = f"secret {spec.registry_auth.secret_ref.name}"
        unread = "(not returned by Targon)" if remote else "-"
        rows.append(Row(field="registry_auth", spec=source, targon=unread))
    if spec.is_rental:
        rows.append(row("volumes", _volumes(spec.volumes), _volumes(r.volumes)))
        rows.append(row("ssh_keys", show(spec.ssh_keys), show([k.uid for k in r.ssh_keys])))
    else:
        rows.extend(_serverless_rows(spec, remote, drift, inputs))
    rows.append(row("project_id", show(spec.project_id), show(r.project_id)))
    rows.append(row("app_id", show(spec.app_id), show(r.app_id)))
    return rows


# --- Printing ------------------------------------------------------------------------------


def _fields(pairs: list[tuple[str, str]], indent: str = "") -> list[str]:
    width = max(len(label) for label, _ in pairs) + 2
    return [f"{indent}{(label + ':').ljust(width)}{value}" for label, value in pairs]


def render_describe(
    target: Target,
    rows: list[Row],
    *,
    remote: Workload | None,
    notes: list[str],
    color: bool,
) -> list[str]:
    spec, status = target.spec, target.status
    lines = _fields(
        [
            ("Name", target.name),
            ("Namespace", target.namespace),
            ("Type", spec.type),
            ("Resource", spec.resource_name),
            ("Targon name", spec.remote_name(target.name)),
            ("Workload UID", status.workload_uid or "-"),
        ]
    )
    lines += ["", paint("Configuration (* = differs on Targon):", BOLD, color=color)]
    table = render(
        ("  FIELD", "SPEC", "TARGON"),
        [(f"{r.marker or ' '} {r.field}", r.spec, r.targon) for r in rows],
    )
    lines.append(table[0])
    for line, r in zip(table[1:], rows, strict=True):
        code = {True: RED, None: YELLOW, False: ""}[r.drifted]
        lines.append(paint(line, code, color=color and bool(code)))
    lines += [f"  {note}" for note in notes]
    lines += ["", paint("Status:", BOLD, color=color), *_status(status, remote)]
    lines += ["", paint("Conditions:", BOLD, color=color)]
    if status.conditions:
        headers = ("TYPE", "STATUS", "REASON", "LAST TRANSITION", "MESSAGE")
        cells = [
            (c.type, c.status, c.reason, c.last_transition_time, c.message)
            for c in status.conditions
        ]
        lines += ["  " + line for line in render(headers, cells)]
    else:
        lines.append("  <none>")
    return lines


def _status(status: WorkloadStatus, remote: Workload | None) -> list[str]:
    phase, ready, revision = status.phase or "-", status.ready or "-", status.revision or "-"
    if remote is not None:
        # The status is the operator's last word; say so when Targon has moved on since.
        live = remote.state
        phase += _now(status.phase, live.status)
        ready += _now(status.ready, f"{live.ready_replicas}/{live.total_replicas}")
        revision += _now(status.revision, remote.revision)
    cost = f"${status.cost_per_hour:.2f}" if status.cost_per_hour is not None else "-"
    pairs = [("Phase", phase)]
    if status.message:
        pairs.append(("Message", status.message))
    pairs += [
        ("Ready", ready),
        ("URL", status.url or "-"),
        ("Cost/hour", cost),
        ("Revision", revision),
        ("Observed generation", show(status.observed_generation)),
        ("Last sync", status.last_sync_time or "-"),
    ]
    return _fields(pairs, indent="  ")


def _now(reported: str | None, live: str) -> str:
    return f" (Targon now: {live})" if reported and live and live != reported else ""


# --- The command ---------------------------------------------------------------------------


async def _resolved(target: Target) -> tuple[translate.ResolvedInputs, str | None]:
    """Env values as the operator resolves them, to compare; or why they cannot be read."""
    try:
        return await inputs_mod.resolve(target.kube, target.namespace, target.spec), None
    except (errors.WorkloadError, KubeError) as exc:
        return translate.ResolvedInputs(), str(exc)


async def describe(options: ClusterOptions, name: str, *, color: str, out: TextIO) -> int:
    """Print everything it can; a Targon or credentials failure is raised after that."""
    async with connect(options) as (kube, namespace):
        target = await load(kube, namespace, name)
        remote: Workload | None = None
        failure: PluginError | TargonError | None = None
        notes: list[str] = []
        inputs, unreadable = translate.ResolvedInputs(), None
        uid = target.status.workload_uid
        if not uid:
            notes.append(f"Targon: not registered on Targon yet{target.waiting_reason()}")
        else:
            try:
                async with targon_client(target) as client:
                    remote = await client.get_workload(uid)
            except (PluginError, TargonError) as exc:
                failure = exc
                notes.append(f"Targon: {PluginError(str(exc))}")
        if remote is not None:
            inputs, unreadable = await _resolved(target)
            if unreadable and any(var.value_from for var in target.spec.env):
                notes.append(f"? env values not compared: {unreadable}")
    rows = config_rows(target.spec, remote, inputs=inputs, inputs_known=unreadable is None)
    lines = render_describe(target, rows, remote=remote, notes=notes, color=use_color(color, out))
    out.write("\n".join(lines) + "\n")
    out.flush()
    if failure is not None:
        raise failure
    return 0

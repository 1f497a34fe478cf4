"""The rules for create, PATCH, verify and attach bodies, field by field.

The reference's rules come first (required fields, port range, type-specific fields);
where it is silent the rule is the strict one a real API would plausibly enforce, so a
sloppy client fails here rather than in production (see docs/simulator.md). Each rule
returns a normalised copy with defaults filled in (``protocol: TCP``, ``read_only: false``).
Checks that need the store (unknown volume or SSH key uids -> 404) are the store's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .catalog import CATALOG
from .checks import (
    Json,
    array,
    at,
    boolean,
    choice,
    integer,
    number,
    obj,
    required,
    string,
    string_list,
    wrong_type,
)
from .errors import ApiError, invalid

RENTAL = "RENTAL"
SERVERLESS = "SERVERLESS"
WORKLOAD_TYPES = (RENTAL, SERVERLESS)

NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DURATION_RE = re.compile(r"[0-9]+(ms|s|m|h)")
DIGEST_RE = re.compile(r"(sha256:)?[0-9a-f]{64}")

IMMUTABLE_FIELDS = ("type", "resource_name")
TYPE_FIELDS = ("volumes", "ssh_keys", "serverless_config")

Rule = Callable[[Json, str], Json]


# --- Fields common to both workload types ---------------------------------------------------


def workload_name(value: Json, path: str) -> str:
    text = string(value, path, non_empty=True)
    if len(text) > 63:
        raise invalid(path, "must be at most 63 characters")
    if not NAME_RE.fullmatch(text):
        raise invalid(
            path,
            "must be lowercase alphanumeric characters or '-', "
            "starting and ending with an alphanumeric character",
        )
    return text


def image(value: Json, path: str) -> str:
    text = string(value, path, non_empty=True)
    if any(c.isspace() for c in text):
        raise invalid(path, "must not contain whitespace")
    return text


def resource_name(value: Json, path: str) -> str:
    text = string(value, path, non_empty=True)
    if text not in CATALOG:
        raise invalid(path, f"unknown resource; known: {', '.join(sorted(CATALOG))}")
    return text


def ports(value: Json, path: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[int] = set()
    for i, item in enumerate(array(value, path)):
        here = at(path, i)
        fields = obj(item, here, ("port", "protocol", "routing"))
        port = integer(
            required(fields, "port", here), at(here, "port"), minimum=1024, maximum=65535
        )
        if port in seen:
            raise invalid(at(here, "port"), f"duplicate port {port}")
        seen.add(port)
        protocol = choice(
            fields.get("protocol", "TCP"), at(here, "protocol"), ("TCP", "UDP", "SCTP")
        )
        routing = choice(
            fields.get("routing", "PROXIED"), at(here, "routing"), ("PROXIED", "DIRECT")
        )
        result.append({"port": port, "protocol": protocol, "routing": routing})
    return result


def envs(value: Json, path: str) -> list[dict[str, str]]:
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(array(value, path)):
        here = at(path, i)
        fields = obj(item, here, ("name", "value"))
        name = string(required(fields, "name", here), at(here, "name"), non_empty=True)
        if not ENV_NAME_RE.fullmatch(name):
            raise invalid(
                at(here, "name"),
                "must be a valid environment variable name "
                "(letters, digits and '_', not starting with a digit)",
            )
        if name in seen:
            raise invalid(at(here, "name"), f"duplicate environment variable {name}")
        seen.add(name)
        result.append({"name": name, "value": string(fields.get("value", ""), at(here, "value"))})
    return result


def registry_auth(value: Json, path: str) -> dict[str, str]:
    fields = obj(value, path, ("server", "username", "password"))
    result: dict[str, str] = {}
    if "server" in fields:
        result["server"] = string(fields["server"], at(path, "server"))
    for key in ("username", "password"):
        result[key] = string(required(fields, key, path), at(path, key), non_empty=True)
    return result


# --- Rental-only fields ---------------------------------------------------------------------


def mount_path(value: Json, path: str) -> str:
    text = string(value, path, non_empty=True)
    if not text.startswith("/"):
        raise invalid(path, "must be an absolute path")
    if text.rstrip("/") == "":
        raise invalid(path, "must not be the root directory")
    if ".." in text.split("/") or "\x00" in text:
        raise invalid(path, "must not contain '..' segments or NUL characters")
    return text


def volumes(value: Json, path: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    uids: set[str] = set()
    paths: set[str] = set()
    for i, item in enumerate(array(value, path)):
        here = at(path, i)
        fields = obj(item, here, ("uid", "mount_path", "read_only"))
        uid = string(required(fields, "uid", here), at(here, "uid"), non_empty=True)
        mount = mount_path(required(fields, "mount_path", here), at(here, "mount_path"))
        if uid in uids:
            raise invalid(at(here, "uid"), f"duplicate volume {uid}")
        if mount in paths:
            raise invalid(at(here, "mount_path"), f"duplicate mount path {mount}")
        uids.add(uid)
        paths.add(mount)
        read_only = boolean(fields.get("read_only", False), at(here, "read_only"))
        result.append({"uid": uid, "mount_path": mount, "read_only": read_only})
    return result


def ssh_keys(value: Json, path: str) -> list[str]:
    keys = string_list(value, path)
    for i, key in enumerate(keys):
        if not key.strip():
            raise invalid(at(path, i), "must not be empty")
        if key in keys[:i]:
            raise invalid(at(path, i), f"duplicate SSH key {key}")
    return keys


# --- Serverless config ----------------------------------------------------------------------


def _at_least(minimum: int) -> Rule:
    return lambda value, path: integer(value, path, minimum=minimum)


def duration(value: Json, path: str) -> str:
    text = string(value, path)
    if not DURATION_RE.fullmatch(text):
        raise invalid(path, "must be a duration like 300s, 500ms, 5m or 1h")
    return text


def positive_number(value: Json, path: str) -> float | int:
    result = number(value, path)
    if result <= 0:
        raise invalid(path, "must be greater than 0")
    return result


def probe_path(value: Json, path: str) -> str:
    text = string(value, path)
    if not text.startswith("/"):
        raise invalid(path, "must start with '/'")
    return text


_PROBE_RULES: dict[str, Rule] = {
    "path": probe_path,
    "port": lambda value, path: integer(value, path, minimum=1, maximum=65535),
    "initial_delay_seconds": _at_least(0),
    "period_seconds": _at_least(1),
    "timeout_seconds": _at_least(1),
    "failure_threshold": _at_least(1),
    "success_threshold": _at_least(1),
}


def probe(value: Json, path: str) -> dict[str, Any]:
    fields = obj(value, path, _PROBE_RULES)
    return {key: _PROBE_RULES[key](item, at(path, key)) for key, item in fields.items()}


def string_map(value: Json, path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise wrong_type(path, "an object", value)
    for key, item in value.items():
        if not key:
            raise invalid(path, "keys must not be empty")
        string(item, at(path, key))
    return dict(value)


_SERVERLESS_RULES: dict[str, Rule] = {
    "min_replicas": _at_least(0),
    "max_replicas": _at_least(1),
    "initial_replicas": _at_least(0),
    "container_concurrency": _at_least(0),
    "target_concurrency": _at_least(0),
    "scale_up_delay": duration,
    "scale_down_delay": duration,
    "zero_grace_period": duration,
    "scaling_metric": lambda value, path: choice(value, path, ("concurrency", "rps")),
    "target_value": positive_number,
    "timeout_seconds": _at_least(1),
    "startup_timeout": _at_least(1),
    "liveness_probe": probe,
    "readiness_probe": probe,
    "startup_probe": probe,
    "custom_annotations": string_map,
}


def serverless_config(value: Json, path: str) -> dict[str, Any]:
    fields = obj(value, path, _SERVERLESS_RULES)
    result = {key: _SERVERLESS_RULES[key](item, at(path, key)) for key, item in fields.items()}
    low = result.get("min_replicas", 0)
    high = result.get("max_replicas")
    if high is not None and low > high:
        raise invalid(at(path, "min_replicas"), f"must not exceed max_replicas ({high})")
    initial = result.get("initial_replicas")
    if initial is not None and (initial < low or (high is not None and initial > high)):
        raise invalid(at(path, "initial_replicas"), "must be between min_replicas and max_replicas")
    return result


# --- Whole bodies ---------------------------------------------------------------------------

_COMMON_RULES: dict[str, Rule] = {
    "name": workload_name,
    "image": image,
    "project_id": string,
    "app_id": string,
    "ports": ports,
    "envs": envs,
    "commands": string_list,
    "args": string_list,
    "registry_auth": registry_auth,
}
UPDATE_FIELDS = frozenset((*_COMMON_RULES, *TYPE_FIELDS))
CREATE_FIELDS = UPDATE_FIELDS | set(IMMUTABLE_FIELDS)


def validate_create(body: Json) -> dict[str, Any]:
    """A create body -> the workload's configuration, normalised."""
    fields = obj(body, "", CREATE_FIELDS)
    for key in ("name", "image", "resource_name", "type"):
        required(fields, key, "")
    workload_type = choice(fields["type"], "type", WORKLOAD_TYPES)
    spec: dict[str, Any] = {
        "type": workload_type,
        "resource_name": resource_name(fields["resource_name"], "resource_name"),
    }
    spec.update(_common(fields))
    spec.update(_type_specific(fields, workload_type, creating=True))
    return spec


def validate_update(body: Json, workload_type: str) -> dict[str, Any]:
    """A PATCH body -> the fields to replace; the workload's type decides what is allowed."""
    if isinstance(body, dict):
        for key in IMMUTABLE_FIELDS:
            if key in body:
                raise invalid(key, "cannot be changed after create", code="immutable_field")
    fields = obj(body, "", UPDATE_FIELDS)
    if not fields:
        raise invalid(None, "must set at least one field")
    changes = _common(fields)
    changes.update(_type_specific(fields, workload_type, creating=False))
    return changes


def _common(fields: dict[str, Json]) -> dict[str, Any]:
    return {key: rule(fields[key], key) for key, rule in _COMMON_RULES.items() if key in fields}


def _type_specific(
    fields: dict[str, Json], workload_type: str, *, creating: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if workload_type == RENTAL:
        if "serverless_config" in fields:
            raise invalid("serverless_config", "not allowed on RENTAL workloads")
        if "volumes" in fields:
            result["volumes"] = volumes(fields["volumes"], "volumes")
        if "ssh_keys" in fields:
            result["ssh_keys"] = ssh_keys(fields["ssh_keys"], "ssh_keys")
        return result
    for key in ("volumes", "ssh_keys"):
        if key in fields:
            raise invalid(key, "not allowed on SERVERLESS workloads")
    if "serverless_config" in fields:
        result["serverless_config"] = serverless_config(
            fields["serverless_config"], "serverless_config"
        )
    elif creating:
        raise invalid("serverless_config", "is required for SERVERLESS workloads")
    return result


def validate_verify(body: Json) -> tuple[str, str]:
    """A verify body -> (workload uid, digest with its ``sha256:`` prefix)."""
    fields = obj(body, "", ("uid", "digest"))
    uid = string(required(fields, "uid", ""), "uid", non_empty=True)
    digest = string(required(fields, "digest", ""), "digest", non_empty=True)
    if not DIGEST_RE.fullmatch(digest):
        raise invalid(
            "digest",
            "must be a sha256 digest: 64 lowercase hex digits, optionally prefixed with 'sha256:'",
        )
    return uid, digest if digest.startswith("sha256:") else f"sha256:{digest}"


def validate_volume_attach(body: Json) -> tuple[str, bool]:
    """An attach-volume body -> (mount path, read only)."""
    fields = obj(body, "", ("mount_path", "read_only"))
    path = mount_path(required(fields, "mount_path", ""), "mount_path")
    return path, boolean(fields.get("read_only", False), "read_only")


def refuse_on_serverless(workload_type: str, what: str) -> None:
    """Volumes and SSH keys are rental-only, whichever endpoint touches them."""
    if workload_type != RENTAL:
        raise ApiError(
            400,
            f"workload_uid: {what} are only supported on RENTAL workloads",
            field="workload_uid",
        )

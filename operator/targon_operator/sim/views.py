"""The JSON shapes the API answers with, field by field as in the reference.

Four shapes of one workload: the full object (create, get, PATCH), the summary (list
items and the deploy response), the state response, and the admin view, which alone shows
``registry_auth``, the owner and the image digest. Optional fields a caller never set are
left out, as in the reference's examples; volumes and SSH keys are expanded from the store.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .catalog import CATALOG
from .lifecycle import is_running
from .records import Workload, iso
from .store import Store
from .validation import RENTAL

# The order of the reference's example response; fields absent from the config are skipped.
_OPTIONAL_CONFIG = ("project_id", "app_id", "ports", "envs", "commands", "args")


def image_digest(image: str) -> str:
    """The digest verify compares with: the pinned one, else sha256 of the reference."""
    _, at, pinned = image.partition("@")
    if at and pinned.startswith("sha256:"):
        return pinned
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


def urls(w: Workload) -> list[dict[str, Any]]:
    """One URL per PROXIED port while RUNNING; the first port gets the bare host."""
    if not is_running(w):
        return []
    result: list[dict[str, Any]] = []
    for port in w.config.get("ports", ()):
        if port["routing"] != "PROXIED":
            continue
        host = w.uid if not result else f"{w.uid}-{port['port']}"
        result.append({"port": port["port"], "url": f"https://{host}.caas.targon.com"})
    return result


def state_json(w: Workload) -> dict[str, Any]:
    return {
        "status": w.status,
        "message": w.message,
        "ready_replicas": w.ready_replicas,
        "total_replicas": w.total_replicas,
        "urls": urls(w),
    }


def state_info_json(w: Workload) -> dict[str, Any]:
    """The response of ``GET /workloads/{uid}/state``."""
    return {"uid": w.uid, "workload_type": w.type, **state_json(w), "updated_at": iso(w.updated_at)}


def volumes_json(store: Store, w: Workload) -> list[dict[str, Any]]:
    result = []
    for mount in w.config.get("volumes", ()):
        volume = store.volumes.get(mount["uid"])
        result.append(
            {
                "uid": mount["uid"],
                "name": volume.name if volume else "",
                "mount_path": mount["mount_path"],
                "read_only": mount["read_only"],
            }
        )
    return result


def ssh_keys_json(store: Store, w: Workload) -> list[dict[str, Any]]:
    result = []
    for uid in w.config.get("ssh_keys", ()):
        key = store.ssh_keys.get(uid)
        result.append(key.to_json() if key else {"uid": uid, "name": "", "public_key_raw": ""})
    return result


def _cost(w: Workload) -> dict[str, Any]:
    resource = CATALOG[w.resource_name]
    return {"resource": resource.to_json(), "cost_per_hour": resource.cost_per_hour}


def summary_json(store: Store, w: Workload) -> dict[str, Any]:
    """A list item; also the deploy (operation) response."""
    return {
        "uid": w.uid,
        "name": w.name,
        "image": w.image,
        "state": state_json(w),
        **_cost(w),
        "revision": str(w.revision),
        "volumes": volumes_json(store, w),
        "created_at": iso(w.created_at),
        "updated_at": iso(w.updated_at),
    }


def workload_json(store: Store, w: Workload) -> dict[str, Any]:
    """The full workload object; never carries ``registry_auth``."""
    body: dict[str, Any] = {
        "uid": w.uid,
        "name": w.name,
        "image": w.image,
        "type": w.type,
        "resource_name": w.resource_name,
    }
    body.update((key, w.config[key]) for key in _OPTIONAL_CONFIG if key in w.config)
    if w.type == RENTAL:
        body["volumes"] = volumes_json(store, w)
        body["ssh_keys"] = ssh_keys_json(store, w)
    elif "serverless_config" in w.config:
        body["serverless_config"] = w.config["serverless_config"]
    body["state"] = state_json(w)
    body.update(_cost(w))
    body["revision"] = str(w.revision)
    body["created_at"] = iso(w.created_at)
    body["updated_at"] = iso(w.updated_at)
    return body


def admin_workload_json(store: Store, w: Workload) -> dict[str, Any]:
    """Everything the simulator knows, for tests: secrets included, the key itself not."""
    body = workload_json(store, w)
    if "registry_auth" in w.config:
        body["registry_auth"] = w.config["registry_auth"]
    body["owner"] = w.owner
    body["image_digest"] = image_digest(w.image)
    return body

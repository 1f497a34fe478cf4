"""The admin interface under /_sim: what tests and the demo use to set the stage and look.

No auth: it is a test tool bound to localhost. It creates the volumes and SSH keys that
workloads reference, forces states the platform would reach on its own (FAILED, ...),
installs fault rules, shows the journal and every workload with its secrets, and resets.
"""

from __future__ import annotations

import re

from aiohttp import web

from .checks import Json, integer, obj, required, string
from .errors import invalid
from .faults import parse_rules
from .views import admin_workload_json, state_info_json
from .wire import json_response, read_json, runtime

_UID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _optional_uid(fields: dict[str, Json]) -> str | None:
    if "uid" not in fields:
        return None
    uid = string(fields["uid"], "uid", non_empty=True)
    if not _UID_RE.fullmatch(uid):
        raise invalid("uid", "must be 1-100 letters, digits, '.', '_' or '-'")
    return uid


async def list_requests(request: web.Request) -> web.StreamResponse:
    entries = runtime(request).journal.entries()
    return json_response({"items": [entry.to_json() for entry in entries]})


async def clear_requests(request: web.Request) -> web.StreamResponse:
    runtime(request).journal.clear()
    return web.Response(status=204)


async def list_workloads(request: web.Request) -> web.StreamResponse:
    store = runtime(request).store
    return json_response({"items": [admin_workload_json(store, w) for w in store.all()]})


async def get_workload(request: web.Request) -> web.StreamResponse:
    store = runtime(request).store
    w = store.get(request.match_info["uid"], None)
    return json_response(admin_workload_json(store, w))


async def force_state(request: web.Request) -> web.StreamResponse:
    store = runtime(request).store
    uid = request.match_info["uid"]
    store.get(uid, None)
    body = await read_json(request)
    fields = obj(body, "", ("status", "message", "ready_replicas", "total_replicas"))
    replicas = {
        key: integer(fields[key], key, minimum=0) if key in fields else None
        for key in ("ready_replicas", "total_replicas")
    }
    w = store.force_state(
        uid,
        status=string(required(fields, "status", ""), "status", non_empty=True),
        message=string(fields.get("message", ""), "message"),
        ready=replicas["ready_replicas"],
        total=replicas["total_replicas"],
    )
    return json_response(state_info_json(w))


async def create_volume(request: web.Request) -> web.StreamResponse:
    fields = obj(await read_json(request), "", ("uid", "name"))
    name = string(required(fields, "name", ""), "name", non_empty=True)
    volume = runtime(request).store.add_volume(name=name, uid=_optional_uid(fields))
    return json_response(volume.to_json(), status=201)


async def list_volumes(request: web.Request) -> web.StreamResponse:
    volumes = runtime(request).store.volumes.values()
    return json_response({"items": [volume.to_json() for volume in volumes]})


async def create_ssh_key(request: web.Request) -> web.StreamResponse:
    fields = obj(await read_json(request), "", ("uid", "name", "public_key_raw"))
    name = string(required(fields, "name", ""), "name", non_empty=True)
    raw = string(required(fields, "public_key_raw", ""), "public_key_raw", non_empty=True)
    key = runtime(request).store.add_ssh_key(
        name=name, public_key_raw=raw, uid=_optional_uid(fields)
    )
    return json_response(key.to_json(), status=201)


async def list_ssh_keys(request: web.Request) -> web.StreamResponse:
    keys = runtime(request).store.ssh_keys.values()
    return json_response({"items": [key.to_json() for key in keys]})


async def set_faults(request: web.Request) -> web.StreamResponse:
    faults = runtime(request).faults
    faults.replace(parse_rules(await read_json(request)))
    return json_response({"rules": faults.to_json()})


async def get_faults(request: web.Request) -> web.StreamResponse:
    return json_response({"rules": runtime(request).faults.to_json()})


async def clear_faults(request: web.Request) -> web.StreamResponse:
    runtime(request).faults.clear()
    return web.Response(status=204)


async def reset(request: web.Request) -> web.StreamResponse:
    runtime(request).reset()
    return web.Response(status=204)


async def health(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    return json_response({"status": "ok", "workloads": len(rt.store), "requests": len(rt.journal)})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/_sim/health", health, allow_head=False)
    router.add_get("/_sim/requests", list_requests, allow_head=False)
    router.add_delete("/_sim/requests", clear_requests)
    router.add_get("/_sim/workloads", list_workloads, allow_head=False)
    router.add_get("/_sim/workloads/{uid}", get_workload, allow_head=False)
    router.add_post("/_sim/workloads/{uid}/state", force_state)
    router.add_post("/_sim/volumes", create_volume)
    router.add_get("/_sim/volumes", list_volumes, allow_head=False)
    router.add_post("/_sim/ssh-keys", create_ssh_key)
    router.add_get("/_sim/ssh-keys", list_ssh_keys, allow_head=False)
    router.add_post("/_sim/faults", set_faults)
    router.add_get("/_sim/faults", get_faults, allow_head=False)
    router.add_delete("/_sim/faults", clear_faults)
    router.add_post("/_sim/reset", reset)

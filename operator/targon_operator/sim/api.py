"""The handlers of the 14 endpoints of the reference, under /tha/v2.

Each handler is thin: read the path, query and body, ask validation and the store, and
render with ``views``. Auth, errors, faults and the journal are the middleware's job.
The order of checks is the same everywhere: the workload (404, then 403), then the
workload type (400 for rental-only endpoints), then the body (400), then references.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from . import queries
from .logstream import follow_logs, select_lines
from .validation import (
    refuse_on_serverless,
    validate_create,
    validate_update,
    validate_verify,
    validate_volume_attach,
)
from .views import image_digest, state_info_json, summary_json, workload_json
from .wire import API_PREFIX, json_response, owner, read_json, runtime

_LIST_PARAMS = ("limit", "cursor", "type", "status", "project_id", "app_id", "name")


def _uid(request: web.Request) -> str:
    return request.match_info["uid"]


async def create_workload(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    spec = validate_create(await read_json(request))
    return json_response(workload_json(rt.store, rt.store.create(owner(request), spec)))


async def list_workloads(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    given = queries.params(request.query, _LIST_PARAMS)
    size = queries.limit(given, rt.config)
    after = queries.cursor(given, "w")
    items, last = rt.store.page(owner(request), queries.list_query(given), after=after, limit=size)
    return json_response(
        {
            "items": [summary_json(rt.store, w) for w in items],
            "next_cursor": "" if last is None else queries.encode_cursor("w", last),
        }
    )


async def get_workload(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    return json_response(workload_json(rt.store, rt.store.get(_uid(request), owner(request))))


async def update_workload(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    w = rt.store.get(_uid(request), owner(request))
    changes = validate_update(await read_json(request), w.type)
    w = rt.store.update(w.uid, owner(request), changes)
    return json_response(workload_json(rt.store, w))


async def delete_workload(request: web.Request) -> web.StreamResponse:
    runtime(request).store.delete(_uid(request), owner(request))
    return web.Response(status=204)


async def deploy_workload(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    w = rt.store.deploy(_uid(request), owner(request))
    return json_response(summary_json(rt.store, w), status=202)


async def workload_state(request: web.Request) -> web.StreamResponse:
    w = runtime(request).store.get(_uid(request), owner(request))
    return json_response(state_info_json(w))


async def workload_events(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    given = queries.params(request.query, ("limit", "cursor"))
    size = queries.limit(given, rt.config)
    start = queries.cursor(given, "e")
    w = rt.store.get(_uid(request), owner(request))
    begin = max(start, w.events.first)
    items = w.events.since(begin, size)
    end = begin + len(items)
    next_cursor = queries.encode_cursor("e", end) if end < w.events.total else ""
    return json_response({"items": items, "next_cursor": next_cursor})


async def workload_logs(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    given = queries.params(request.query, ("since", "tail", "follow"))
    tail, since, follow = queries.tail(given), queries.since(given), queries.follow(given)
    w = rt.store.get(_uid(request), owner(request))
    lines = select_lines(w, since=since, tail=tail)
    if follow:
        return await follow_logs(request, rt, w, lines)
    text = "".join(line.text + "\n" for line in lines)
    return web.Response(text=text, content_type="text/plain")


async def verify_workload(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    uid, digest = validate_verify(await read_json(request))
    w = rt.store.get(uid, owner(request), field="uid")
    return json_response({"verified": hmac.compare_digest(image_digest(w.image), digest)})


async def attach_volume(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    w = rt.store.get(_uid(request), owner(request))
    refuse_on_serverless(w.type, "volumes")
    mount_path, read_only = validate_volume_attach(await read_json(request))
    mount = rt.store.attach_volume(
        w.uid,
        owner(request),
        request.match_info["volume_uid"],
        mount_path=mount_path,
        read_only=read_only,
    )
    return json_response({"workload_uid": w.uid, **mount})


async def detach_volume(request: web.Request) -> web.StreamResponse:
    volume_uid = request.match_info["volume_uid"]
    runtime(request).store.detach_volume(_uid(request), owner(request), volume_uid)
    return web.Response(status=204)


async def attach_ssh_key(request: web.Request) -> web.StreamResponse:
    key_uid = request.match_info["ssh_key_uid"]
    runtime(request).store.attach_ssh_key(_uid(request), owner(request), key_uid)
    return json_response({"workload_uid": _uid(request), "ssh_key_uid": key_uid})


async def detach_ssh_key(request: web.Request) -> web.StreamResponse:
    key_uid = request.match_info["ssh_key_uid"]
    runtime(request).store.detach_ssh_key(_uid(request), owner(request), key_uid)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    base = f"{API_PREFIX}/workloads"
    one = f"{base}/{{uid}}"
    router = app.router
    router.add_post(base, create_workload)
    router.add_get(base, list_workloads, allow_head=False)
    router.add_post(f"{base}/verify", verify_workload)
    router.add_get(one, get_workload, allow_head=False)
    router.add_patch(one, update_workload)
    router.add_delete(one, delete_workload)
    router.add_post(f"{one}/deploy", deploy_workload)
    router.add_get(f"{one}/state", workload_state, allow_head=False)
    router.add_get(f"{one}/events", workload_events, allow_head=False)
    router.add_get(f"{one}/logs", workload_logs, allow_head=False)
    router.add_put(f"{one}/volumes/{{volume_uid}}", attach_volume)
    router.add_delete(f"{one}/volumes/{{volume_uid}}", detach_volume)
    router.add_put(f"{one}/ssh-keys/{{ssh_key_uid}}", attach_ssh_key)
    router.add_delete(f"{one}/ssh-keys/{{ssh_key_uid}}", detach_ssh_key)

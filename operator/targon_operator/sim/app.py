"""The aiohttp application: one middleware in front of the API and admin handlers.

For a /tha/v2 request the middleware writes the journal entry, lets a fault rule fire,
checks the Bearer key, runs the handler, and turns any error into the JSON error body.
Admin paths get only the error rendering. Every response carries ``X-Request-Id``.
The order matters: a fault fires before auth (a flaky gateway fails any request), and
with ``after`` the handler runs first, so the server's state changes although the client
sees an error or no answer at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Handler

from . import admin, api
from .errors import ApiError
from .faults import FaultRule
from .journal import JournalEntry
from .logstream import client_gone, pause
from .runtime import Runtime
from .wire import (
    API_PREFIX,
    HUNG,
    JOURNAL_ENTRY,
    OWNER,
    REQUEST_ID,
    RUNTIME,
    error_response,
    runtime,
    try_parse_json,
)

logger = logging.getLogger(__name__)


def build_app(rt: Runtime) -> web.Application:
    app = web.Application(middlewares=[_middleware])
    app[RUNTIME] = rt
    api.add_routes(app)
    admin.add_routes(app)
    app.on_response_prepare.append(_on_prepare)
    app.on_shutdown.append(_on_shutdown)
    return app


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rt = runtime(request)
    request[REQUEST_ID] = rt.request_id()
    if not _is_api(request.path):
        return await _answer(request, handler)
    try:
        raw: bytes | None = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raw = None  # partly read: the handler must not try again
    request[JOURNAL_ENTRY] = rt.journal.add(_journal_entry(request, rt, raw))
    if raw is None:
        response: web.StreamResponse | None = error_response(
            request, ApiError(413, "body: too large")
        )
    else:
        response = await _with_faults(request, handler, rt)
    if response is None:
        # Hung: the client is gone (nobody reads this) or the server is stopping.
        # Either way the journal entry keeps ``status: null``.
        request[HUNG] = True
        return error_response(request, ApiError(503, "server: stopping"))
    request[JOURNAL_ENTRY].status = response.status
    return response


def _journal_entry(request: web.Request, rt: Runtime, raw: bytes | None) -> JournalEntry:
    query: dict[str, str] = {}
    for key, value in request.query.items():
        query.setdefault(key, value)
    now = datetime.fromtimestamp(rt.clock(), UTC)
    return JournalEntry(
        method=request.method,
        path=request.path,
        query=query,
        body=None if raw is None else try_parse_json(raw),
        time=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        request_id=request[REQUEST_ID],
    )


async def _with_faults(
    request: web.Request, handler: Handler, rt: Runtime
) -> web.StreamResponse | None:
    """The answer, spoilt by the fault rule that fires, if any; ``None`` if it hung."""
    rule = rt.faults.pick(request.method, request.path)
    if rule is None:
        return await _authorized(request, handler, rt)
    response = await _authorized(request, handler, rt) if rule.after else None
    if rule.latency_ms:
        await _sleep(rt, rule.latency_ms / 1000)
    if rule.hang:
        await _wait_until_gone(request, rt)
        return None
    if rule.status is not None and (response is None or not response.prepared):
        return _fault_response(request, rule)
    return response if response is not None else await _authorized(request, handler, rt)


def _fault_response(request: web.Request, rule: FaultRule) -> web.Response:
    assert rule.status is not None
    headers = {} if rule.retry_after is None else {"Retry-After": str(rule.retry_after)}
    error = ApiError(rule.status, "fault: injected by a /_sim/faults rule", headers=headers)
    return error_response(request, error)


async def _sleep(rt: Runtime, seconds: float) -> None:
    """Sleep, but wake up when the server stops, so a delayed request never delays a stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await rt.closing.wait()


async def _wait_until_gone(request: web.Request, rt: Runtime) -> None:
    """Hold a request until its client disconnects or the server stops."""
    while not client_gone(request):
        if await pause(rt):
            return


async def _authorized(request: web.Request, handler: Handler, rt: Runtime) -> web.StreamResponse:
    async def checked(request: web.Request) -> web.StreamResponse:
        request[OWNER] = _authenticate(request, rt)
        return await handler(request)

    return await _answer(request, checked)


def _authenticate(request: web.Request, rt: Runtime) -> int:
    header = request.headers.get("Authorization")
    if header is None:
        raise ApiError(401, "Authorization: missing Bearer API key")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization: expected 'Bearer <API key>'")
    index = rt.owner_of(token.strip())
    if index is None:
        raise ApiError(401, "Authorization: invalid API key")
    return index


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's response, with every error rendered as the JSON error body."""
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(request, error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(request, _from_http_exception(exc))
    except Exception:
        logger.exception("unexpected error in %s %s", request.method, request.path)
        return error_response(request, ApiError(500, "server: internal error"))


def _from_http_exception(exc: web.HTTPException) -> ApiError:
    if exc.status == 404:
        return ApiError(404, "path: no such endpoint")
    if exc.status == 405:
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return ApiError(405, "method: not allowed on this path", headers=headers)
    if exc.status == 413:
        return ApiError(413, "body: too large")
    return ApiError(exc.status, f"request: {exc.reason.lower()}")


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["X-Request-Id"] = request_id
    entry = request.get(JOURNAL_ENTRY)
    if entry is not None and not request.get(HUNG):
        # Streams are journalled when their headers go out, not when they end.
        entry.status = response.status


async def _on_shutdown(app: web.Application) -> None:
    app[RUNTIME].closing.set()

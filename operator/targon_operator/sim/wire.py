"""Request and response plumbing shared by the handlers: JSON in, JSON out, error bodies.

Bodies are parsed strictly (duplicate keys, NaN and non-UTF-8 are 400s) because a lenient
parser would let through bodies a real API might read differently. Every error body has
the same four fields; the request id in it matches the ``X-Request-Id`` header.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .checks import Json
from .errors import ApiError
from .journal import JournalEntry
from .runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
OWNER = web.RequestKey("owner", int)
"""The index of the caller's API key, set by the auth step of the middleware."""
REQUEST_ID = web.RequestKey("request_id", str)
JOURNAL_ENTRY = web.RequestKey("journal_entry", JournalEntry)
HUNG = web.RequestKey("hung", bool)
API_PREFIX = "/tha/v2"


def runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def owner(request: web.Request) -> int:
    return request[OWNER]


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def error_response(request: web.Request, error: ApiError) -> web.Response:
    body = {
        "error": error.code,
        "message": error.message,
        "field": error.field,
        "request_id": request.get(REQUEST_ID),
    }
    response = json_response(body, status=error.status)
    response.headers.update(error.headers)
    return response


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Json:
    """Strict JSON; raises a 400 ``ApiError``."""
    if not raw.strip():
        raise ApiError(400, "body: must be a JSON object", code="invalid_json")
    try:
        return json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants
        )
    except _DuplicateKeyError as exc:
        raise ApiError(
            400, f"body: duplicate key {str(exc)[:100]!r}", code="invalid_json"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "body: not valid JSON", code="invalid_json") from None


def try_parse_json(raw: bytes) -> Json:
    """The body as JSON for the journal, or ``None``."""
    try:
        return parse_json(raw)
    except ApiError:
        return None


async def read_json(request: web.Request) -> Json:
    return parse_json(await request.read())

"""Query strings: page limits, opaque cursors, list filters and the log parameters.

Unknown or repeated parameters are refused with 400, like unknown body fields: a typo in
``limit`` silently ignored would hide a client bug. Cursors are opaque base64 tokens that
carry a kind (workloads or events) and a position; anything else is refused with 400.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection
from datetime import datetime

from multidict import MultiMapping

from .config import SimConfig
from .errors import invalid
from .store import ListQuery
from .validation import WORKLOAD_TYPES

_DIGITS = re.compile(r"[0-9]{1,18}")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def params(query: MultiMapping[str], allowed: Collection[str]) -> dict[str, str]:
    """The query as a dict; unknown or repeated parameters are a 400."""
    result: dict[str, str] = {}
    for key, value in query.items():
        if key not in allowed:
            raise invalid(key[:100], "unknown query parameter", code="unknown_field")
        if key in result:
            raise invalid(key, "given more than once")
        result[key] = value
    return result


def limit(given: dict[str, str], config: SimConfig) -> int:
    """``limit``: an integer >= 1, clamped to the maximum page size."""
    raw = given.get("limit")
    if raw is None:
        return config.default_page_size
    if not _DIGITS.fullmatch(raw) or int(raw) < 1:
        raise invalid("limit", "must be an integer of at least 1")
    return min(int(raw), config.max_page_size)


def encode_cursor(kind: str, position: int) -> str:
    token = f"{kind}:{position}".encode()
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def cursor(given: dict[str, str], kind: str) -> int:
    """The position a cursor stands for; 0 (the start) when none or empty."""
    raw = given.get("cursor", "")
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != kind or not _DIGITS.fullmatch(number):
        raise invalid("cursor", "not a cursor returned by this endpoint")
    return int(number)


def list_query(given: dict[str, str]) -> ListQuery:
    """The filters of ``GET /workloads``; an empty value means no filter."""
    values = {key: given.get(key) or None for key in ("type", "status", "project_id", "app_id")}
    if values["type"] is not None and values["type"] not in WORKLOAD_TYPES:
        raise invalid("type", f"must be one of {', '.join(WORKLOAD_TYPES)}")
    name = given.get("name") or None
    return ListQuery(name=name, **values)


def tail(given: dict[str, str]) -> int | None:
    raw = given.get("tail")
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw):
        raise invalid("tail", "must be an integer of at least 0")
    return int(raw)


def since(given: dict[str, str]) -> float | None:
    raw = given.get("since")
    if raw is None:
        return None
    if not _RFC3339.fullmatch(raw):
        raise invalid("since", "must be an RFC 3339 timestamp, e.g. 2025-01-15T10:30:00Z")
    return datetime.fromisoformat(raw.upper().replace("Z", "+00:00")).timestamp()


def follow(given: dict[str, str]) -> bool:
    raw = given.get("follow", "false")
    if raw not in ("true", "false"):
        raise invalid("follow", "must be true or false")
    return raw == "true"

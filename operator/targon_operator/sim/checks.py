"""Typed readers for untrusted JSON: each returns the value or raises a 400 naming its path.

JSON's types are looser than Python's (``true`` is an ``int`` to Python, ``8080.0`` is
not an integer to us), so every read goes through these few functions instead of
``isinstance`` calls scattered over the rules. ``null`` is refused everywhere: a client
omits a field it does not want to set. Values are never quoted back in messages.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from .errors import ApiError, invalid

Json = Any
INT32_MAX = 2**31 - 1


def at(path: str, key: str | int) -> str:
    """The JSON path of ``key`` inside ``path``: ``ports[0]``, ``ports[0].port``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def kind(value: Json) -> str:
    """The JSON type name of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def wrong_type(path: str, expected: str, value: Json) -> ApiError:
    return invalid(path or None, f"must be {expected}, got {kind(value)}")


def obj(value: Json, path: str, allowed: Collection[str]) -> dict[str, Json]:
    """A JSON object whose keys are all in ``allowed``."""
    if not isinstance(value, dict):
        raise wrong_type(path, "an object" if path else "a JSON object", value)
    for key in value:
        if key not in allowed:
            field = at(path, key[:100])
            raise ApiError(400, f"{field}: unknown field", code="unknown_field", field=field)
    return value


def required(mapping: Mapping[str, Json], key: str, path: str) -> Json:
    if key not in mapping:
        raise invalid(at(path, key), "is required")
    return mapping[key]


def string(value: Json, path: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise wrong_type(path, "a string", value)
    if non_empty and not value.strip():
        raise invalid(path, "must not be empty")
    return value


def integer(value: Json, path: str, *, minimum: int | None = None, maximum: int = INT32_MAX) -> int:
    """An integer (booleans and ``1.0`` refused) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(path, "an integer", value)
    low = minimum if minimum is not None else -INT32_MAX - 1
    if not low <= value <= maximum:
        if minimum is not None and maximum != INT32_MAX:
            raise invalid(path, f"must be between {minimum} and {maximum}")
        if value < low:
            raise invalid(path, f"must be at least {low}")
        raise invalid(path, f"must be at most {maximum}")
    return value


def number(value: Json, path: str) -> float | int:
    """A finite JSON number (integer or not); booleans refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(path, "a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(path, "must be a finite number")
    return value


def boolean(value: Json, path: str) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(path, "a boolean", value)
    return value


def array(value: Json, path: str) -> list[Json]:
    if not isinstance(value, list):
        raise wrong_type(path, "an array", value)
    return value


def string_list(value: Json, path: str) -> list[str]:
    return [string(item, at(path, i)) for i, item in enumerate(array(value, path))]


def choice(value: Json, path: str, options: tuple[str, ...]) -> str:
    """One of ``options``, compared exactly (case matters)."""
    text = string(value, path)
    if text not in options:
        raise invalid(path, f"must be one of {', '.join(options)}")
    return text

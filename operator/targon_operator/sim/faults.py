"""Fault injection: rules that make matching /tha/v2 requests fail, slow down or hang.

A test posts rules to ``/_sim/faults``. The first rule that matches a request (method,
path regex), still has firings left (``times``) and wins its dice roll (``rate``) fires,
and only that one. ``after`` makes the server do the work first and spoil the answer
afterwards: the create that succeeded on the server while the client saw a 500 or a
timeout, the case a crash-safe client must survive. Dice use the seeded generator.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from .checks import Json, array, at, boolean, integer, number, obj, required, string
from .errors import invalid

_RULE_FIELDS = (
    "method",
    "path",
    "status",
    "rate",
    "latency_ms",
    "retry_after",
    "hang",
    "times",
    "after",
)


@dataclass(frozen=True, kw_only=True)
class FaultRule:
    method: str | None = None
    """Only requests with this method (any case); ``None`` matches all."""
    path: re.Pattern[str] | None = None
    """Searched (not matched) in the request path; ``None`` matches all."""
    status: int | None = None
    """Answer with this error status instead of the real answer."""
    rate: float = 1.0
    """The chance, 0 to 1, that a matching request is hit."""
    latency_ms: float = 0.0
    """Delay before answering (before the work, or after it with ``after``)."""
    retry_after: int | None = None
    """Seconds for a ``Retry-After`` header on the injected error."""
    hang: bool = False
    """Never answer: hold the request until the client gives up or the server stops."""
    times: int | None = None
    """Fire at most this many times; ``None`` for ever."""
    after: bool = False
    """Process the request first, then delay, fail or hang."""

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path is None or self.path.search(path) is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern if self.path else None,
            "status": self.status,
            "rate": self.rate,
            "latency_ms": self.latency_ms,
            "retry_after": self.retry_after,
            "hang": self.hang,
            "times": self.times,
            "after": self.after,
        }


def parse_rules(body: Json) -> list[FaultRule]:
    """The body of ``POST /_sim/faults``: ``{"rules": [...]}``."""
    fields = obj(body, "", ("rules",))
    items = array(required(fields, "rules", ""), "rules")
    return [_parse_rule(item, at("rules", i)) for i, item in enumerate(items)]


def _parse_rule(value: Json, path: str) -> FaultRule:
    fields = obj(value, path, _RULE_FIELDS)
    rule: dict[str, Any] = {}
    if "method" in fields:
        rule["method"] = string(fields["method"], at(path, "method"), non_empty=True).upper()
    if "path" in fields:
        pattern = string(fields["path"], at(path, "path"))
        try:
            rule["path"] = re.compile(pattern)
        except re.error:
            raise invalid(at(path, "path"), "not a valid regular expression") from None
    if "status" in fields:
        rule["status"] = integer(fields["status"], at(path, "status"), minimum=400, maximum=599)
    if "rate" in fields:
        rule["rate"] = float(number(fields["rate"], at(path, "rate")))
        if not 0 <= rule["rate"] <= 1:
            raise invalid(at(path, "rate"), "must be between 0 and 1")
    if "latency_ms" in fields:
        rule["latency_ms"] = float(number(fields["latency_ms"], at(path, "latency_ms")))
        if not 0 <= rule["latency_ms"] <= 600_000:
            raise invalid(at(path, "latency_ms"), "must be between 0 and 600000")
    if "retry_after" in fields:
        rule["retry_after"] = integer(fields["retry_after"], at(path, "retry_after"), minimum=0)
    if "times" in fields:
        rule["times"] = integer(fields["times"], at(path, "times"), minimum=1)
    for flag in ("hang", "after"):
        if flag in fields:
            rule[flag] = boolean(fields[flag], at(path, flag))
    if rule.get("hang") and "status" in rule:
        raise invalid(at(path, "hang"), "cannot be combined with status")
    if not (rule.get("hang") or "status" in rule or rule.get("latency_ms")):
        raise invalid(path, "must set status, hang or latency_ms")
    return FaultRule(**rule)


class Faults:
    """The rules in force and how many firings each has left."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._rules: list[FaultRule] = []
        self._left: list[int | None] = []

    def replace(self, rules: list[FaultRule]) -> None:
        self._rules = list(rules)
        self._left = [rule.times for rule in rules]

    def clear(self) -> None:
        self.replace([])

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any (consuming one of its firings)."""
        for i, rule in enumerate(self._rules):
            if self._left[i] == 0 or not rule.matches(method, path):
                continue
            if rule.rate < 1 and self._rng.random() >= rule.rate:
                continue
            left = self._left[i]
            if left is not None:
                self._left[i] = left - 1
            return rule
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {**rule.to_json(), "remaining": left}
            for rule, left in zip(self._rules, self._left, strict=True)
        ]

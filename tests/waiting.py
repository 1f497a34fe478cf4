"""Synchronise on conditions with a deadline, never on bare sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call ``probe`` until it returns something truthy; return that, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def stays(
    probe: Callable[[], bool], *, duration: float, interval: float = 0.1, what: str = "condition"
) -> None:
    """Assert that ``probe`` holds for the whole of ``duration`` (e.g. "no second create")."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        assert probe(), f"{what} stopped holding"
        time.sleep(interval)

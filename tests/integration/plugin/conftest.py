"""Fixtures for the kubectl plugin: the plugin run as kubectl runs it, a child process.

The operator fixtures (``sim``, ``operator``, ``workloads``) are imported from the operator
tests, so these tests see the same real apiserver, simulator and operator process.
``plugin`` runs ``kubectl-targon`` against them with a clean environment: only the
``TARGON_*`` variables a test gives (the simulator's URL and key by default).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any

import pytest

from tests.integration.operator.conftest import (  # noqa: F401 - fixtures, used by name
    API_KEY,
    Sim,
    operator,
    sim,
    start_operator,
    workloads,
)

MODULE = "targon_operator.cli.kubectl_targon"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Plugin:
    """``kubectl-targon`` bound to the test cluster, its namespace and the simulator."""

    kubeconfig: Path
    namespace: str
    api_url: str
    started: list[Follower] = field(default_factory=list)

    def env(self, overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TARGON_")}
        env.pop("KUBECONFIG", None)
        env.update({"TARGON_API_URL": self.api_url, "TARGON_API_KEY": API_KEY})
        for name, value in (overrides or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def command(self, args: tuple[str, ...], *, namespaced: bool) -> list[str]:
        flags = [f"--kubeconfig={self.kubeconfig}"]
        if namespaced:
            flags.append(f"--namespace={self.namespace}")
        return [sys.executable, "-m", MODULE, *args, *flags]

    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        namespaced: bool = True,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(args, namespaced=namespaced),
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> Follower:
        proc = subprocess.Popen(
            self.command(args, namespaced=True),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        follower = Follower(proc)
        self.started.append(follower)
        return follower


class Follower:
    """A running plugin whose stdout lines can be awaited with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: Queue[str | None] = Queue()
        assert proc.stdout is not None
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_until(self, predicate: Any, *, count: int = 1, timeout: float = 15) -> list[str]:
        """Every line read until ``count`` of them matched ``predicate``."""
        seen: list[str] = []
        matched = 0
        while matched < count:
            try:
                line = self.lines.get(timeout=timeout)
            except Empty:
                raise AssertionError(f"no matching line within {timeout}s; got {seen}") from None
            if line is None:
                raise AssertionError(f"the plugin exited early: {self.stop()}; got {seen}")
            seen.append(line)
            matched += bool(predicate(line))
        return seen

    def stop(self, sig: int | None = None) -> tuple[int, str]:
        """Send ``sig`` (if still running) and return (exit code, stderr)."""
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stderr is not None
        return self.proc.returncode, self.proc.stderr.read()


@pytest.fixture
def plugin(kubeconfig: Path, namespace: str, sim: Sim) -> Iterator[Plugin]:  # noqa: F811
    plugin = Plugin(kubeconfig=kubeconfig, namespace=namespace, api_url=sim.url)
    yield plugin
    for follower in plugin.started:
        if follower.proc.poll() is None:
            follower.proc.kill()
            follower.proc.wait()

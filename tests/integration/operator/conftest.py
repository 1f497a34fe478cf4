"""Fixtures for operator tests: the simulator in a thread, the operator as a real process.

The operator runs exactly as users run it (``targon-operator run``), against the session's
apiserver and this test's simulator, watching only this test's namespace, with short
intervals so that tests converge in seconds. Tests read the simulator's journal to check
what was sent, and kill the process with SIGKILL to test crash safety.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from targon_operator.localcluster import free_port
from targon_operator.sim import SimConfig, SimulatorThread
from tests.kubectl import Kubectl
from tests.waiting import wait_for

API_KEY = "test-key"
OTHER_KEY = "other-key"

FAST = {
    "resync_interval": "1",
    "deploying_interval": "0.3",
    "slow_retry": "2",
    "backoff_max": "2",
}


class Sim:
    """The simulator, as tests use it: its admin endpoints and its API."""

    def __init__(self, thread: SimulatorThread) -> None:
        self.thread = thread
        self.url = thread.url
        self.admin = httpx.Client(base_url=self.url, timeout=10)
        self.api = httpx.Client(
            base_url=thread.api_url, timeout=10, headers={"Authorization": f"Bearer {API_KEY}"}
        )

    def requests(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.admin.get("/_sim/requests").json()["items"]
        return items

    def calls(self, *, skip_lists: bool = True) -> list[tuple[str, str]]:
        """(method, path) of every API request, the batched list GETs left out."""
        return [
            (r["method"], r["path"])
            for r in self.requests()
            if not (skip_lists and r["method"] == "GET" and r["path"] == "/tha/v2/workloads")
        ]

    def bodies(self, method: str, path_suffix: str = "") -> list[Any]:
        return [
            r["body"]
            for r in self.requests()
            if r["method"] == method and r["path"].endswith(path_suffix)
        ]

    def clear_journal(self) -> None:
        self.admin.delete("/_sim/requests").raise_for_status()

    def workloads(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.admin.get("/_sim/workloads").json()["items"]
        return items

    def workload(self, uid: str) -> dict[str, Any]:
        return next(w for w in self.workloads() if w["uid"] == uid)

    def faults(self, *rules: dict[str, Any]) -> None:
        self.admin.post("/_sim/faults", json={"rules": list(rules)}).raise_for_status()

    def clear_faults(self) -> None:
        self.admin.delete("/_sim/faults").raise_for_status()

    def volume(self, uid: str, name: str = "data") -> None:
        self.admin.post("/_sim/volumes", json={"uid": uid, "name": name}).raise_for_status()

    def ssh_key(self, uid: str, name: str = "laptop") -> None:
        body = {"uid": uid, "name": name, "public_key_raw": "ssh-ed25519 AAAAC3Nza test"}
        self.admin.post("/_sim/ssh-keys", json=body).raise_for_status()

    def force_state(self, uid: str, status: str, **extra: Any) -> None:
        self.admin.post(
            f"/_sim/workloads/{uid}/state", json={"status": status, **extra}
        ).raise_for_status()


@pytest.fixture
def sim() -> Iterator[Sim]:
    config = SimConfig(api_keys=(API_KEY, OTHER_KEY), deploy_delay=0.5, log_interval=0.5)
    with SimulatorThread(config) as thread:
        yield Sim(thread)


@dataclass
class OperatorProcess:
    """``targon-operator run`` as a child process."""

    kubeconfig: Path
    sim_url: str
    namespace: str
    log_path: Path
    settings: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    api_key: str | None = API_KEY
    """The default key given as TARGON_API_KEY; None gives none (e.g. to use --api-key-secret)."""
    proc: subprocess.Popen[bytes] | None = None
    metrics_port: int = 0
    liveness_port: int = 0

    def start(self) -> OperatorProcess:
        self.metrics_port, self.liveness_port = free_port(), free_port()
        args = [
            sys.executable,
            "-m",
            "targon_operator.cli.main",
            "run",
            "--standalone",
            f"--namespaces={self.namespace}",
            f"--metrics-port={self.metrics_port}",
            f"--liveness-port={self.liveness_port}",
        ]
        for name, value in {**FAST, **self.settings}.items():
            args.append(f"--{name.replace('_', '-')}={value}")
        env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "TARGON_API_URL": self.sim_url,
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        env.pop("TARGON_API_KEY", None)
        if self.api_key is not None:
            env["TARGON_API_KEY"] = self.api_key
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(self._healthy, timeout=30, what="the operator's liveness endpoint")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(
                f"the operator exited with {self.proc.returncode}:\n{self.logs()[-3000:]}"
            )
        try:
            return (
                httpx.get(f"http://127.0.0.1:{self.liveness_port}/healthz", timeout=1).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last patch, exactly what a crash is."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def metrics(self) -> dict[str, float]:
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values


@pytest.fixture
def start_operator(kubeconfig: Path, sim: Sim, namespace: str, tmp_path: Path) -> Iterator[Any]:
    started: list[OperatorProcess] = []

    def start(
        settings: dict[str, str] | None = None, env: dict[str, str] | None = None
    ) -> OperatorProcess:
        op = OperatorProcess(
            kubeconfig=kubeconfig,
            sim_url=sim.url,
            namespace=namespace,
            log_path=tmp_path / "operator.log",
            settings=settings or {},
            env=env or {},
        )
        started.append(op)
        return op.start()

    yield start
    for op in started:
        op.stop()
    if started:
        # Shown by pytest only when the test failed.
        print("---- operator log (tail) ----")
        print("\n".join(started[-1].logs().splitlines()[-80:]))


@pytest.fixture
def operator(start_operator: Any) -> OperatorProcess:
    op: OperatorProcess = start_operator()
    return op


class Workloads:
    """TargonWorkload resources of this test's namespace, through kubectl."""

    def __init__(self, kubectl: Kubectl) -> None:
        self.kubectl = kubectl

    def apply(self, name: str, spec: dict[str, Any]) -> None:
        manifest = {
            "apiVersion": "targon.com/v1alpha1",
            "kind": "TargonWorkload",
            "metadata": {"name": name},
            "spec": spec,
        }
        self.kubectl.apply(yaml.safe_dump(manifest))

    def patch(self, name: str, spec: dict[str, Any]) -> None:
        import json

        self.kubectl("patch", "tw", name, "--type=merge", "-p", json.dumps({"spec": spec}))

    def get(self, name: str) -> dict[str, Any] | None:
        result = self.kubectl("get", "tw", name, "-o", "json", check=False)
        if result.returncode != 0:
            return None
        import json

        obj: dict[str, Any] = json.loads(result.stdout)
        return obj

    def status(self, name: str) -> dict[str, Any]:
        obj = self.get(name)
        return (obj or {}).get("status") or {}

    def condition(self, name: str, type_: str) -> dict[str, Any] | None:
        return next(
            (c for c in self.status(name).get("conditions", []) if c["type"] == type_), None
        )

    def wait_condition(
        self,
        name: str,
        type_: str,
        *,
        status: str = "True",
        reason: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            cond = self.condition(name, type_)
            if cond and cond["status"] == status and (reason is None or cond["reason"] == reason):
                return cond
            return None

        return wait_for(probe, timeout=timeout, what=f"{name} {type_}={status} {reason or ''}")

    def wait_ready(self, name: str, timeout: float = 30) -> dict[str, Any]:
        self.wait_condition(name, "Ready", timeout=timeout)
        return self.status(name)

    def wait_gone(self, name: str, timeout: float = 30) -> None:
        wait_for(lambda: self.get(name) is None, timeout=timeout, what=f"{name} to be deleted")

    def events(self, name: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.kubectl.json(
            "get", "events", f"--field-selector=involvedObject.name={name}"
        )["items"]
        return items


@pytest.fixture
def workloads(kubectl: Kubectl) -> Workloads:
    return Workloads(kubectl)


def serverless_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "Serverless",
        "image": "my-model-server:latest",
        "resourceName": "h200-small",
        "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
        "env": [{"name": "MODEL_NAME", "value": "llama-3"}],
        "serverlessConfig": {"minReplicas": 0, "maxReplicas": 5, "initialReplicas": 1},
    }
    spec.update(overrides)
    return spec


def rental_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "Rental",
        "image": "pytorch/pytorch:latest",
        "resourceName": "h200-small",
        "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
    }
    spec.update(overrides)
    return spec

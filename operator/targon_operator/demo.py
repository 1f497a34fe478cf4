"""``targon-operator demo``: the whole product on one machine, with no account.

It starts a real control plane and the Targon simulator, installs the CRD, runs the
operator as its own process (as a user would), applies the examples, shows their status
converging in a live table, updates one image, deletes one workload, and prints what
Targon was asked to do. Every step checks its outcome, so the demo doubles as a smoke test
and exits non-zero if anything did not converge.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .kube import KubeClient, KubeCredentials, KubeNotFound, paths
from .kube.manifests import apply_all, install_crds, load, project_dir
from .localcluster import LocalCluster, free_port
from .sim import SimConfig, SimulatorThread

NAMESPACE = "demo"
API_KEY = "demo-key"
HF_TOKEN = "hf_demo_token_not_a_real_one"


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass
class Demo:
    keep: bool = False
    deploy_delay: float = 3.0
    timeout: float = 120.0
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    started: float = field(default_factory=time.monotonic)

    def run(self) -> int:
        say(
            "targon-operator demo: a local control plane, the Targon API simulator and the operator"
        )
        with (
            LocalCluster() as cluster,
            SimulatorThread(
                SimConfig(api_keys=(API_KEY,), deploy_delay=self.deploy_delay, log_interval=2.0)
            ) as sim,
        ):
            say(
                f"  control plane  {cluster.server} (etcd + kube-apiserver)\n"
                f"  kubeconfig     {cluster.kubeconfig}"
            )
            say(f"  simulator      {sim.url}")
            operator = self._start_operator(cluster.kubeconfig, sim.url)
            try:
                ok = asyncio.run(self._scenario(cluster.kubeconfig, sim.url))
                if self.keep and ok:
                    self._keep(cluster.kubeconfig, sim.url, operator)
            finally:
                operator.terminate()
                operator.wait(timeout=30)
        return 0 if ok else 1

    def _start_operator(self, kubeconfig: Path, sim_url: str) -> subprocess.Popen[bytes]:
        self.operator_log = Path(self.workdir) / f"targon-operator-demo-{os.getpid()}.log"
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "TARGON_API_URL": sim_url,
            "TARGON_API_KEY": API_KEY,
            "PYTHONUNBUFFERED": "1",
        }
        args = [
            sys.executable,
            "-m",
            "targon_operator.cli.main",
            "run",
            "--standalone",
            f"--liveness-port={free_port()}",
            f"--metrics-port={free_port()}",
            "--resync-interval=5",
            "--deploying-interval=1",
        ]
        with self.operator_log.open("wb") as log:
            proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        say(f"  operator       pid {proc.pid}, log {self.operator_log}")
        return proc

    async def _scenario(self, kubeconfig: Path, sim_url: str) -> bool:
        async with (
            KubeClient(KubeCredentials.load(kubeconfig=kubeconfig)) as kube,
            httpx.AsyncClient(base_url=sim_url, timeout=10) as admin,
        ):
            say("\n1. Install the TargonWorkload CRD")
            await install_crds(kube)
            await self._prepare(kube, admin)
            examples = load(sorted(project_dir("examples").glob("*.yaml")))
            names = [doc["metadata"]["name"] for doc in examples]
            say(f"\n2. Apply the examples: {', '.join(names)}")
            await apply_all(kube, examples, namespace=NAMESPACE)
            if not await self._watch(kube, names, lambda s: _ready(s)):
                return False

            target = "my-inference-api"
            say(f"\n3. Update {target}'s image to my-model-server:v2 (a PATCH of only the image)")
            before = await self._status(kube, target)
            await kube.merge_patch(
                paths.workload(NAMESPACE, target), {"spec": {"image": "my-model-server:v2"}}
            )
            changed = lambda s: _ready(s) and s.get("revision") != before.get("revision")  # noqa: E731
            if not await self._watch(kube, [target], changed):
                return False

            doomed = "my-training-job"
            uid = (await self._status(kube, doomed)).get("workloadUid")
            say(
                f"\n4. Delete {doomed}: the operator deletes {uid} on Targon, "
                "then drops its finalizer"
            )
            await kube.delete(paths.workload(NAMESPACE, doomed))
            if not await self._gone(kube, doomed):
                return False
            remaining = (await admin.get("/_sim/workloads")).json()["items"]
            if any(w["uid"] == uid for w in remaining):
                say(f"   FAILED: {uid} is still on Targon")
                return False
            await self._summary(admin, remaining)
            return True

    async def _prepare(self, kube: KubeClient, admin: httpx.AsyncClient) -> None:
        """What the examples reference: a volume and an SSH key on Targon, two Secrets."""
        await admin.post("/_sim/volumes", json={"uid": "vol-xyz789abc123", "name": "my-data"})
        await admin.post(
            "/_sim/ssh-keys",
            json={
                "uid": "shk-def456ghi789",
                "name": "my-laptop",
                "public_key_raw": "ssh-ed25519 AAAA demo",
            },
        )
        auth = base64.b64encode(b"bot:demo-registry-password").decode()
        dockerconfig = {"auths": {"registry.example.com": {"auth": auth}}}
        docs: list[dict[str, Any]] = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
            _secret("hf", {"token": HF_TOKEN}),
            _secret(
                "regcred",
                {".dockerconfigjson": json.dumps(dockerconfig)},
                "kubernetes.io/dockerconfigjson",
            ),
        ]
        await apply_all(kube, docs, namespace=NAMESPACE)

    async def _status(self, kube: KubeClient, name: str) -> dict[str, Any]:
        try:
            obj = await kube.get(paths.workload(NAMESPACE, name))
        except KubeNotFound:
            return {}
        status: dict[str, Any] = obj.get("status") or {}
        return status

    async def _watch(self, kube: KubeClient, names: list[str], done: Any) -> bool:
        """Print a row whenever a resource's phase, replicas or URL changes, until all are done."""
        say(f"   {'TIME':>6}  {'NAME':<18} {'PHASE':<11} {'READY':<6} {'COST/H':<7} URL")
        last: dict[str, tuple[Any, ...]] = {}
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            statuses = {name: await self._status(kube, name) for name in names}
            for name, s in statuses.items():
                row = (
                    s.get("phase") or "-",
                    s.get("ready") or "-",
                    s.get("costPerHour") or "-",
                    s.get("url") or "",
                )
                if last.get(name) != row:
                    last[name] = row
                    elapsed = time.monotonic() - self.started
                    say(
                        f"   {elapsed:>5.1f}s  {name:<18} {row[0]:<11} {row[1]:<6} "
                        f"{row[2]!s:<7} {row[3]}"
                    )
            if all(done(s) for s in statuses.values()):
                return True
            await asyncio.sleep(0.3)
        say(f"   FAILED: not converged within {self.timeout:.0f}s; see {self.operator_log}")
        return False

    async def _gone(self, kube: KubeClient, name: str) -> bool:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                await kube.get(paths.workload(NAMESPACE, name))
            except KubeNotFound:
                say(f"   {time.monotonic() - self.started:>5.1f}s  {name} deleted")
                return True
            await asyncio.sleep(0.3)
        say(f"   FAILED: {name} was not deleted within {self.timeout:.0f}s")
        return False

    async def _summary(self, admin: httpx.AsyncClient, remaining: list[dict[str, Any]]) -> None:
        journal = (await admin.get("/_sim/requests")).json()["items"]
        calls = Counter(f"{r['method']} {_endpoint(r['path'])}" for r in journal)
        say("\nSummary")
        say(
            f"   Targon calls ({len(journal)}): "
            + ", ".join(f"{k} x{v}" for k, v in sorted(calls.items()))
        )
        running = [w for w in remaining if (w.get("state") or {}).get("status") == "RUNNING"]
        say(f"   workloads on Targon: {len(remaining)} ({len(running)} running), none leaked")
        say(f"   done in {time.monotonic() - self.started:.1f}s")

    def _keep(self, kubeconfig: Path, sim_url: str, operator: subprocess.Popen[bytes]) -> None:
        say("\nEverything keeps running (Ctrl-C stops it). Try:")
        say(f"   export KUBECONFIG={kubeconfig}")
        say(f"   kubectl -n {NAMESPACE} get tw")
        say(f"   kubectl -n {NAMESPACE} describe tw my-inference-api")
        say(f"   kubectl -n {NAMESPACE} get events")
        say(f"   curl -s {sim_url}/_sim/workloads")
        say(f"   operator log: {self.operator_log}")
        try:
            while operator.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            say("stopping")


def _ready(status: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


def _endpoint(path: str) -> str:
    parts = path.removeprefix("/tha/v2/").split("/")
    return "/".join("{uid}" if p.startswith("wrk-") else p for p in parts)


def _secret(name: str, data: dict[str, str], kind: str = "Opaque") -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": kind,
        "metadata": {"name": name},
        "data": encoded,
    }

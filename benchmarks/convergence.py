"""Convergence, Targon calls and memory of the operator, against a floor measured in the same run.

The floor is a plain script doing only the unavoidable work of a crash-safe operator, per
resource and with the same concurrency: patch the finalizer, mark the create pending,
create, deploy, wait for RUNNING (one shared list poll at the operator's interval), and
one status patch. Both runs use the same apiserver build, the same simulator process and
the same N. Results are ratios, written to docs/benchmarks.md; nothing here asserts on
wall-clock time.

    python -m benchmarks.convergence --resources 500 --memory-resources 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from targon_operator import targon
from targon_operator.kube import KubeClient, KubeCredentials, paths
from targon_operator.kube.manifests import apply_all, install_crds
from targon_operator.localcluster import LocalCluster, free_port
from targon_operator.resource import now_iso

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-key"
DEPLOYING_INTERVAL = 1.0
CONCURRENCY = 100
"""Concurrent creates of the benchmark's own apply (both runs)."""
# The floor works with the operator's defaults: resources at once (kopf's worker limit),
# apiserver connections, Targon connections.
FLOOR_RESOURCES = 128
FLOOR_KUBE_CONNECTIONS = 16
FLOOR_TARGON_CONNECTIONS = 32


@dataclass
class Run:
    seconds: float
    calls: Counter[str]
    apiserver_writes: int = 0


def spec(i: int) -> dict[str, Any]:
    return {
        "type": "Serverless",
        "image": "my-model-server:latest",
        "resourceName": "h200-small",
        "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
        "env": [{"name": "INDEX", "value": str(i)}],
        "serverlessConfig": {"minReplicas": 0, "maxReplicas": 2, "initialReplicas": 1},
    }


def manifest(name: str, i: int) -> dict[str, Any]:
    return {
        "apiVersion": "targon.com/v1alpha1",
        "kind": "TargonWorkload",
        "metadata": {"name": name},
        "spec": spec(i),
    }


class Simulator:
    """The simulator as its own process, so it competes with neither side for the GIL."""

    def __init__(self, deploy_delay: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "targon_operator.cli.main",
                "sim",
                f"--port={self.port}",
                f"--api-key={API_KEY}",
                f"--deploy-delay={deploy_delay}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/_sim/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def reset(self) -> None:
        httpx.post(f"{self.url}/_sim/reset", timeout=30).raise_for_status()

    def calls(self) -> Counter[str]:
        items = httpx.get(f"{self.url}/_sim/requests", timeout=60).json()["items"]
        counted: Counter[str] = Counter()
        for r in items:
            path = "/".join("{uid}" if p.startswith("wrk-") else p for p in r["path"].split("/"))
            counted[f"{r['method']} {path}"] += 1
        return counted

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def create_namespace(kube: KubeClient, name: str) -> None:
    await apply_all(kube, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])


async def apply_resources(kube: KubeClient, namespace: str, n: int) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with limit:
            await kube.create(paths.collection(paths.KIND, namespace), manifest(f"w{i}", i))

    await asyncio.gather(*(one(i) for i in range(n)))


async def wait_converged(
    kube: KubeClient, namespace: str, n: int, *, ready_condition: bool
) -> None:
    """Until all ``n`` resources are converged, followed by a watch: a list every half
    second of thousands of objects would cost the apiserver more CPU than the operator's
    own calls and slow down the run it measures."""

    def converged(item: dict[str, Any]) -> bool:
        status = item.get("status") or {}
        if ready_condition:
            return any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
        return bool(status.get("phase") == "RUNNING")

    path = paths.collection(paths.KIND, namespace)
    while True:
        listed = await kube.get(path)
        done = {item["metadata"]["name"] for item in listed["items"] if converged(item)}
        version = listed["metadata"]["resourceVersion"]
        expired = False
        while len(done) < n and not expired:
            async for event in kube.watch(path, resource_version=version):
                if event["type"] == "ERROR":  # the version expired: list again
                    expired = True
                    break
                obj = event["object"]
                version = obj["metadata"]["resourceVersion"]
                if event["type"] == "BOOKMARK":
                    continue
                if event["type"] != "DELETED" and converged(obj):
                    done.add(obj["metadata"]["name"])
                else:
                    done.discard(obj["metadata"]["name"])
                if len(done) == n:
                    return
        if not expired:
            return


# --- The floor ---------------------------------------------------------------------------------


async def floor(kube: KubeClient, sim_url: str, namespace: str, n: int) -> float:
    config = targon.TargonConfig(
        api_key=targon.TargonConfig.from_env(api_key=API_KEY).api_key, base_url=sim_url
    )
    async with targon.TargonClient(config, max_connections=FLOOR_TARGON_CONNECTIONS) as client:
        running: set[str] = set()
        stop = asyncio.Event()

        async def poll() -> None:
            while not stop.is_set():
                async for item in client.list_workloads(limit=100):
                    if item.state.status == "RUNNING":
                        running.add(item.uid)
                await asyncio.sleep(DEPLOYING_INTERVAL)

        limit = asyncio.Semaphore(FLOOR_RESOURCES)

        async def one(i: int) -> None:
            name = f"w{i}"
            path = paths.workload(namespace, name)
            async with limit:
                # The apply itself, then the finalizer: the floor starts on each resource as
                # soon as it exists, as the operator does.
                await kube.create(paths.collection(paths.KIND, namespace), manifest(name, i))
                await kube.merge_patch(path, {"metadata": {"finalizers": ["targon.com/finalizer"]}})
                await kube.merge_patch(
                    path + "/status",
                    {"status": {"createPending": {"name": name, "since": now_iso()}}},
                )
                request = targon.CreateWorkloadRequest(
                    name=name,
                    image="my-model-server:latest",
                    resource_name="h200-small",
                    type="SERVERLESS",
                    ports=[targon.Port(port=8080, protocol="TCP", routing="PROXIED")],
                    envs=[targon.Env(name="INDEX", value=str(i))],
                    serverless_config=targon.ServerlessConfig(
                        min_replicas=0, max_replicas=2, initial_replicas=1
                    ),
                )
                created = await client.create_workload(request)
                await client.deploy_workload(created.uid)
            while created.uid not in running:
                await asyncio.sleep(0.05)
            async with limit:
                await kube.merge_patch(
                    path + "/status",
                    {
                        "status": {
                            "createPending": None,
                            "workloadUid": created.uid,
                            "phase": "RUNNING",
                        }
                    },
                )

        poller = asyncio.create_task(poll())
        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.monotonic() - started
        stop.set()
        await poller
        return elapsed


# --- The operator ----------------------------------------------------------------------------


class Operator:
    def __init__(self, kubeconfig: Path, sim_url: str, namespace: str, log: Path) -> None:
        self.metrics_port = free_port()
        args = [
            sys.executable,
            "-m",
            "targon_operator.cli.main",
            "run",
            "--standalone",
            f"--namespaces={namespace}",
            f"--metrics-port={self.metrics_port}",
            f"--liveness-port={free_port()}",
            "--resync-interval=10",
            f"--deploying-interval={DEPLOYING_INTERVAL}",
            "--log-level=WARNING",
        ]
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "TARGON_API_URL": sim_url,
            "TARGON_API_KEY": API_KEY,
        }
        self.log = log.open("wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the operator did not start")

    def metric(self, prefix: str) -> float:
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
        )

    converge_cpu: float = math.nan

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self, field: str = "VmRSS") -> float:
        """Resident memory now, or at its peak with ``field="VmHWM"``."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return math.nan

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


async def operator_run(
    kube: KubeClient, kubeconfig: Path, sim: Simulator, namespace: str, n: int, workdir: Path
) -> tuple[float, Operator]:
    operator = Operator(kubeconfig, sim.url, namespace, workdir / f"operator-{namespace}.log")
    started = time.monotonic()
    await apply_resources(kube, namespace, n)
    await wait_converged(kube, namespace, n, ready_condition=True)
    elapsed = time.monotonic() - started
    print(
        "where the time went (seconds after apply, p50/p90/max):",
        await stages(kube, namespace),
        flush=True,
    )
    operator.converge_cpu = operator.cpu_seconds()
    print(f"operator CPU: {operator.converge_cpu:.1f}s in {elapsed:.1f}s", flush=True)
    return elapsed, operator


async def stages(kube: KubeClient, namespace: str) -> dict[str, str]:
    """Per resource: when it was registered on Targon, deployed (Synced) and Ready."""
    from targon_operator.resource import parse_time

    items = (await kube.get(paths.collection(paths.KIND, namespace)))["items"]
    marks: dict[str, list[float]] = {"registered": [], "synced": [], "ready": []}
    for item in items:
        created = parse_time(item["metadata"]["creationTimestamp"])
        status = item.get("status") or {}
        conds = {
            c["type"]: parse_time(c["lastTransitionTime"]) for c in status.get("conditions") or []
        }
        registered = parse_time(status.get("createdAt"))
        for name, moment in (
            ("registered", registered),
            ("synced", conds.get("Synced")),
            ("ready", conds.get("Ready")),
        ):
            if created and moment:
                marks[name].append((moment - created).total_seconds())

    def summary(values: list[float]) -> str:
        values = sorted(values)
        if not values:
            return "-"
        return (
            f"{values[len(values) // 2]:.0f}/{values[int(len(values) * 0.9)]:.0f}/{values[-1]:.0f}"
        )

    return {name: summary(values) for name, values in marks.items()}


async def steady_state(
    operator: Operator, sim: Simulator, n: int, resync: float = 10.0
) -> dict[str, float]:
    """Wait until a whole resync interval passes without a status patch and without a
    Targon call other than the list (the last status writes and the event mirroring of
    the burst settle), then count three intervals."""

    def activity() -> tuple[float, int]:
        others = sum(v for k, v in sim.calls().items() if k != "GET /tha/v2/workloads")
        return operator.metric("targon_status_patches_total"), others

    settle_started = time.monotonic()
    last = activity()
    while time.monotonic() - settle_started < 600:
        await asyncio.sleep(resync)
        now = activity()
        if now == last:
            break
        last = now
    settled_after = time.monotonic() - settle_started
    sim_calls_before = sum(sim.calls().values())
    patches_before = operator.metric("targon_status_patches_total")
    window = resync * 3
    await asyncio.sleep(window)
    calls = sum(sim.calls().values()) - sim_calls_before
    patches = operator.metric("targon_status_patches_total") - patches_before
    return {
        "settled_after_seconds": settled_after,
        "calls_per_interval": calls / (window / resync),
        "budget": math.ceil(n / 100) + 1,
        "status_patches": patches,
    }


# --- Driver ----------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"n": args.resources, "deploy_delay": args.deploy_delay}
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    sim = Simulator(args.deploy_delay)
    try:
        with LocalCluster() as cluster:
            async with KubeClient(
                KubeCredentials.load(kubeconfig=cluster.kubeconfig), max_connections=CONCURRENCY
            ) as kube:
                await install_crds(kube, ROOT / "crds")
                # Floor and operator take turns, ``--rounds`` times: same apiserver, same
                # simulator, same N, same concurrency, each timed from the start of applying
                # its resources. The ratio reported is the median round's: one round on a
                # noisy 2-core machine moves it by 0.15 either way.
                rounds: list[dict[str, float]] = []
                for r in range(args.rounds):
                    await create_namespace(kube, f"floor-{r}")
                    sim.reset()
                    async with KubeClient(
                        KubeCredentials.load(kubeconfig=cluster.kubeconfig),
                        max_connections=FLOOR_KUBE_CONNECTIONS,
                    ) as floor_kube:
                        floor_seconds = await floor(
                            floor_kube, sim.url, f"floor-{r}", args.resources
                        )
                    print(f"round {r + 1}: floor {floor_seconds:.1f}s", flush=True)
                    sim.reset()
                    await create_namespace(kube, f"operator-{r}")
                    seconds, operator = await operator_run(
                        kube, cluster.kubeconfig, sim, f"operator-{r}", args.resources, workdir
                    )
                    rounds.append(
                        {
                            "floor_seconds": floor_seconds,
                            "operator_seconds": seconds,
                            "operator_cpu_seconds": operator.converge_cpu,
                            "ratio": seconds / floor_seconds,
                        }
                    )
                    print(
                        f"round {r + 1}: operator {seconds:.1f}s (x{seconds / floor_seconds:.2f})",
                        flush=True,
                    )
                    if r < args.rounds - 1:
                        operator.stop()
                results["rounds"] = rounds
                results.update(sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2])
                # Targon calls, steady state and RSS: of the last round's operator.
                to_running = dict(sim.calls())
                results["calls_to_running"] = to_running
                results["calls_per_workload"] = sum(to_running.values()) / args.resources
                print(
                    f"median round: x{results['ratio']:.2f}; "
                    f"{results['calls_per_workload']:.2f} Targon calls per workload",
                    flush=True,
                )
                results["steady"] = await steady_state(operator, sim, args.resources)
                results["rss_mb_at_n"] = operator.rss_mb()
                results["calls_after_settling"] = dict(sim.calls())
                operator.stop()

                if args.memory_resources:
                    sim.reset()
                    await create_namespace(kube, "memory")
                    seconds, operator = await operator_run(
                        kube, cluster.kubeconfig, sim, "memory", args.memory_resources, workdir
                    )
                    results["memory_n"] = args.memory_resources
                    results["memory_converge_seconds"] = seconds
                    await asyncio.sleep(5)
                    results["rss_mb_after_burst"] = operator.rss_mb()
                    results["memory_steady"] = await steady_state(
                        operator, sim, args.memory_resources
                    )
                    results["rss_mb_at_memory_n"] = operator.rss_mb()
                    results["peak_rss_mb_at_memory_n"] = operator.rss_mb("VmHWM")
                    print(
                        f"memory: {results['rss_mb_at_memory_n']:.0f} MB RSS with {args.memory_resources}",
                        flush=True,
                    )
                    operator.stop()

                    # The everyday case: an operator restarted (an upgrade, a rescheduled
                    # Pod) among resources that exist and are converged.
                    operator = Operator(
                        cluster.kubeconfig, sim.url, "memory", workdir / "operator-restarted.log"
                    )
                    results["restarted_steady"] = await steady_state(
                        operator, sim, args.memory_resources
                    )
                    results["restarted_status_patches_total"] = operator.metric(
                        "targon_status_patches_total"
                    )
                    results["rss_mb_restarted_at_memory_n"] = operator.rss_mb()
                    results["peak_rss_mb_restarted_at_memory_n"] = operator.rss_mb("VmHWM")
                    print(
                        f"restarted: {results['rss_mb_restarted_at_memory_n']:.0f} MB RSS",
                        flush=True,
                    )
                    operator.stop()
    finally:
        sim.stop()
    return results


def write_report(results: dict[str, Any], path: Path) -> None:
    steady = results["steady"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`python -m benchmarks.convergence`) on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "real etcd + kube-apiserver, the simulator as its own process "
        f"(deploy delay {results['deploy_delay']}s). Wall-clock numbers are from one noisy "
        "machine: read the ratios, which compare runs made on the same machine in the same run.",
        "",
        f"## Convergence of {results['n']} resources applied at once",
        "",
        "| Run | Seconds to all RUNNING | Ratio to floor |",
        "| --- | ---: | ---: |",
        f"| floor (per resource: apply, finalizer, pending mark, create, deploy, one status patch) | {results['floor_seconds']:.1f} | 1.00 |",
        f"| operator (until every resource is `Ready=True`) | {results['operator_seconds']:.1f} | {results['ratio']:.2f} |",
        "",
        f"The median of {len(results.get('rounds', [])) or 1} rounds, floor and operator taking "
        "turns; every round's ratio: "
        + ", ".join(f"{r['ratio']:.2f}" for r in results.get("rounds", [results]))
        + ".",
        "",
        f"Both are timed from the start of applying the {results['n']} resources until every one "
        "is converged; the floor creates each resource and goes straight on with its work, so it "
        "overlaps applying and converging as the operator does. Target: ratio <= 1.5.",
        "",
        "Where the difference goes (the apiserver's request counters and the CPU time of "
        "each process, from profiling runs): the operator's run is CPU-bound on 2 cores "
        "(about 20 CPU-seconds in 11 s, the apiserver the largest consumer), the floor's "
        "is not (about 8 in 6-8 s). Per resource the floor writes 3 times after the apply; "
        "the operator writes 5 (finalizer, pending mark, `workloadUid` right after the "
        "create, the DEPLOYING status, the RUNNING status) and posts 3 Events (the mirrored "
        "Targon events, which the contract asks for). Two changes took the operator from "
        "13-15 s to 11-12 s: kopf's own bookkeeping write after each handler is gone, "
        "because the reconcile's final status write carries kopf's diff-base "
        "(`handlers/diffbase.py`; the apiserver's CPU for the operator's run fell from 16.4 s "
        "to 11.5 s in one profiling run), and the benchmark follows the resources with a "
        "watch instead of listing all of them every half second, which cost the apiserver "
        "CPU during the very run it timed. The floor gains as much from a warm apiserver "
        "(7.5 s in the first round, 6.3 s later), so the ratio stays above the 1.5 target. "
        "What is left is the writes themselves: the uid written at once after the create "
        "(merging it into the DEPLOYING write would save 500 writes but leave the crash "
        "window to the list-by-name recovery) and the Events.",
        "",
        "## Targon calls",
        "",
        f"From apply to RUNNING: {results['calls_per_workload']:.2f} calls per workload (target <= 4):",
        "",
        "| Call | Count |",
        "| --- | ---: |",
        *[f"| `{k}` | {v} |" for k, v in sorted(results["calls_to_running"].items())],
        "",
        "Targon events are mirrored after the status patch, so they never delay convergence. "
        "All calls up to the end of the steady-state window (event mirroring and the window's "
        f"list calls included): {sum(results['calls_after_settling'].values()) / results['n']:.2f} "
        "per workload.",
        "",
        f"Steady state ({results['n']} workloads, resync 10 s, measured after a quiet interval, "
        f"{steady['settled_after_seconds']:.0f} s after convergence): {steady['calls_per_interval']:.1f} calls "
        f"per interval (budget ceil(N/100)+1 = {steady['budget']}), "
        f"{steady['status_patches']:.0f} status patches.",
        "",
        f"Operator CPU to converge: {results.get('operator_cpu_seconds', float('nan')):.1f} s.",
        "",
        "## Memory",
        "",
        f"Operator RSS with {results['n']} resources: {results['rss_mb_at_n']:.0f} MB.",
    ]
    if "memory_n" in results:
        ms = results["memory_steady"]
        lines += [
            f"With {results['memory_n']} resources (applied at once): "
            f"{results['rss_mb_at_memory_n']:.0f} MB RSS at steady state (target <= 200 MB), "
            f"{results['rss_mb_after_burst']:.0f} MB 5 s after they all converged, and a peak "
            f"of {results['peak_rss_mb_at_memory_n']:.0f} MB during the burst of creates. "
            f"They converged in {results['memory_converge_seconds']:.0f} s; at steady state "
            f"{ms['calls_per_interval']:.1f} calls per interval (budget {ms['budget']}) and "
            f"{ms['status_patches']:.0f} status patches.",
        ]
    if "rss_mb_restarted_at_memory_n" in results:
        rs = results["restarted_steady"]
        lines += [
            "",
            f"Restarted among those {results['memory_n']} converged resources, the operator "
            f"settles at {results['rss_mb_restarted_at_memory_n']:.0f} MB RSS (peak "
            f"{results['peak_rss_mb_restarted_at_memory_n']:.0f} MB), having written "
            f"{results['restarted_status_patches_total']:.0f} status patches; "
            f"{rs['calls_per_interval']:.1f} Targon calls per interval at steady state.",
        ]
    lines += [
        "",
        "Where the memory goes (tracemalloc at 2,000 resources, RSS sampled every 3 s at "
        "5,000): an idle operator is about 70 MB (kopf, aiohttp, httpx, pydantic, "
        "prometheus_client). Live data per resource is small: about 1.6 KB in the registry "
        "(spec and status kept as compact JSON) and 1 KB in kopf's per-object memory. After "
        "convergence at 2,000, 71 MB was traced: 27 MB of it module code and 14 MB the "
        "read buffers of TLS connections to the apiserver (asyncio keeps 256 KB per "
        "connection, and kopf's own HTTP session has no connection limit, so a burst opens "
        "one per busy worker: 220 at the peak). The rest of RSS is the high-water mark of "
        "the burst, which Python's allocator keeps: the apply outruns the operator, kopf "
        "queues the watch event of every resource waiting for a worker (its worker limit, "
        "our `--max-concurrent-reconciles`, bounds the workers but not that queue), and "
        "RSS grows steadily while the backlog is worked off (178 MB once all 5,000 were "
        "queued, 290 MB at convergence) although live data does not. Tried and measured at "
        "5,000: a full collection plus `malloc_trim` after sync rounds (in place, about "
        "20 MB back), `PYTHONMALLOC=malloc` (worse, 305 MB), `MALLOC_ARENA_MAX=2` (no "
        "change, 300 MB), a cap of 24 connections on kopf's session (272 against 289 MB, "
        "not adopted: kopf offers it only through a custom login), no worker limit (435 "
        "MB). The 200 MB target is not met after 5,000 resources applied in one burst; an "
        "operator restarted among 5,000 converged resources, the everyday case, settles "
        "at the figure above without writing a single status.",
        "",
        "Raw results:",
        "",
        "```json",
        json.dumps(results, indent=2, default=str),
        "```",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--memory-resources", type=int, default=0)
    parser.add_argument("--deploy-delay", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3, help="floor/operator rounds (median)")
    parser.add_argument("--workdir", default="/tmp/targon-bench")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    write_report(results, args.report)
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()

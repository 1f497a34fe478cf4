"""``targon-operator cluster up|down``: a local control plane to poke with kubectl.

``up`` runs in the foreground until Ctrl-C (or SIGTERM), printing the kubeconfig to use;
``up --detach`` leaves it running in the background, and ``down`` stops it. The detached
cluster is the same foreground process started in its own session, so there is one code
path that starts and stops the binaries.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..kube import KubeClient, KubeCredentials
from ..kube.manifests import install_crds
from ..localcluster import LocalCluster
from ..localcluster.cluster import pid_alive
from . import logs


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "targon-operator" / "cluster"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("cluster", help="start or stop a local kube-apiserver + etcd")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="start a local control plane and install the CRD")
    up.add_argument(
        "--dir", type=Path, default=default_dir(), help="state folder (default: %(default)s)"
    )
    up.add_argument(
        "--detach", action="store_true", help="run in the background; stop with `cluster down`"
    )
    up.add_argument("--no-crds", action="store_true", help="do not install the TargonWorkload CRD")
    up.set_defaults(handler=cluster_up)
    down = actions.add_parser("down", help="stop a detached local control plane")
    down.add_argument(
        "--dir", type=Path, default=default_dir(), help="state folder (default: %(default)s)"
    )
    down.set_defaults(handler=cluster_down)


def _print_usage(kubeconfig: Path) -> None:
    print(f"kubeconfig: {kubeconfig}")
    print(f"  export KUBECONFIG={kubeconfig}")
    print("  kubectl get targonworkloads")


def cluster_up(args: argparse.Namespace) -> int:
    logs.setup()
    state: Path = args.dir
    if (state / "pid").exists() and pid_alive(int((state / "pid").read_text())):
        print(f"a cluster is already running from {state}; `targon-operator cluster down` first")
        return 1
    if args.detach:
        return _detach(args)
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    (state / "pid").write_text(str(os.getpid()))
    stop = _stop_on_signals()
    cluster = LocalCluster(workdir=state / "run")
    try:
        cluster.start()
        if not args.no_crds:
            asyncio.run(_install(cluster.kubeconfig))
        (state / "kubeconfig").write_bytes(cluster.kubeconfig.read_bytes())
        (state / "kubeconfig").chmod(0o600)
        print(f"local cluster ready at {cluster.server}")
        _print_usage(state / "kubeconfig")
        print("Ctrl-C stops it.", flush=True)
        while not stop["now"] and cluster.alive():
            time.sleep(0.5)
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)
    return 0


def _stop_on_signals() -> dict[str, bool]:
    flag = {"now": False}

    def handler(signum: int, frame: object) -> None:
        flag["now"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return flag


async def _install(kubeconfig: Path) -> None:
    async with KubeClient(KubeCredentials.load(kubeconfig=kubeconfig)) as client:
        await install_crds(client)


def _detach(args: argparse.Namespace) -> int:
    state: Path = args.dir
    state.parent.mkdir(parents=True, exist_ok=True)
    log = state.parent / "cluster.log"
    command = [
        sys.executable,
        "-m",
        "targon_operator.cli.main",
        "cluster",
        "up",
        "--dir",
        str(state),
    ]
    if args.no_crds:
        command.append("--no-crds")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (state / "kubeconfig").exists():
            print(f"local cluster running in the background (pid {proc.pid}, log {log})")
            _print_usage(state / "kubeconfig")
            print("stop it with: targon-operator cluster down")
            return 0
        if proc.poll() is not None:
            print(log.read_text(errors="replace"))
            return 1
        time.sleep(0.3)
    proc.terminate()
    print(f"the cluster did not start in time; see {log}")
    return 1


def cluster_down(args: argparse.Namespace) -> int:
    pid_file: Path = args.dir / "pid"
    if not pid_file.exists():
        print("no local cluster is running")
        return 0
    pid = int(pid_file.read_text())
    if pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    shutil.rmtree(args.dir, ignore_errors=True)
    print("local cluster stopped")
    return 0

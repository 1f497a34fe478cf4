"""The local control plane: real versions, real auth, and nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from targon_operator.localcluster import LocalCluster, kubeconfig_for
from targon_operator.localcluster.cluster import pid_alive as _pid_exists
from tests.kubectl import Kubectl

pytestmark = pytest.mark.cluster


def pid_alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper (PID 1 here reaps lazily)."""
    if not _pid_exists(pid):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, *, timeout: float = 20.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_stop_leaves_no_process_and_no_temp_dir() -> None:
    cluster = LocalCluster()
    cluster.start()
    pids = [proc.pid for _, proc, _ in cluster._procs]
    workdir = cluster.workdir
    assert len(pids) == 2 and all(pid_alive(p) for p in pids)
    cluster.stop()
    cluster.stop()  # idempotent
    assert not any(pid_alive(p) for p in pids)
    assert not workdir.exists()


def test_binaries_die_when_the_starting_process_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import json, sys, time
        from targon_operator.localcluster import LocalCluster
        c = LocalCluster()
        c.start()
        print(json.dumps([p.pid for _, p, _ in c._procs]), flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = json.loads(parent.stdout.readline())
    assert all(pid_alive(p) for p in pids)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    wait_until(lambda: not any(pid_alive(p) for p in pids), what="etcd and kube-apiserver to exit")


def test_the_server_reports_its_real_version(cluster_kubectl: Kubectl) -> None:
    version = json.loads(cluster_kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert version["gitVersion"] == "v1.36.3"
    assert (version["major"], version["minor"]) == ("1", "36")


def test_service_account_tokens_authenticate_and_rbac_authorizes(
    kubectl: Kubectl, namespace: str, kubeconfig: Path, tmp_path: Path
) -> None:
    kubectl("create", "serviceaccount", "reader")
    token = kubectl("create", "token", "reader").stdout.strip()
    admin = yaml.safe_load(kubeconfig.read_text())
    cluster = admin["clusters"][0]["cluster"]
    import base64

    ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    config = tmp_path / "sa-kubeconfig"
    config.write_text(
        yaml.safe_dump(kubeconfig_for(server=cluster["server"], ca_cert=ca, token=token))
    )
    as_sa = Kubectl(kubeconfig=config, namespace=namespace)

    denied = as_sa("get", "configmaps", check=False)
    assert denied.returncode != 0
    assert (
        f'"system:serviceaccount:{namespace}:reader" cannot list resource "configmaps"'
        in denied.stderr
    )

    kubectl("create", "role", "read-cm", "--verb=get,list", "--resource=configmaps")
    kubectl(
        "create", "rolebinding", "read-cm", "--role=read-cm", f"--serviceaccount={namespace}:reader"
    )
    wait_until(
        lambda: as_sa("get", "configmaps", check=False).returncode == 0, what="RBAC to allow"
    )
    assert as_sa("get", "secrets", check=False).returncode != 0

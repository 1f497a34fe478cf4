"""Fixtures for tests against a real kube-apiserver: one control plane per session.

By default a LocalCluster (etcd + kube-apiserver from `make bin`) is started for the
session; with USE_EXISTING_CLUSTER=true (envtest's convention) the cluster named by
KUBECONFIG is used instead. Each test gets a fresh namespace.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from targon_operator.localcluster import LocalCluster
from tests.kubectl import Kubectl

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"


def _use_existing() -> bool:
    return os.environ.get("USE_EXISTING_CLUSTER", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def kubeconfig() -> Iterator[Path]:
    if _use_existing():
        path = os.environ.get("KUBECONFIG", str(Path.home() / ".kube" / "config"))
        yield Path(path.split(os.pathsep)[0])
        return
    with LocalCluster() as cluster:
        yield cluster.kubeconfig


@pytest.fixture(scope="session")
def cluster_kubectl(kubeconfig: Path) -> Kubectl:
    """kubectl bound to the cluster, with the CRD installed and Established."""
    kubectl = Kubectl(kubeconfig=kubeconfig)
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
    kubectl(
        "wait", "--for=condition=Established", "crd/targonworkloads.targon.com", "--timeout=60s"
    )
    return kubectl


@pytest.fixture
def namespace(cluster_kubectl: Kubectl) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    cluster_kubectl("create", "namespace", name)
    yield name
    # No namespace controller runs locally: the namespace stays Terminating, harmlessly.
    cluster_kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def kubectl(cluster_kubectl: Kubectl, namespace: str) -> Kubectl:
    """kubectl bound to the cluster and to this test's namespace."""
    return cluster_kubectl.in_namespace(namespace)

"""In a Pod the operator reads its service account's files, without the kubernetes package."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from targon_operator.kube import KubeClient, KubeCredentials, KubeForbidden
from targon_operator.kube import client as kube_client
from tests.kubectl import Kubectl

pytestmark = pytest.mark.cluster


async def test_a_pods_service_account_files_are_used_and_rbac_applies(
    kubectl: Kubectl,
    kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubectl("create", "serviceaccount", "op")
    kubectl("create", "role", "read-cm", "--verb=get,list", "--resource=configmaps")
    kubectl(
        "create", "rolebinding", "read-cm", "--role=read-cm", f"--serviceaccount={namespace}:op"
    )
    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(kubectl("create", "token", "op").stdout.strip() + "\n")
    (account / "ca.crt").write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    server = urlsplit(cluster["server"])
    monkeypatch.setattr(kube_client, "SERVICE_ACCOUNT", account)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", server.hostname or "")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))

    assert kube_client.in_cluster()
    credentials = KubeCredentials.load()
    assert credentials.server == cluster["server"]
    async with KubeClient(credentials) as kube:
        listed = await kube.get(f"/api/v1/namespaces/{namespace}/configmaps")
        assert listed["kind"] == "ConfigMapList"
        with pytest.raises(KubeForbidden):
            await kube.get(f"/api/v1/namespaces/{namespace}/secrets")

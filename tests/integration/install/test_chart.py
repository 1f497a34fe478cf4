"""The Helm chart: lint, schema, rendering accepted by the real apiserver, and its RBAC.

The RBAC test runs the operator with the token of the chart's ServiceAccount and nothing
else: it must converge a workload (Secrets read, Events posted, status written) and be
refused what the chart does not grant.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from targon_operator.localcluster import find_binary, kubeconfig_for
from tests.integration.operator.conftest import OperatorProcess, Sim, Workloads, serverless_spec
from tests.kubectl import Kubectl

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "helm" / "targon-operator"
KUBE_VERSION = "1.36.3"

NON_DEFAULT = [
    "--set",
    "watchNamespaces={team-a,team-b}",
    "--set",
    "ha.enabled=true",
    "--set",
    "replicaCount=2",
    "--set",
    "podDisruptionBudget.enabled=true",
    "--set",
    "metrics.serviceMonitor.enabled=true",
    "--set",
    "simulator.enabled=true",
    "--set",
    "logFormat=text",
    "--set",
    "resyncInterval=15",
    "--set",
    "nodeSelector.gpu=none",
    "--set",
    "serviceAccount.annotations.team=ml",
]


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(find_binary("helm")), *args], capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}")
    return result


def render(namespace: str, *values: str) -> list[dict[str, Any]]:
    out = helm(
        "template",
        "targon",
        str(CHART),
        "--namespace",
        namespace,
        "--kube-version",
        KUBE_VERSION,
        "--include-crds",
        *values,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def test_the_chart_lints_with_default_and_non_default_values() -> None:
    assert "0 chart(s) failed" in helm("lint", str(CHART), "--kube-version", KUBE_VERSION).stdout
    assert (
        "0 chart(s) failed"
        in helm("lint", str(CHART), "--kube-version", KUBE_VERSION, *NON_DEFAULT).stdout
    )


def test_the_charts_crd_is_the_projects_crd() -> None:
    assert (CHART / "crds" / "targonworkloads.targon.com.yaml").read_text() == (
        ROOT / "crds" / "targonworkloads.targon.com.yaml"
    ).read_text()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["--set", "resyncInterval=soon"], "at '/resyncInterval': got string, want number"),
        (["--set", "targon.apiKey=sk-live"], "additional properties 'apiKey' not allowed"),
        (["--set", "logLevel=LOUD"], "at '/logLevel'"),
        (["--set", "watchNamespaces={Bad_Name}"], "at '/watchNamespaces/0'"),
        (["--set", "replicaCount=0"], "at '/replicaCount'"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(values: list[str], message: str) -> None:
    result = helm("template", "t", str(CHART), "--kube-version", KUBE_VERSION, *values, check=False)
    assert result.returncode != 0
    assert message in result.stderr


SERVICE_MONITOR_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
    "spec": {
        "group": "monitoring.coreos.com",
        "scope": "Namespaced",
        "names": {
            "kind": "ServiceMonitor",
            "plural": "servicemonitors",
            "singular": "servicemonitor",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


@pytest.mark.parametrize("values", [[], NON_DEFAULT], ids=["default", "non-default"])
def test_the_rendered_chart_is_accepted_by_the_apiserver(
    cluster_kubectl: Kubectl, values: list[str]
) -> None:
    cluster_kubectl.apply(yaml.safe_dump(SERVICE_MONITOR_CRD))
    cluster_kubectl(
        "wait", "--for=condition=Established", "crd/servicemonitors.monitoring.coreos.com"
    )
    for ns in ("targon-system", "team-a", "team-b"):
        cluster_kubectl("create", "namespace", ns, check=False)
    docs = render("targon-system", *values)
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    others = [d for d in docs if d["kind"] != "CustomResourceDefinition"]
    # CRDs first (as Helm does), for real, so that objects of their kinds can be checked.
    cluster_kubectl.apply(yaml.safe_dump_all(crds))
    for crd in crds:
        cluster_kubectl("wait", "--for=condition=Established", f"crd/{crd['metadata']['name']}")
    result = cluster_kubectl(
        "apply", "--dry-run=server", "-f", "-", input=yaml.safe_dump_all(others)
    )
    assert result.returncode == 0
    kinds = {d["kind"] for d in others}
    assert {"Deployment", "ServiceAccount", "Service"} <= kinds
    deployment = next(
        d for d in others if d["kind"] == "Deployment" and "simulator" not in d["metadata"]["name"]
    )
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert "TARGON_API_KEY" not in env  # the key is read from the Secret, never a literal


def test_the_operator_works_with_the_charts_rbac_and_nothing_more(
    cluster_kubectl: Kubectl,
    kubeconfig: Path,
    sim: Sim,
    workloads: Workloads,
    namespace: str,
    tmp_path: Path,
) -> None:
    release_ns = f"{namespace}-op"
    cluster_kubectl("create", "namespace", release_ns)
    docs = render(release_ns, "--set", f"watchNamespaces={{{namespace}}}")
    rbac = [
        d
        for d in docs
        if d["kind"]
        in ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    ]
    # Cluster-scoped names must not collide between test runs on a shared cluster.
    for doc in rbac:
        if doc["kind"].startswith("Cluster"):
            doc["metadata"]["name"] += f"-{namespace}"
            if "roleRef" in doc:
                doc["roleRef"]["name"] += f"-{namespace}"
    cluster_kubectl.apply(yaml.safe_dump_all(rbac))
    admin = cluster_kubectl.in_namespace(release_ns)
    admin("create", "secret", "generic", "targon-api-key", "--from-literal=apiKey=test-key")
    token = admin("create", "token", "targon-targon-operator").stdout.strip()

    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    sa_config = tmp_path / "sa-kubeconfig"
    sa_config.write_text(
        yaml.safe_dump(kubeconfig_for(server=cluster["server"], ca_cert=ca, token=token))
    )

    workloads.kubectl("create", "secret", "generic", "hf", "--from-literal=token=hf_rbac")
    op = OperatorProcess(
        kubeconfig=sa_config,
        sim_url=sim.url,
        namespace=namespace,
        log_path=tmp_path / "op.log",
        api_key=None,
        env={"TARGON_API_KEY_SECRET": f"{release_ns}/targon-api-key/apiKey"},
    ).start()
    try:
        env = [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}]
        workloads.apply("api", serverless_spec(env=env))
        workloads.wait_ready("api", timeout=45)
        assert any(e["reason"] == "StatusChange" for e in workloads.events("api"))
        # Our KubeError reads "GET /path: 403 ... is forbidden"; a bare "403" would also
        # match the milliseconds of a log timestamp.
        logged = op.logs()
        assert "forbidden" not in logged.lower() and ": 403 " not in logged
    finally:
        op.stop()
        print("\n".join(op.logs().splitlines()[-40:]))

    as_operator = Kubectl(kubeconfig=sa_config)
    other = f"{namespace}-other"
    cluster_kubectl("create", "namespace", other)
    cluster_kubectl.in_namespace(other)(
        "create", "secret", "generic", "private", "--from-literal=x=y"
    )
    denied = as_operator("get", "secret", "private", "-n", other, check=False)
    assert denied.returncode != 0 and "forbidden" in denied.stderr.lower()
    denied = as_operator(
        "get", "secret", "-n", release_ns, check=False
    )  # only its own key, by name
    assert denied.returncode != 0 and "forbidden" in denied.stderr.lower()
    assert (
        as_operator(
            "delete", "tw", "api", "-n", namespace, "--dry-run=server", check=False
        ).returncode
        != 0
    )


def test_applying_the_chart_twice_shows_no_diff(cluster_kubectl: Kubectl, namespace: str) -> None:
    """What Argo CD does on every sync: nothing the chart renders is changed behind its back."""
    release_ns = f"{namespace}-gitops"
    cluster_kubectl("create", "namespace", release_ns)
    docs = [
        d
        for d in render(release_ns, "--set", f"watchNamespaces={{{namespace}}}")
        if d["kind"] != "CustomResourceDefinition"
    ]
    for doc in docs:
        if doc["kind"].startswith("Cluster"):
            doc["metadata"]["name"] += f"-{namespace}"
            if "roleRef" in doc:
                doc["roleRef"]["name"] += f"-{namespace}"
    manifest = yaml.safe_dump_all(docs)
    cluster_kubectl(
        "apply", "--server-side", "--field-manager=argocd-controller", "-f", "-", input=manifest
    )
    diff = cluster_kubectl(
        "diff",
        "--server-side",
        "--field-manager=argocd-controller",
        "-f",
        "-",
        input=manifest,
        check=False,
    )
    assert diff.returncode == 0, diff.stdout

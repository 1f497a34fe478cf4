"""The TargonWorkload CRD on a real apiserver: schema, CEL rules, printer columns, status."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.kubectl import Kubectl

pytestmark = pytest.mark.cluster

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*.yaml"))


def manifest(spec: dict[str, object], *, name: str = "wl") -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "targon.com/v1alpha1",
            "kind": "TargonWorkload",
            "metadata": {"name": name},
            "spec": spec,
        }
    )


def serverless(**overrides: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "type": "Serverless",
        "image": "my-model-server:latest",
        "resourceName": "h200-small",
        "serverlessConfig": {"minReplicas": 0, "maxReplicas": 5},
    }
    spec.update(overrides)
    return spec


def rental(**overrides: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "type": "Rental",
        "image": "pytorch/pytorch:latest",
        "resourceName": "h200-small",
    }
    spec.update(overrides)
    return spec


def without(spec: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in spec.items() if k != key}


def test_crd_is_established(cluster_kubectl: Kubectl) -> None:
    crd = cluster_kubectl.json("get", "crd", "targonworkloads.targon.com")
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions["Established"] == "True"
    assert conditions["NamesAccepted"] == "True"
    assert crd["spec"]["names"]["shortNames"] == ["tw", "twl"]
    assert crd["spec"]["names"]["categories"] == ["targon"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_accepted_by_server_side_apply(kubectl: Kubectl, example: Path) -> None:
    result = kubectl("apply", "--server-side", "-f", str(example))
    assert "serverside-applied" in result.stdout


def test_explain_prints_field_descriptions(cluster_kubectl: Kubectl) -> None:
    # The OpenAPI document is published a moment after the CRD is Established.
    out = cluster_kubectl.eventually(
        "explain", "targonworkloads.spec.serverlessConfig", contains="minReplicas"
    )
    assert "Scaling, runtime and probe settings" in out
    assert "scale-to-zero" in out
    probe = cluster_kubectl.eventually(
        "explain", "tw.spec.serverlessConfig.readinessProbe", contains="periodSeconds"
    )
    assert "How often to probe" in probe


def test_get_shows_the_printer_columns(kubectl: Kubectl) -> None:
    kubectl.apply(manifest(serverless()))
    kubectl(
        "patch",
        "tw",
        "wl",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"phase": "RUNNING", "ready": "1/1", "costPerHour": 2.49,'
        ' "url": "https://wrk-abc.caas.targon.com"}}',
    )
    out = kubectl("get", "tw").stdout
    header, row = out.splitlines()[:2]
    assert header.split() == ["NAME", "TYPE", "RESOURCE", "PHASE", "READY", "URL", "COST/H", "AGE"]
    assert row.split()[:7] == [
        "wl",
        "Serverless",
        "h200-small",
        "RUNNING",
        "1/1",
        "https://wrk-abc.caas.targon.com",
        "2.49",
    ]
    assert "wl" in kubectl("get", "targon").stdout  # the category


INVALID: list[tuple[str, dict[str, object], str]] = [
    (
        "rental-with-serverless-config",
        rental(serverlessConfig={"maxReplicas": 1}),
        "spec.serverlessConfig",
    ),
    (
        "serverless-without-config",
        without(serverless(), "serverlessConfig"),
        "spec.serverlessConfig",
    ),
    (
        "serverless-with-volumes",
        serverless(volumes=[{"uid": "vol-a", "mountPath": "/d"}]),
        "spec.volumes",
    ),
    ("serverless-with-ssh-keys", serverless(sshKeys=["shk-a"]), "spec.sshKeys"),
    ("unknown-type", rental(type="Batch"), "spec.type"),
    ("missing-type", without(rental(), "type"), "spec.type"),
    ("missing-image", without(rental(), "image"), "spec.image"),
    ("empty-image", rental(image=""), "spec.image"),
    ("missing-resource-name", without(rental(), "resourceName"), "spec.resourceName"),
    ("port-below-1024", rental(ports=[{"port": 80}]), "spec.ports[0].port"),
    ("port-above-65535", rental(ports=[{"port": 70000}]), "spec.ports[0].port"),
    ("bad-protocol", rental(ports=[{"port": 8080, "protocol": "HTTP"}]), "spec.ports[0].protocol"),
    ("bad-routing", rental(ports=[{"port": 8080, "routing": "PUBLIC"}]), "spec.ports[0].routing"),
    (
        "duplicate-ports",
        rental(ports=[{"port": 8080}, {"port": 8080, "protocol": "UDP"}]),
        "spec.ports[1]",
    ),
    (
        "min-above-max",
        serverless(serverlessConfig={"minReplicas": 5, "maxReplicas": 2}),
        "spec.serverlessConfig.minReplicas",
    ),
    (
        "initial-above-max",
        serverless(serverlessConfig={"maxReplicas": 2, "initialReplicas": 3}),
        "spec.serverlessConfig.initialReplicas",
    ),
    (
        "negative-min",
        serverless(serverlessConfig={"minReplicas": -1, "maxReplicas": 2}),
        "spec.serverlessConfig.minReplicas",
    ),
    (
        "zero-max",
        serverless(serverlessConfig={"maxReplicas": 0}),
        "spec.serverlessConfig.maxReplicas",
    ),
    (
        "bad-duration",
        serverless(serverlessConfig={"maxReplicas": 1, "scaleDownDelay": "5 minutes"}),
        "spec.serverlessConfig.scaleDownDelay",
    ),
    (
        "zero-target-value",
        serverless(serverlessConfig={"maxReplicas": 1, "targetValue": 0}),
        "spec.serverlessConfig.targetValue",
    ),
    (
        "relative-probe-path",
        serverless(serverlessConfig={"maxReplicas": 1, "readinessProbe": {"path": "healthz"}}),
        "spec.serverlessConfig.readinessProbe.path",
    ),
    (
        "zero-probe-period",
        serverless(serverlessConfig={"maxReplicas": 1, "livenessProbe": {"periodSeconds": 0}}),
        "spec.serverlessConfig.livenessProbe.periodSeconds",
    ),
    ("uppercase-name", rental(name="My_Job"), "spec.name"),
    ("name-too-long", rental(name="a" * 64), "spec.name"),
    (
        "env-value-and-value-from",
        rental(
            env=[
                {
                    "name": "A",
                    "value": "x",
                    "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                }
            ]
        ),
        "spec.env[0]",
    ),
    (
        "env-two-sources",
        rental(
            env=[
                {
                    "name": "A",
                    "valueFrom": {
                        "secretKeyRef": {"name": "s", "key": "k"},
                        "configMapKeyRef": {"name": "c", "key": "k"},
                    },
                }
            ]
        ),
        "spec.env[0].valueFrom",
    ),
    (
        "env-secret-ref-without-key",
        rental(env=[{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}]),
        "spec.env[0].valueFrom.secretKeyRef.key",
    ),
    (
        "duplicate-env-names",
        rental(env=[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]),
        "spec.env[1]",
    ),
    (
        "relative-mount-path",
        rental(volumes=[{"uid": "vol-a", "mountPath": "data"}]),
        "spec.volumes[0].mountPath",
    ),
    ("volume-without-uid", rental(volumes=[{"mountPath": "/data"}]), "spec.volumes[0].uid"),
    ("duplicate-ssh-keys", rental(sshKeys=["shk-a", "shk-a"]), "spec.sshKeys[1]"),
    ("bad-deletion-policy", rental(deletionPolicy="Keep"), "spec.deletionPolicy"),
    ("bad-image-digest", rental(imageDigest="abc123"), "spec.imageDigest"),
    ("bad-max-cost", rental(maxCostPerHour="five"), "spec.maxCostPerHour"),
    ("bad-workload-uid", rental(workloadUid="abc"), "spec.workloadUid"),
    (
        "registry-auth-without-secret",
        rental(registryAuth={"server": "r.io"}),
        "spec.registryAuth.secretRef",
    ),
    (
        "inline-registry-password",
        rental(registryAuth={"secretRef": {"name": "r"}, "password": "hunter2"}),
        "spec.registryAuth.password",
    ),
    ("unknown-field", rental(gpus=2), "spec.gpus"),
]


@pytest.mark.parametrize(("case", "spec", "field"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_manifest_is_refused_naming_the_field(
    kubectl: Kubectl, case: str, spec: dict[str, object], field: str
) -> None:
    result = kubectl("create", "-f", "-", input=manifest(spec), check=False)
    assert result.returncode != 0, f"{case} was accepted"
    assert field in result.stderr, result.stderr
    assert "hunter2" not in result.stderr


IMMUTABLE: list[tuple[str, dict[str, object], dict[str, object], str]] = [
    ("type", rental(), {"type": "Serverless", "serverlessConfig": {"maxReplicas": 1}}, "spec.type"),
    ("resource-name", rental(), {"resourceName": "h200-large"}, "spec.resourceName"),
    ("name-changed", rental(name="one"), {"name": "two"}, "spec.name"),
    ("name-added", rental(), {"name": "late"}, "spec.name"),
    (
        "workload-uid-changed",
        rental(workloadUid="wrk-aaa"),
        {"workloadUid": "wrk-bbb"},
        "spec.workloadUid",
    ),
]


@pytest.mark.parametrize(
    ("case", "spec", "change", "field"), IMMUTABLE, ids=[c[0] for c in IMMUTABLE]
)
def test_changing_an_immutable_field_is_refused(
    kubectl: Kubectl, case: str, spec: dict[str, object], change: dict[str, object], field: str
) -> None:
    kubectl.apply(manifest(spec))
    result = kubectl.apply(manifest({**spec, **change}), check=False)
    assert result.returncode != 0, f"changing {case} was accepted"
    assert field in result.stderr and "immutable" in result.stderr, result.stderr


def test_mutable_fields_can_change(kubectl: Kubectl) -> None:
    kubectl.apply(manifest(serverless()))
    kubectl.apply(manifest(serverless(image="my-model-server:v2", suspend=True)))
    assert kubectl.json("get", "tw", "wl")["spec"]["image"] == "my-model-server:v2"


def test_status_is_written_only_through_the_status_subresource(kubectl: Kubectl) -> None:
    kubectl.apply(manifest(serverless()))
    kubectl(
        "patch",
        "tw",
        "wl",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"phase": "RUNNING", "workloadUid": "wrk-abc123def456",'
        ' "conditions": [{"type": "Ready", "status": "True", "reason": "Running",'
        ' "message": "", "lastTransitionTime": "2025-01-15T10:35:00Z"}],'
        ' "kopf": {"progress": {"x": {"retries": 1}}}}}',
    )
    # A spec write (here a merge patch that also names status) leaves status alone...
    kubectl(
        "patch",
        "tw",
        "wl",
        "--type=merge",
        "-p",
        '{"spec": {"image": "v2"}, "status": {"phase": "FAILED"}}',
    )
    obj = kubectl.json("get", "tw", "wl")
    assert obj["spec"]["image"] == "v2"
    assert obj["status"]["phase"] == "RUNNING"
    assert obj["status"]["workloadUid"] == "wrk-abc123def456"
    assert obj["status"]["kopf"] == {"progress": {"x": {"retries": 1}}}
    assert obj["metadata"]["generation"] == 2
    # ...and a status write leaves spec and generation alone.
    kubectl(
        "patch",
        "tw",
        "wl",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"phase": "DEPLOYING", "spec": {"image": "x"}}}',
    )
    obj = kubectl.json("get", "tw", "wl")
    assert obj["spec"]["image"] == "v2"
    assert obj["status"]["phase"] == "DEPLOYING"
    assert obj["metadata"]["generation"] == 2


def test_unknown_status_fields_are_pruned(kubectl: Kubectl) -> None:
    kubectl.apply(manifest(rental()))
    kubectl(
        "patch",
        "tw",
        "wl",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"phase": "X", "bogus": 1}}',
    )
    status = kubectl.json("get", "tw", "wl")["status"]
    assert status == {"phase": "X"}


def test_deletion_policy_defaults_to_delete(kubectl: Kubectl) -> None:
    kubectl.apply(manifest(rental()))
    assert kubectl.json("get", "tw", "wl")["spec"]["deletionPolicy"] == "Delete"

"""Every invalid body is refused with 400, and the error names the offending field."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.reference import SERVERLESS_EXAMPLE

from .helpers import assert_error, create, rental, serverless

DROP = object()


def _sc(**changes: Any) -> dict[str, Any]:
    """The serverless example with its ``serverless_config`` changed."""
    config = copy.deepcopy(SERVERLESS_EXAMPLE["serverless_config"])
    for key, value in changes.items():
        if value is DROP:
            config.pop(key)
        else:
            config[key] = value
    return serverless(serverless_config=config)


def _probe(name: str, **changes: Any) -> dict[str, Any]:
    probe = {"path": "/healthz", "port": 8080, **changes}
    return _sc(**{name: probe})


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


VOLUME = {"uid": "vol-a", "mount_path": "/data"}

INVALID_CREATES: list[tuple[str, dict[str, Any], str]] = [
    ("missing-name", _without(rental(), "name"), "name"),
    ("missing-image", _without(rental(), "image"), "image"),
    ("missing-resource", _without(rental(), "resource_name"), "resource_name"),
    ("missing-type", _without(rental(), "type"), "type"),
    ("name-uppercase", rental(name="My-Job"), "name"),
    ("name-trailing-hyphen", rental(name="job-"), "name"),
    ("name-underscore", rental(name="my_job"), "name"),
    ("name-64-chars", rental(name="a" * 64), "name"),
    ("name-integer", rental(name=123), "name"),
    ("name-empty", rental(name=""), "name"),
    ("image-empty", rental(image=""), "image"),
    ("image-null", rental(image=None), "image"),
    ("image-with-space", rental(image="pytorch latest"), "image"),
    ("resource-unknown", rental(resource_name="h900-huge"), "resource_name"),
    ("type-lowercase", rental(type="rental"), "type"),
    ("type-unknown", rental(type="BATCH"), "type"),
    ("unknown-top-level-field", rental(replicas=2), "replicas"),
    ("project-id-integer", rental(project_id=42), "project_id"),
    ("app-id-null", rental(app_id=None), "app_id"),
    ("ports-object", rental(ports={"port": 8080}), "ports"),
    ("port-below-1024", rental(ports=[{"port": 80}]), "ports[0].port"),
    ("port-above-65535", rental(ports=[{"port": 70000}]), "ports[0].port"),
    ("port-string", rental(ports=[{"port": "8080"}]), "ports[0].port"),
    ("port-boolean", rental(ports=[{"port": True}]), "ports[0].port"),
    ("port-fraction", rental(ports=[{"port": 8080.5}]), "ports[0].port"),
    ("port-missing", rental(ports=[{"protocol": "TCP"}]), "ports[0].port"),
    ("port-protocol", rental(ports=[{"port": 8080, "protocol": "HTTP"}]), "ports[0].protocol"),
    ("port-routing", rental(ports=[{"port": 8080, "routing": "PUBLIC"}]), "ports[0].routing"),
    ("port-duplicate", rental(ports=[{"port": 8080}, {"port": 8080}]), "ports[1].port"),
    ("port-unknown-field", rental(ports=[{"port": 8080, "name": "http"}]), "ports[0].name"),
    ("port-not-object", rental(ports=[8080]), "ports[0]"),
    ("env-name-empty", rental(envs=[{"name": "", "value": "x"}]), "envs[0].name"),
    ("env-name-digit", rental(envs=[{"name": "1ABC", "value": "x"}]), "envs[0].name"),
    ("env-name-missing", rental(envs=[{"value": "x"}]), "envs[0].name"),
    ("env-value-integer", rental(envs=[{"name": "A", "value": 1}]), "envs[0].value"),
    ("env-duplicate", rental(envs=[{"name": "A"}, {"name": "A"}]), "envs[1].name"),
    ("commands-non-string", rental(commands=["python", 3]), "commands[1]"),
    ("args-string", rental(args="serve.py"), "args"),
    ("registry-no-password", rental(registry_auth={"username": "u"}), "registry_auth.password"),
    (
        "registry-username-null",
        rental(registry_auth={"username": None, "password": "p"}),
        "registry_auth.username",
    ),
    (
        "registry-unknown-field",
        rental(registry_auth={"username": "u", "password": "p", "token": "t"}),
        "registry_auth.token",
    ),
    (
        "volume-relative-path",
        rental(volumes=[{"uid": "vol-a", "mount_path": "data"}]),
        "volumes[0].mount_path",
    ),
    (
        "volume-root-path",
        rental(volumes=[{"uid": "vol-a", "mount_path": "/"}]),
        "volumes[0].mount_path",
    ),
    ("volume-missing-uid", rental(volumes=[{"mount_path": "/data"}]), "volumes[0].uid"),
    ("volume-missing-path", rental(volumes=[{"uid": "vol-a"}]), "volumes[0].mount_path"),
    (
        "volume-duplicate-uid",
        rental(volumes=[VOLUME, {"uid": "vol-a", "mount_path": "/other"}]),
        "volumes[1].uid",
    ),
    (
        "volume-duplicate-path",
        rental(volumes=[VOLUME, {"uid": "vol-b", "mount_path": "/data"}]),
        "volumes[1].mount_path",
    ),
    (
        "volume-read-only-string",
        rental(volumes=[{**VOLUME, "read_only": "yes"}]),
        "volumes[0].read_only",
    ),
    ("ssh-key-integer", rental(ssh_keys=[1]), "ssh_keys[0]"),
    ("ssh-key-duplicate", rental(ssh_keys=["shk-a", "shk-a"]), "ssh_keys[1]"),
    ("rental-with-serverless-config", rental(serverless_config={}), "serverless_config"),
    ("serverless-without-config", _without(serverless(), "serverless_config"), "serverless_config"),
    ("serverless-with-volumes", serverless(volumes=[VOLUME]), "volumes"),
    ("serverless-with-ssh-keys", serverless(ssh_keys=["shk-a"]), "ssh_keys"),
    ("sc-not-object", serverless(serverless_config=[]), "serverless_config"),
    ("sc-min-negative", _sc(min_replicas=-1), "serverless_config.min_replicas"),
    ("sc-max-zero", _sc(max_replicas=0), "serverless_config.max_replicas"),
    ("sc-min-above-max", _sc(min_replicas=6), "serverless_config.min_replicas"),
    ("sc-initial-above-max", _sc(initial_replicas=6), "serverless_config.initial_replicas"),
    (
        "sc-initial-below-min",
        _sc(min_replicas=2, initial_replicas=1),
        "serverless_config.initial_replicas",
    ),
    ("sc-min-null", _sc(min_replicas=None), "serverless_config.min_replicas"),
    ("sc-initial-string", _sc(initial_replicas="1"), "serverless_config.initial_replicas"),
    ("sc-concurrency-negative", _sc(target_concurrency=-5), "serverless_config.target_concurrency"),
    ("sc-duration-words", _sc(scale_down_delay="5 minutes"), "serverless_config.scale_down_delay"),
    ("sc-duration-number", _sc(zero_grace_period=600), "serverless_config.zero_grace_period"),
    ("sc-metric-unknown", _sc(scaling_metric="cpu"), "serverless_config.scaling_metric"),
    ("sc-target-zero", _sc(target_value=0), "serverless_config.target_value"),
    ("sc-timeout-zero", _sc(timeout_seconds=0), "serverless_config.timeout_seconds"),
    ("sc-startup-zero", _sc(startup_timeout=0), "serverless_config.startup_timeout"),
    ("sc-unknown-field", _sc(gpu=1), "serverless_config.gpu"),
    (
        "probe-relative-path",
        _probe("readiness_probe", path="healthz"),
        "serverless_config.readiness_probe.path",
    ),
    ("probe-port-zero", _probe("liveness_probe", port=0), "serverless_config.liveness_probe.port"),
    (
        "probe-period-zero",
        _probe("readiness_probe", period_seconds=0),
        "serverless_config.readiness_probe.period_seconds",
    ),
    (
        "probe-negative-delay",
        _probe("startup_probe", initial_delay_seconds=-1),
        "serverless_config.startup_probe.initial_delay_seconds",
    ),
    (
        "probe-failure-threshold-zero",
        _probe("startup_probe", failure_threshold=0),
        "serverless_config.startup_probe.failure_threshold",
    ),
    (
        "probe-unknown-field",
        _probe("readiness_probe", exec="true"),
        "serverless_config.readiness_probe.exec",
    ),
    (
        "annotation-not-string",
        _sc(custom_annotations={"team": 1}),
        "serverless_config.custom_annotations.team",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [pytest.param(body, field, id=case) for case, body, field in INVALID_CREATES],
)
async def test_invalid_create_is_400_naming_the_field(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    # References exist, so that only the defect under test can be refused.
    await admin.post("/_sim/volumes", json={"uid": "vol-a", "name": "a"})
    await admin.post("/_sim/volumes", json={"uid": "vol-b", "name": "b"})
    await admin.post("/_sim/ssh-keys", json={"uid": "shk-a", "name": "a", "public_key_raw": "k"})

    response = await api.post("/workloads", json=body)

    assert_error(response, 400, field)
    assert (await admin.get("/_sim/workloads")).json()["items"] == []


def test_there_are_at_least_thirty_invalid_create_cases() -> None:
    assert len({case for case, _, _ in INVALID_CREATES}) == len(INVALID_CREATES) >= 30


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'"text"', b"null", b'{"name": "a", "name": "b"}', b"NaN"],
    ids=["empty", "not-json", "array", "string", "null", "duplicate-key", "nan"],
)
async def test_non_object_body_is_400_about_the_body(
    api: httpx.AsyncClient, content: bytes
) -> None:
    response = await api.post(
        "/workloads", content=content, headers={"Content-Type": "application/json"}
    )

    body = assert_error(response, 400, None)
    assert body["message"].startswith("body: ")


@pytest.mark.parametrize(
    "body",
    [
        rental(registry_auth={"username": "", "password": "s3cr3t-value"}),
        rental(registry_auth={"username": "u", "password": "s3cr3t-value", "extra": 1}),
        rental(envs=[{"name": "9TOKEN", "value": "s3cr3t-value"}]),
        rental(envs=[{"name": "TOKEN", "value": "s3cr3t-value"}, {"name": "TOKEN", "value": "x"}]),
        rental(envs=[{"name": "TOKEN", "value": "s3cr3t-value", "secret": True}]),
    ],
    ids=["registry-empty-user", "registry-extra", "env-bad-name", "env-duplicate", "env-extra"],
)
async def test_refusals_never_echo_secret_values(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await api.post("/workloads", json=body)

    assert response.status_code == 400
    assert "s3cr3t-value" not in response.text


# --- PATCH ---------------------------------------------------------------------------------

INVALID_RENTAL_PATCHES: list[tuple[str, Any, str | None]] = [
    ("empty-body", {}, None),
    ("array-body", [], None),
    ("type", {"type": "SERVERLESS"}, "type"),
    ("resource-name", {"resource_name": "h200-large"}, "resource_name"),
    ("unknown-field", {"colour": "blue"}, "colour"),
    ("name-invalid", {"name": "Bad Name"}, "name"),
    ("image-empty", {"image": ""}, "image"),
    ("ports-invalid", {"ports": [{"port": 1}]}, "ports[0].port"),
    ("envs-invalid", {"envs": [{"name": "A-B"}]}, "envs[0].name"),
    (
        "serverless-config-on-rental",
        {"serverless_config": {"max_replicas": 1}},
        "serverless_config",
    ),
    ("volumes-invalid", {"volumes": [{"uid": "vol-a"}]}, "volumes[0].mount_path"),
    ("ssh-keys-invalid", {"ssh_keys": "shk-a"}, "ssh_keys"),
    ("registry-auth-invalid", {"registry_auth": {"username": "u"}}, "registry_auth.password"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [pytest.param(body, field, id=case) for case, body, field in INVALID_RENTAL_PATCHES],
)
async def test_invalid_patch_of_a_rental_is_400_and_changes_nothing(
    api: httpx.AsyncClient, body: Any, field: str | None
) -> None:
    workload = await create(api, rental())

    response = await api.patch(f"/workloads/{workload['uid']}", json=body)

    assert_error(response, 400, field)
    assert (await api.get(f"/workloads/{workload['uid']}")).json() == workload


INVALID_SERVERLESS_PATCHES: list[tuple[str, Any, str]] = [
    ("volumes-on-serverless", {"volumes": []}, "volumes"),
    ("ssh-keys-on-serverless", {"ssh_keys": []}, "ssh_keys"),
    (
        "config-min-above-max",
        {"serverless_config": {"min_replicas": 3, "max_replicas": 2}},
        "serverless_config.min_replicas",
    ),
    (
        "config-bad-duration",
        {"serverless_config": {"scale_up_delay": "soon"}},
        "serverless_config.scale_up_delay",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [pytest.param(body, field, id=case) for case, body, field in INVALID_SERVERLESS_PATCHES],
)
async def test_invalid_patch_of_a_serverless_workload_is_400(
    api: httpx.AsyncClient, body: Any, field: str
) -> None:
    workload = await create(api, serverless())

    response = await api.patch(f"/workloads/{workload['uid']}", json=body)

    assert_error(response, 400, field)
    assert (await api.get(f"/workloads/{workload['uid']}")).json()["revision"] == "1"


async def test_patch_with_unknown_volume_is_404_and_changes_nothing(
    api: httpx.AsyncClient,
) -> None:
    workload = await create(api, rental())

    response = await api.patch(
        f"/workloads/{workload['uid']}", json={"volumes": [{"uid": "vol-x", "mount_path": "/x"}]}
    )

    assert_error(response, 404, "volumes[0].uid")
    assert (await api.get(f"/workloads/{workload['uid']}")).json() == workload

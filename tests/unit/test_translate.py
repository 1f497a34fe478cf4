"""Spec -> Targon bodies and Targon -> status, and what counts as drift."""

from __future__ import annotations

from pydantic import SecretStr

from targon_operator import targon, translate
from targon_operator.resource import WorkloadSpec
from targon_operator.translate import ResolvedInputs
from tests.reference import (
    RENTAL_EXAMPLE,
    RENTAL_EXAMPLE_SPEC,
    SERVERLESS_EXAMPLE,
    SERVERLESS_EXAMPLE_SPEC,
)
from tests.unit.builders import NO_INPUTS, rental_spec, spec, summary, workload


def test_a_serverless_spec_becomes_the_reference_create_body() -> None:
    body = translate.create_request(
        WorkloadSpec.model_validate(SERVERLESS_EXAMPLE_SPEC),
        name="my-inference-api",
        inputs=NO_INPUTS,
    ).to_body()
    assert body == SERVERLESS_EXAMPLE


def test_a_rental_spec_becomes_the_reference_create_body() -> None:
    body = translate.create_request(
        WorkloadSpec.model_validate(RENTAL_EXAMPLE_SPEC), name="my-training-job", inputs=NO_INPUTS
    ).to_body()
    assert body == RENTAL_EXAMPLE


def test_rental_only_fields_go_to_rentals_and_command_maps_to_commands() -> None:
    body = translate.create_request(
        rental_spec(command=["python"], args=["train.py"]), name="job", inputs=NO_INPUTS
    ).to_body()
    assert body["type"] == "RENTAL"
    assert body["volumes"] == [{"uid": "vol-a", "mount_path": "/data"}]
    assert body["ssh_keys"] == ["shk-a"]
    assert (body["commands"], body["args"]) == (["python"], ["train.py"])
    assert "serverless_config" not in body


def test_env_values_from_sources_and_registry_auth_are_revealed_only_on_the_wire() -> None:
    inputs = ResolvedInputs(
        env_values={"HF_TOKEN": "hf_abc"},
        registry_auth=targon.RegistryAuth(server="r.io", username="bot", password=SecretStr("pw")),
    )
    s = spec(
        env=[{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}]
    )
    request = translate.create_request(s, name="x", inputs=inputs)
    assert request.to_body()["envs"] == [{"name": "HF_TOKEN", "value": "hf_abc"}]
    assert request.to_body()["registry_auth"]["password"] == "pw"
    assert "pw" not in repr(request) and "hf_abc" not in repr(request)
    assert "hf_abc" not in repr(inputs) and "pw" not in str(request.model_dump())


def test_targon_defaults_and_order_are_not_drift() -> None:
    remote = workload(
        ports=[{"port": 8080}],
        serverless_config={"min_replicas": 0, "max_replicas": 5, "container_concurrency": 0},
    )
    assert translate.drifted_fields(spec(ports=[{"port": 8080}]), remote, inputs=NO_INPUTS) == set()
    s = rental_spec(
        volumes=[{"uid": "vol-a", "mountPath": "/data", "readOnly": False}], sshKeys=["k2", "k1"]
    )
    rental = workload(
        type="RENTAL",
        serverless_config=None,
        ports=[],
        envs=[],
        image="pytorch/pytorch:latest",
        volumes=[{"uid": "vol-a", "mount_path": "/data"}],
        ssh_keys=[{"uid": "k1"}, {"uid": "k2"}],
    )
    assert translate.drifted_fields(s, rental, inputs=NO_INPUTS) == set()


def test_every_differing_field_is_drift() -> None:
    remote = workload(
        image="other",
        ports=[{"port": 9000}],
        envs=[{"name": "MODEL_NAME", "value": "x"}],
        commands=["sh"],
        serverless_config={"min_replicas": 1, "max_replicas": 5},
    )
    assert translate.drifted_fields(spec(), remote, inputs=NO_INPUTS) == {
        "image",
        "ports",
        "envs",
        "commands",
        "serverless_config",
    }


def test_an_update_carries_exactly_the_named_fields_and_clears_lists() -> None:
    request = translate.update_request(
        spec(image="v2", command=[]), fields={"image", "commands"}, inputs=NO_INPUTS
    )
    assert request.to_body() == {"image": "v2", "commands": []}
    assert translate.update_request(spec(), fields=set(), inputs=NO_INPUTS).is_empty()


def test_changed_fields_name_the_targon_fields_of_changed_spec_fields() -> None:
    old = {"image": "a", "env": [{"name": "A", "value": "1"}], "suspend": False}
    new = {"image": "b", "env": [{"name": "A", "value": "1"}], "suspend": True}
    assert translate.changed_fields(old, new) == {"image"}


def test_status_mirrors_the_remote_view() -> None:
    item = summary(
        uid="wrk-9",
        status="RUNNING",
        state={
            "status": "RUNNING",
            "message": "",
            "ready_replicas": 2,
            "total_replicas": 3,
            "urls": [{"port": 8080, "url": "https://a"}, {"port": 9090, "url": "https://b"}],
        },
        cost_per_hour=4.98,
        resource={
            "name": "h200-medium",
            "display_name": "H200 M",
            "gpu_type": "H200",
            "gpu_count": 2,
        },
        created_at="2025-01-15T10:30:00Z",
        updated_at="2025-01-15T10:31:00Z",
        revision="7",
    )
    status = translate.remote_status(item)
    assert status["ready"] == "2/3" and status["url"] == "https://a" and len(status["urls"]) == 2
    assert status["resource"] == {
        "name": "h200-medium",
        "displayName": "H200 M",
        "gpuType": "H200",
        "gpuCount": 2,
    }
    assert (status["costPerHour"], status["revision"], status["workloadUid"]) == (
        4.98,
        "7",
        "wrk-9",
    )

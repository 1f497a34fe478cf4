"""Each single-object endpoint through the client: the wire body it sends, the model it returns.

The request bodies are the reference's examples built with the models; the simulator's
journal shows what went over the wire, and the parsed responses must carry every field
of the reference's example responses (``exclude_unset`` proves they were parsed, not
defaulted).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from targon_operator.targon import (
    SERVERLESS,
    Env,
    NotFound,
    Phase,
    SSHKeyAttachment,
    TargonClient,
    UpdateWorkloadRequest,
    VolumeAttachment,
    classify,
)
from tests.integration.sim.helpers import (
    H200_SMALL,
    PATCH_EXAMPLE,
    SUMMARY_FIELDS,
)
from tests.reference import RENTAL_EXAMPLE, SERVERLESS_EXAMPLE

from .helpers import (
    RENTAL_RESPONSE_EXAMPLE,
    SSH_KEY_UID,
    VOLUME_UID,
    SimAdmin,
    assert_matches_example,
    assert_secret_free,
    digest_of,
    rental,
    rental_example,
    serverless_example,
    wait_for_status,
)

pytestmark = pytest.mark.usefixtures("references")


def _serverless_response_example() -> dict[str, Any]:
    """The reference's "Example Response (Serverless)": the rental's, reshaped."""
    example = {k: v for k, v in RENTAL_RESPONSE_EXAMPLE.items() if k not in ("volumes", "ssh_keys")}
    example.update(
        name="my-inference-api",
        image="my-model-server:latest",
        type=SERVERLESS,
        ports=[{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
        serverless_config=copy.deepcopy(SERVERLESS_EXAMPLE["serverless_config"]),
    )
    return example


async def test_create_rental_sends_the_reference_body_and_parses_every_field(
    client: TargonClient, admin: SimAdmin
) -> None:
    request = rental_example()
    assert request.to_body() == RENTAL_EXAMPLE

    workload = await client.create_workload(request)

    (sent,) = await admin.journal(method="POST", path="/workloads$")
    assert sent["body"] == RENTAL_EXAMPLE
    assert sent["status"] == 200
    assert_matches_example(
        RENTAL_RESPONSE_EXAMPLE, workload.model_dump(mode="json", exclude_unset=True)
    )
    assert classify(workload.state.status) is Phase.REGISTERED


async def test_create_serverless_sends_the_reference_body_and_parses_every_field(
    client: TargonClient, admin: SimAdmin
) -> None:
    request = serverless_example()
    assert request.to_body() == SERVERLESS_EXAMPLE

    workload = await client.create_workload(request)

    (sent,) = await admin.journal(method="POST", path="/workloads$")
    assert sent["body"] == SERVERLESS_EXAMPLE
    parsed = workload.model_dump(mode="json", exclude_unset=True)
    assert_matches_example(_serverless_response_example(), parsed)
    assert "volumes" not in parsed
    assert "ssh_keys" not in parsed


async def test_get_returns_the_full_workload(client: TargonClient) -> None:
    created = await client.create_workload(rental_example())

    fetched = await client.get_workload(created.uid)

    assert fetched == created
    assert_matches_example(
        RENTAL_RESPONSE_EXAMPLE, fetched.model_dump(mode="json", exclude_unset=True)
    )


async def test_update_sends_only_the_fields_that_were_set(
    client: TargonClient, admin: SimAdmin
) -> None:
    created = await client.create_workload(rental_example())
    request = UpdateWorkloadRequest(
        image="pytorch/pytorch:2.0", envs=[Env(name="MODEL_NAME", value="llama-3.1")]
    )

    updated = await client.update_workload(created.uid, request)

    (sent,) = await admin.journal(method="PATCH")
    assert sent["path"] == f"/tha/v2/workloads/{created.uid}"
    assert sent["body"] == PATCH_EXAMPLE
    assert updated.image == "pytorch/pytorch:2.0"
    assert [(e.name, e.value) for e in updated.envs] == [("MODEL_NAME", "llama-3.1")]
    assert updated.revision == "2"
    assert updated.ports == created.ports
    assert updated.volumes == created.volumes


async def test_delete_removes_the_workload(
    client: TargonClient, admin: SimAdmin, api_key: str
) -> None:
    created = await client.create_workload(rental())

    await client.delete_workload(created.uid)

    (sent,) = await admin.journal(method="DELETE")
    assert sent["status"] == 204
    with pytest.raises(NotFound) as caught:
        await client.get_workload(created.uid)
    assert_secret_free(caught.value, api_key)


async def test_deploy_answers_202_deploying_and_the_workload_then_runs(
    client: TargonClient, admin: SimAdmin
) -> None:
    created = await client.create_workload(rental_example())

    deployed = await client.deploy_workload(created.uid)

    (sent,) = await admin.journal(method="POST", path="/deploy$")
    assert sent["status"] == 202
    assert deployed.model_fields_set >= SUMMARY_FIELDS
    assert deployed.uid == created.uid
    assert deployed.state.status == "DEPLOYING"
    assert (deployed.state.ready_replicas, deployed.state.total_replicas) == (0, 1)
    assert deployed.resource is not None
    assert deployed.resource.model_dump() == H200_SMALL
    assert deployed.revision == "1"
    assert classify(deployed.state.status) is Phase.DEPLOYING
    await wait_for_status(client, created.uid, "RUNNING")


async def test_state_reports_status_replicas_and_urls(client: TargonClient) -> None:
    created = await client.create_workload(rental_example())
    registered = await client.get_state(created.uid)
    await client.deploy_workload(created.uid)
    await wait_for_status(client, created.uid, "RUNNING")

    state = await client.get_state(created.uid)

    assert registered.status == "REGISTERED"
    assert registered.urls == []
    assert set(state.model_fields_set) >= {
        "uid", "workload_type", "status", "message", "ready_replicas", "total_replicas",
        "urls", "updated_at",
    }  # fmt: skip
    assert (state.uid, state.workload_type, state.status) == (created.uid, "RENTAL", "RUNNING")
    assert (state.ready_replicas, state.total_replicas) == (1, 1)
    # Only the PROXIED port gets a URL; the DIRECT one (2222) does not.
    assert [(u.port, u.url) for u in state.urls] == [
        (8080, f"https://{created.uid}.caas.targon.com")
    ]


@pytest.mark.parametrize("prefix", ["sha256:", ""])
async def test_verify_is_true_for_the_image_digest(client: TargonClient, prefix: str) -> None:
    created = await client.create_workload(rental())
    digest = digest_of(created.image).removeprefix("sha256:")

    result = await client.verify_workload(created.uid, prefix + digest)

    assert result.verified is True


async def test_verify_is_false_for_another_digest(client: TargonClient, admin: SimAdmin) -> None:
    created = await client.create_workload(rental())
    other = digest_of("pytorch/pytorch:2.0")

    result = await client.verify_workload(created.uid, other)

    assert result.verified is False
    (sent,) = await admin.journal(path="/verify$")
    assert sent["body"] == {"uid": created.uid, "digest": other}


async def test_attach_and_detach_a_volume(client: TargonClient, admin: SimAdmin) -> None:
    created = await client.create_workload(rental())

    attached = await client.attach_volume(created.uid, VOLUME_UID, mount_path="/data")
    mounted = await client.get_workload(created.uid)
    await client.detach_volume(created.uid, VOLUME_UID)
    unmounted = await client.get_workload(created.uid)

    assert attached == VolumeAttachment(
        workload_uid=created.uid, uid=VOLUME_UID, mount_path="/data", read_only=False
    )
    assert [(v.uid, v.name, v.mount_path) for v in mounted.volumes] == [
        (VOLUME_UID, "my-data", "/data")
    ]
    assert unmounted.volumes == []
    put, delete = await admin.journal(path="/volumes/")
    assert (put["method"], put["body"], put["status"]) == ("PUT", {"mount_path": "/data"}, 200)
    assert (delete["method"], delete["status"]) == ("DELETE", 204)


async def test_attach_a_volume_read_only_sends_the_flag(
    client: TargonClient, admin: SimAdmin
) -> None:
    created = await client.create_workload(rental())

    attached = await client.attach_volume(
        created.uid, VOLUME_UID, mount_path="/data", read_only=True
    )

    assert attached.read_only is True
    (put,) = await admin.journal(method="PUT")
    assert put["body"] == {"mount_path": "/data", "read_only": True}


async def test_attach_and_detach_an_ssh_key(client: TargonClient, admin: SimAdmin) -> None:
    created = await client.create_workload(rental())

    attached = await client.attach_ssh_key(created.uid, SSH_KEY_UID)
    with_key = await client.get_workload(created.uid)
    await client.detach_ssh_key(created.uid, SSH_KEY_UID)
    without_key = await client.get_workload(created.uid)

    assert attached == SSHKeyAttachment(workload_uid=created.uid, ssh_key_uid=SSH_KEY_UID)
    assert [(k.uid, k.name) for k in with_key.ssh_keys] == [(SSH_KEY_UID, "my-laptop")]
    assert without_key.ssh_keys == []
    put, delete = await admin.journal(path="/ssh-keys/")
    assert (put["method"], put["body"], put["status"]) == ("PUT", None, 200)
    assert (delete["method"], delete["status"]) == ("DELETE", 204)

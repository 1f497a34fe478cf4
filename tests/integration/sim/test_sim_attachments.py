"""Attaching and detaching volumes and SSH keys: rental only, revisions, events, conflicts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import assert_error, create, rental, running, serverless, status_of


@pytest.fixture
async def stage(admin: httpx.AsyncClient) -> None:
    for uid in ("vol-a", "vol-b"):
        await admin.post("/_sim/volumes", json={"uid": uid, "name": f"name-of-{uid}"})
    for uid in ("shk-a", "shk-b"):
        await admin.post(
            "/_sim/ssh-keys",
            json={"uid": uid, "name": f"key-{uid}", "public_key_raw": "ssh-ed25519 AAAA"},
        )


async def _last_event(api: httpx.AsyncClient, uid: str) -> dict[str, Any]:
    items = (await api.get(f"/workloads/{uid}/events", params={"limit": 100})).json()["items"]
    event: dict[str, Any] = items[-1]
    return event


@pytest.mark.usefixtures("stage")
async def test_attaching_a_volume_to_a_running_rental_does_not_restart_it(
    api: httpx.AsyncClient,
) -> None:
    workload = await running(api, rental())
    uid = workload["uid"]

    response = await api.put(
        f"/workloads/{uid}/volumes/vol-a", json={"mount_path": "/data", "read_only": True}
    )

    assert response.status_code == 200
    assert response.json() == {
        "workload_uid": uid,
        "uid": "vol-a",
        "mount_path": "/data",
        "read_only": True,
    }
    got = (await api.get(f"/workloads/{uid}")).json()
    assert got["volumes"] == [
        {"uid": "vol-a", "name": "name-of-vol-a", "mount_path": "/data", "read_only": True}
    ]
    assert got["revision"] == "2"
    assert got["state"]["status"] == "RUNNING"
    event = await _last_event(api, uid)
    assert (event["event_type"], event["new_status"]) == ("VOLUME_ATTACHED", "RUNNING")
    listed = (await api.get("/workloads")).json()["items"][0]
    assert listed["volumes"] == got["volumes"]


@pytest.mark.usefixtures("stage")
async def test_read_only_defaults_to_false(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    response = await api.put(
        f"/workloads/{workload['uid']}/volumes/vol-a", json={"mount_path": "/d"}
    )

    assert response.json()["read_only"] is False


@pytest.mark.usefixtures("stage")
async def test_attaching_an_attached_volume_is_409(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(volumes=[{"uid": "vol-a", "mount_path": "/data"}]))

    response = await api.put(
        f"/workloads/{workload['uid']}/volumes/vol-a", json={"mount_path": "/elsewhere"}
    )

    assert_error(response, 409, "volume_uid")


@pytest.mark.usefixtures("stage")
async def test_attaching_at_a_used_mount_path_is_400(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(volumes=[{"uid": "vol-a", "mount_path": "/data"}]))

    response = await api.put(
        f"/workloads/{workload['uid']}/volumes/vol-b", json={"mount_path": "/data"}
    )

    assert_error(response, 400, "mount_path")


@pytest.mark.usefixtures("stage")
@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "mount_path"), ({"mount_path": "data"}, "mount_path"),
     ({"mount_path": "/d", "read_only": "no"}, "read_only"), ({"mount_path": "/d", "x": 1}, "x")],
    ids=["missing-path", "relative-path", "read-only-string", "unknown-field"],
)  # fmt: skip
async def test_invalid_attach_body_is_400(
    api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    workload = await create(api, rental())

    assert_error(
        await api.put(f"/workloads/{workload['uid']}/volumes/vol-a", json=body), 400, field
    )


async def test_attaching_an_unknown_volume_is_404(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    response = await api.put(
        f"/workloads/{workload['uid']}/volumes/vol-zzz", json={"mount_path": "/d"}
    )

    assert_error(response, 404, "volume_uid")


@pytest.mark.usefixtures("stage")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "volumes/vol-a", {"mount_path": "/d"}),
        ("DELETE", "volumes/vol-a", None),
        ("PUT", "ssh-keys/shk-a", None),
        ("DELETE", "ssh-keys/shk-a", None),
    ],
    ids=["attach-volume", "detach-volume", "attach-key", "detach-key"],
)
async def test_attachments_on_a_serverless_workload_are_400(
    api: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    workload = await create(api, serverless())

    response = await api.request(method, f"/workloads/{workload['uid']}/{path}", json=body)

    assert_error(response, 400, "workload_uid")


@pytest.mark.usefixtures("stage")
async def test_detaching_a_volume_answers_204_then_404(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(volumes=[{"uid": "vol-a", "mount_path": "/data"}]))
    uid = workload["uid"]

    first = await api.delete(f"/workloads/{uid}/volumes/vol-a")
    second = await api.delete(f"/workloads/{uid}/volumes/vol-a")

    assert (first.status_code, first.content) == (204, b"")
    assert_error(second, 404, "volume_uid")
    got = (await api.get(f"/workloads/{uid}")).json()
    assert (got["volumes"], got["revision"]) == ([], "2")
    assert (await _last_event(api, uid))["event_type"] == "VOLUME_DETACHED"


@pytest.mark.usefixtures("stage")
async def test_attaching_an_ssh_key_answers_the_pair_and_shows_the_key(
    api: httpx.AsyncClient,
) -> None:
    workload = await running(api, rental(ssh_keys=["shk-a"]))
    uid = workload["uid"]

    response = await api.put(f"/workloads/{uid}/ssh-keys/shk-b")

    assert response.status_code == 200
    assert response.json() == {"workload_uid": uid, "ssh_key_uid": "shk-b"}
    got = (await api.get(f"/workloads/{uid}")).json()
    assert [k["uid"] for k in got["ssh_keys"]] == ["shk-a", "shk-b"]
    assert got["ssh_keys"][1] == {
        "uid": "shk-b",
        "name": "key-shk-b",
        "public_key_raw": "ssh-ed25519 AAAA",
    }
    assert got["revision"] == "2"
    assert await status_of(api, uid) == "RUNNING"
    assert (await _last_event(api, uid))["event_type"] == "SSH_KEY_ATTACHED"


@pytest.mark.usefixtures("stage")
async def test_attaching_an_attached_ssh_key_is_409(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(ssh_keys=["shk-a"]))

    assert_error(await api.put(f"/workloads/{workload['uid']}/ssh-keys/shk-a"), 409, "ssh_key_uid")


async def test_attaching_an_unknown_ssh_key_is_404(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental())

    assert_error(
        await api.put(f"/workloads/{workload['uid']}/ssh-keys/shk-zzz"), 404, "ssh_key_uid"
    )


@pytest.mark.usefixtures("stage")
async def test_detaching_an_ssh_key_answers_204_then_404(api: httpx.AsyncClient) -> None:
    workload = await create(api, rental(ssh_keys=["shk-a", "shk-b"]))
    uid = workload["uid"]

    first = await api.delete(f"/workloads/{uid}/ssh-keys/shk-a")
    second = await api.delete(f"/workloads/{uid}/ssh-keys/shk-a")

    assert (first.status_code, first.content) == (204, b"")
    assert_error(second, 404, "ssh_key_uid")
    got = (await api.get(f"/workloads/{uid}")).json()
    assert [k["uid"] for k in got["ssh_keys"]] == ["shk-b"]
    assert (await _last_event(api, uid))["event_type"] == "SSH_KEY_DETACHED"

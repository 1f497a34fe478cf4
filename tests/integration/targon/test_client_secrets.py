"""The API key and registry passwords stay out of reprs, errors, dumps and logs.

They leave the process only where they must: the key in the Authorization header, the
registry password in the create or PATCH body (the simulator's journal shows the wire).
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from targon_operator.targon import (
    NO_RETRIES,
    CallRecord,
    Env,
    RegistryAuth,
    RetryPolicy,
    TargonClient,
    TargonConfig,
    TargonConfigError,
    TargonError,
    UpdateWorkloadRequest,
)

from .helpers import MakeClient, SimAdmin, assert_secret_free, closed_port, rental

PASSWORD = "hunter2-registry-token"
ENV_SECRET = "env-secret-value-42"


def _registry_auth() -> RegistryAuth:
    return RegistryAuth(server="ghcr.io", username="bot", password=SecretStr(PASSWORD))


async def test_api_key_is_not_in_the_config_or_client_repr(api_key: str) -> None:
    config = TargonConfig(api_key=SecretStr(api_key), base_url="http://127.0.0.1:1")
    async with TargonClient(config) as client:
        texts = (repr(config), str(config), repr(client), str(client), repr(vars(config)))

    for text in texts:
        assert api_key not in text
    assert "**********" in repr(config)


def test_from_env_config_does_not_show_the_key() -> None:
    config = TargonConfig.from_env(environ={"TARGON_API_KEY": "sk-from-env-99"})

    assert "sk-from-env-99" not in repr(config)
    assert config.api_key.get_secret_value() == "sk-from-env-99"


async def test_api_key_is_not_in_log_records(
    make_client: MakeClient,
    admin: SimAdmin,
    api_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    impatient = make_client(read_timeout=0.3)
    refused = make_client(base_url=f"http://127.0.0.1:{closed_port()}")
    wrong = make_client(api_key="sk-wrong-key-31337", retry=NO_RETRIES)
    workload = await client.create_workload(rental(registry_auth=_registry_auth()))
    await client.deploy_workload(workload.uid)
    await admin.faults(
        {"method": "GET", "path": "/state$", "status": 503, "times": 1},
        {"method": "GET", "path": "/events$", "hang": True, "times": 1},
    )
    await client.get_state(workload.uid)
    await impatient.list_events_page(workload.uid)
    _ = [line async for line in client.stream_logs(workload.uid)]
    for call in (refused.list_workloads_page(), wrong.get_workload(workload.uid)):
        with pytest.raises(TargonError) as caught:
            await call
        assert_secret_free(caught.value, api_key, "sk-wrong-key-31337")

    records = caplog.records
    assert any(r.name.startswith("httpx") for r in records), "httpx logs were not captured"
    assert any("retrying" in r.getMessage() for r in records), "retries were not logged"
    for record in records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for secret in (api_key, "sk-wrong-key-31337", PASSWORD):
            assert secret not in text, f"{record.name} logged a secret"


@pytest.mark.parametrize(
    "key",
    ["", "sk-secret-123\n", " sk-secret-123", "sk secret 123", "sk-s\u00e9cret-123", "sk\tx"],
    ids=["empty", "trailing-newline", "leading-space", "inner-space", "non-ascii", "tab"],
)
async def test_malformed_key_fails_as_config_error_without_quoting_it(
    make_client: MakeClient, admin: SimAdmin, calls: list[CallRecord], key: str
) -> None:
    client = make_client(api_key=key, retry=RetryPolicy(max_attempts=3, base_delay=0.01))

    with pytest.raises(TargonConfigError) as caught:
        await client.list_workloads_page()
    with pytest.raises(TargonConfigError):
        _ = [line async for line in client.stream_logs("wrk-000000000000")]

    if key.strip():
        assert_secret_free(caught.value, key, key.strip())
    assert calls == []
    assert await admin.journal() == []


def test_registry_password_is_masked_in_repr_and_dumps() -> None:
    auth = _registry_auth()
    request = rental(registry_auth=auth)
    update = UpdateWorkloadRequest(registry_auth=auth)

    for model in (auth, request, update):
        for text in (repr(model), str(model), model.model_dump_json()):
            assert PASSWORD not in text
        assert PASSWORD not in repr(model.model_dump())
        assert PASSWORD not in repr(model.model_dump(mode="json"))
    assert auth.model_dump()["password"] == "**********"
    assert auth.password is not None
    assert auth.password.get_secret_value() == PASSWORD


def test_env_values_are_not_in_the_request_repr() -> None:
    request = rental(envs=[Env(name="TOKEN", value=ENV_SECRET)])

    assert ENV_SECRET not in repr(request)
    assert request.to_body()["envs"] == [{"name": "TOKEN", "value": ENV_SECRET}]


async def test_registry_password_is_sent_in_the_create_body(
    client: TargonClient, admin: SimAdmin
) -> None:
    workload = await client.create_workload(rental(registry_auth=_registry_auth()))

    (sent,) = await admin.journal(method="POST")
    assert sent["body"]["registry_auth"] == {
        "server": "ghcr.io",
        "username": "bot",
        "password": PASSWORD,
    }
    stored = await admin.workload(workload.uid)
    assert stored["registry_auth"]["password"] == PASSWORD
    # The API never returns the credentials.
    assert "registry_auth" not in (workload.model_extra or {})
    assert PASSWORD not in repr(workload)


async def test_registry_password_is_sent_in_the_update_body(
    client: TargonClient, admin: SimAdmin
) -> None:
    workload = await client.create_workload(rental())

    await client.update_workload(
        workload.uid, UpdateWorkloadRequest(registry_auth=_registry_auth())
    )

    (sent,) = await admin.journal(method="PATCH")
    assert sent["body"] == {
        "registry_auth": {"server": "ghcr.io", "username": "bot", "password": PASSWORD}
    }

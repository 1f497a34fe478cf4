"""``TargonConfig``: built once from arguments and the environment, then immutable."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import SecretStr

from targon_operator.sim import Simulator
from targon_operator.targon import (
    DEFAULT_BASE_URL,
    NO_RETRIES,
    TargonClient,
    TargonConfig,
    TargonConfigError,
)


def test_from_env_reads_url_and_key_from_the_mapping() -> None:
    environ = {"TARGON_API_URL": "http://sim.local:8090", "TARGON_API_KEY": "sk-env"}

    config = TargonConfig.from_env(environ=environ)

    assert config.base_url == "http://sim.local:8090"
    assert config.api_key.get_secret_value() == "sk-env"


def test_arguments_win_over_the_environment() -> None:
    environ = {"TARGON_API_URL": "http://env.local", "TARGON_API_KEY": "sk-env"}

    config = TargonConfig.from_env(api_key="sk-arg", base_url="http://arg.local", environ=environ)

    assert config.base_url == "http://arg.local"
    assert config.api_key.get_secret_value() == "sk-arg"


def test_a_secret_str_argument_is_kept_as_is() -> None:
    key = SecretStr("sk-arg")

    assert TargonConfig.from_env(api_key=key, environ={}).api_key is key


@pytest.mark.parametrize("environ", [{}, {"TARGON_API_KEY": ""}, {"TARGON_API_URL": "http://x"}])
def test_missing_key_is_a_config_error(environ: dict[str, str]) -> None:
    with pytest.raises(TargonConfigError, match="TARGON_API_KEY"):
        TargonConfig.from_env(environ=environ)


def test_without_a_url_the_public_api_is_used() -> None:
    config = TargonConfig.from_env(environ={"TARGON_API_KEY": "sk"})

    assert config.base_url == DEFAULT_BASE_URL == "https://api.targon.com"


def test_trailing_slash_of_the_url_is_dropped() -> None:
    config = TargonConfig.from_env(environ={"TARGON_API_URL": "http://x:1/", "TARGON_API_KEY": "k"})

    assert config.base_url == "http://x:1"


def test_other_settings_pass_through_from_env() -> None:
    config = TargonConfig.from_env(
        environ={"TARGON_API_KEY": "k"}, read_timeout=1.5, connect_timeout=0.5, retry=NO_RETRIES
    )

    assert (config.read_timeout, config.connect_timeout, config.retry) == (1.5, 0.5, NO_RETRIES)


def test_from_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGON_API_KEY", "sk-process")
    monkeypatch.setenv("TARGON_API_URL", "http://process.local")

    config = TargonConfig.from_env()

    assert (config.base_url, config.api_key.get_secret_value()) == (
        "http://process.local",
        "sk-process",
    )


def test_config_is_immutable() -> None:
    config = TargonConfig.from_env(environ={"TARGON_API_KEY": "k"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        config.base_url = "http://elsewhere"  # type: ignore[misc]


async def test_a_config_from_env_reaches_the_simulator(simulator: Simulator) -> None:
    environ = {
        "TARGON_API_URL": simulator.url + "/",
        "TARGON_API_KEY": simulator.config.api_keys[0],
    }

    async with TargonClient(TargonConfig.from_env(environ=environ)) as client:
        page = await client.list_workloads_page()

    assert page.items == []
    assert page.next_cursor == ""

"""Settings: environment, then flags; every field documented."""

from __future__ import annotations

import argparse

import pytest
from pydantic import ValidationError

from targon_operator.settings import OperatorSettings, add_arguments


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_flags_win_over_the_environment_which_wins_over_defaults() -> None:
    env = {
        "TARGON_RESYNC_INTERVAL": "45",
        "TARGON_NAMESPACES": "a, b",
        "TARGON_API_URL": "http://env",
    }
    settings = OperatorSettings.load(parse("--api-url", "http://flag", "--standalone"), environ=env)
    assert settings.api_url == "http://flag"
    assert settings.resync_interval == 45
    assert settings.namespaces == ["a", "b"]
    assert settings.standalone is True
    assert OperatorSettings.load(parse(), environ={}).resync_interval == 30


def test_the_api_key_is_never_shown() -> None:
    settings = OperatorSettings.load(parse(), environ={"TARGON_API_KEY": "sk-live-123"})
    assert "sk-live-123" not in repr(settings) and "sk-live-123" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("var", "value"),
    [("TARGON_RESYNC_INTERVAL", "0"), ("TARGON_LOG_LEVEL", "LOUD"), ("TARGON_PAGE_SIZE", "x")],
)
def test_bad_values_are_refused_naming_the_setting(var: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        OperatorSettings.load(parse(), environ={var: value})
    assert var.removeprefix("TARGON_").lower() in str(info.value)


def test_every_setting_is_documented() -> None:
    assert all(f.description for f in OperatorSettings.model_fields.values())

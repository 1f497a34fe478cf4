"""Registry credentials from dockerconfigjson Secrets, and image registry hosts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from targon_operator import errors
from targon_operator.runtime.inputs import registry_auth_from, registry_of


def secret(auths: dict[str, Any], kind: str = "kubernetes.io/dockerconfigjson") -> dict[str, Any]:
    raw = base64.b64encode(json.dumps({"auths": auths}).encode()).decode()
    return {"metadata": {"name": "regcred"}, "type": kind, "data": {".dockerconfigjson": raw}}


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("pytorch/pytorch:latest", None),
        ("ubuntu", None),
        ("registry.example.com/team/llm:1", "registry.example.com"),
        ("localhost:5000/x", "localhost:5000"),
        ("ghcr.io/org/img@sha256:abc", "ghcr.io"),
    ],
)
def test_the_registry_of_an_image(image: str, registry: str | None) -> None:
    assert registry_of(image) == registry


def test_the_entry_for_the_images_registry_is_used_from_auth_or_fields() -> None:
    auth = base64.b64encode(b"bot:s3cret").decode()
    s = secret(
        {"https://index.docker.io/v1/": {"auth": "eDp5"}, "registry.example.com": {"auth": auth}}
    )
    result = registry_auth_from(s, image="registry.example.com/a/b:1", server=None)
    assert (result.server, result.username) == ("registry.example.com", "bot")
    assert result.password is not None and result.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(result)


def test_a_single_entry_is_used_for_docker_hub_images_and_server_overrides() -> None:
    s = secret(
        {
            "docker.io": {"username": "u", "password": "p"},
            "other.io": {"username": "v", "password": "q"},
        }
    )
    assert registry_auth_from(s, image="pytorch/pytorch", server="other.io").username == "v"
    single = secret({"docker.io": {"username": "u", "password": "p"}})
    assert registry_auth_from(single, image="pytorch/pytorch", server=None).username == "u"


@pytest.mark.parametrize(
    ("s", "message"),
    [
        (secret({}, kind="Opaque"), "expected kubernetes.io/dockerconfigjson"),
        (
            secret(
                {
                    "a.io": {"username": "u", "password": "p"},
                    "b.io": {"username": "u", "password": "p"},
                }
            ),
            "set spec.registryAuth.server",
        ),
        (secret({"a.io": {"username": "u"}}), "no username and password"),
        (
            {"metadata": {"name": "regcred"}, "type": "kubernetes.io/dockerconfigjson", "data": {}},
            "no .dockerconfigjson",
        ),
    ],
)
def test_unusable_registry_secrets_are_explained_without_values(
    s: dict[str, Any], message: str
) -> None:
    with pytest.raises(errors.InvalidSource, match=message) as info:
        registry_auth_from(s, image="pytorch/pytorch", server=None)
    assert "spec.registryAuth.secretRef" in str(info.value)

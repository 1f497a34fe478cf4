"""Reading what a spec references: env values, registry credentials, the API key.

Values come from Secrets and ConfigMaps in the resource's own namespace, read when a
reconcile needs them (never cached across reconciles, so a fixed Secret is seen on the
next retry). The resourceVersion of each source is recorded, which is how the sync notices
that a Secret changed. Nothing here logs or returns a value outside the result objects.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pydantic import SecretStr

from .. import errors, targon
from ..kube import KubeClient, KubeForbidden, KubeNotFound, paths
from ..resource import WorkloadSpec
from ..translate import ResolvedInputs

DOCKERCONFIG_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


class SourceReader:
    """Reads Secrets and ConfigMaps of one namespace, each at most once per resolution."""

    def __init__(self, kube: KubeClient, namespace: str) -> None:
        self.kube = kube
        self.namespace = namespace
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        self.versions: dict[str, str] = {}

    async def read(self, kind: str, name: str, *, field: str) -> dict[str, Any]:
        cached = self._cache.get((kind, name))
        if cached is not None:
            return cached
        try:
            obj: dict[str, Any] = await self.kube.get(paths.obj(kind, name, self.namespace))
        except KubeNotFound:
            raise errors.SourceNotFound(kind=kind, name=name, field=field) from None
        except KubeForbidden:
            raise errors.Forbidden(
                f"{field}: the operator may not read {kind} {name!r} in namespace "
                f"{self.namespace!r}; grant it get on {kind.lower()}s there"
            ) from None
        self._cache[(kind, name)] = obj
        self.versions[f"{kind.lower()}/{name}"] = str(obj["metadata"].get("resourceVersion", ""))
        return obj

    async def value(self, kind: str, name: str, key: str, *, field: str) -> str:
        obj = await self.read(kind, name, field=field)
        if kind == "Secret":
            data = obj.get("data") or {}
            if key in data:
                return _b64(data[key], field=field)
            if key in (obj.get("stringData") or {}):
                return str(obj["stringData"][key])
        else:
            if key in (obj.get("data") or {}):
                return str(obj["data"][key])
            if key in (obj.get("binaryData") or {}):
                return _b64(obj["binaryData"][key], field=field)
        raise errors.SourceNotFound(kind=kind, name=name, key=key, field=field)


def _b64(value: str, *, field: str) -> str:
    try:
        return base64.b64decode(value).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.InvalidSource(f"{field}: the value is not UTF-8 text") from None


async def resolve(kube: KubeClient, namespace: str, spec: WorkloadSpec) -> ResolvedInputs:
    """Every value the spec takes from Secrets and ConfigMaps, with their versions."""
    reader = SourceReader(kube, namespace)
    values: dict[str, str] = {}
    for index, var in enumerate(spec.env):
        source = var.value_from
        if source is None:
            continue
        if source.secret_key_ref is not None:
            ref, kind, what = source.secret_key_ref, "Secret", "secretKeyRef"
        elif source.config_map_key_ref is not None:
            ref, kind, what = source.config_map_key_ref, "ConfigMap", "configMapKeyRef"
        else:
            continue
        field = f"spec.env[{index}].valueFrom.{what}"
        values[var.name] = await reader.value(kind, ref.name, ref.key, field=field)
    auth = None
    if spec.registry_auth is not None:
        secret = await reader.read(
            "Secret", spec.registry_auth.secret_ref.name, field="spec.registryAuth.secretRef"
        )
        auth = registry_auth_from(secret, image=spec.image, server=spec.registry_auth.server)
    return ResolvedInputs(env_values=values, registry_auth=auth, source_versions=reader.versions)


def registry_of(image: str) -> str | None:
    """The registry host of an image reference, or None for Docker Hub's short form."""
    first, sep, _rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def registry_auth_from(
    secret: dict[str, Any], *, image: str, server: str | None
) -> targon.RegistryAuth:
    field = "spec.registryAuth.secretRef"
    name = secret["metadata"]["name"]
    if secret.get("type") not in DOCKERCONFIG_TYPES:
        raise errors.InvalidSource(
            f"{field}: Secret {name!r} has type {secret.get('type')!r}, "
            "expected kubernetes.io/dockerconfigjson"
        )
    data = secret.get("data") or {}
    raw = data.get(".dockerconfigjson") or data.get(".dockercfg")
    if raw is None:
        raise errors.InvalidSource(f"{field}: Secret {name!r} has no .dockerconfigjson key")
    try:
        config = json.loads(base64.b64decode(raw))
    except (binascii.Error, ValueError):
        raise errors.InvalidSource(f"{field}: Secret {name!r} is not valid JSON") from None
    auths: dict[str, Any] = config.get("auths", config) if isinstance(config, dict) else {}
    wanted = server or registry_of(image)
    chosen = _choose(auths, wanted)
    if chosen is None:
        hint = (
            f"no entry for {wanted!r}"
            if wanted
            else "several registries; set spec.registryAuth.server"
        )
        raise errors.InvalidSource(f"{field}: Secret {name!r} has {hint}")
    host, entry = chosen
    username, password = entry.get("username"), entry.get("password")
    if (not username or not password) and entry.get("auth"):
        try:
            username, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.InvalidSource(
                f"{field}: the auth entry for {host!r} is malformed"
            ) from None
    if not username or not password:
        raise errors.InvalidSource(f"{field}: the entry for {host!r} has no username and password")
    return targon.RegistryAuth(server=host, username=username, password=SecretStr(password))


def _choose(auths: dict[str, Any], wanted: str | None) -> tuple[str, dict[str, Any]] | None:
    if wanted:
        for host, entry in auths.items():
            bare = host.removeprefix("https://").removeprefix("http://").split("/")[0]
            if wanted in (host, bare):
                return host, entry
        return None
    if len(auths) == 1:
        return next(iter(auths.items()))
    return None


async def api_key(
    kube: KubeClient, namespace: str, spec: WorkloadSpec, default: SecretStr | None
) -> SecretStr:
    """The API key for this resource: its own Secret if it names one, else the default."""
    ref = spec.credentials_secret_ref
    if ref is None:
        if default is None:
            raise targon.TargonConfigError(
                "no Targon API key: set spec.credentialsSecretRef or the operator's "
                "TARGON_API_KEY / --api-key-secret"
            )
        return default
    reader = SourceReader(kube, namespace)
    value = await reader.value("Secret", ref.name, ref.key, field="spec.credentialsSecretRef")
    return SecretStr(value.strip())

"""Which cluster, which resource, which Targon key: everything a command needs first.

kubectl's own conventions decide the cluster and namespace (``--kubeconfig``,
``--context``, ``-n``, else the context's namespace, else ``default``). The API key is the
one the operator would use for the resource: its ``spec.credentialsSecretRef`` Secret,
else the Secret named by ``TARGON_API_KEY_SECRET``, else ``TARGON_API_KEY`` (the operator's
order). What a user
can fix here (no such resource, no key yet) is a ``PluginError`` with a one-line message
that never holds the key; other apiserver failures stay ``KubeError``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from .. import errors
from ..kube import KubeClient, KubeCredentials, KubeError, KubeNotFound, paths
from ..resource import WorkloadSpec, WorkloadStatus
from ..runtime import inputs
from ..runtime.context import parse_secret_ref
from ..settings import OperatorSettings, env_var
from ..targon import RetryPolicy, TargonClient, TargonConfig

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
# A person is waiting: retry passing errors briefly, then say what went wrong.
RETRY = RetryPolicy(max_attempts=3, max_delay=2.0, max_retry_after=10.0)


class PluginError(Exception):
    """A failure explained in one line for the user; the command exits 1."""

    def __str__(self) -> str:
        return " ".join(super().__str__().split())


@dataclass(frozen=True, kw_only=True)
class ClusterOptions:
    """kubectl's global flags, as given (``None`` when not given)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None


@dataclass(frozen=True, kw_only=True)
class Target:
    """One TargonWorkload, as read from the apiserver."""

    kube: KubeClient
    namespace: str
    name: str
    obj: dict[str, Any]
    spec: WorkloadSpec
    status: WorkloadStatus

    def workload_uid(self) -> str:
        """The Targon workload's uid, or a ``PluginError`` if the operator has none yet."""
        uid = self.status.workload_uid
        if not uid:
            raise PluginError(
                f'TargonWorkload "{self.name}" in namespace "{self.namespace}" is not '
                f"registered on Targon yet{self.waiting_reason()}"
            )
        return uid

    def waiting_reason(self) -> str:
        """Why the resource has no workload yet, from its conditions, as a suffix."""
        for type_ in ("Synced", "Ready"):
            cond = self.status.condition(type_)
            if cond is not None and cond.status == "False" and cond.message:
                return f" ({cond.reason}: {cond.message})"
        return ""


@asynccontextmanager
async def connect(options: ClusterOptions) -> AsyncIterator[tuple[KubeClient, str]]:
    """A client for the cluster and the namespace to use, kubectl's way."""
    from kubernetes.config import ConfigException

    try:
        credentials = KubeCredentials.load(kubeconfig=options.kubeconfig, context=options.context)
        namespace = options.namespace or default_namespace(options.kubeconfig, options.context)
    except (ConfigException, OSError, ValueError) as exc:
        raise PluginError(f"cannot load the kubeconfig: {exc}") from None
    async with KubeClient(credentials, max_connections=4) as kube:
        yield kube, namespace


def default_namespace(kubeconfig: str | None, context: str | None) -> str:
    """The namespace of the chosen (or current) context; in a Pod its own; else default."""
    from kubernetes import config as kconfig

    try:
        found = kconfig.list_kube_config_contexts(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    except kconfig.ConfigException:
        if IN_CLUSTER_NAMESPACE.is_file():
            return IN_CLUSTER_NAMESPACE.read_text().strip() or "default"
        return "default"
    contexts, current = found
    if context is not None:
        current = next((c for c in contexts if c.get("name") == context), None)
    namespace = ((current or {}).get("context") or {}).get("namespace")
    return str(namespace) if namespace else "default"


async def load(kube: KubeClient, namespace: str, name: str) -> Target:
    """The TargonWorkload ``name``, or a ``PluginError`` saying it is not there."""
    try:
        obj: dict[str, Any] = await kube.get(paths.workload(namespace, name))
    except KubeNotFound:
        raise PluginError(f'TargonWorkload "{name}" not found in namespace "{namespace}"') from None
    try:
        spec = WorkloadSpec.model_validate(obj.get("spec") or {})
        status = WorkloadStatus.model_validate(obj.get("status") or {})
    except ValidationError as exc:
        raise PluginError(
            f'TargonWorkload "{name}" cannot be read: {exc.error_count()} invalid field(s)'
        ) from None
    return Target(kube=kube, namespace=namespace, name=name, obj=obj, spec=spec, status=status)


async def api_key(target: Target, environ: Mapping[str, str] | None = None) -> SecretStr:
    """The key the operator would use for this resource (see the module docstring)."""
    env = os.environ if environ is None else environ
    try:
        if target.spec.credentials_secret_ref is not None:
            return await inputs.api_key(target.kube, target.namespace, target.spec, None)
        # The operator's order: its Secret wins over the plain variable.
        if env.get(env_var("api_key_secret")):
            return await _key_from_secret(target.kube, env[env_var("api_key_secret")])
        if env.get(env_var("api_key")):
            return SecretStr(env[env_var("api_key")].strip())
    except errors.WorkloadError as exc:
        raise PluginError(str(exc)) from None
    raise PluginError(
        "no Targon API key: the resource has no spec.credentialsSecretRef, and neither "
        f"{env_var('api_key')} nor {env_var('api_key_secret')} (namespace/name[/key]) is set"
    )


async def _key_from_secret(kube: KubeClient, ref: str) -> SecretStr:
    var = env_var("api_key_secret")
    try:
        namespace, name, key = parse_secret_ref(ref)
    except ValueError as exc:
        raise PluginError(f"{var}: {exc}") from None
    try:
        secret = await kube.get(paths.obj("Secret", name, namespace))
    except KubeNotFound:
        raise PluginError(f"{var}: Secret {namespace}/{name} not found") from None
    except KubeError as exc:
        raise PluginError(f"{var}: {exc}") from None
    raw = (secret.get("data") or {}).get(key)
    if not raw:
        raise PluginError(f"{var}: Secret {namespace}/{name} has no key {key!r}")
    try:
        return SecretStr(base64.b64decode(raw).decode().strip())
    except (binascii.Error, UnicodeDecodeError):
        raise PluginError(f"{var}: the value of {key!r} is not UTF-8 text") from None


@asynccontextmanager
async def targon_client(
    target: Target, environ: Mapping[str, str] | None = None
) -> AsyncIterator[TargonClient]:
    """A Targon client with the resource's key, at ``TARGON_API_URL``."""
    env = os.environ if environ is None else environ
    key = await api_key(target, env)
    base_url = env.get(env_var("api_url")) or OperatorSettings.model_fields["api_url"].default
    config = TargonConfig(
        api_key=key, base_url=str(base_url).rstrip("/"), retry=RETRY, user_agent="kubectl-targon"
    )
    async with TargonClient(config, max_connections=4) as client:
        yield client

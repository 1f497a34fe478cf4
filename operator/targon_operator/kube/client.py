"""A small async client for the few Kubernetes API calls the operator makes itself.

kopf owns the watch and its own patches; the operator additionally patches status at
exact moments (the crash-safe create), reads Secrets and ConfigMaps, lists metadata and
posts Events. Those are a handful of REST calls, so a thin client is enough. It runs on
aiohttp, kopf's own HTTP stack: at 500 resources these calls were a third of the
operator's CPU on httpx, whose connection pool re-inspects every pooled TLS connection on
each request. Credentials come from the ``kubernetes`` package's loaders (kubeconfig with
exec plugins), or in a Pod from the service account's files.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

logger = logging.getLogger(__name__)

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def in_cluster() -> bool:
    """Running in a Pod with a service account token."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and (SERVICE_ACCOUNT / "token").is_file()


class KubeError(Exception):
    """The apiserver refused a request or could not be reached."""

    def __init__(self, message: str, *, status_code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason


class KubeNotFound(KubeError):
    """404: the object (or its namespace) does not exist."""


class KubeConflict(KubeError):
    """409: a resourceVersion conflict, or the object already exists."""


class KubeForbidden(KubeError):
    """403: RBAC does not allow this call."""


@dataclass(frozen=True, kw_only=True)
class KubeCredentials:
    """Where the apiserver is and how to authenticate to it."""

    server: str
    ssl_context: ssl.SSLContext | bool
    token: Callable[[], str | None]
    """Returns the current bearer token (re-read, so rotated tokens keep working)."""

    @classmethod
    def load(
        cls, *, kubeconfig: str | Path | None = None, context: str | None = None
    ) -> KubeCredentials:
        """In-cluster credentials when running in a Pod, else the kubeconfig."""
        if kubeconfig is None and context is None and in_cluster():
            return cls.in_cluster()
        from kubernetes import config as kconfig
        from kubernetes.client import Configuration

        cfg = Configuration()
        if kubeconfig is None and context is None:
            kconfig.load_kube_config(client_configuration=cfg, persist_config=False)  # type: ignore[no-untyped-call]
        else:
            kconfig.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(kubeconfig) if kubeconfig else None,
                context=context,
                client_configuration=cfg,
                persist_config=False,
            )
        return cls.from_configuration(cfg)

    @classmethod
    def in_cluster(cls) -> KubeCredentials:
        """The Pod's service account, without the kubernetes package (it costs 14 MB of RSS).

        The token file is re-read on use, so the kubelet's token rotation just works.
        """
        host = os.environ["KUBERNETES_SERVICE_HOST"]
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
        context = ssl.create_default_context(cafile=str(SERVICE_ACCOUNT / "ca.crt"))

        def token() -> str | None:
            return (SERVICE_ACCOUNT / "token").read_text().strip()

        return cls(server=server, ssl_context=context, token=token)

    @classmethod
    def from_configuration(cls, cfg: Any) -> KubeCredentials:
        verify: ssl.SSLContext | bool
        if cfg.verify_ssl:
            verify = ssl.create_default_context(cafile=cfg.ssl_ca_cert) if cfg.ssl_ca_cert else True
            if cfg.cert_file and isinstance(verify, ssl.SSLContext):
                verify.load_cert_chain(cfg.cert_file, cfg.key_file)
        else:
            verify = False

        def token() -> str | None:
            # The kubernetes package refreshes exec-plugin and in-cluster tokens in this hook.
            if cfg.refresh_api_key_hook is not None:
                cfg.refresh_api_key_hook(cfg)
            value = cfg.api_key.get("authorization") or cfg.api_key.get("BearerToken")
            if not value:
                return None
            return str(value).removeprefix("Bearer ").strip()

        return cls(server=cfg.host.rstrip("/"), ssl_context=verify, token=token)


class KubeClient:
    """The apiserver calls the operator, the demo, the tests and the benchmark make outside kopf."""

    def __init__(self, credentials: KubeCredentials, *, max_connections: int = 50) -> None:
        self.credentials = credentials
        self.max_connections = max_connections
        # Made on first use: an aiohttp session belongs to the event loop it was made in.
        self._session: aiohttp.ClientSession | None = None
        self._token_checked = 0.0
        self._token: str | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.max_connections, ssl=self.credentials.ssl_context
                ),
                timeout=aiohttp.ClientTimeout(total=30.0, connect=10.0),
                raise_for_status=False,
            )
        return self._session

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        now = time.monotonic()
        if now - self._token_checked > 30:
            self._token = self.credentials.token()
            self._token_checked = now
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content_type: str | None = None,
        params: Mapping[str, str] | None = None,
        accept: str | None = None,
    ) -> Any:
        headers = self._headers(content_type or ("application/json" if body is not None else None))
        if accept:
            headers["Accept"] = accept
        content = None
        if body is not None:
            content = body if isinstance(body, str | bytes) else json.dumps(body)
        try:
            async with self._http().request(
                method, self.credentials.server + path, data=content, headers=headers, params=params
            ) as response:
                raw = await response.read()
                status, phrase = response.status, response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KubeError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if status >= 400:
            raise _error(method, path, status, phrase, raw)
        if not raw:
            return None
        return json.loads(raw)

    # --- Conveniences for the calls the project makes -----------------------------------------

    async def get(self, path: str, **params: str) -> Any:
        return await self.request("GET", path, params=params or None)

    async def merge_patch(self, path: str, patch: Mapping[str, Any]) -> Any:
        return await self.request("PATCH", path, body=patch, content_type=MERGE_PATCH)

    async def apply(
        self, path: str, obj: Mapping[str, Any], *, field_manager: str, force: bool = True
    ) -> Any:
        """Server-side apply of ``obj`` at ``path`` (the object's own URL)."""
        params = {"fieldManager": field_manager, "force": "true" if force else "false"}
        return await self.request(
            "PATCH", path, body=json.dumps(obj), content_type=APPLY_PATCH, params=params
        )

    async def create(self, path: str, obj: Mapping[str, Any]) -> Any:
        return await self.request("POST", path, body=obj)

    async def delete(self, path: str) -> Any:
        return await self.request("DELETE", path)

    async def list_metadata(self, path: str) -> list[dict[str, Any]]:
        """Only the metadata of the objects at a collection URL: cheap even for Secrets."""
        result = await self.request("GET", path, accept=METADATA_LIST)
        return list(result.get("items", []))

    async def watch(
        self, path: str, *, resource_version: str, timeout_seconds: int = 60
    ) -> AsyncIterator[dict[str, Any]]:
        """The watch events of a collection URL from ``resource_version``, until the server
        ends the watch after ``timeout_seconds``; the caller watches again from the last
        version it saw. Far cheaper for the apiserver than listing in a loop."""
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        try:
            async with self._http().get(
                self.credentials.server + path,
                params=params,
                headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=None, sock_read=timeout_seconds + 30),
            ) as response:
                if response.status >= 400:
                    raise _error(
                        "GET", path, response.status, response.reason or "", await response.read()
                    )
                async for line in response.content:
                    if line.strip():
                        yield json.loads(line)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KubeError(f"WATCH {path}: {type(exc).__name__}: {exc}") from None

    async def wait_for(
        self, path: str, predicate: Callable[[Any], bool], *, within: float = 60.0
    ) -> Any:
        deadline = time.monotonic() + within
        while True:
            try:
                obj = await self.get(path)
                if predicate(obj):
                    return obj
            except KubeNotFound:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not reach the expected state in {within}s")
            await asyncio.sleep(0.2)


def _error(method: str, path: str, status: int, phrase: str, raw: bytes) -> KubeError:
    reason = ""
    message = phrase
    try:
        body = json.loads(raw)
        reason = str(body.get("reason", ""))
        message = str(body.get("message", message))
    except (ValueError, AttributeError):
        pass
    text = f"{method} {path}: {status} {message}"
    cls = {404: KubeNotFound, 409: KubeConflict, 403: KubeForbidden}.get(status, KubeError)
    return cls(text, status_code=status, reason=reason)

"""The operator's running state: clients, the resource registry, metrics, settings.

One ``Runtime`` is built at startup and handed to every handler through kopf's memo.
Targon clients are pooled per API key (resources may bring their own key), keyed by a
hash so that the key itself is held only inside its client.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from ..kube import KubeClient, KubeError, KubeNotFound, paths
from ..settings import OperatorSettings
from ..targon import RetryPolicy, TargonClient, TargonConfig
from .metrics import Metrics
from .registry import Registry


def key_id(api_key: SecretStr) -> str:
    """A stable, non-reversible name for an API key (for grouping, never for display)."""
    return hashlib.sha256(api_key.get_secret_value().encode()).hexdigest()[:16]


@dataclass
class ClientPool:
    settings: OperatorSettings
    metrics: Metrics
    _clients: dict[str, TargonClient] = field(default_factory=dict)

    def client_for(self, api_key: SecretStr) -> TargonClient:
        ident = key_id(api_key)
        client = self._clients.get(ident)
        if client is None:
            config = TargonConfig(
                api_key=api_key,
                base_url=self.settings.api_url.rstrip("/"),
                read_timeout=self.settings.request_timeout,
                retry=RetryPolicy(max_attempts=3, max_delay=5.0),
            )
            # A modest pool: httpcore scans every pooled connection per request.
            client = TargonClient(config, observer=self.metrics.observe_call, max_connections=32)
            self._clients[ident] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


@dataclass
class Runtime:
    settings: OperatorSettings
    kube: KubeClient
    metrics: Metrics = field(default_factory=Metrics)
    registry: Registry = field(default_factory=Registry)
    clients: ClientPool = field(init=False)
    sync_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    """Set after a deploy so the sync polls soon instead of at the next interval."""
    _default_key: SecretStr | None = None
    _default_key_read: float = float("-inf")

    def __post_init__(self) -> None:
        self.clients = ClientPool(self.settings, self.metrics)

    def poke_sync(self) -> None:
        self.sync_wanted.set()

    async def default_api_key(self) -> SecretStr | None:
        """The operator's own key: the flag/env value, or the Secret, re-read every resync."""
        if self.settings.api_key_secret is None:
            return self.settings.api_key
        if time.monotonic() - self._default_key_read < self.settings.resync_interval:
            return self._default_key
        namespace, name, key = parse_secret_ref(self.settings.api_key_secret)
        try:
            secret = await self.kube.get(paths.obj("Secret", name, namespace))
        except KubeNotFound:
            self._default_key = self.settings.api_key
        except KubeError:
            return self._default_key or self.settings.api_key
        else:
            import base64

            raw = (secret.get("data") or {}).get(key)
            self._default_key = (
                SecretStr(base64.b64decode(raw).decode().strip()) if raw else self.settings.api_key
            )
        self._default_key_read = time.monotonic()
        return self._default_key

    async def aclose(self) -> None:
        await self.clients.aclose()
        await self.kube.aclose()


def parse_secret_ref(ref: str) -> tuple[str, str, str]:
    """``namespace/name[/key]`` -> (namespace, name, key); key defaults to ``apiKey``."""
    parts = ref.split("/")
    if len(parts) == 2:
        return parts[0], parts[1], "apiKey"
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise ValueError(f"expected namespace/name or namespace/name/key, got {ref!r}")

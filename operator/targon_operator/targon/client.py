"""An async client for the Targon Workloads API: one method per endpoint.

Configuration is one frozen object built once (base URL, key, timeouts, retry policy).
Every method returns a model or raises from ``errors``; list endpoints are async
iterators that follow ``next_cursor``. Each HTTP attempt is reported to an optional
observer, which is how the operator counts calls per endpoint for tests and metrics
without the client knowing about either.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from .errors import (
    AmbiguousCreateError,
    RateLimited,
    ServerError,
    TargonAPIError,
    TargonConfigError,
    TargonConnectError,
    TargonError,
    TargonTimeout,
    TargonTransportError,
    error_class_for,
)
from .models import (
    CreateWorkloadRequest,
    Page,
    SSHKeyAttachment,
    UpdateWorkloadRequest,
    VerifyRequest,
    VerifyResult,
    VolumeAttachment,
    VolumeAttachRequest,
    Workload,
    WorkloadEvent,
    WorkloadStateInfo,
    WorkloadSummary,
)
from .retry import RetryPolicy, is_retryable, parse_retry_after

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.targon.com"
API_PREFIX = "/tha/v2"
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """One HTTP attempt, as reported to the client's observer."""

    endpoint: str
    """The endpoint's short name: ``create``, ``list``, ``get``, ``deploy``, ..."""
    method: str
    status_code: int | None
    """The HTTP status, or ``None`` when no answer came back."""
    duration: float
    attempt: int
    """1 for the first attempt, 2 for the first retry, ..."""


@dataclass(frozen=True, kw_only=True)
class TargonConfig:
    """Everything the client needs to reach the API; immutable once built."""

    api_key: SecretStr = field(repr=True)
    """The Bearer token. ``repr`` shows only asterisks."""
    base_url: str = DEFAULT_BASE_URL
    """Scheme, host and port of the API, without the ``/tha/v2`` prefix."""
    connect_timeout: float = 5.0
    """Seconds to establish a connection."""
    read_timeout: float = 30.0
    """Seconds to wait for an answer; a create that exceeds it is reported, not repeated."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """When and how long to back off for 429, 5xx and transport errors."""
    user_agent: str = "targon-operator"

    def __post_init__(self) -> None:
        # "http://host/" + "/tha/v2" would be a path the API does not serve.
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @classmethod
    def from_env(
        cls,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> TargonConfig:
        """Arguments first, then ``TARGON_API_KEY`` and ``TARGON_API_URL``."""
        env = os.environ if environ is None else environ
        key = api_key if api_key is not None else env.get("TARGON_API_KEY")
        if not key:
            raise TargonConfigError("no Targon API key: pass api_key or set TARGON_API_KEY")
        url = base_url or env.get("TARGON_API_URL") or DEFAULT_BASE_URL
        secret = key if isinstance(key, SecretStr) else SecretStr(key)
        return cls(api_key=secret, base_url=url.rstrip("/"), **kwargs)


class TargonClient:
    """The Targon Workloads API. Use as ``async with TargonClient(config) as client``."""

    def __init__(
        self,
        config: TargonConfig,
        *,
        observer: Callable[[CallRecord], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.config = config
        self._observer = observer
        key = config.api_key.get_secret_value()
        # httpx quotes a header value it refuses in its error (a key read from a file with
        # its trailing newline, say): such a key is never handed to it, and every request
        # fails with a TargonConfigError that does not quote it.
        self._key_problem = _key_problem(key)
        headers = {"User-Agent": config.user_agent}
        if self._key_problem is None:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.AsyncClient(
            base_url=config.base_url + API_PREFIX,
            headers=headers,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
        )
        # Requests wait here rather than inside httpcore's pool, whose hand-out is quadratic
        # in the number of waiting requests.
        self._slots = asyncio.Semaphore(max_connections)

    def __repr__(self) -> str:
        return f"TargonClient(base_url={self.config.base_url!r})"

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
        await self._http.aclose()

    # --- Workloads -------------------------------------------------------------------------

    async def create_workload(self, request: CreateWorkloadRequest) -> Workload:
        """Register a workload. Never repeated once sent: create is not idempotent."""
        response = await self._request(
            "create", "POST", "/workloads", json=request.to_body(), idempotent=False
        )
        return self._parse(Workload, response)

    async def list_workloads_page(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        type: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        app_id: str | None = None,
        name: str | None = None,
    ) -> Page[WorkloadSummary]:
        params = _query(
            cursor=cursor,
            limit=limit,
            type=type,
            status=status,
            project_id=project_id,
            app_id=app_id,
            name=name,
        )
        response = await self._request("list", "GET", "/workloads", params=params)
        return self._parse(Page[WorkloadSummary], response)

    async def list_workloads(
        self,
        *,
        limit: int | None = None,
        type: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        app_id: str | None = None,
        name: str | None = None,
    ) -> AsyncIterator[WorkloadSummary]:
        """Every matching workload, following ``next_cursor`` page by page."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_workloads_page(
                cursor=cursor,
                limit=limit,
                type=type,
                status=status,
                project_id=project_id,
                app_id=app_id,
                name=name,
            )
            for item in page.items:
                yield item
            cursor = page.next_cursor or None
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    async def get_workload(self, uid: str) -> Workload:
        response = await self._request("get", "GET", f"/workloads/{_seg(uid)}")
        return self._parse(Workload, response)

    async def update_workload(self, uid: str, request: UpdateWorkloadRequest) -> Workload:
        """PATCH only the fields set on ``request`` (an empty one is refused, not sent)."""
        if request.is_empty():
            raise ValueError("an empty update would only restart the workload; nothing sent")
        response = await self._request(
            "update", "PATCH", f"/workloads/{_seg(uid)}", json=request.to_body()
        )
        return self._parse(Workload, response)

    async def delete_workload(self, uid: str) -> None:
        await self._request("delete", "DELETE", f"/workloads/{_seg(uid)}")

    async def deploy_workload(self, uid: str) -> WorkloadSummary:
        """Start a registered workload. Repeated only if it surely never reached the server."""
        response = await self._request(
            "deploy", "POST", f"/workloads/{_seg(uid)}/deploy", idempotent=False
        )
        return self._parse(WorkloadSummary, response)

    async def get_state(self, uid: str) -> WorkloadStateInfo:
        response = await self._request("state", "GET", f"/workloads/{_seg(uid)}/state")
        return self._parse(WorkloadStateInfo, response)

    async def list_events_page(
        self, uid: str, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[WorkloadEvent]:
        params = _query(cursor=cursor, limit=limit)
        response = await self._request(
            "events", "GET", f"/workloads/{_seg(uid)}/events", params=params
        )
        return self._parse(Page[WorkloadEvent], response)

    async def list_events(
        self, uid: str, *, limit: int | None = None
    ) -> AsyncIterator[WorkloadEvent]:
        """Every event of the workload, oldest first, following ``next_cursor``."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_events_page(uid, cursor=cursor, limit=limit)
            for item in page.items:
                yield item
            cursor = page.next_cursor or None
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    async def stream_logs(
        self,
        uid: str,
        *,
        tail: int | None = None,
        since: datetime | str | None = None,
        follow: bool = False,
    ) -> AsyncGenerator[str, None]:
        """Log lines, without their newline. With ``follow`` it ends when the server closes.

        Close it (``await lines.aclose()``) to stop following early. A naive ``since`` is UTC.
        """
        if isinstance(since, datetime):
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            since = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        params = _query(tail=tail, since=since, follow="true" if follow else None)
        path = f"/workloads/{_seg(uid)}/logs"
        self._check_key()
        # Retries cover establishing the stream; once lines flow, an error ends the iterator.
        timeout = httpx.Timeout(None, connect=self.config.connect_timeout) if follow else None
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            error: TargonError
            try:
                request = self._http.build_request(
                    "GET", path, params=params, timeout=timeout or httpx.USE_CLIENT_DEFAULT
                )
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, "logs", "GET", path)
                self._observe("logs", "GET", None, started, attempt)
                if not await self._should_retry(error, attempt, idempotent=True):
                    raise error from None
                continue
            self._observe("logs", "GET", response.status_code, started, attempt)
            try:
                if response.status_code >= 400:
                    await response.aread()
                    error = self._api_error(response, "GET", path)
                    if not await self._should_retry(error, attempt, idempotent=True):
                        raise error
                    continue
                try:
                    async for line in response.aiter_lines():
                        yield line.rstrip("\r\n")
                except httpx.HTTPError as exc:
                    raise self._transport_error(exc, "logs", "GET", path) from None
                return
            finally:
                await response.aclose()

    async def verify_workload(self, uid: str, digest: str) -> VerifyResult:
        """Whether ``digest`` matches the workload's image. A read: safe to repeat."""
        body = VerifyRequest(uid=uid, digest=digest).to_body()
        response = await self._request("verify", "POST", "/workloads/verify", json=body)
        return self._parse(VerifyResult, response)

    # --- Volumes and SSH keys of a rental --------------------------------------------------

    async def attach_volume(
        self, uid: str, volume_uid: str, *, mount_path: str, read_only: bool | None = None
    ) -> VolumeAttachment:
        body = VolumeAttachRequest(mount_path=mount_path, read_only=read_only).to_body()
        path = f"/workloads/{_seg(uid)}/volumes/{_seg(volume_uid)}"
        response = await self._request("attach_volume", "PUT", path, json=body)
        return self._parse(VolumeAttachment, response)

    async def detach_volume(self, uid: str, volume_uid: str) -> None:
        path = f"/workloads/{_seg(uid)}/volumes/{_seg(volume_uid)}"
        await self._request("detach_volume", "DELETE", path)

    async def attach_ssh_key(self, uid: str, ssh_key_uid: str) -> SSHKeyAttachment:
        """Attach a key; ``Conflict`` means it was already attached."""
        path = f"/workloads/{_seg(uid)}/ssh-keys/{_seg(ssh_key_uid)}"
        response = await self._request("attach_ssh_key", "PUT", path)
        return self._parse(SSHKeyAttachment, response)

    async def detach_ssh_key(self, uid: str, ssh_key_uid: str) -> None:
        path = f"/workloads/{_seg(uid)}/ssh-keys/{_seg(ssh_key_uid)}"
        await self._request("detach_ssh_key", "DELETE", path)

    # --- The machinery ---------------------------------------------------------------------

    async def _request(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        self._check_key()
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            error: TargonError
            try:
                async with self._slots:
                    response = await self._http.request(method, path, json=json, params=params)
            except httpx.HTTPError as exc:
                self._observe(endpoint, method, None, started, attempt)
                error = self._transport_error(exc, endpoint, method, path)
            else:
                self._observe(endpoint, method, response.status_code, started, attempt)
                if response.status_code < 400:
                    return response
                error = self._api_error(response, method, path)
            if not await self._should_retry(error, attempt, idempotent=idempotent):
                raise error

    def _check_key(self) -> None:
        if self._key_problem is not None:
            raise TargonConfigError(self._key_problem)

    async def _should_retry(self, error: TargonError, attempt: int, *, idempotent: bool) -> bool:
        policy = self.config.retry
        if attempt >= policy.max_attempts or not is_retryable(error, idempotent=idempotent):
            return False
        hint = getattr(error, "retry_after", None)
        if hint is not None and hint > policy.max_retry_after:
            return False
        delay = policy.delay_for(error, attempt)
        logger.debug("retrying in %.2fs after %s", delay, type(error).__name__)
        await asyncio.sleep(delay)
        return True

    def _observe(
        self, endpoint: str, method: str, status: int | None, started: float, attempt: int
    ) -> None:
        if self._observer is not None:
            self._observer(
                CallRecord(
                    endpoint=endpoint,
                    method=method,
                    status_code=status,
                    duration=time.monotonic() - started,
                    attempt=attempt,
                )
            )

    @staticmethod
    def _transport_error(
        exc: httpx.HTTPError, endpoint: str, method: str, path: str
    ) -> TargonTransportError:
        # httpx messages name the URL at most; headers (and so the key) never appear.
        detail = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return TargonConnectError(detail, method=method, path=path)
        if endpoint == "create":
            return AmbiguousCreateError(
                f"no answer to the create ({detail}); it may have been registered",
                method=method,
                path=path,
            )
        if isinstance(exc, httpx.TimeoutException):
            return TargonTimeout(detail, method=method, path=path)
        return TargonTransportError(detail, method=method, path=path)

    @staticmethod
    def _api_error(response: httpx.Response, method: str, path: str) -> TargonAPIError:
        status = response.status_code
        message = _error_message(response)
        request_id = response.headers.get("x-request-id")
        cls = error_class_for(status)
        if cls in (RateLimited, ServerError):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return cls(
                message,
                retry_after=retry_after,
                status_code=status,
                method=method,
                path=path,
                request_id=request_id,
            )
        return cls(message, status_code=status, method=method, path=path, request_id=request_id)

    @staticmethod
    def _parse(model: type[ModelT], response: httpx.Response) -> ModelT:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise TargonAPIError(
                f"unexpected response body: {exc.error_count()} validation error(s)",
                status_code=response.status_code,
                method=response.request.method,
                path=response.request.url.path,
            ) from None


def _error_message(response: httpx.Response) -> str:
    """The API's message from a JSON error body of any common shape, else the reason."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:500] if text else response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
    return response.reason_phrase


def _key_problem(key: str) -> str | None:
    """Why ``key`` cannot be sent as a Bearer token, without quoting it; ``None`` if it can."""
    if not key:
        return "the Targon API key is empty"
    if not all("!" <= char <= "~" for char in key):
        return "the Targon API key has whitespace, control or non-ASCII characters"
    return None


def _query(**params: object) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v is not None and v != ""}


def _seg(value: str) -> str:
    """A path segment: refuse anything that could change the path."""
    if not value or "/" in value or value in (".", ".."):
        raise ValueError(f"not a valid identifier: {value!r}")
    return value

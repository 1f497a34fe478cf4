"""The client's exception hierarchy, rooted in ``TargonError``.

API errors (the server answered) carry the HTTP status, the API's message and the request
id; transport errors (no answer) are a separate branch, because the caller's question is
different: "what did the server say?" versus "did the request arrive at all?". The one
case where the answer changes what is safe to do next, a create that may or may not have
reached the server, has its own class. No exception ever carries the API key or headers.
"""

from __future__ import annotations


class TargonError(Exception):
    """Anything that went wrong talking to the Targon API."""


class TargonConfigError(TargonError):
    """The client is not configured well enough to send a request (e.g. no API key)."""


# --- The server answered with an error -----------------------------------------------------


class TargonAPIError(TargonError):
    """The API answered with a 4xx or 5xx status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str,
        path: str,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.method = method
        self.path = path
        self.request_id = request_id

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.method} {self.path}: {self.status_code} {self.message}{rid}"


class BadRequest(TargonAPIError):
    """400: the body or query is invalid; repeating it will not help."""


class Unauthorized(TargonAPIError):
    """401: the API key is missing or wrong."""


class Forbidden(TargonAPIError):
    """403: the key is valid but not allowed to do this."""


class NotFound(TargonAPIError):
    """404: the workload, volume, SSH key or attachment does not exist."""


class Conflict(TargonAPIError):
    """409: e.g. the SSH key is already attached."""


class RateLimited(TargonAPIError):
    """429: slow down; ``retry_after`` is the server's hint in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(TargonAPIError):
    """5xx: the server failed; the request may or may not have had an effect."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


# --- No usable answer ----------------------------------------------------------------------


class TargonTransportError(TargonError):
    """No usable answer: connection refused or reset, timeout, protocol error."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.method = method
        self.path = path


class TargonConnectError(TargonTransportError):
    """The connection was never established: the request surely did not reach the server."""


class TargonTimeout(TargonTransportError):
    """The server did not answer in time: the request may have been processed."""


class AmbiguousCreateError(TargonTransportError):
    """A create was sent but no answer came back (timeout, reset after sending).

    Create is not idempotent, so the client never repeats it. The caller must look the
    workload up by name before trying again; the same holds after a ``ServerError``.
    """


_BY_STATUS: dict[int, type[TargonAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_class_for(status_code: int) -> type[TargonAPIError]:
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    return TargonAPIError

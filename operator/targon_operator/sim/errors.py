"""The one exception every layer of the simulator raises to answer with an error.

Validation, the store and the handlers all raise ``ApiError``; the middleware renders it
as the JSON body ``{"error", "message", "field", "request_id"}``. Keeping the message in
the ``"<field>: <what is wrong>"`` form here, in one place, is what lets tests pin that
every refusal names its field. Messages never carry request values (they may be secrets).
"""

from __future__ import annotations

from collections.abc import Mapping

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def code_for(status: int) -> str:
    """The generic snake_case error code of an HTTP status."""
    return _CODES.get(status, "client_error" if status < 500 else "server_error")


class ApiError(Exception):
    """An error answer: HTTP status, snake_case code, message and the field it concerns."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or code_for(status)
        self.field = field
        self.headers = dict(headers or {})


def invalid(field: str | None, problem: str, *, code: str = "validation_error") -> ApiError:
    """400 for one field; ``None`` means the body as a whole."""
    return ApiError(400, f"{field or 'body'}: {problem}", code=code, field=field)


def not_found(field: str, what: str) -> ApiError:
    """404 naming the path parameter or body field that points at nothing."""
    return ApiError(404, f"{field}: {what} not found", field=field)


def conflict(field: str, problem: str) -> ApiError:
    return ApiError(409, f"{field}: {problem}", field=field)

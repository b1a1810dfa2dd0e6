"""Typed errors, mapped from the status and the body of the service's answers.

Each carries the server's `message` and the `X-Request-Id` of the answer, which is
what an operator needs to find the request in the service's log.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

# API Gateway's own 401 bodies (not the envelope), as the service reproduces them.
GATEWAY_EXPIRED = "The incoming token has expired"
NOT_CONFIRMED = "User is not confirmed"


class ClientError(Exception):
    """Anything this package raises."""


class InsecureTokenFile(ClientError):
    """The token file can be read by others, so it is not used (as ssh refuses a key)."""


class NotLoggedIn(ClientError):
    """No stored session for this API."""


class ApiError(ClientError):
    """An answer (or the lack of one) that is not a success."""

    def __init__(self, message: str, status: int | None = None, request_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id

    def __str__(self) -> str:
        details = [f"HTTP {self.status}"] if self.status is not None else []
        if self.request_id:
            details.append(f"request id {self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class RequestRefused(ApiError):
    """A 4xx: the request itself was refused."""


class BadRequest(RequestRefused):
    """400: a field is missing or invalid, a password the policy refuses."""


class AuthenticationError(RequestRefused):
    """Who the caller is could not be established, or they may not do this."""


class InvalidCredentials(AuthenticationError):
    """401 with the envelope: a wrong password, verification code, refresh token,
    session or previous password."""


class Unauthorized(AuthenticationError):
    """401 with the gateway's body: the token is missing, invalid or of the wrong kind."""


class TokenExpired(Unauthorized):
    """401 with the gateway's body: the token has expired."""


class Forbidden(AuthenticationError):
    """403: not allowed (another user's data, a password reset required)."""


class NotConfirmed(Forbidden):
    """403: the account's sign-up is not confirmed yet."""


class NotFound(RequestRefused):
    """404: no such user."""


class Conflict(RequestRefused):
    """409: the username is taken, or the account is already confirmed."""


class PayloadTooLarge(RequestRefused):
    """413: the request body is over the service's limit."""


class ServiceError(ApiError):
    """The service could not answer: worth trying again later."""


class RetryLater(ServiceError):
    """An answer that says when to try again: `retry_after` seconds (None if it did not)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, status, request_id)
        self.retry_after = retry_after


class Throttled(RetryLater):
    """429: too many requests (after waiting as long as the client may, see `Client`)."""


class ServiceUnavailable(RetryLater):
    """503: Cognito or the service's configuration is unavailable for now."""


class ServerError(ServiceError):
    """Another 5xx, or an answer that is not the service's."""


class ServiceUnreachable(ServiceError):
    """No answer: the connection failed or timed out."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    429: Throttled,
    503: ServiceUnavailable,
}


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds; None when absent or not a number of seconds (the
    service sends seconds)."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value)


def error_from_answer(status: int, body: Any, headers: Mapping[str, str]) -> ApiError:
    """The error a non-success answer stands for. `body` is the decoded JSON (or
    None when the body was not JSON); `headers` a case-insensitive mapping."""
    request_id = headers.get("X-Request-Id")
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = _phrase(status)
    # The service's own 401s are envelopes; the gateway's is {"message": ...} alone, and
    # anything else in front of the service is more like the gateway than like us.
    gateway_body = not (isinstance(body, dict) and "error" in body)
    error_type: type[ApiError]
    if status == 401:
        if not gateway_body:
            error_type = InvalidCredentials
        elif message == GATEWAY_EXPIRED:
            error_type = TokenExpired
        else:
            error_type = Unauthorized
    elif status == 403 and message == NOT_CONFIRMED:
        error_type = NotConfirmed
    elif status in _BY_STATUS:
        error_type = _BY_STATUS[status]
    else:
        error_type = ServerError if status >= 500 else RequestRefused
    if issubclass(error_type, RetryLater):
        retry_after = retry_after_seconds(headers.get("Retry-After"))
        return error_type(message, status, request_id, retry_after=retry_after)
    return error_type(message, status, request_id)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"

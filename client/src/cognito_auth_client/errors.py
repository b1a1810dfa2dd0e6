"""Typed errors, chosen by the `code` of the service's error answers.

Every error the service answers is an envelope, `{"message", "error": true,
"success": false, "data": null, "code"}`, and its class here is chosen by `code`
alone (`BY_CODE`), never by `message`: that is for people, and may be reworded.
API Gateway's own 401s carry no code, `{"message": "Unauthorized"}` and
`{"message": "The incoming token has expired"}`: those two fixed texts are the
gateway's contract, and the only messages read (Unauthorized, TokenExpired).

An answer without a code, or with a code this client does not know (a newer
service may add codes), falls back to its HTTP status: 400 BadRequest, 401
InvalidCredentials (Unauthorized from the gateway), 403 Forbidden, 404 NotFound,
409 Conflict, 413 PayloadTooLarge, 429 Throttled, 503 ServiceUnavailable, another
4xx RequestRefused, another 5xx ServerError.

Each error carries the server's `message`, its `code` (None when the answer had
none), the status and the `X-Request-Id` of the answer, which is what an operator
needs to find the request in the service's log.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

# API Gateway's own 401 bodies (not the envelope, no code), as the service reproduces them.
GATEWAY_EXPIRED = "The incoming token has expired"


class ClientError(Exception):
    """Anything this package raises."""


class InsecureTokenFile(ClientError):
    """The token file can be read by others, so it is not used (as ssh refuses a key)."""


class NotLoggedIn(ClientError):
    """No stored session for this API."""


class ApiError(ClientError):
    """An answer (or the lack of one) that is not a success."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        request_id: str | None = None,
        *,
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.code = code

    def __str__(self) -> str:
        details = [f"HTTP {self.status}"] if self.status is not None else []
        if self.request_id:
            details.append(f"request id {self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class RequestRefused(ApiError):
    """A 4xx: the request itself was refused."""


class BadRequest(RequestRefused):
    """400: a field is missing or invalid, a password the policy refuses."""


class WeakPassword(BadRequest):
    """400 weak_password: the password policy refuses this password: ask for another."""


class AuthenticationError(RequestRefused):
    """Who the caller is could not be established, or they may not do this."""


class InvalidCredentials(AuthenticationError):
    """401 with the envelope: a wrong password, verification code, refresh token,
    session or previous password."""


class CodeExpired(InvalidCredentials):
    """401 code_expired: the verification or reset code is too old: ask for a new one."""


class SessionEnded(InvalidCredentials):
    """401 session_ended, invalid_refresh_token, refresh_token_reused or
    session_expired: the tokens (or the login's challenge session) no longer work: log
    in again."""


class Unauthorized(AuthenticationError):
    """401 with the gateway's body: the token is missing, invalid or of the wrong kind."""


class TokenExpired(Unauthorized):
    """401 with the gateway's body: the token has expired."""


class Forbidden(AuthenticationError):
    """403: not allowed (another user's data, a password reset required)."""


class NotConfirmed(Forbidden):
    """403 user_not_confirmed: the account's sign-up is not confirmed yet."""


class PasswordResetRequired(Forbidden):
    """403 password_reset_required: the user must set a new password with a reset code
    (`Client.forgot_password`, then `Client.reset_password`)."""


class NotFound(RequestRefused):
    """404: no such user."""


class Conflict(RequestRefused):
    """409: the username or email is taken, the account is already confirmed, the
    authenticator app is already set up, the user's state does not allow it, an
    admin acted on themselves or on the last admin (`code` says which)."""


class UsernameExists(Conflict):
    """409 username_exists: an account has this username: log in, or reset its password."""


class AlreadyConfirmed(Conflict):
    """409 already_confirmed: the sign-up was confirmed already: log in."""


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
        *,
        code: str | None = None,
    ):
        super().__init__(message, status, request_id, code=code)
        self.retry_after = retry_after


class Throttled(RetryLater):
    """429: too many requests (after waiting as long as the client may, see `Client`)."""


class ServiceUnavailable(RetryLater):
    """503: Cognito or the service's configuration is unavailable for now."""


class ServerError(ServiceError):
    """Another 5xx, or an answer that is not the service's."""


class ServiceUnreachable(ServiceError):
    """No answer: the connection failed or timed out."""


BY_CODE: Final[Mapping[str, type[ApiError]]] = {
    "invalid_request": BadRequest,
    "weak_password": WeakPassword,
    "invalid_attributes": BadRequest,
    "token_too_large": BadRequest,
    "invalid_parameter": BadRequest,
    "invalid_sign_up": BadRequest,
    "not_a_refresh_token": BadRequest,
    "invalid_pagination_token": BadRequest,
    "invalid_list_query": BadRequest,
    "invalid_credentials": InvalidCredentials,
    "invalid_refresh_token": SessionEnded,
    "refresh_token_reused": SessionEnded,
    "factor_not_offered": BadRequest,
    "passkeys_not_enabled": BadRequest,
    "passkey_registration_expired": BadRequest,
    "passkey_refused": BadRequest,
    "too_many_passkeys": Conflict,
    "passkey_not_found": NotFound,
    "code_mismatch": InvalidCredentials,
    "code_expired": CodeExpired,
    "session_expired": SessionEnded,
    "wrong_previous_password": InvalidCredentials,
    "wrong_password": InvalidCredentials,
    "session_ended": SessionEnded,
    "user_not_confirmed": NotConfirmed,
    "password_reset_required": PasswordResetRequired,
    "forbidden": Forbidden,
    "user_not_found": NotFound,
    "group_not_found": NotFound,
    "method_not_allowed": RequestRefused,
    "username_exists": UsernameExists,
    "already_confirmed": AlreadyConfirmed,
    "email_exists": Conflict,
    "totp_already_set_up": Conflict,
    "mfa_preference_refused": Conflict,
    "user_state_conflict": Conflict,
    "self_action": Conflict,
    "last_admin": Conflict,
    "payload_too_large": PayloadTooLarge,
    "unsupported_media_type": RequestRefused,
    # The service's 429 and API Gateway's THROTTLED response.
    "throttled": Throttled,
    # Cognito's limits on one account's attempts: its Retry-After is minutes.
    "too_many_attempts": Throttled,
    "limit_exceeded": Throttled,
    "rate_limited": Throttled,
    "internal_error": ServerError,
    "service_unavailable": ServiceUnavailable,
    # API Gateway's DEFAULT_4XX, whatever its status (a 403 for an unknown path), but
    # a 413 (see _error_type).
    "request_refused": RequestRefused,
    # API Gateway's DEFAULT_5XX (502, 504).
    "gateway_error": ServerError,
}

# When the answer has no code this client knows.
_BY_STATUS: Final[Mapping[int, type[ApiError]]] = {
    400: BadRequest,
    401: InvalidCredentials,
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
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message")
    if not isinstance(message, str) or not message:
        message = _phrase(status)
    code = fields.get("code")
    if not isinstance(code, str):
        code = None
    error_type = _error_type(status, code, fields, message)
    if issubclass(error_type, RetryLater):
        retry_after = retry_after_seconds(headers.get("Retry-After"))
        return error_type(message, status, request_id, retry_after=retry_after, code=code)
    return error_type(message, status, request_id, code=code)


def _error_type(
    status: int, code: str | None, fields: Mapping[str, Any], message: str
) -> type[ApiError]:
    if code == "request_refused" and status == 413:
        # API Gateway's own limit on the body: too large all the same.
        return PayloadTooLarge
    if code is not None and code in BY_CODE:
        return BY_CODE[code]
    # The gateway's 401 is {"message": ...} alone, and anything else in front of the
    # service is more like the gateway than like us: only the envelope has "error".
    if status == 401 and "error" not in fields:
        return TokenExpired if message == GATEWAY_EXPIRED else Unauthorized
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else RequestRefused


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"

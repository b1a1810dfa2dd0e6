"""The client tells errors apart by their `code`, never by their message: rewording
every message of the service changes nothing the client does.

CATALOG is the service's catalog of codes as a table, with the message each answer
has today. Once every error class in chalicelib/errors.py carries its `code`, this
table's codes and statuses are to come from those classes instead.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from cognito_auth_client import (
    AlreadyConfirmed,
    ApiError,
    BadRequest,
    Client,
    CodeExpired,
    Conflict,
    Forbidden,
    InvalidCredentials,
    NotConfirmed,
    NotFound,
    PasswordResetRequired,
    PayloadTooLarge,
    RequestRefused,
    RetryLater,
    ServerError,
    ServiceUnavailable,
    SessionEnded,
    Throttled,
    UsernameExists,
    WeakPassword,
)
from cognito_auth_client.errors import BY_CODE, GATEWAY_EXPIRED
from tests.client_support import API, error_envelope


class Row(NamedTuple):
    code: str
    status: int
    message: str
    error_type: type[ApiError]
    # The Retry-After header it comes with.
    retry_after: str | None = None


CATALOG = [
    Row("invalid_request", 400, "username is required", BadRequest),
    Row(
        "weak_password",
        400,
        "Password did not conform with policy: Password not long enough",
        WeakPassword,
    ),
    Row("invalid_attributes", 400, "An attribute value is invalid", BadRequest),
    Row("invalid_parameter", 400, "A value is not in the form Cognito accepts", BadRequest),
    Row("invalid_sign_up", 400, "The sign-up details are invalid", BadRequest),
    Row("not_a_refresh_token", 400, "refresh_token is not a refresh token", BadRequest),
    Row("invalid_pagination_token", 400, "pagination_token is invalid or has expired", BadRequest),
    Row("invalid_list_query", 400, "The filter or pagination_token is invalid", BadRequest),
    Row("invalid_credentials", 401, "The username or password is incorrect", InvalidCredentials),
    Row(
        "invalid_refresh_token",
        401,
        "Invalid refresh token or username is incorrect or Refresh Token has been revoked",
        SessionEnded,
    ),
    Row("code_mismatch", 401, "Invalid Verification code", InvalidCredentials),
    Row(
        "code_expired",
        401,
        "The verification code has expired, please request a new one",
        CodeExpired,
    ),
    Row("session_expired", 401, "The session has expired, please log in again", SessionEnded),
    Row(
        "wrong_previous_password",
        401,
        "The previous password is incorrect or the session has ended",
        InvalidCredentials,
    ),
    Row("wrong_password", 401, "The password is incorrect", InvalidCredentials),
    Row("session_ended", 401, "The session has ended, please log in again", SessionEnded),
    Row("user_not_confirmed", 403, "User is not confirmed", NotConfirmed),
    Row(
        "password_reset_required",
        403,
        "Password reset required for this user",
        PasswordResetRequired,
    ),
    Row("forbidden", 403, "You are not allowed to access this resource", Forbidden),
    Row("user_not_found", 404, "No such user", NotFound),
    Row("group_not_found", 404, "No such group", NotFound),
    Row("method_not_allowed", 405, "Method Not Allowed", RequestRefused),
    Row("username_exists", 409, "This username already exists", UsernameExists),
    Row("already_confirmed", 409, "User is already confirmed", AlreadyConfirmed),
    Row("email_exists", 409, "An account with this email already exists", Conflict),
    Row(
        "totp_already_set_up",
        409,
        "An authenticator app is already set up; turn it off (POST /user/mfa) "
        "before setting up another",
        Conflict,
    ),
    Row(
        "mfa_preference_refused",
        409,
        "Cognito refused this MFA preference: an authenticator app must be set up "
        "before it is turned on, and MFA cannot be turned off where the pool requires it",
        Conflict,
    ),
    Row("user_state_conflict", 409, "The user's state does not allow this action", Conflict),
    Row("payload_too_large", 413, "Request body is too large", PayloadTooLarge),
    Row("unsupported_media_type", 415, "Unsupported Media Type", RequestRefused),
    Row(
        "throttled",
        429,
        "Too many requests, please retry later",
        Throttled,
        retry_after="1",
    ),
    Row("internal_error", 500, "Internal Server Error", ServerError),
    Row(
        "service_unavailable",
        503,
        "The service is temporarily unavailable, please retry later",
        ServiceUnavailable,
        retry_after="5",
    ),
    # API Gateway's DEFAULT_4XX, at whatever 4xx status it answers.
    Row("request_refused", 403, "Missing Authentication Token", RequestRefused),
    Row("request_refused", 400, "Invalid request body", RequestRefused),
    Row("request_refused", 404, "Not Found", RequestRefused),
    # API Gateway's DEFAULT_5XX.
    Row("gateway_error", 502, "Internal server error", ServerError),
    Row("gateway_error", 504, "Endpoint request timed out", ServerError),
]

# Rewordings that would fool a client reading messages: another code's message, the
# gateway's fixed 401 texts, nothing at all.
MISLEADING = sorted({row.message for row in CATALOG} | {GATEWAY_EXPIRED, "Unauthorized", ""})


def raised(row: Row, message: str) -> ApiError:
    """What a call raises when the service answers `row` with `message`."""
    headers = {"X-Request-Id": "req-1"}
    if row.retry_after is not None:
        headers["Retry-After"] = row.retry_after
    # Throttled answers are retried (POST included) before they are raised: no real wait.
    with (
        responses.RequestsMock() as mocked,
        Client(API, sleep=lambda seconds: None) as client,
    ):
        mocked.post(
            f"{API}/login",
            status=row.status,
            json=error_envelope(message, row.code),
            headers=headers,
        )
        with pytest.raises(ApiError) as error:
            client.login("alice@example.com", "Passw0rd!")
    return error.value


def behaviour(error: ApiError) -> tuple[Any, ...]:
    """Everything a caller can act on, the message (for people) aside."""
    retry_after = error.retry_after if isinstance(error, RetryLater) else None
    return type(error), error.status, error.code, error.request_id, retry_after


def test_the_catalog_is_the_clients_table_of_codes() -> None:
    assert {row.code for row in CATALOG} == set(BY_CODE)
    # As many as the service's catalog names.
    assert len(BY_CODE) == 35


@pytest.mark.parametrize("row", CATALOG, ids=lambda row: f"{row.code}-{row.status}")
def test_each_code_raises_its_class_with_the_code_status_and_retry_after(row: Row) -> None:
    error = raised(row, row.message)

    assert type(error) is row.error_type
    assert (error.message, error.status, error.code, error.request_id) == (
        row.message,
        row.status,
        row.code,
        "req-1",
    )
    if row.retry_after is not None:
        assert isinstance(error, RetryLater)
        assert error.retry_after == float(row.retry_after)


@pytest.mark.parametrize("row", CATALOG, ids=lambda row: f"{row.code}-{row.status}")
def test_another_codes_message_changes_nothing_the_client_does(row: Row) -> None:
    expected = behaviour(raised(row, row.message))

    assert {message: behaviour(raised(row, message)) for message in MISLEADING} == dict.fromkeys(
        MISLEADING, expected
    )


@pytest.mark.parametrize("row", CATALOG, ids=lambda row: f"{row.code}-{row.status}")
@settings(max_examples=25, deadline=None)
@given(reworded=st.text(max_size=200))
def test_any_rewording_changes_nothing_the_client_does(row: Row, reworded: str) -> None:
    assert behaviour(raised(row, reworded)) == behaviour(raised(row, row.message))

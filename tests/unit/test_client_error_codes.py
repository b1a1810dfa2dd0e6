"""The client tells errors apart by their `code`, never by their message: rewording
every message of the service changes nothing the client does.

Every answer comes from the service's own code: each error class of
chalicelib/errors.py answered by chalicelib.responses.error_response, as the
service answers it, then with its message reworded; the answers no class stands
for (Chalice's own refusals, API Gateway's gateway responses) are the envelopes
with the codes chalicelib/errors.py names for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import errors as service
from chalicelib import rate_limits
from chalicelib.responses import error_envelope, error_response
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
from tests.client_support import API

# What each code of the service's catalog (docs/errors.md) is to the client.
EXPECTED: dict[str, type[ApiError]] = {
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
    "throttled": Throttled,
    "too_many_attempts": Throttled,
    "limit_exceeded": Throttled,
    "rate_limited": Throttled,
    "internal_error": ServerError,
    "service_unavailable": ServiceUnavailable,
    "request_refused": RequestRefused,
    "gateway_error": ServerError,
}


class Answer(NamedTuple):
    status: int
    body: Any
    headers: dict[str, str]


class Case(NamedTuple):
    name: str
    code: str
    message: str
    # The service's answer for a message (the real one, or any rewording).
    answer: Callable[[str], Answer]
    error_type: type[ApiError]


def _classes() -> list[type[service.ApiError]]:
    """The service's error classes, but the gateway's 401s: their bodies are API
    Gateway's, with no code (told apart by their fixed text, tested elsewhere)."""
    return [
        value
        for value in vars(service).values()
        if isinstance(value, type)
        and issubclass(value, service.ApiError)
        and not issubclass(value, service.GatewayUnauthorized)
    ]


def _raised_by_the_service(error_class: type[service.ApiError]) -> Callable[[str], Answer]:
    def answer(message: str) -> Answer:
        response = error_response(error_class(message))
        headers = {name: str(value) for name, value in response.headers.items()}
        assert headers == response.headers  # one value each
        return Answer(response.status_code, response.body, headers)

    return answer


def _enveloped(status: int, code: str) -> Callable[[str], Answer]:
    def answer(message: str) -> Answer:
        return Answer(status, error_envelope(message, code), {})

    return answer


CASES = [
    Case(
        error_class.__name__,
        error_class.code,
        error_class.default_message,
        _raised_by_the_service(error_class),
        EXPECTED[error_class.code],
    )
    for error_class in _classes()
] + [
    *(
        Case(
            f"chalice-{status}",
            code,
            f"Chalice's {status}",
            _enveloped(status, code),
            EXPECTED[code],
        )
        for status, code in service.CHALICE_CODES.items()
    ),
    # API Gateway's DEFAULT_4XX, at the statuses it answers with.
    Case(
        "gateway-unknown-path",
        service.REQUEST_REFUSED,
        "Missing Authentication Token",
        _enveloped(403, service.REQUEST_REFUSED),
        RequestRefused,
    ),
    Case(
        "gateway-not-found",
        service.REQUEST_REFUSED,
        "Not Found",
        _enveloped(404, service.REQUEST_REFUSED),
        RequestRefused,
    ),
    Case(
        "gateway-body-limit",
        service.REQUEST_REFUSED,
        "Request Too Long",
        _enveloped(413, service.REQUEST_REFUSED),
        PayloadTooLarge,
    ),
    # AWS WAF's rate rules (make run's emulation answers the same).
    Case(
        "waf-rate-limited",
        service.RATE_LIMITED,
        rate_limits.BLOCKED_MESSAGE,
        lambda message: Answer(
            429,
            error_envelope(message, service.RATE_LIMITED),
            {"Retry-After": rate_limits.RETRY_AFTER},
        ),
        Throttled,
    ),
    # API Gateway's DEFAULT_5XX.
    Case(
        "gateway-502",
        service.GATEWAY_ERROR,
        "Internal server error",
        _enveloped(502, service.GATEWAY_ERROR),
        ServerError,
    ),
    Case(
        "gateway-504",
        service.GATEWAY_ERROR,
        "Endpoint request timed out",
        _enveloped(504, service.GATEWAY_ERROR),
        ServerError,
    ),
]

# Rewordings that would fool a client reading messages: another code's message, the
# gateway's fixed 401 texts, nothing at all.
MISLEADING = sorted({case.message for case in CASES} | {GATEWAY_EXPIRED, "Unauthorized", ""})


def raised(answer: Answer) -> ApiError:
    """What a call raises when the service answers so."""
    # Throttled answers are retried (POST included) before they are raised: no real wait.
    with (
        responses.RequestsMock() as mocked,
        Client(API, sleep=lambda seconds: None) as client,
    ):
        mocked.post(
            f"{API}/login",
            status=answer.status,
            body=json.dumps(answer.body),
            headers={"X-Request-Id": "req-1", **answer.headers},
        )
        with pytest.raises(ApiError) as error:
            client.login("alice@example.com", "Passw0rd!")
    return error.value


def behaviour(error: ApiError) -> tuple[Any, ...]:
    """Everything a caller can act on, the message (for people) aside."""
    retry_after = error.retry_after if isinstance(error, RetryLater) else None
    return type(error), error.status, error.code, error.request_id, retry_after


def test_the_client_knows_every_code_the_service_answers() -> None:
    answered = {case.code for case in CASES}

    assert answered == set(BY_CODE) == set(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_code_raises_its_class_with_the_code_status_and_retry_after(case: Case) -> None:
    answer = case.answer(case.message)

    error = raised(answer)

    assert type(error) is case.error_type
    assert (error.message, error.status, error.code, error.request_id) == (
        case.message,
        answer.status,
        case.code,
        "req-1",
    )
    if "Retry-After" in answer.headers:
        assert isinstance(error, RetryLater)
        assert error.retry_after == float(answer.headers["Retry-After"])


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_another_codes_message_changes_nothing_the_client_does(case: Case) -> None:
    expected = behaviour(raised(case.answer(case.message)))

    assert {
        message: behaviour(raised(case.answer(message))) for message in MISLEADING
    } == dict.fromkeys(MISLEADING, expected)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@settings(max_examples=25, deadline=None)
@given(reworded=st.text(min_size=1, max_size=200))
def test_any_rewording_changes_nothing_the_client_does(case: Case, reworded: str) -> None:
    assert behaviour(raised(case.answer(reworded))) == behaviour(raised(case.answer(case.message)))

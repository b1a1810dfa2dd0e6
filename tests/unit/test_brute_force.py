"""Brute force against Cognito's limits (docs/security.md, "Brute force"): its lockout
answered as any refused sign-in, its other limits answered 429 with Retry-After and
their own code (or as the route's other refusals where a 429 would tell that a user
exists), and the caller's IP address sent with every sign-in call.

AWS divergence: moto has none of these limits, no lockout, and ignores
UserContextData, so AWS's answers and the exact requests are pinned with Stubber."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib import caller
from chalicelib.services import services
from devstack.events import proxy_event
from devstack.harness import Http
from tests.challenge_support import SESSION, totp_answer
from tests.conftest import (
    ALICE,
    FROM_CALLER,
    PASSWORD,
    STUB_HASH_OF_ALICE,
    STUB_POOL,
    STUB_SUB,
    STUB_TOKENS,
    expect_challenge_answer_from,
    expect_internal_name,
    password_auth_request,
    refused,
)

LOGIN = {"username": ALICE, "password": PASSWORD}
# AWS's answers to a refused sign-in: a wrong password, a name that does not exist (on a
# client with PreventUserExistenceErrors LEGACY; ENABLED answers it as a wrong
# password), and an account Cognito has locked after repeated failures.
WRONG_PASSWORD = ("NotAuthorizedException", "Incorrect username or password.")
UNKNOWN_USER = ("UserNotFoundException", "User does not exist.")
LOCKED_OUT = ("NotAuthorizedException", "Password attempts exceeded")


class _Context:
    """The Lambda context the handler reads (its request id)."""

    aws_request_id = "8c3e5d0a-6f1b-4b2e-9d7a-1e4f2a6b8c0d"
    function_name = "cognito-auth-api-dev"


def _as_seen(response: Any) -> tuple[int, bytes, dict[str, str]]:
    """What a client sees of an answer: status, exact body and headers (but the
    request id, which differs for every request)."""
    headers = {name: value for name, value in response.headers.items() if name != "X-Request-Id"}
    return response.status_code, bytes(response.body), headers


def test_a_locked_account_answers_login_byte_for_byte_as_a_wrong_password_and_a_stranger(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS documents no lockout for names that do not exist, so a distinct answer for a
    locked account would tell an attacker which accounts exist."""
    stubber, api = stubbed
    for code, message in (WRONG_PASSWORD, UNKNOWN_USER, LOCKED_OUT):
        stubber.add_client_error("initiate_auth", code, message)

    wrong, unknown, locked = (_as_seen(api.raw_post("/login", LOGIN)) for _ in range(3))

    assert wrong == unknown == locked
    assert wrong[0] == 401
    assert "Retry-After" not in wrong[2]


def test_a_locked_account_answers_a_challenge_and_a_renewal_as_their_other_refusals(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    answer = totp_answer(ALICE, SESSION, "123456")
    renewal = {"username": ALICE, "refresh_token": "r" * 40}
    expect_internal_name(stubber)  # cached for every call that follows
    for code, message in (("NotAuthorizedException", "Invalid session for the user."), LOCKED_OUT):
        stubber.add_client_error("respond_to_auth_challenge", code, message)
    for code, message in (("NotAuthorizedException", "Invalid Refresh Token"), LOCKED_OUT):
        stubber.add_client_error("get_tokens_from_refresh_token", code, message)

    challenges = [_as_seen(api.raw_post("/login/challenge", answer)) for _ in range(2)]
    renewals = [_as_seen(api.raw_post("/user/renew_refresh_token", renewal)) for _ in range(2)]

    assert challenges[0] == challenges[1]
    assert challenges[0][0] == 401
    assert renewals[0] == renewals[1]
    assert renewals[0][0] == 401


def test_a_lockout_is_logged_for_the_operator_without_the_name_or_password(
    stubbed: tuple[Stubber, Http], caplog: pytest.LogCaptureFixture
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("initiate_auth", *LOCKED_OUT)

    with caplog.at_level(logging.INFO):
        assert api.post("/login", LOGIN)[0] == 401

    assert "InitiateAuth: password attempts exceeded (lockout)" in caplog.text
    assert ALICE not in caplog.text
    assert PASSWORD not in caplog.text


THROTTLED = (429, refused("Too many requests, please retry later", "throttled"), "1")
TOO_MANY_ATTEMPTS = (
    429,
    refused("Too many failed attempts, please retry later", "too_many_attempts"),
    "900",
)
LIMIT_EXCEEDED = (
    429,
    refused("Attempt limit exceeded, please retry later", "limit_exceeded"),
    "900",
)
SIGN_UP = {"username": ALICE, "password": PASSWORD}
CONFIRM = {"username": ALICE, "code": "123456"}
RESET = {"username": ALICE, "code": "123456", "password": "N3w-Passw0rd!"}


@pytest.mark.parametrize(
    ("path", "body", "operation", "code", "answer"),
    [
        ("/login", LOGIN, "initiate_auth", "TooManyRequestsException", THROTTLED),
        ("/signup", SIGN_UP, "sign_up", "TooManyRequestsException", THROTTLED),
        ("/signup", SIGN_UP, "sign_up", "LimitExceededException", LIMIT_EXCEEDED),
        (
            "/signup/confirm",
            CONFIRM,
            "confirm_sign_up",
            "TooManyFailedAttemptsException",
            TOO_MANY_ATTEMPTS,
        ),
        ("/signup/confirm", CONFIRM, "confirm_sign_up", "LimitExceededException", LIMIT_EXCEEDED),
        (
            "/password/confirm",
            RESET,
            "confirm_forgot_password",
            "TooManyRequestsException",
            THROTTLED,
        ),
    ],
)
def test_cognitos_limits_answer_429_with_their_code_and_retry_after(
    stubbed: tuple[Stubber, Http],
    path: str,
    body: dict[str, str],
    operation: str,
    code: str,
    answer: tuple[int, dict[str, Any], str],
) -> None:
    """The sign-up routes answer 409 to a name that exists already, so a limit that
    only an existing account meets tells nothing new there."""
    stubber, api = stubbed
    stubber.add_client_error(operation, code, "Attempt limit exceeded, please try after some time.")

    response = api.raw_post(path, body)

    assert (response.status_code, response.json_body, response.headers["Retry-After"]) == answer


@pytest.mark.parametrize("code", ["TooManyFailedAttemptsException", "LimitExceededException"])
def test_a_password_reset_past_the_accounts_limit_answers_as_for_a_stranger(
    stubbed: tuple[Stubber, Http], code: str
) -> None:
    """Limits Cognito counts per account, which a name that does not exist never meets:
    the reset routes hide whether a user exists, so these answer as the stranger's
    wrong code (confirm) or as a code sent (forgot, resend)."""
    stubber, api = stubbed
    stubber.add_client_error("confirm_forgot_password", "UserNotFoundException", "no")
    stubber.add_client_error("confirm_forgot_password", code, "limit")

    stranger, limited = (_as_seen(api.raw_post("/password/confirm", RESET)) for _ in range(2))

    assert stranger == limited
    assert stranger[0] == 401


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/password/forgot", "forgot_password"), ("/signup/resend-code", "resend_confirmation_code")],
)
def test_asking_for_codes_past_the_accounts_limit_answers_as_for_a_stranger(
    stubbed: tuple[Stubber, Http], path: str, operation: str
) -> None:
    stubber, api = stubbed
    stubber.add_client_error(operation, "UserNotFoundException", "no")
    stubber.add_client_error(operation, "LimitExceededException", "Attempt limit exceeded")

    stranger, limited = (_as_seen(api.raw_post(path, {"username": ALICE})) for _ in range(2))

    assert stranger == limited
    assert stranger[0] == 200


def test_signed_in_limits_answer_429_limit_exceeded(stubbed: tuple[Stubber, Http]) -> None:
    """ChangePassword's LimitExceededException: too many wrong previous passwords."""
    from tests.unit.test_account_changes import STUB_BEARER

    stubber, api = stubbed
    stubber.add_client_error("change_password", "LimitExceededException", "Attempt limit")

    response = api.raw_post(
        "/user/change-password",
        {"previous_password": PASSWORD, "proposed_password": "N3w-Passw0rd!"},
        STUB_BEARER,
    )

    assert (response.status_code, response.json_body, response.headers["Retry-After"]) == (
        LIMIT_EXCEEDED
    )


# --- UserContextData: the caller's IP address on every sign-in call ---


def test_the_deployed_handler_sends_api_gateways_source_ip(
    stubbed: tuple[Stubber, Http],
) -> None:
    """As Lambda runs it: the address API Gateway saw, in the proxy event, reaches
    InitiateAuth and RespondToAuthChallenge; once the request is over, none is left."""
    from app import app

    stubber, _ = stubbed
    address = "203.0.113.7"
    sent = {"UserContextData": {"IpAddress": address}}
    stubber.add_response(
        "initiate_auth",
        STUB_TOKENS,
        password_auth_request(caller=sent),
    )
    expect_challenge_answer_from(
        sent, stubber, "SOFTWARE_TOKEN_MFA", SESSION, SOFTWARE_TOKEN_MFA_CODE="123456"
    )

    for path, body in (
        ("/login", LOGIN),
        ("/login/challenge", totp_answer(ALICE, SESSION, "123456")),
    ):
        event = proxy_event(path, body)
        event["requestContext"]["identity"] = {"sourceIp": address}
        assert app(event, _Context())["statusCode"] == 200

    assert caller.source_ip.get() is None


def test_without_a_request_no_user_context_data_is_sent(stubbed: tuple[Stubber, Http]) -> None:
    """The gateway used outside a request (the CLI, the bench) knows no caller."""
    stubber, _ = stubbed
    stubber.add_response(
        "initiate_auth",
        STUB_TOKENS,
        password_auth_request(caller={}),
    )

    services.gateway().password_auth(ALICE, PASSWORD)


def test_a_proxy_event_without_a_source_ip_sends_no_user_context_data(
    stubbed: tuple[Stubber, Http],
) -> None:
    from app import app

    stubber, _ = stubbed
    stubber.add_response(
        "forgot_password",
        {},
        {"ClientId": STUB_POOL.client_id, "SecretHash": STUB_HASH_OF_ALICE, "Username": ALICE},
    )

    assert (
        app(proxy_event("/password/forgot", {"username": ALICE}), _Context())["statusCode"] == 200
    )


@pytest.mark.parametrize(
    ("path", "body", "operation", "answer", "extra"),
    [
        (
            "/signup",
            SIGN_UP,
            "sign_up",
            {"UserConfirmed": False, "UserSub": STUB_SUB},
            {"Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": ALICE}]},
        ),
        ("/signup/confirm", CONFIRM, "confirm_sign_up", {}, {"ConfirmationCode": "123456"}),
        ("/signup/resend-code", {"username": ALICE}, "resend_confirmation_code", {}, {}),
        ("/password/forgot", {"username": ALICE}, "forgot_password", {}, {}),
        (
            "/password/confirm",
            RESET,
            "confirm_forgot_password",
            {},
            {"ConfirmationCode": "123456", "Password": "N3w-Passw0rd!"},
        ),
    ],
)
def test_every_call_naming_a_user_sends_the_callers_ip_address(
    stubbed: tuple[Stubber, Http],
    path: str,
    body: dict[str, str],
    operation: str,
    answer: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    """Each operation whose input takes UserContextData in botocore's model."""
    stubber, api = stubbed
    stubber.add_response(
        operation,
        answer,
        {
            "ClientId": STUB_POOL.client_id,
            "SecretHash": STUB_HASH_OF_ALICE,
            "Username": ALICE,
            **extra,
            **FROM_CALLER,
        },
    )

    assert api.post(path, body)[0] in (200, 201)

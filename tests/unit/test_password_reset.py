"""Forgotten passwords: the same answer for everyone, and codes logged only locally."""

from __future__ import annotations

import logging
import re

import pytest
from botocore.stub import Stubber

from chalicelib.services import services
from chalicelib.settings import Settings
from devstack.harness import Http, pool_environment
from devstack.pool import Pool
from tests.conftest import (
    ALICE,
    CODE_REFUSALS,
    FROM_CALLER,
    PASSWORD,
    STUB_HASH_OF_ALICE,
    STUB_POOL,
    refused,
    succeeded,
)

NEW_PASSWORD = "N3w-Passw0rd!"
pytestmark = pytest.mark.usefixtures("users")


def _reset_code(caplog: pytest.LogCaptureFixture) -> str:
    match = re.search(r"password reset code for \S+: (\d+)\b", caplog.text)
    assert match, caplog.text
    return match.group(1)


def test_forgot_password_answers_unknown_and_existing_users_alike(api: Http) -> None:
    existing = api.post("/password/forgot", {"username": ALICE})
    unknown = api.post("/password/forgot", {"username": "ghost@example.com"})

    assert existing == unknown
    assert existing == (
        200,
        succeeded("Please check your Registered email id for validation code"),
    )


@pytest.mark.parametrize("code", ["UserNotFoundException", "InvalidParameterException"])
def test_forgot_password_hides_what_aws_would_reveal(
    stubbed: tuple[Stubber, Http], code: str
) -> None:
    """AWS divergence: moto never fails ForgotPassword for unknown or unverified
    users; pinned here with AWS's own errors and the exact request."""
    stubber, api = stubbed
    params = {
        "ClientId": STUB_POOL.client_id,
        "SecretHash": STUB_HASH_OF_ALICE,
        "Username": ALICE,
        **FROM_CALLER,
    }
    stubber.add_response(
        "forgot_password",
        {"CodeDeliveryDetails": {"Destination": "a***@e***.com", "DeliveryMedium": "EMAIL"}},
        params,
    )
    stubber.add_client_error("forgot_password", code, "detail", expected_params=params)

    assert api.post("/password/forgot", {"username": ALICE}) == api.post(
        "/password/forgot", {"username": ALICE}
    )


def test_local_stage_logs_the_reset_code_and_it_resets_the_password(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert api.post("/password/forgot", {"username": ALICE})[0] == 200
    code = _reset_code(caplog)

    status, body = api.post(
        "/password/confirm", {"username": ALICE, "code": code, "password": NEW_PASSWORD}
    )

    assert (status, body["message"]) == (200, "Password has been changed successfully")
    assert api.post("/login", {"username": ALICE, "password": NEW_PASSWORD})[0] == 200
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 401


def test_other_stages_never_log_the_reset_code(
    api: Http, pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    services.override(settings=Settings.from_env({**pool_environment(pool), "STAGE": "dev"}))
    with caplog.at_level(logging.DEBUG):
        assert api.post("/password/forgot", {"username": ALICE})[0] == 200

    assert "reset code" not in caplog.text


def test_the_logged_reset_code_is_the_six_digits_cognito_sends(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    """moto makes `moto-confirmation-code:<digits>`, which no one types; the stand-in
    makes six digits, as Cognito's messages send."""
    with caplog.at_level(logging.INFO):
        api.post("/password/forgot", {"username": ALICE})

    assert re.fullmatch(r"\d{6}", _reset_code(caplog))


@pytest.mark.parametrize("shape", ["six digits", "moto's", "any"])
def test_confirm_password_rejects_a_wrong_code(
    api: Http, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    """moto accepts any code not shaped like its own; the stand-in only the one sent
    (AWS's CodeMismatchException is pinned below)."""
    with caplog.at_level(logging.INFO):
        api.post("/password/forgot", {"username": ALICE})
    sent = _reset_code(caplog)
    wrong = {
        "six digits": f"{(int(sent) + 1) % 10**6:06d}",
        "moto's": f"moto-confirmation-code:{sent}",
        "any": "anything",
    }[shape]

    status, body = api.post(
        "/password/confirm", {"username": ALICE, "code": wrong, "password": NEW_PASSWORD}
    )

    assert (status, body["message"]) == (401, "Invalid Verification code")
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 200


@pytest.mark.parametrize(
    ("error", "status", "message", "code"),
    [
        *CODE_REFUSALS,
        (
            "InvalidPasswordException",
            400,
            "Password did not conform with policy: Password not long enough",
            "weak_password",
        ),
        (
            "InvalidParameterException",
            400,
            "A value is not in the form Cognito accepts",
            "invalid_parameter",
        ),
    ],
)
def test_confirm_password_errors_as_aws_reports_them(
    stubbed: tuple[Stubber, Http], error: str, status: int, message: str, code: str
) -> None:
    """AWS divergence: moto accepts any code not shaped like its own, calls a wrong
    one expired, and does not apply the password policy here; AWS's errors pinned."""
    stubber, api = stubbed
    stubber.add_client_error(
        "confirm_forgot_password",
        error,
        "Password did not conform with policy: Password not long enough",
        expected_params={
            "ClientId": STUB_POOL.client_id,
            "SecretHash": STUB_HASH_OF_ALICE,
            "Username": ALICE,
            "ConfirmationCode": "123456",
            "Password": NEW_PASSWORD,
            **FROM_CALLER,
        },
    )

    answer = api.post(
        "/password/confirm", {"username": ALICE, "code": "123456", "password": NEW_PASSWORD}
    )

    assert answer == (status, refused(message, code))


@pytest.mark.parametrize("missing", ["username", "code", "password"])
def test_confirm_password_requires_each_field(api: Http, missing: str) -> None:
    body = {"username": ALICE, "code": "123456", "password": NEW_PASSWORD}
    del body[missing]

    assert api.post("/password/confirm", body)[1]["message"] == f"{missing} is required"


def test_the_stand_in_refuses_a_code_it_never_sent(api: Http) -> None:
    """moto would accept any code not shaped like its own, resetting any password;
    the moto dialect refuses them, as AWS refuses a code it did not send."""
    status, body = api.post(
        "/password/confirm", {"username": ALICE, "code": "123456", "password": NEW_PASSWORD}
    )

    assert (status, body["message"]) == (401, "Invalid Verification code")
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "12 34"}, "code is invalid"),
        ({"code": "   "}, "code is required"),
        ({"password": " N3w-Passw0rd!"}, "password is invalid"),
        ({"password": "N3w-Passw0rd! "}, "password is invalid"),
    ],
)
def test_confirm_password_refuses_what_cognito_would_refuse(
    api: Http, body: dict[str, str], message: str
) -> None:
    """Cognito's patterns (no whitespace in codes, none at a password's ends) are
    checked here, so AWS's InvalidParameterException never becomes a 503."""
    request = {"username": ALICE, "code": "123456", "password": NEW_PASSWORD, **body}

    assert api.post("/password/confirm", request) == (
        400,
        refused(message, "invalid_request"),
    )

"""POST /login/challenge: new-password and MFA challenges end in tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from devstack.harness import Http
from tests.challenge_support import (
    NEW_PASSWORD,
    SESSION,
    TEMPORARY,
    TOKEN_FIELDS,
    new_password_answer,
    totp_answer,
)
from tests.conftest import (
    ALICE,
    CODE_EXPIRED,
    CODE_MISMATCH,
    STUB_TOKENS_ANSWERED,
    Login,
    expect_challenge_answer,
    expect_internal_name,
    refused,
    sign_in,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool


def test_new_password_challenge_ends_in_tokens(api: Http, invited: str) -> None:
    challenge = sign_in(api, invited, TEMPORARY)
    assert challenge["challenge_name"] == "NEW_PASSWORD_REQUIRED"

    status, body = api.post(
        "/login/challenge", new_password_answer(invited, challenge["session"], NEW_PASSWORD)
    )

    assert status == 200
    assert set(body["data"]) == TOKEN_FIELDS
    assert api.post("/login", {"username": invited, "password": NEW_PASSWORD})[0] == 200


def test_new_password_challenge_answers_the_policys_wording(api: Http, invited: str) -> None:
    challenge = sign_in(api, invited, TEMPORARY)

    status, body = api.post(
        "/login/challenge", new_password_answer(invited, challenge["session"], "weakpassword")
    )

    assert status == 400
    assert body["message"] == (
        "The provided password does not confirm to the configured password policy"
    )


def test_software_token_mfa_challenge_ends_in_tokens(
    api: Http,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    login: Login,
) -> None:
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.user_pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    access = login(ALICE)["access_token"]
    cognito.associate_software_token(AccessToken=access)
    cognito.verify_software_token(AccessToken=access, UserCode="123456")
    cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = sign_in(api, ALICE)
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA"

    status, body = api.post("/login/challenge", totp_answer(ALICE, challenge["session"], "123456"))

    assert status == 200
    assert set(body["data"]) == TOKEN_FIELDS


@pytest.mark.parametrize(
    ("challenge", "field", "answer_name"),
    [
        ("NEW_PASSWORD_REQUIRED", "new_password", "NEW_PASSWORD"),
        ("SMS_MFA", "code", "SMS_MFA_CODE"),
        ("SOFTWARE_TOKEN_MFA", "code", "SOFTWARE_TOKEN_MFA_CODE"),
    ],
)
def test_challenge_sends_aws_the_internal_name_and_its_secret_hash(
    stubbed: tuple[Stubber, Http], challenge: str, field: str, answer_name: str
) -> None:
    """AWS divergence: with email as the username attribute, AWS checks USERNAME and
    SECRET_HASH against the internal name (the challenge's USER_ID_FOR_SRP, here
    resolved with AdminGetUser, as for renewal); moto takes the typed email."""
    stubber, api = stubbed
    expect_challenge_answer(stubber, challenge, SESSION, **{answer_name: "Passw0rd-654321"})

    status, body = api.post(
        "/login/challenge",
        {
            "username": ALICE,
            "challenge_name": challenge,
            "session": SESSION,
            field: "Passw0rd-654321",
        },
    )

    assert status == 200
    assert body["data"]["id_token"] == STUB_TOKENS_ANSWERED["id_token"]


@pytest.mark.parametrize(
    ("error", "status", "message", "code"),
    [
        CODE_MISMATCH,
        (
            "NotAuthorizedException",
            401,
            "The session has expired, please log in again",
            "session_expired",
        ),
        CODE_EXPIRED,
    ],
)
def test_mfa_challenge_errors(
    stubbed: tuple[Stubber, Http], error: str, status: int, message: str, code: str
) -> None:
    """AWS divergence: moto accepts any MFA code and answers an unknown session
    with ResourceNotFoundException; AWS's errors are pinned here."""
    stubber, api = stubbed
    expect_internal_name(stubber)
    stubber.add_client_error("respond_to_auth_challenge", error, "detail")

    answer = api.post(
        "/login/challenge",
        {"username": ALICE, "challenge_name": "SMS_MFA", "session": SESSION, "code": "1"},
    )

    assert answer == (status, refused(message, code))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"challenge_name": "CUSTOM_CHALLENGE"}, "Unsupported challenge_name"),
        ({"challenge_name": 5}, "Unsupported challenge_name"),
        (
            {"challenge_name": "NEW_PASSWORD_REQUIRED", "new_password": None},
            "new_password is required",
        ),
        ({"challenge_name": "SMS_MFA", "code": None}, "code is required"),
        ({"challenge_name": "SMS_MFA", "code": "1", "session": None}, "session is required"),
        ({"challenge_name": "SMS_MFA", "code": "1", "session": "short"}, "session is invalid"),
        ({"challenge_name": None}, "challenge_name is required"),
    ],
)
def test_challenge_rejects_unknown_challenges_and_missing_answers(
    api: Http, body: dict[str, Any], message: str
) -> None:
    request = {"username": ALICE, "session": SESSION, **body}
    request = {name: value for name, value in request.items() if value is not None}

    status, answer = api.post("/login/challenge", request)

    assert (status, answer["message"]) == (400, message)

"""Sign-up, confirmation and code resending."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from devstack.harness import Http
from tests.conftest import (
    ALICE,
    CODE_REFUSALS,
    FROM_CALLER,
    PASSWORD,
    STUB_HASH_OF_ALICE,
    STUB_POOL,
    refused,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

NEW = "newcomer@example.com"


def test_signup_creates_an_unconfirmed_user(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    status, body = api.post("/signup", {"username": NEW, "password": PASSWORD, "name": "Neo"})

    assert status == 201
    assert body["message"] == "Please confirm your signup, check Email for validation code"
    # As AWS names it: the masked email (moto's own answer names a fixed phone number).
    assert body["data"] == {"user_confirmed": False, "destination": "n***@e***.com"}
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=NEW)
    assert user["UserStatus"] == "UNCONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == NEW
    assert attributes["name"] == "Neo"


@pytest.mark.usefixtures("users")
def test_signup_refuses_a_taken_username(api: Http) -> None:
    status, body = api.post("/signup", {"username": ALICE, "password": PASSWORD})

    assert status == 409
    assert body["message"] == "This username already exists"


def test_signup_answers_the_password_policys_own_wording(api: Http) -> None:
    status, body = api.post("/signup", {"username": NEW, "password": "weakpass"})

    assert status == 400
    # moto's wording of Cognito's InvalidPasswordException; AWS's names the rule broken.
    assert body["message"] == (
        "The provided password does not confirm to the configured password policy"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"password": PASSWORD}, "username is required"),
        ({"username": NEW}, "password is required"),
        ({"username": NEW, "password": PASSWORD, "email": "not-an-email"}, "email is invalid"),
        ({"username": NEW, "password": PASSWORD, "name": 3}, "name is invalid"),
    ],
)
def test_signup_rejects_invalid_input(api: Http, body: dict[str, Any], message: str) -> None:
    status, answer = api.post("/signup", body)

    assert (status, answer["message"]) == (400, message)


def test_signup_sends_aws_the_secret_hash_and_attributes(stubbed: tuple[Stubber, Http]) -> None:
    """AWS divergence: moto does not check SECRET_HASH on SignUp; this pins it."""
    stubber, api = stubbed
    stubber.add_response(
        "sign_up",
        {
            "UserConfirmed": False,
            "UserSub": "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f",
            "CodeDeliveryDetails": {
                "Destination": "a***@e***.com",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            },
        },
        {
            "ClientId": STUB_POOL.client_id,
            "SecretHash": STUB_HASH_OF_ALICE,
            "Username": ALICE,
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": ALICE}, {"Name": "name", "Value": "A"}],
            **FROM_CALLER,
        },
    )

    status, body = api.post("/signup", {"username": ALICE, "password": PASSWORD, "name": "A"})

    assert status == 201
    assert body["data"] == {"user_confirmed": False, "destination": "a***@e***.com"}


def _sign_up_code(caplog: pytest.LogCaptureFixture, username: str) -> str:
    """The last sign-up code the local stage logged for the user."""
    codes = re.findall(
        rf"sign-up confirmation code for {re.escape(username)}: (\d{{6}})\b", caplog.text
    )
    assert codes, caplog.text
    return str(codes[-1])


def test_signup_logs_the_six_digit_code_on_the_local_stage(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    """As the other flows' codes: no resend is needed to finish a sign-up locally."""
    with caplog.at_level(logging.INFO):
        assert api.post("/signup", {"username": NEW, "password": PASSWORD})[0] == 201

    assert _sign_up_code(caplog, NEW)


def test_confirm_signup_confirms_the_user(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert api.post("/signup", {"username": NEW, "password": PASSWORD})[0] == 201
    code = _sign_up_code(caplog, NEW)

    status, body = api.post("/signup/confirm", {"username": NEW, "code": code})

    assert (status, body["message"]) == (200, "Your account has been confirmed")
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=NEW)
    assert user["UserStatus"] == "CONFIRMED"
    assert api.post("/login", {"username": NEW, "password": PASSWORD})[0] == 200


def test_confirm_signup_on_the_stand_in_refuses_a_wrong_code(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """moto confirms with any code; the stand-in, as AWS, only with the one it sent."""
    with caplog.at_level(logging.INFO):
        api.post("/signup", {"username": NEW, "password": PASSWORD})
    wrong = f"{(int(_sign_up_code(caplog, NEW)) + 1) % 10**6:06d}"

    answer = api.post("/signup/confirm", {"username": NEW, "code": wrong})

    assert answer == (401, refused("Invalid Verification code", "code_mismatch"))
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=NEW)
    assert user["UserStatus"] == "UNCONFIRMED"


def test_signup_in_another_case_of_a_taken_email_is_refused(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """The pool compares names case-insensitively (CaseSensitive false); moto did not."""
    assert api.post("/signup", {"username": NEW, "password": PASSWORD})[0] == 201

    status, body = api.post("/signup", {"username": NEW.upper(), "password": PASSWORD})

    assert (status, body["message"]) == (409, "This username already exists")
    assert len(cognito.list_users(UserPoolId=pool.user_pool_id)["Users"]) == 1


def test_signup_answer_names_the_address_the_pool_stores(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """The destination is the stored email, masked: the username as given (here in
    mixed case), which the email must equal."""
    status, body = api.post(
        "/signup", {"username": "Neo@Example.org", "password": PASSWORD, "email": "neo@example.org"}
    )

    assert status == 201
    assert body["data"]["destination"] == "N***@E***.org"
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username="neo@example.org")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == "Neo@Example.org"


@pytest.mark.parametrize(
    ("code", "status", "message", "ours"),
    [
        *CODE_REFUSALS,
        ("NotAuthorizedException", 409, "User is already confirmed", "already_confirmed"),
    ],
)
def test_confirm_signup_errors_as_aws_reports_them(
    stubbed: tuple[Stubber, Http], code: str, status: int, message: str, ours: str
) -> None:
    """AWS divergence: moto's ConfirmSignUp accepts any code and re-confirms a
    confirmed user, so these answers are pinned against AWS's errors (for a
    confirmed user: NotAuthorizedException "User cannot be confirmed. Current
    status is CONFIRMED")."""
    stubber, api = stubbed
    stubber.add_client_error(
        "confirm_sign_up",
        code,
        "detail from Cognito",
        expected_params={
            "ClientId": STUB_POOL.client_id,
            "SecretHash": STUB_HASH_OF_ALICE,
            "Username": ALICE,
            "ConfirmationCode": "000000",
            **FROM_CALLER,
        },
    )

    answer = api.post("/signup/confirm", {"username": ALICE, "code": "000000"})

    assert answer == (status, refused(message, ours))


def test_resend_code_answers_unknown_existing_and_confirmed_users_alike(
    stubbed: tuple[Stubber, Http],
) -> None:
    """The exact request AWS receives, and AWS's answers. With
    PreventUserExistenceErrors, AWS still says "User is already confirmed."
    (InvalidParameterException); the route hides that too. The stand-in answers the
    same (devstack/stand_in_operations.py: moto 5.2.5 has no ResendConfirmationCode);
    it differs only in handing back the code it made, in a header AWS never sends,
    and in that its ConfirmSignUp takes any code anyway."""
    stubber, api = stubbed
    expected = {
        "ClientId": STUB_POOL.client_id,
        "SecretHash": STUB_HASH_OF_ALICE,
        "Username": ALICE,
        **FROM_CALLER,
    }
    stubber.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "a***@e***.com", "DeliveryMedium": "EMAIL"}},
        expected,
    )
    stubber.add_client_error("resend_confirmation_code", "UserNotFoundException", "no")
    stubber.add_client_error(
        "resend_confirmation_code", "InvalidParameterException", "User is already confirmed."
    )

    answers = [api.post("/signup/resend-code", {"username": ALICE}) for _ in range(3)]

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    assert answers[0][1]["data"] is None


def test_resend_code_still_reports_throttling(stubbed: tuple[Stubber, Http]) -> None:
    """Cognito's request rate, not its limit per account (tests/unit/test_brute_force.py)."""
    stubber, api = stubbed
    stubber.add_client_error("resend_confirmation_code", "TooManyRequestsException", "slow down")

    assert api.post("/signup/resend-code", {"username": ALICE})[0] == 429


@pytest.mark.usefixtures("users")
def test_resend_code_on_the_stand_in_answers_everyone_alike_and_logs_the_new_code(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    """The stand-in resends as AWS does: a code for the unconfirmed user only, which
    the local stage logs; the answers are alike."""
    with caplog.at_level(logging.INFO):
        answers = {
            name: api.post("/signup/resend-code", {"username": name})
            for name in (ALICE, "carol@example.com", "ghost@example.com")
        }

    assert len({str(answer) for answer in answers.values()}) == 1
    assert answers[ALICE][0] == 200
    codes = re.findall(r"sign-up confirmation code for (\S+): (\d{6})\b", caplog.text)
    assert [name for name, _ in codes] == ["carol@example.com"]


@pytest.mark.usefixtures("users")
def test_confirming_a_confirmed_user_again_answers_409_on_the_stand_in_too(api: Http) -> None:
    """moto confirms a confirmed user again with a 200; the local stack answers as AWS
    does (its NotAuthorizedException is pinned in the Stubber test above)."""
    status, body = api.post("/signup/confirm", {"username": ALICE, "code": "123456"})

    assert (status, body["message"]) == (409, "User is already confirmed")


def test_confirming_an_unknown_user_on_the_stand_in_is_an_invalid_code(api: Http) -> None:
    status, body = api.post("/signup/confirm", {"username": "ghost@example.com", "code": "1"})

    assert (status, body["message"]) == (401, "Invalid Verification code")

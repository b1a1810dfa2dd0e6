"""End to end: whole account lives over HTTP against the local stack."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.challenge_support import TEMPORARY, TOKEN_FIELDS, invite, new_password_answer
from tests.stack_support import new_user, post, reset_code, sign_in, sign_up_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Lifecycle-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd!"


def test_sign_up_to_sign_out(stack: dict[str, Any]) -> None:
    user = "lifecycle@example.com"
    signup = {"username": user, "password": PASSWORD, "name": "Lee"}
    assert post(stack, "/signup", signup)[0] == 201
    assert post(stack, "/login", {"username": user, "password": PASSWORD})[0] == 403
    code = sign_up_code(Path(stack["log_file"]), user)
    assert post(stack, "/signup/confirm", {"username": user, "code": code})[0] == 200
    tokens = sign_in(stack, user, PASSWORD)

    status, _ = post(
        stack,
        "/user/change-password",
        {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
        tokens["access_token"],
    )
    assert status == 200
    assert post(stack, "/login", {"username": user, "password": PASSWORD})[0] == 401
    tokens = sign_in(stack, user, NEW_PASSWORD)

    status, _ = post(
        stack, "/user/attributes", {"attributes": {"name": "Leona"}}, tokens["access_token"]
    )
    assert status == 200
    # The profile answers from the id token: the new name shows once it is renewed.
    status, renewed = post(
        stack,
        "/user/renew_refresh_token",
        {"username": user, "refresh_token": tokens["refresh_token"]},
    )
    assert status == 200
    status, profile = post(stack, "/user/test-user", {}, renewed["data"]["id_token"])
    assert status == 200
    assert {a["Name"]: a["Value"] for a in profile["data"]}["name"] == "Leona"

    assert post(stack, "/logout", {}, tokens["access_token"])[0] == 200
    status, body = post(
        stack,
        "/user/renew_refresh_token",
        {"username": user, "refresh_token": tokens["refresh_token"]},
    )
    assert status == 401
    assert body["message"] == (
        "Invalid refresh token or username is incorrect or Refresh Token has been revoked"
    )


def test_forgotten_password_with_the_code_the_local_stage_logged(stack: dict[str, Any]) -> None:
    user = "forgetful@example.com"
    new_user(stack, user, PASSWORD)

    assert post(stack, "/password/forgot", {"username": user})[0] == 200
    code = reset_code(Path(stack["log_file"]), user)
    status, body = post(
        stack, "/password/confirm", {"username": user, "code": code, "password": NEW_PASSWORD}
    )

    assert (status, body["message"]) == (200, "Password has been changed successfully")
    assert sign_in(stack, user, NEW_PASSWORD)["token_type"] == "Bearer"


def test_forgot_password_answers_unknown_and_existing_users_alike(stack: dict[str, Any]) -> None:
    existing = post(stack, "/password/forgot", {"username": stack["demo_username"]})
    unknown = post(stack, "/password/forgot", {"username": "nobody-at-all@example.com"})

    assert existing == unknown
    assert existing[0] == 200


def test_administrator_created_user_sets_a_new_password(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = "invited-e2e@example.com"
    invite(stack_cognito, stack["user_pool_id"], user, TEMPORARY)

    challenge = sign_in(stack, user, TEMPORARY)
    assert challenge["challenge_name"] == "NEW_PASSWORD_REQUIRED"
    status, body = post(
        stack, "/login/challenge", new_password_answer(user, challenge["session"], NEW_PASSWORD)
    )

    assert status == 200
    assert set(body["data"]) == TOKEN_FIELDS
    assert sign_in(stack, user, NEW_PASSWORD)["token_type"] == "Bearer"


def test_forgot_password_for_an_unknown_user_logs_no_code(stack: dict[str, Any]) -> None:
    """moto's server sends its code header for an unknown user too, saying "None"."""
    ghost = f"ghost-{time.monotonic_ns()}@example.com"

    status, _ = post(stack, "/password/forgot", {"username": ghost})
    # A request that does log, so that the log has caught up with the one above.
    post(stack, "/password/forgot", {"username": stack["demo_username"]})
    reset_code(Path(stack["log_file"]), stack["demo_username"])

    assert status == 200
    assert ghost not in Path(stack["log_file"]).read_text()


def test_signing_up_names_the_masked_email_and_confirming_twice_answers_409(
    stack: dict[str, Any],
) -> None:
    """As AWS answers: moto names a fixed phone number and confirms a user twice."""
    email = f"twice-{time.monotonic_ns()}@example.com"

    status, body = post(stack, "/signup", {"username": email, "password": PASSWORD})
    code = sign_up_code(Path(stack["log_file"]), email)
    wrong = post(stack, "/signup/confirm", {"username": email, "code": f"{int(code) ^ 1:06d}"})
    first = post(stack, "/signup/confirm", {"username": email, "code": code})
    again = post(stack, "/signup/confirm", {"username": email, "code": code})

    assert (status, body["data"]["destination"]) == (201, "t***@e***.com")
    assert (wrong[0], wrong[1]["code"]) == (401, "code_mismatch")
    assert first[0] == 200
    assert (again[0], again[1]["message"]) == (409, "User is already confirmed")

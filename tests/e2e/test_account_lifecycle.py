"""End to end: whole account lives over HTTP against the local stack."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Lifecycle-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd!"


def _post(
    stack: dict[str, Any], path: str, body: Any, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": token} if token else {}
    response = requests.post(stack["api_url"] + path, json=body, headers=headers, timeout=30)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def _tokens(stack: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    status, body = _post(stack, "/login", {"username": username, "password": password})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def _logged_code(log_file: Path, username: str, timeout: float = 10.0) -> str:
    pattern = re.compile(
        rf"password reset code for {re.escape(username)}: (moto-confirmation-code:\d+)"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.findall(log_file.read_text())
        if found:
            return str(found[-1])
        time.sleep(0.1)
    raise AssertionError(f"no reset code logged for {username}")


def test_sign_up_to_sign_out(stack: dict[str, Any]) -> None:
    user = "lifecycle@example.com"
    signup = {"username": user, "password": PASSWORD, "name": "Lee"}
    assert _post(stack, "/signup", signup)[0] == 201
    assert _post(stack, "/login", {"username": user, "password": PASSWORD})[0] == 403
    assert _post(stack, "/signup/confirm", {"username": user, "code": "123456"})[0] == 200
    tokens = _tokens(stack, user, PASSWORD)

    status, _ = _post(
        stack,
        "/user/change-password",
        {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
        tokens["access_token"],
    )
    assert status == 200
    assert _post(stack, "/login", {"username": user, "password": PASSWORD})[0] == 401
    tokens = _tokens(stack, user, NEW_PASSWORD)

    status, _ = _post(
        stack, "/user/attributes", {"attributes": {"name": "Leona"}}, tokens["access_token"]
    )
    assert status == 200
    # The profile answers from the id token: the new name shows once it is renewed.
    status, renewed = _post(
        stack,
        "/user/renew_refresh_token",
        {"username": user, "refresh_token": tokens["refresh_token"]},
    )
    assert status == 200
    status, profile = _post(stack, "/user/test-user", {}, renewed["data"]["id_token"])
    assert status == 200
    assert {a["Name"]: a["Value"] for a in profile["data"]}["name"] == "Leona"

    assert _post(stack, "/logout", {}, tokens["access_token"])[0] == 200
    status, body = _post(
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
    assert _post(stack, "/signup", {"username": user, "password": PASSWORD})[0] == 201
    assert _post(stack, "/signup/confirm", {"username": user, "code": "123456"})[0] == 200

    assert _post(stack, "/password/forgot", {"username": user})[0] == 200
    code = _logged_code(Path(stack["log_file"]), user)
    status, body = _post(
        stack, "/password/confirm", {"username": user, "code": code, "password": NEW_PASSWORD}
    )

    assert (status, body["message"]) == (200, "Password has been changed successfully")
    assert _tokens(stack, user, NEW_PASSWORD)["token_type"] == "Bearer"


def test_forgot_password_answers_unknown_and_existing_users_alike(stack: dict[str, Any]) -> None:
    existing = _post(stack, "/password/forgot", {"username": stack["demo_username"]})
    unknown = _post(stack, "/password/forgot", {"username": "nobody-at-all@example.com"})

    assert existing == unknown
    assert existing[0] == 200


def test_administrator_created_user_sets_a_new_password(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = "invited-e2e@example.com"
    stack_cognito.admin_create_user(
        UserPoolId=stack["user_pool_id"],
        Username=user,
        TemporaryPassword="Temp-Passw0rd",
        MessageAction="SUPPRESS",
    )

    status, body = _post(stack, "/login", {"username": user, "password": "Temp-Passw0rd"})
    assert status == 200
    challenge = body["data"]
    assert challenge["challenge_name"] == "NEW_PASSWORD_REQUIRED"
    status, body = _post(
        stack,
        "/login/challenge",
        {
            "username": user,
            "challenge_name": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "new_password": NEW_PASSWORD,
        },
    )

    assert status == 200
    assert set(body["data"]) == {
        "id_token",
        "refresh_token",
        "access_token",
        "expires_in",
        "token_type",
    }
    assert _tokens(stack, user, NEW_PASSWORD)["token_type"] == "Bearer"


def test_forgot_password_for_an_unknown_user_logs_no_code(stack: dict[str, Any]) -> None:
    """moto's server sends its code header for an unknown user too, saying "None"."""
    ghost = f"ghost-{time.monotonic_ns()}@example.com"

    status, _ = _post(stack, "/password/forgot", {"username": ghost})
    # A request that does log, so that the log has caught up with the one above.
    _post(stack, "/password/forgot", {"username": stack["demo_username"]})
    _logged_code(Path(stack["log_file"]), stack["demo_username"])

    assert status == 200
    assert ghost not in Path(stack["log_file"]).read_text()


def test_signing_up_names_the_masked_email_and_confirming_twice_answers_409(
    stack: dict[str, Any],
) -> None:
    """As AWS answers: moto names a fixed phone number and confirms a user twice."""
    email = f"twice-{time.monotonic_ns()}@example.com"

    status, body = _post(stack, "/signup", {"username": email, "password": PASSWORD})
    first = _post(stack, "/signup/confirm", {"username": email, "code": "123456"})
    again = _post(stack, "/signup/confirm", {"username": email, "code": "123456"})

    assert (status, body["data"]["destination"]) == (201, "t***@e***.com")
    assert first[0] == 200
    assert (again[0], again[1]["message"]) == (409, "User is already confirmed")

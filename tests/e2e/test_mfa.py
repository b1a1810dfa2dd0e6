"""End to end: an authenticator app over HTTP against the local stack (`make run`'s
stand-in checks codes), with codes computed by pyotp from the secret the service
answered, as the user's app would compute them."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.challenge_support import totp_answer
from tests.mfa_support import app_code, wrong_code
from tests.stack_support import call, new_user, post, sign_in

pytestmark = pytest.mark.e2e

USER = "authenticator@example.com"
PASSWORD = "Authenticator-Passw0rd"
WRONG_CODE = (401, "Invalid Verification code")


def _login(stack: dict[str, Any]) -> dict[str, Any]:
    return sign_in(stack, USER, PASSWORD)


def _answer(stack: dict[str, Any], session: str, code: str) -> tuple[int, dict[str, Any]]:
    return post(stack, "/login/challenge", totp_answer(USER, session, code))


def test_enrol_log_out_log_in_with_the_apps_code_then_turn_it_off(stack: dict[str, Any]) -> None:
    new_user(stack, USER, PASSWORD)
    access = _login(stack)["access_token"]

    status, setup = call(stack, "POST", "/user/mfa/totp/setup", token=access)
    assert status == 200, setup
    secret = setup["data"]["secret"]
    app = pyotp.parse_uri(setup["data"]["uri"])
    assert (app.name, app.issuer) == (USER, "cognito-auth-api")
    assert setup["data"]["qr_svg"].startswith("<svg")
    refused = call(stack, "POST", "/user/mfa/totp/verify", {"code": wrong_code(secret)}, access)
    assert (refused[0], refused[1]["message"]) == WRONG_CODE
    verified = call(stack, "POST", "/user/mfa/totp/verify", {"code": app_code(secret)}, access)
    assert verified[0] == 200, verified
    assert call(stack, "POST", "/logout", token=access)[0] == 200

    challenge = _login(stack)
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA"
    wrong = _answer(stack, challenge["session"], wrong_code(secret))
    assert (wrong[0], wrong[1]["message"]) == WRONG_CODE
    status, body = _answer(stack, challenge["session"], app_code(secret))
    assert status == 200, body
    access = body["data"]["access_token"]
    assert call(stack, "GET", "/user/mfa", token=access)[1]["data"] == {
        "enabled": ["SOFTWARE_TOKEN_MFA"],
        "preferred": "SOFTWARE_TOKEN_MFA",
        "totp": "preferred",
    }

    assert call(stack, "POST", "/user/mfa", {"totp": "disabled"}, access)[0] == 200
    assert {"id_token", "access_token", "refresh_token"} <= set(_login(stack))

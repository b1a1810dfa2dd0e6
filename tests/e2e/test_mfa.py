"""End to end: an authenticator app over HTTP against the local stack (`make run`'s
stand-in checks codes), with codes computed by pyotp from the secret the service
answered, as the user's app would compute them."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
import requests

from tests.mfa_support import app_code, wrong_code

pytestmark = pytest.mark.e2e

USER = "authenticator@example.com"
PASSWORD = "Authenticator-Passw0rd"
WRONG_CODE = (401, "Invalid Verification code")


def _call(
    stack: dict[str, Any], method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": token} if token else {}
    response = requests.request(
        method, stack["api_url"] + path, json=body, headers=headers, timeout=30
    )
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def _login(stack: dict[str, Any]) -> dict[str, Any]:
    status, body = _call(stack, "POST", "/login", {"username": USER, "password": PASSWORD})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def _answer(stack: dict[str, Any], session: str, code: str) -> tuple[int, dict[str, Any]]:
    return _call(
        stack,
        "POST",
        "/login/challenge",
        {
            "username": USER,
            "challenge_name": "SOFTWARE_TOKEN_MFA",
            "session": session,
            "code": code,
        },
    )


def test_enrol_log_out_log_in_with_the_apps_code_then_turn_it_off(stack: dict[str, Any]) -> None:
    assert _call(stack, "POST", "/signup", {"username": USER, "password": PASSWORD})[0] == 201
    assert _call(stack, "POST", "/signup/confirm", {"username": USER, "code": "1"})[0] == 200
    access = _login(stack)["access_token"]

    status, setup = _call(stack, "POST", "/user/mfa/totp/setup", token=access)
    assert status == 200, setup
    secret = setup["data"]["secret"]
    app = pyotp.parse_uri(setup["data"]["uri"])
    assert (app.name, app.issuer) == (USER, "cognito-auth-api")
    assert setup["data"]["qr_svg"].startswith("<svg")
    refused = _call(stack, "POST", "/user/mfa/totp/verify", {"code": wrong_code(secret)}, access)
    assert (refused[0], refused[1]["message"]) == WRONG_CODE
    verified = _call(stack, "POST", "/user/mfa/totp/verify", {"code": app_code(secret)}, access)
    assert verified[0] == 200, verified
    assert _call(stack, "POST", "/logout", token=access)[0] == 200

    challenge = _login(stack)
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA"
    wrong = _answer(stack, challenge["session"], wrong_code(secret))
    assert (wrong[0], wrong[1]["message"]) == WRONG_CODE
    status, body = _answer(stack, challenge["session"], app_code(secret))
    assert status == 200, body
    access = body["data"]["access_token"]
    assert _call(stack, "GET", "/user/mfa", token=access)[1]["data"] == {
        "enabled": ["SOFTWARE_TOKEN_MFA"],
        "preferred": "SOFTWARE_TOKEN_MFA",
        "totp": "preferred",
    }

    assert _call(stack, "POST", "/user/mfa", {"totp": "disabled"}, access)[0] == 200
    assert {"id_token", "access_token", "refresh_token"} <= set(_login(stack))

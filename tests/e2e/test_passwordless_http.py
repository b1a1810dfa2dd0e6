"""End to end over HTTP: passkeys and emailed one-time codes against the local stack,
as a client that is not a browser calls them. tests/webauthn_support.py's software
authenticator stands in for the browser's on the page's origin (the browser's own
virtual authenticator is in test_browser_passkeys.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devstack.pool import create_confirmed_user
from tests.stack_support import call, new_user, otp_code, post, sign_in
from tests.webauthn_support import Authenticator

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Passwordless-Passw0rd"


def _passkey_sign_in(
    stack: dict[str, Any], user: str, authenticator: Authenticator
) -> tuple[int, dict[str, Any]]:
    """What /login/challenge answers the authenticator's passkey for the user."""
    status, started = post(stack, "/login/start", {"username": user, "challenge": "WEB_AUTHN"})
    assert status == 200, started
    assert started["data"]["challenge_name"] == "WEB_AUTHN"
    options = json.loads(started["data"]["parameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    answer = {
        "username": user,
        "challenge_name": "WEB_AUTHN",
        "session": started["data"]["session"],
        "credential": authenticator.assertion(options),
    }
    return post(stack, "/login/challenge", answer)


def test_a_passkey_added_over_http_signs_in_until_it_is_deleted(stack: dict[str, Any]) -> None:
    user = "passkey-http@example.com"
    new_user(stack, user, PASSWORD, "Passkey User")
    access = sign_in(stack, user, PASSWORD)["access_token"]
    # Made where the page runs: its origin is one the relying party allows.
    authenticator = Authenticator(stack["web_url"], "localhost")

    status, started = post(stack, "/user/passkeys/start", token=access)
    assert status == 200, started
    credential = authenticator.register(started["data"]["options"])
    assert post(stack, "/user/passkeys", {"credential": credential}, access)[0] == 201
    status, listed = call(stack, "GET", "/user/passkeys", token=access)
    assert status == 200, listed
    [passkey] = listed["data"]["passkeys"]
    assert passkey["id"] == credential["id"]
    assert passkey["relying_party_id"] == "localhost"
    assert passkey["created"]

    status, signed_in = _passkey_sign_in(stack, user, authenticator)
    assert status == 200, signed_in
    profile = post(stack, "/user/test-user", token=signed_in["data"]["id_token"])
    assert profile[0] == 200
    assert {"Name": "email", "Value": user} in profile[1]["data"]

    deleted = call(stack, "DELETE", f"/user/passkeys/{credential['id']}", token=access)
    assert deleted[0] == 200, deleted
    assert call(stack, "GET", "/user/passkeys", token=access)[1]["data"]["passkeys"] == []
    status, refused = _passkey_sign_in(stack, user, authenticator)
    assert (status, refused["code"]) == (401, "invalid_credentials")


def test_an_emailed_code_signs_in_over_http_and_a_wrong_one_is_refused(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = "email-code-http@example.com"
    # Codes go to a verified email only; the stand-in's ConfirmSignUp leaves
    # email_verified unset, so the user is made with a verified one.
    create_confirmed_user(stack_cognito, stack["user_pool_id"], user, PASSWORD, "Code User")
    log = Path(stack["log_file"])

    def start() -> dict[str, Any]:
        status, started = post(stack, "/login/start", {"username": user, "challenge": "EMAIL_OTP"})
        assert status == 200, started
        data: dict[str, Any] = started["data"]
        assert data["challenge_name"] == "EMAIL_OTP"
        assert data["parameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
        return data

    def answer(started: dict[str, Any], code: str) -> tuple[int, dict[str, Any]]:
        body = {"username": user, "challenge_name": "EMAIL_OTP", "session": started["session"]}
        return post(stack, "/login/challenge", {**body, "code": code})

    first = start()
    wrong = "0" * 8 if otp_code(log, user) != "0" * 8 else "1" * 8
    status, refused = answer(first, wrong)
    assert (status, refused["code"]) == (401, "code_mismatch")

    second = start()
    status, signed_in = answer(second, otp_code(log, user))
    assert status == 200, signed_in
    profile = post(stack, "/user/test-user", token=signed_in["data"]["id_token"])
    assert {"Name": "email", "Value": user} in profile[1]["data"]

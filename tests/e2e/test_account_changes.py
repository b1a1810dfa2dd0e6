"""End to end: a new email, one-session sign-out and account deletion over HTTP
against the local stack, with the codes its stand-in makes read from its log."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.stack_support import logged, post, sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "Changes-Passw0rd"


def _login(stack: dict[str, Any], username: str) -> tuple[int, dict[str, Any]]:
    return post(stack, "/login", {"username": username, "password": PASSWORD})


def _renew(stack: dict[str, Any], username: str, tokens: dict[str, Any]) -> int:
    body = {"username": username, "refresh_token": tokens["refresh_token"]}
    return post(stack, "/user/renew_refresh_token", body)[0]


def _user(stack: dict[str, Any], prefix: str) -> tuple[str, dict[str, Any]]:
    """A new confirmed user, confirmed with the code the stack logged on a resend."""
    username = f"{prefix}-{time.monotonic_ns()}@example.com"
    assert post(stack, "/signup", {"username": username, "password": PASSWORD})[0] == 201
    assert post(stack, "/signup/resend-code", {"username": username})[0] == 200
    code = logged(
        Path(stack["log_file"]), rf"sign-up confirmation code for {re.escape(username)}: (\d{{6}})"
    )
    assert post(stack, "/signup/confirm", {"username": username, "code": code})[0] == 200
    return username, sign_in(stack, username, PASSWORD)


def test_a_new_email_verified_with_the_logged_code_signs_in(stack: dict[str, Any]) -> None:
    old, tokens = _user(stack, "mover")
    new = old.replace("mover", "moved")
    access = tokens["access_token"]

    status, body = post(stack, "/user/attributes", {"attributes": {"email": new}}, access)
    assert (status, body["data"]["pending_verification"][0]["attribute"]) == (200, "email")
    assert _login(stack, new)[0] == 401
    code = logged(
        Path(stack["log_file"]), rf"email verification code for {re.escape(new)}: (\d{{6}})"
    )
    status, body = post(
        stack, "/user/attributes/verify", {"attribute": "email", "code": code}, access
    )

    assert (status, body["message"]) == (200, "email has been verified")
    assert _login(stack, new)[0] == 200
    assert _login(stack, old)[0] == 401
    assert _renew(stack, new, tokens) == 200


def test_signing_out_of_one_session_leaves_the_other(stack: dict[str, Any]) -> None:
    username, phone = _user(stack, "two-devices")
    laptop = _login(stack, username)[1]["data"]

    status, body = post(
        stack, "/logout", {"refresh_token": phone["refresh_token"]}, phone["access_token"]
    )

    assert (status, body["message"]) == (200, "Signed out of this session")
    assert _renew(stack, username, phone) == 401
    assert _renew(stack, username, laptop) == 200


def test_deleting_the_account_needs_the_password_and_ends_every_session(
    stack: dict[str, Any],
) -> None:
    username, tokens = _user(stack, "leaver")
    access = tokens["access_token"]

    wrong = post(stack, "/user/delete", {"password": "Not-The-Passw0rd"}, access)
    assert (wrong[0], wrong[1]["message"]) == (401, "The password is incorrect")
    assert _login(stack, username)[0] == 200
    status, body = post(stack, "/user/delete", {"password": PASSWORD}, access)

    assert (status, body["message"]) == (200, "Your account has been deleted")
    assert _login(stack, username)[0] == 401
    assert _renew(stack, username, tokens) == 401

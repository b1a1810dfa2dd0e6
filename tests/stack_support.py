"""What the end-to-end tests share: the local stack's API called over HTTP as a
client calls it, a sign-in, a user made over HTTP, and the codes the stand-in writes
to the stack's log (the local stage has no mailbox)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import requests


def request(
    stack: dict[str, Any], method: str, path: str, body: Any = None, token: str | None = None
) -> requests.Response:
    """The stack's response to a request, with the token if one is given."""
    headers = {"Authorization": token} if token else {}
    return requests.request(method, stack["api_url"] + path, json=body, headers=headers, timeout=30)


def call(
    stack: dict[str, Any], method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Status and JSON answer of a request, with the token if one is given."""
    response = request(stack, method, path, body, token)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def post(
    stack: dict[str, Any], path: str, body: Any = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Status and JSON answer of a POST, with the token if one is given."""
    return call(stack, "POST", path, body, token)


def sign_in(stack: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    """What POST /login answers a right password with: tokens, or a challenge."""
    status, body = post(stack, "/login", {"username": username, "password": password})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def new_user(stack: dict[str, Any], username: str, password: str, name: str | None = None) -> None:
    """A user signed up and confirmed over HTTP (the stand-in takes any code)."""
    signup = {"username": username, "password": password}
    if name is not None:
        signup["name"] = name
    assert post(stack, "/signup", signup)[0] == 201
    assert post(stack, "/signup/confirm", {"username": username, "code": "123456"})[0] == 200


def logged(log_file: Path, pattern: str, timeout: float = 10.0) -> str:
    """The last match's group in the stack's log, waiting for the log to catch up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(pattern, log_file.read_text())
        if found:
            return str(found[-1])
        time.sleep(0.1)
    raise AssertionError(f"nothing logged like {pattern}")


def reset_code(log_file: Path, username: str) -> str:
    """The last password reset code the local stage logged for the user."""
    return logged(
        log_file, rf"password reset code for {re.escape(username)}: (moto-confirmation-code:\d+)"
    )

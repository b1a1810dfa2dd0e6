"""What the end-to-end tests share: the local stack's API called over HTTP as a
client calls it, a sign-in, a user made over HTTP, and the codes the stand-in writes
to the stack's log (the local stage has no mailbox)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from devstack.environment import ROOT
from devstack.process import env_file_for, free_port

# How long another `chalice local` may take to answer; never what a test asserts.
STARTS_WITHIN = 60.0


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
    """A user signed up and confirmed over HTTP, with the code the stack logged."""
    signup = {"username": username, "password": password}
    if name is not None:
        signup["name"] = name
    assert post(stack, "/signup", signup)[0] == 201
    code = sign_up_code(Path(stack["log_file"]), username)
    assert post(stack, "/signup/confirm", {"username": username, "code": code})[0] == 200


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
    return logged(log_file, rf"password reset code for {re.escape(username)}: (\d{{6}})\b")


@contextmanager
def chalice_local_beside(
    stack: dict[str, Any], environ: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Another `chalice local` against the stack's stand-in, started as
    docs/local-stack.md's recipe starts it (sourcing stack.env), with `environ` besides
    and nothing else of this process's COGNITO_ or AWS_ variables; yields its API URL
    once it answers (or the wait is over: the caller's requests then fail)."""
    env_file = env_file_for(Path(stack["log_file"]).with_name("stack.json"))
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "AWS_"))}
    # The recipe's .venv/bin/chalice, from whichever venv runs the tests.
    command = f"{Path(sys.executable).parent / 'chalice'} local --stage local --port {port}"
    recipe = f'. "$1" && exec {command} --no-autoreload'
    chalice = subprocess.Popen(
        ["bash", "-c", recipe, "recipe", str(env_file)],
        cwd=ROOT,
        env={**clean, **(environ or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )
    api_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTS_WITHIN
        while chalice.poll() is None and time.monotonic() < deadline:
            try:
                if requests.get(api_url + "/openapi.json", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield api_url
    finally:
        if chalice.poll() is None:
            os.killpg(chalice.pid, signal.SIGTERM)
        chalice.wait()


def sign_up_code(log_file: Path, username: str) -> str:
    """The last sign-up confirmation code the local stage logged for the user."""
    return logged(log_file, rf"sign-up confirmation code for {re.escape(username)}: (\d{{6}})\b")


def otp_code(log_file: Path, username: str) -> str:
    """The last one-time sign-in code (EMAIL_OTP, SMS_OTP) the local stage logged for
    the user: eight digits, as Cognito's choice-based sign-in sends them."""
    return logged(log_file, rf"sign-in code for {re.escape(username)}: (\d{{8}})\b")

"""Logs: JSON lines with the request id, and never a secret, in logs or in errors."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from chalicelib.cognito_gateway import secret_hash
from devstack.harness import Http
from devstack.pool import Pool
from tests.challenge_support import INVITED, invite, new_password_answer
from tests.conftest import ALICE, BOB, PASSWORD, Login, json_log

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with json_log() as stream:
        yield stream


def test_log_lines_are_json_objects_with_the_request_id(
    stubbed: tuple[Stubber, Http], log_lines: io.StringIO
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("initiate_auth", "InternalErrorException", "boom")

    response = api.raw_post("/login", {"username": ALICE, "password": PASSWORD})

    assert response.status_code == 503
    request_id = response.headers["X-Request-Id"]
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert records
    for record in records:
        assert {"time", "level", "logger", "request_id", "message"} <= set(record)
    assert any(
        r["request_id"] == request_id and "InternalErrorException" in r["message"] for r in records
    )


def test_a_bearer_prefix_is_logged_as_such_and_answered_as_the_gateway_does(
    api: Http, login: Login, log_lines: io.StringIO
) -> None:
    """The gateway takes the raw token only; the operator reads in the log that the
    client sent `Bearer <token>`, while the client sees API Gateway's own 401."""
    token = login(ALICE)["id_token"]

    response = api.raw_post("/user/test-user", {}, {"Authorization": f"Bearer {token}"})

    assert (response.status_code, bytes(response.body)) == (401, b'{"message":"Unauthorized"}')
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    refusals = [r for r in records if r["message"].startswith("token refused")]
    assert [(r["message"], r["request_id"]) for r in refusals] == [
        ("token refused: bearer_prefix", response.headers["X-Request-Id"])
    ]
    assert token not in log_lines.getvalue()


def test_debug_is_off() -> None:
    from app import app

    assert app.debug is False


def test_no_flow_logs_or_answers_a_secret(
    users: dict[str, str],
    api: Http,
    login: Login,
    pool: Pool,
    cognito: CognitoIdentityProviderClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every flow, the local stage included, with everything logged at DEBUG."""
    new, newer, wrong = "N3w-Passw0rd!", "N3wer-Passw0rd!", "Wr0ng-Passw0rd!"
    temporary, invited_password = "Temp-Passw0rd-1", "Invited-Passw0rd-1"
    secrets: set[str] = {
        PASSWORD,
        new,
        newer,
        wrong,
        temporary,
        invited_password,
        pool.client_secret,
    }
    invite(cognito, pool.user_pool_id, INVITED, temporary)
    answers: list[tuple[int, Any]] = []

    def call(path: str, body: Any, token: str | None = None) -> Any:
        headers = {"Authorization": token} if token else {}
        status, answer = api.post(path, body, headers)
        answers.append((status, answer))
        if status == 200 and isinstance(answer["data"], dict):
            secrets.update(
                value
                for key, value in answer["data"].items()
                if key in ("id_token", "access_token", "refresh_token", "session")
            )
        return answer

    with caplog.at_level(logging.DEBUG):
        call("/login", {"username": ALICE, "password": wrong})
        call("/login", {"username": "ghost@example.com", "password": wrong})
        tokens = call("/login", {"username": ALICE, "password": PASSWORD})["data"]
        call("/user/test-user", {}, tokens["id_token"])
        call("/user/renew_refresh_token", {"username": ALICE, "refresh_token": "bad"})
        call(
            "/user/renew_refresh_token",
            {"username": ALICE, "refresh_token": tokens["refresh_token"]},
        )
        call("/signup", {"username": "new@example.com", "password": wrong})
        call("/signup/confirm", {"username": "new@example.com", "code": "1"})
        call("/signup", {"username": "weak@example.com", "password": "weakpass"})
        call("/password/forgot", {"username": ALICE})
        code = re.findall(r"password reset code for \S+: (\d{6})", caplog.text)[-1]
        call("/password/confirm", {"username": ALICE, "code": code, "password": new})
        tokens = call("/login", {"username": ALICE, "password": new})["data"]
        call(
            "/user/change-password",
            {"previous_password": wrong, "proposed_password": newer},
            tokens["access_token"],
        )
        call(
            "/user/change-password",
            {"previous_password": new, "proposed_password": newer},
            tokens["access_token"],
        )
        call("/user/attributes", {"attributes": {"name": "A"}}, tokens["access_token"])
        call(
            "/login/challenge",
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": "s" * 40, "code": "1"},
        )
        challenge = call("/login", {"username": INVITED, "password": temporary})
        call(
            "/login/challenge",
            new_password_answer(INVITED, challenge["data"]["session"], invited_password),
        )
        call("/logout", {}, tokens["access_token"])
        call("/user/attributes", {"attributes": {"name": "B"}}, tokens["access_token"])
        other, doomed = (
            call("/login", {"username": BOB, "password": PASSWORD})["data"] for _ in "ab"
        )
        call("/logout", {"refresh_token": other["refresh_token"]}, other["access_token"])
        call(
            "/user/attributes",
            {"attributes": {"email": "bob2@example.com"}},
            doomed["access_token"],
        )
        call("/user/attributes/verify/resend", {"attribute": "email"}, doomed["access_token"])
        code = re.findall(r"email verification code for \S+: (\d+)", caplog.text)[-1]
        call(
            "/user/attributes/verify", {"attribute": "email", "code": code}, doomed["access_token"]
        )
        call("/user/delete", {"password": wrong}, doomed["access_token"])
        call("/user/delete", {"password": PASSWORD}, doomed["access_token"])

    for name in (
        ALICE,
        "new@example.com",
        "ghost@example.com",
        "weak@example.com",
        INVITED,
        BOB,
        *users.values(),
    ):
        secrets.add(secret_hash(name, pool.client_id, pool.client_secret))
    log_text = caplog.text
    error_bodies = json.dumps([answer for status, answer in answers if status >= 400])
    assert len(answers) == 28
    for secret in secrets:
        assert secret not in log_text
        assert secret not in error_bodies

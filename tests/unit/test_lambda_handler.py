"""The app as Lambda runs it behind API Gateway: the handler called with a REST
API proxy event, no Chalice local gateway involved. What the gateway put in
requestContext.authorizer.claims is never trusted: the token is verified again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from devstack.events import proxy_event
from tests.conftest import ALICE, BOB

pytestmark = pytest.mark.usefixtures("users")


class Context:
    aws_request_id = str(uuid.uuid4())
    function_name = "cognito-auth-api-dev"


def _invoke(event: dict[str, Any]) -> tuple[int, Any]:
    from app import app

    response = app(event, Context())
    return response["statusCode"], json.loads(response["body"])


def test_the_handler_serves_the_caller_from_the_verified_token(
    login: Callable[[str], dict[str, Any]], users: dict[str, str]
) -> None:
    """Claims as API Gateway renders them (strings), even wrong ones, change nothing."""
    token = login(ALICE)["id_token"]
    misleading = {"cognito:username": users[BOB], "cognito:groups": "[admin]", "email": BOB}

    status, _ = _invoke(
        proxy_event(
            "/user/test-user", {"username": BOB}, {"Authorization": token}, claims=misleading
        )
    )

    assert status == 403
    status, body = _invoke(
        proxy_event("/user/test-user", {}, {"Authorization": token}, claims=misleading)
    )
    assert status == 200
    assert {a["Name"]: a["Value"] for a in body["data"]}["email"] == ALICE


def test_the_handler_refuses_a_request_without_a_token(users: dict[str, str]) -> None:
    claims = {"cognito:username": users[ALICE], "email": ALICE}

    assert _invoke(proxy_event("/user/test-user", {}, {}, claims=claims)) == (
        401,
        {"message": "Unauthorized"},
    )


def test_the_handler_logs_in(api: Any) -> None:
    status, body = _invoke(
        proxy_event("/login", {"username": ALICE, "password": "Corr3ct-Horse!"}, claims={})
    )

    assert status == 200
    assert set(body["data"]) >= {"id_token", "access_token", "refresh_token"}

"""POST /login through chalice.test.Client against moto in-process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt
import pytest

from chalicelib.validation import MAX_BODY_BYTES
from devstack.harness import Http
from tests.challenge_support import TOKEN_FIELDS
from tests.conftest import (
    ALICE,
    INVALID_CREDENTIALS,
    MISSING,
    PASSWORD,
    UNCONFIRMED,
    refused,
    with_field,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

pytestmark = pytest.mark.usefixtures("users")


def test_login_returns_tokens_for_valid_credentials(api: Http, users: dict[str, str]) -> None:
    status, body = api.post("/login", {"username": ALICE, "password": PASSWORD})

    assert status == 200
    assert body["message"] == "success"
    assert body["error"] is False
    assert body["success"] is True
    data = body["data"]
    assert set(data) == TOKEN_FIELDS
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 3600
    claims = jwt.decode(data["id_token"], options={"verify_signature": False})
    assert claims["email"] == ALICE
    assert claims["cognito:username"] == users[ALICE]


def test_login_rejects_wrong_password(api: Http) -> None:
    status, body = api.post("/login", {"username": ALICE, "password": "Wrong-Passw0rd"})

    assert (status, body) == (401, INVALID_CREDENTIALS)


def test_login_answers_unknown_user_exactly_like_wrong_password(api: Http) -> None:
    wrong_password = api.post("/login", {"username": ALICE, "password": "Wrong-Passw0rd"})
    unknown_user = api.post("/login", {"username": "nobody@example.com", "password": PASSWORD})

    assert unknown_user == wrong_password == (401, INVALID_CREDENTIALS)


def test_login_rejects_unconfirmed_user(api: Http) -> None:
    status, body = api.post("/login", {"username": UNCONFIRMED, "password": PASSWORD})

    assert status == 403
    assert body == refused("User is not confirmed", "user_not_confirmed")


NOT_A_STRING: list[Any] = [MISSING, "", None, 42, True, ["x"], {"a": 1}]


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", v) for v in [*NOT_A_STRING, "   "]] + [("password", v) for v in NOT_A_STRING],
)
def test_login_requires_each_field_as_a_non_empty_string(api: Http, field: str, value: Any) -> None:
    body = with_field({"username": ALICE, "password": PASSWORD}, field, value)

    status, answer = api.post("/login", body)

    assert status == 400
    assert answer == refused(f"{field} is required", "invalid_request")


def test_login_treats_a_blank_password_as_a_wrong_one(api: Http) -> None:
    assert api.post("/login", {"username": ALICE, "password": "   "}) == (401, INVALID_CREDENTIALS)


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'"a string"', b"null", b"42", b"{", b"\xff\xfe", b"[" * 10_000],
    ids=["empty", "text", "array", "string", "null", "number", "truncated", "not-utf8", "deep"],
)
def test_login_rejects_a_body_that_is_not_a_json_object(api: Http, raw: bytes) -> None:
    status, body = api.post("/login", raw=raw)

    assert status == 400
    assert body == refused("Request body must be a JSON object", "invalid_request")


@pytest.mark.parametrize(
    "username",
    ["a b@example.com", "tab\t@example.com", "x" * 129, "zero\u200bwidth@example.com"],
)
def test_login_rejects_a_username_cognito_could_never_hold(api: Http, username: str) -> None:
    status, body = api.post("/login", {"username": username, "password": PASSWORD})

    assert (status, body["message"]) == (400, "username is invalid")


def test_login_rejects_an_oversized_body(api: Http) -> None:
    status, body = api.post("/login", {"username": ALICE, "password": "x" * MAX_BODY_BYTES})

    assert (status, body["message"]) == (413, "Request body is too large")


def test_login_never_echoes_the_password(api: Http) -> None:
    for payload in (
        {"username": ALICE, "password": "Wrong-Passw0rd"},
        {"username": 7, "password": "Wrong-Passw0rd"},
        {"username": "a b", "password": "Wrong-Passw0rd"},
    ):
        _, body = api.post("/login", payload)
        assert "Wrong-Passw0rd" not in str(body)


def test_login_returns_the_challenge_of_an_admin_created_user(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    cognito.admin_create_user(
        UserPoolId=pool.user_pool_id,
        Username="new@example.com",
        TemporaryPassword="Temp-Passw0rd",
        MessageAction="SUPPRESS",
    )

    status, body = api.post("/login", {"username": "new@example.com", "password": "Temp-Passw0rd"})

    assert status == 200
    assert body["error"] is False
    data = body["data"]
    assert data["challenge_name"] == "NEW_PASSWORD_REQUIRED"
    assert isinstance(data["session"], str)
    assert data["session"]
    # USER_ID_FOR_SRP and userAttributes are internal: only public hints pass.
    assert set(data["parameters"]) <= {
        "CODE_DELIVERY_DELIVERY_MEDIUM",
        "CODE_DELIVERY_DESTINATION",
        "requiredAttributes",
    }

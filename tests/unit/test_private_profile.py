"""POST /user/test-user: the caller's own attributes, and nobody else's unless admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ADMIN, ALICE, BOB, Http

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

Login = Callable[[str], dict[str, Any]]


def _attributes(body: dict[str, Any]) -> dict[str, str]:
    assert all(set(item) == {"Name", "Value"} for item in body["data"])
    return {item["Name"]: item["Value"] for item in body["data"]}


def _as(login: Login, who: str) -> dict[str, str]:
    return {"Authorization": login(who)["id_token"]}


def test_private_route_returns_the_callers_own_attributes(
    api: Http, login: Login, users: dict[str, str]
) -> None:
    status, body = api.post("/user/test-user", {}, _as(login, ALICE))

    assert status == 200
    assert body["message"] is None
    assert body["success"] is True
    assert body["error"] is False
    attributes = _attributes(body)
    assert attributes["email"] == ALICE
    assert attributes["name"] == "Alice"
    assert attributes["sub"] == users[ALICE]


@pytest.mark.parametrize("raw", [b"", b"{}", b'{"username": null}'])
def test_private_route_accepts_a_body_without_username(api: Http, login: Login, raw: bytes) -> None:
    status, body = api.post("/user/test-user", raw=raw, headers=_as(login, ALICE))

    assert status == 200
    assert _attributes(body)["email"] == ALICE


@pytest.mark.parametrize("name", [ALICE, ALICE.upper(), "<sub>"])
def test_private_route_accepts_the_callers_own_name(
    api: Http, login: Login, users: dict[str, str], name: str
) -> None:
    username = users[ALICE] if name == "<sub>" else name

    status, body = api.post("/user/test-user", {"username": username}, _as(login, ALICE))

    assert status == 200
    assert _attributes(body)["email"] == ALICE


def test_private_route_refuses_another_users_attributes(
    api: Http, login: Login, users: dict[str, str]
) -> None:
    status, body = api.post("/user/test-user", {"username": BOB}, _as(login, ALICE))

    assert status == 403
    assert body == {
        "message": "You may only read your own attributes",
        "error": True,
        "success": False,
        "data": None,
    }
    assert BOB not in str(body)
    assert users[BOB] not in str(body)


def test_private_route_refuses_a_non_admin_even_for_an_unknown_user(
    api: Http, login: Login
) -> None:
    """Same 403 for existing and unknown users: no enumeration through this route."""
    known = api.post("/user/test-user", {"username": BOB}, _as(login, ALICE))
    unknown = api.post("/user/test-user", {"username": "ghost@example.com"}, _as(login, ALICE))

    assert known == unknown
    assert known[0] == 403


def test_admin_reads_another_users_attributes(api: Http, login: Login) -> None:
    status, body = api.post("/user/test-user", {"username": BOB}, _as(login, ADMIN))

    assert status == 200
    assert _attributes(body)["email"] == BOB


def test_admin_asking_for_an_unknown_user_gets_404(api: Http, login: Login) -> None:
    status, body = api.post("/user/test-user", {"username": "ghost@example.com"}, _as(login, ADMIN))

    assert (status, body["message"]) == (404, "Invalid username")


def test_private_route_answers_404_when_the_caller_was_deleted(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    headers = _as(login, BOB)
    cognito.admin_delete_user(UserPoolId=pool.user_pool_id, Username=BOB)

    status, body = api.post("/user/test-user", {}, headers)

    assert (status, body["message"]) == (404, "Invalid username")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[]", "Request body must be a JSON object"),
        (b"nope", "Request body must be a JSON object"),
        (b'{"username": 5}', "username is invalid"),
        (b'{"username": ""}', "username is invalid"),
        (b'{"username": "a b"}', "username is invalid"),
    ],
)
def test_private_route_rejects_a_malformed_body(
    api: Http, login: Login, raw: bytes, message: str
) -> None:
    status, body = api.post("/user/test-user", raw=raw, headers=_as(login, ALICE))

    assert (status, body["message"], body["error"]) == (400, message, True)

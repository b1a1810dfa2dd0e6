"""The admin API in-process, the requests that change nothing: who may call, listing,
and every refusal (403, 401, 400, 404, 409), each leaving the pool as it was.

They share one stand-in pool for the module (building one costs about a second); a
test that changes the pool belongs in test_admin.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.token_verification import USER_SCOPE
from devstack.harness import Http, in_process, pool_environment, stand_in_pool
from devstack.pool import ADMIN_GROUP, create_confirmed_user
from tests.admin_support import (
    BOB_PATH,
    CARL,
    ROUTES,
    UNAUTHORIZED,
    audit_lines,
    emails,
    pool_state,
    respond,
    send,
    undocumented,
)
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    PASSWORD,
    UNCONFIRMED,
    create_users,
    json_log,
    mint_token,
    refused,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

PAGE = "http://127.0.0.1:3000"
EXTRA = tuple(f"user{n}@example.com" for n in range(3))


@dataclass(frozen=True)
class Shared:
    api: Http
    cognito: CognitoIdentityProviderClient
    pool: Pool
    names: dict[str, str]
    tokens: dict[str, dict[str, Any]]

    def admin(self) -> str:
        token: str = self.tokens[ADMIN]["access_token"]
        return token


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    with stand_in_pool() as (cognito, pool):
        names = create_users(cognito, pool)
        for email in EXTRA:
            names[email] = create_confirmed_user(cognito, pool.user_pool_id, email, PASSWORD)
        env = {**pool_environment(pool), "CORS_ALLOW_ORIGINS": PAGE}
        with in_process(env) as api:
            tokens = {
                who: api.post("/login", {"username": who, "password": PASSWORD})[1]["data"]
                for who in (ALICE, ADMIN)
            }
            yield Shared(api, cognito, pool, names, tokens)


@pytest.fixture
def audit() -> Iterator[io.StringIO]:
    with json_log() as stream:
        yield stream


@pytest.fixture
def unchanged(shared: Shared) -> Iterator[None]:
    """The test must leave every user, their state and their groups as they were."""
    before = pool_state(shared.cognito, shared.pool)
    yield
    assert pool_state(shared.cognito, shared.pool) == before


# Who may call


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_user_outside_the_admin_group_gets_403(shared: Shared, route: str) -> None:
    method, path, body = ROUTES[route]

    status, answer = send(shared.api, method, path, shared.tokens[ALICE]["access_token"], body)

    assert status == 403
    assert answer == refused("Only members of the admin group may do this", "forbidden")


def test_a_non_member_gets_403_before_the_body_or_path_is_read(shared: Shared) -> None:
    token = shared.tokens[ALICE]["access_token"]

    assert send(shared.api, "POST", "/admin/users", token, raw=b"not json")[0] == 403
    assert send(shared.api, "POST", "/admin/users/not-an-email/disable", token)[0] == 403


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_admin_route_refuses_no_token_and_an_admins_id_token(
    shared: Shared, route: str
) -> None:
    """The id token carries the same groups, but the admin routes take access tokens."""
    method, path, body = ROUTES[route]

    assert send(shared.api, method, path, None, body) == (401, UNAUTHORIZED)
    id_token = shared.tokens[ADMIN]["id_token"]
    assert send(shared.api, method, path, id_token, body) == (401, UNAUTHORIZED)


def test_an_admin_claim_signed_with_another_key_gets_401(shared: Shared) -> None:
    claims: dict[str, Any] = {
        "token_use": "access",
        "aud": None,
        "client_id": shared.pool.client_id,
        "scope": USER_SCOPE,
        "cognito:groups": [ADMIN_GROUP],
    }
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = mint_token(shared.pool, key=other_key, **claims)

    assert send(shared.api, "GET", "/admin/users", forged) == (401, UNAUTHORIZED)


# Listing


def test_an_admin_lists_users_with_attributes_status_and_dates(shared: Shared) -> None:
    status, body = send(shared.api, "GET", "/admin/users", shared.admin())

    assert status == 200
    assert body["data"]["pagination_token"] is None
    listed = {user["attributes"]["email"]: user for user in body["data"]["users"]}
    assert set(listed) == set(shared.names)
    alice = listed[ALICE]
    assert alice["username"] == shared.names[ALICE]
    assert alice["attributes"] == {
        "email": ALICE,
        "email_verified": "true",
        "name": "Alice",
        "sub": shared.names[ALICE],
    }
    assert (alice["enabled"], alice["status"]) == (True, "CONFIRMED")
    assert listed[UNCONFIRMED]["status"] == "UNCONFIRMED"
    assert alice["created"].endswith("+00:00")
    assert alice["modified"] >= alice["created"]


def test_an_admin_pages_through_more_users_than_the_limit(shared: Shared) -> None:
    pages: list[list[str]] = []
    query: dict[str, Any] = {"limit": 2}

    while True:
        path = f"/admin/users?{urlencode(query)}"
        status, body = send(shared.api, "GET", path, shared.admin())
        assert status == 200, body
        pages.append(emails(body))
        query["pagination_token"] = body["data"]["pagination_token"]
        if query["pagination_token"] is None:
            break

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert sorted(email for page in pages for email in page) == sorted(shared.names)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('filter=email ^= "b"', [BOB]),
        ('filter=email = "alice@example.com"', [ALICE]),
        ('filter=name ^= "A"', [ALICE, ADMIN]),
        ('filter=cognito:user_status = "UNCONFIRMED"', [UNCONFIRMED]),
        ('filter=email ^= "user"&limit=2', list(EXTRA[:2])),
        ('filter=email ^= "nobody"', []),
    ],
)
def test_an_admin_filters_users_with_cognitos_syntax(
    shared: Shared, query: str, expected: list[str]
) -> None:
    status, body = send(shared.api, "GET", f"/admin/users?{query}", shared.admin())

    assert status == 200
    assert sorted(emails(body)) == sorted(expected)


LIMIT = "limit is invalid: users per page, a whole number from 1 to 60"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", LIMIT),
        ("limit=61", LIMIT),
        ("limit=ten", LIMIT),
        ("limit=", LIMIT),
        ("limit=2&limit=3", "limit may be given only once"),
        ("filter=alice", "filter is invalid: attribute = "),
        ('filter=custom:role = "x"', "filter is invalid"),
        ('filter=email ~= "a"', "filter is invalid"),
        ('filter=email = "a"b"', "filter is invalid"),
        (f'filter=email ^= "{"a" * 250}"', "filter is invalid"),
        ("pagination_token=a%20b", "pagination_token is invalid"),
        ("page=2", "Unknown query parameter; this route takes filter, limit, pagination_token"),
    ],
)
def test_a_bad_query_string_answers_400_with_what_to_fix(
    shared: Shared, query: str, message: str
) -> None:
    status, body = send(shared.api, "GET", f"/admin/users?{query}", shared.admin())

    assert status == 400
    assert body["message"].startswith(message)


def test_a_pagination_token_cognito_did_not_make_answers_400(shared: Shared) -> None:
    status, body = send(shared.api, "GET", "/admin/users?pagination_token=forged", shared.admin())

    assert (status, body["message"]) == (400, "pagination_token is invalid or has expired")


# Refusals that change nothing


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"username": BOB}, 409, "This username already exists"),
        ({}, 400, "username is required"),
        ({"username": "carl"}, 400, "username is invalid"),
        (
            {"username": CARL, "attributes": {"email": "x@example.com"}},
            400,
            "These attributes cannot be changed: email",
        ),
        (
            {"username": CARL, "attributes": {"custom:role": "admin"}},
            400,
            "These attributes cannot be changed: custom:role",
        ),
        (
            {"username": CARL, "attributes": {"name": 5}},
            400,
            "Attribute values must be strings of at most 2048 characters",
        ),
        ({"username": CARL, "attributes": "name"}, 400, "attributes is invalid"),
        (
            {"username": CARL, "temporary_password": " padded "},
            400,
            "temporary_password is invalid",
        ),
    ],
)
def test_an_invitation_with_bad_or_taken_details_is_refused(
    shared: Shared, body: dict[str, Any], status: int, message: str
) -> None:
    assert send(shared.api, "POST", "/admin/users", shared.admin(), body) == (
        status,
        refused(message, {409: "username_exists", 400: "invalid_request"}[status]),
    )


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    "route", ["disable", "enable", "delete", "add to group", "sign out", "reset password"]
)
def test_an_unknown_user_answers_404(shared: Shared, route: str) -> None:
    method, path, body = ROUTES[route]

    status, answer = send(shared.api, method, path.replace("bob", "nobody"), shared.admin(), body)

    assert (status, answer["message"]) == (404, "No such user")


@pytest.mark.usefixtures("unchanged")
def test_an_unknown_group_answers_404(shared: Shared) -> None:
    assert send(shared.api, "POST", f"{BOB_PATH}/groups", shared.admin(), {"group": "editors"}) == (
        404,
        refused("No such group", "group_not_found"),
    )
    assert send(shared.api, "DELETE", f"{BOB_PATH}/groups/editors", shared.admin())[0] == 404


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/admin/users/bob/disable", "username is invalid: the user's email"),
        ("POST", "/admin/users/bob%20smith%40example.com/enable", "username is invalid"),
        ("DELETE", "/admin/users/%40example.com", "username is invalid"),
        ("POST", f"/admin/users/{'b' * 120}%40example.com/sign-out", "username is invalid"),
        ("DELETE", f"{BOB_PATH}/groups/two%20words", "group is invalid: a group of the user pool"),
        ("DELETE", f"{BOB_PATH}/groups/{'g' * 129}", "group is invalid"),
    ],
)
def test_a_path_parameter_of_the_wrong_shape_answers_400(
    shared: Shared, method: str, path: str, message: str
) -> None:
    status, body = send(shared.api, method, path, shared.admin())

    assert status == 400
    assert body["message"].startswith(message)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "group is required"),
        ({"group": "a b"}, "group is invalid"),
        ([], "Request body must be a JSON object"),
    ],
)
def test_a_group_body_of_the_wrong_shape_answers_400(
    shared: Shared, body: Any, message: str
) -> None:
    status, answer = send(shared.api, "POST", f"{BOB_PATH}/groups", shared.admin(), body)

    assert (status, answer["message"]) == (400, message)


# CORS


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/admin/users", "GET,POST"),
        (BOB_PATH, "DELETE"),
        (f"{BOB_PATH}/groups/{ADMIN_GROUP}", "DELETE"),
        (f"{BOB_PATH}/disable", "POST"),
    ],
)
def test_admin_paths_answer_a_browsers_preflight(shared: Shared, path: str, methods: str) -> None:
    response = shared.api.raw_request(
        "OPTIONS",
        path,
        {
            "Origin": PAGE,
            "Access-Control-Request-Method": methods.split(",")[0],
            "Access-Control-Request-Headers": "authorization",
        },
    )

    headers = {name.lower(): value for name, value in response.headers.items()}
    assert response.status_code == 204
    assert headers["access-control-allow-origin"] == PAGE
    assert headers["access-control-allow-methods"] == methods


def test_an_admin_error_carries_cors_headers(shared: Shared) -> None:
    response = shared.api.raw_request(
        "DELETE", "/admin/users/nobody%40example.com", {"Origin": PAGE}
    )

    headers = {name.lower(): value for name, value in response.headers.items()}
    assert response.status_code == 401
    assert headers["access-control-allow-origin"] == PAGE


# The audit log of refusals and failures


def test_a_refused_caller_is_audited_as_a_warning(shared: Shared, audit: io.StringIO) -> None:
    response = shared.api.raw_request(
        "DELETE", BOB_PATH, {"Authorization": shared.tokens[ALICE]["access_token"]}
    )

    assert response.status_code == 403
    (line,) = audit_lines(audit)
    assert line["level"] == "WARNING"
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["action"], line["actor_sub"], line["target"], line["status"]) == (
        "delete_user",
        shared.names[ALICE],
        BOB,
        403,
    )


def test_a_failed_action_is_audited_with_the_status_it_answered(
    shared: Shared, audit: io.StringIO
) -> None:
    path = "/admin/users/nobody%40example.com/disable"

    assert send(shared.api, "POST", path, shared.admin())[0] == 404
    (line,) = audit_lines(audit)
    assert line["level"] == "WARNING"
    assert (line["action"], line["target"], line["status"]) == (
        "disable_user",
        "nobody@example.com",
        404,
    )


def test_a_request_refused_before_any_action_is_not_audited(
    shared: Shared, audit: io.StringIO
) -> None:
    """No token (the gateway's 401) or a malformed path (400): nothing was tried."""
    send(shared.api, "DELETE", BOB_PATH)
    send(shared.api, "DELETE", "/admin/users/bob", shared.admin())

    assert audit_lines(audit) == []


def test_every_admin_answer_is_as_the_document_describes(shared: Shared) -> None:
    document = send(shared.api, "GET", "/openapi.json")[1]
    admin, member = shared.admin(), shared.tokens[ALICE]["access_token"]
    user, group = "/admin/users/{username}", "/admin/users/{username}/groups/{group}"
    exchanges: list[tuple[str, str, str, str | None, Any]] = [
        ("/admin/users", "GET", "/admin/users?limit=2", admin, None),
        ("/admin/users", "GET", "/admin/users?limit=0", admin, None),
        ("/admin/users", "GET", "/admin/users", member, None),
        ("/admin/users", "GET", "/admin/users", None, None),
        ("/admin/users", "POST", "/admin/users", admin, {"username": BOB}),
        ("/admin/users", "POST", "/admin/users", admin, {"username": "bob"}),
        (user, "DELETE", "/admin/users/nobody%40example.com", admin, None),
        (f"{user}/disable", "POST", "/admin/users/bob/disable", admin, None),
        (f"{user}/groups", "POST", f"{BOB_PATH}/groups", admin, {"group": "editors"}),
        # Bob is in no group: removing him from one changes nothing.
        (group, "DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", admin, None),
    ]

    for documented_path, method, path, token, body in exchanges:
        response = respond(shared.api, method, path, token, body)
        assert undocumented(document, documented_path, method, response) == [], path

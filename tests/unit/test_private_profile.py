"""POST /user/test-user: the caller's own attributes, and nobody else's unless admin.

The caller's own come from the verified id token (no Cognito call) unless the request
says `Cache-Control: no-cache`; another user's are read from Cognito."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib.services import services
from devstack.harness import Http
from tests.conftest import ADMIN, ALICE, BOB, Login, refused

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

NO_CACHE = {"Cache-Control": "no-cache"}


def _attributes(body: dict[str, Any]) -> dict[str, str]:
    assert all(set(item) == {"Name", "Value"} for item in body["data"])
    return {item["Name"]: item["Value"] for item in body["data"]}


def _as(login: Login, who: str) -> dict[str, str]:
    return {"Authorization": login(who)["id_token"]}


@pytest.fixture
def cognito_calls(api: Http) -> Iterator[list[str]]:
    """The names of the Cognito operations the app calls from now on."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = services.cognito_client().meta.events
    events.register("before-call.cognito-idp", record, unique_id="test-cognito-calls")
    yield calls
    events.unregister("before-call.cognito-idp", unique_id="test-cognito-calls")


def _admin_get_user(
    cognito: CognitoIdentityProviderClient, pool: Pool, username: str
) -> list[dict[str, str]]:
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=username)
    return [{"Name": a["Name"], "Value": a["Value"]} for a in user["UserAttributes"]]


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
    assert body == refused("You may only read your own attributes", "forbidden")
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


def test_a_demoted_admins_id_token_no_longer_reads_another_user(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """The id token's `cognito:groups` are those of its issue and hold for its hour:
    the pool decides, so a demotion takes effect at once."""
    headers = _as(login, ADMIN)
    cognito.admin_remove_user_from_group(
        UserPoolId=pool.user_pool_id, Username=ADMIN, GroupName="admin"
    )

    status, body = api.post("/user/test-user", {"username": BOB}, headers)

    assert (status, body["code"]) == (403, "forbidden")


def test_a_deleted_admins_id_token_reads_nobody_else(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    headers = _as(login, ADMIN)
    cognito.admin_delete_user(UserPoolId=pool.user_pool_id, Username=ADMIN)

    status, body = api.post("/user/test-user", {"username": BOB}, headers)

    assert (status, body["code"]) == (401, "session_ended")


def test_a_newly_promoted_admins_older_id_token_reads_another_user(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    headers = _as(login, ALICE)
    cognito.admin_add_user_to_group(UserPoolId=pool.user_pool_id, Username=ALICE, GroupName="admin")

    status, body = api.post("/user/test-user", {"username": BOB}, headers)

    assert status == 200
    assert _attributes(body)["email"] == BOB


def test_admin_asking_for_an_unknown_user_gets_404(api: Http, login: Login) -> None:
    status, body = api.post("/user/test-user", {"username": "ghost@example.com"}, _as(login, ADMIN))

    assert (status, body["message"]) == (404, "Invalid username")


def test_a_deleted_caller_reads_the_token_until_it_expires_and_404_from_cognito(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """As at API Gateway, an id token stays valid until it expires; Cognito knows better."""
    headers = _as(login, BOB)
    cognito.admin_delete_user(UserPoolId=pool.user_pool_id, Username=BOB)

    from_token = api.post("/user/test-user", {}, headers)
    from_cognito = api.post("/user/test-user", {}, {**headers, **NO_CACHE})

    assert from_token[0] == 200
    assert _attributes(from_token[1])["email"] == BOB
    assert (from_cognito[0], from_cognito[1]["message"]) == (404, "Invalid username")


def test_the_callers_own_attributes_cost_no_cognito_call(
    api: Http, login: Login, cognito_calls: list[str]
) -> None:
    headers = _as(login, ALICE)
    cognito_calls.clear()

    for body in ({}, {"username": ALICE}):
        assert api.post("/user/test-user", body, headers)[0] == 200

    assert cognito_calls == []


@pytest.mark.parametrize(
    ("who", "body", "headers", "status", "calls"),
    [
        (ALICE, {}, NO_CACHE, 200, ["AdminGetUser"]),
        (ALICE, {}, {"cache-control": "max-age=0, No-Cache"}, 200, ["AdminGetUser"]),
        (ADMIN, {"username": BOB}, {}, 200, ["AdminListGroupsForUser", "AdminGetUser"]),
        (ALICE, {"username": BOB}, {}, 403, ["AdminListGroupsForUser"]),
    ],
    ids=["no-cache", "no-cache among directives", "admin reads another user", "non-admin"],
)
def test_a_fresh_read_costs_one_admin_get_user_and_another_users_asks_the_groups_first(
    api: Http,
    login: Login,
    cognito_calls: list[str],
    who: str,
    body: dict[str, str],
    headers: dict[str, str],
    status: int,
    calls: list[str],
) -> None:
    token = _as(login, who)
    cognito_calls.clear()

    assert api.post("/user/test-user", body, {**token, **headers})[0] == status

    assert cognito_calls == calls


def test_attributes_from_the_token_equal_what_admin_get_user_lists(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    users: dict[str, str],
) -> None:
    cognito.add_custom_attributes(
        UserPoolId=pool.user_pool_id,
        CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )
    extra = {
        ALICE: {"custom:tier": "gold", "locale": "fr", "phone_number": "+15555550100"},
        BOB: {"given_name": "Robert", "family_name": "Tables", "address": "1 Main St"},
        ADMIN: {"custom:tier": "staff", "website": "https://example.com/ada"},
    }
    for user, attributes in extra.items():
        cognito.admin_update_user_attributes(
            UserPoolId=pool.user_pool_id,
            Username=user,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )

    for user, attributes in extra.items():
        headers = _as(login, user)
        from_token = api.post("/user/test-user", {}, headers)[1]["data"]
        from_cognito = api.post("/user/test-user", {}, {**headers, **NO_CACHE})[1]["data"]

        expected = _admin_get_user(cognito, pool, user)
        assert sorted(from_token, key=str) == sorted(expected, key=str)
        assert from_token == from_cognito  # both ordered by name
        assert [a["Name"] for a in from_token] == sorted(a["Name"] for a in from_token)
        assert set(attributes.items()) <= set(_attributes({"data": from_token}).items())


def test_an_aws_shaped_id_token_becomes_admin_get_users_strings(
    api: Http, mint: Callable[..., str]
) -> None:
    """AWS's id tokens carry booleans, a numeric updated_at and an address object;
    AdminGetUser lists strings. Token mechanics are never attributes."""
    token = mint(
        **{
            "sub": "5c1e3a7b-0d2f-4e6a-8b9c-1d2e3f4a5b6c",
            "cognito:username": "5c1e3a7b-0d2f-4e6a-8b9c-1d2e3f4a5b6c",
            "cognito:groups": ["readers"],
            "email": "dana@example.com",
            "email_verified": True,
            "phone_number": "+15555550199",
            "phone_number_verified": False,
            "updated_at": 1700000000,
            "address": {"formatted": "1 Main St, Springfield"},
            "custom:tier": "gold",
            "origin_jti": "9b1c3d6e-2f4a-4b8c-8d0e-1a2b3c4d5e6f",
            "event_id": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a",
            "jti": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "identities": [{"providerName": "Google"}],
        }
    )

    status, body = api.post("/user/test-user", {}, {"Authorization": token})

    assert status == 200
    assert body["data"] == [
        {"Name": "address", "Value": "1 Main St, Springfield"},
        {"Name": "custom:tier", "Value": "gold"},
        {"Name": "email", "Value": "dana@example.com"},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "phone_number", "Value": "+15555550199"},
        {"Name": "phone_number_verified", "Value": "false"},
        {"Name": "sub", "Value": "5c1e3a7b-0d2f-4e6a-8b9c-1d2e3f4a5b6c"},
        {"Name": "updated_at", "Value": "1700000000"},
    ]


def test_a_changed_attribute_shows_with_no_cache_or_after_renewal_not_before(
    api: Http, login: Login
) -> None:
    """The documented freshness: attributes as of the id token's issue."""
    tokens = login(ALICE)
    old = {"Authorization": tokens["id_token"]}
    access = {"Authorization": tokens["access_token"]}
    assert api.post("/user/attributes", {"attributes": {"name": "Alicia"}}, access)[0] == 200

    stale = api.post("/user/test-user", {}, old)[1]
    fresh = api.post("/user/test-user", {}, {**old, **NO_CACHE})[1]
    _, renewed = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )
    after_renewal = api.post("/user/test-user", {}, {"Authorization": renewed["data"]["id_token"]})[
        1
    ]

    assert _attributes(stale)["name"] == "Alice"
    assert _attributes(fresh)["name"] == "Alicia"
    assert _attributes(after_renewal)["name"] == "Alicia"


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

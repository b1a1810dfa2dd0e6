"""Private account routes: the access token (with the user scope) is the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from devstack.harness import Http
from tests.conftest import ALICE, PASSWORD, SESSION_ENDED, Login, bearer

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

NEW_PASSWORD = "N3w-Passw0rd!"
UNAUTHORIZED = b'{"message":"Unauthorized"}'
PRIVATE_ROUTES = {
    "/user/change-password": {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
    "/user/attributes": {"attributes": {"name": "Alicia"}},
    "/logout": {},
    "/user/attributes/verify": {"attribute": "email", "code": "123456"},
    "/user/attributes/verify/resend": {"attribute": "email"},
    "/user/delete": {"password": PASSWORD},
}


def _attributes(cognito: CognitoIdentityProviderClient, pool: Pool) -> dict[str, str]:
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ALICE)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_change_password_replaces_the_password(api: Http, login: Login) -> None:
    status, body = api.post(
        "/user/change-password",
        {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
        bearer(login(ALICE)),
    )

    assert (status, body["message"]) == (200, "Password has been changed successfully")
    assert api.post("/login", {"username": ALICE, "password": NEW_PASSWORD})[0] == 200
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 401


def test_change_password_rejects_a_wrong_previous_password(api: Http, login: Login) -> None:
    status, body = api.post(
        "/user/change-password",
        {"previous_password": "Not-The-0ne", "proposed_password": NEW_PASSWORD},
        bearer(login(ALICE)),
    )

    assert status == 401
    assert body["message"] == "The previous password is incorrect or the session has ended"
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 200


def test_change_password_answers_the_policys_wording(api: Http, login: Login) -> None:
    status, body = api.post(
        "/user/change-password",
        {"previous_password": PASSWORD, "proposed_password": "weakpassword"},
        bearer(login(ALICE)),
    )

    assert status == 400
    assert body["message"] == (
        "The provided password does not confirm to the configured password policy"
    )


def test_update_attributes_changes_the_profile(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = login(ALICE)

    status, body = api.post(
        "/user/attributes",
        {"attributes": {"name": "Alicia", "locale": "fr"}},
        bearer(tokens),
    )

    assert status == 200
    assert body["data"] == {"updated": ["locale", "name"], "pending_verification": []}
    assert _attributes(cognito, pool)["name"] == "Alicia"
    # The id token still holds the old name until renewed; no-cache reads Cognito.
    profile = api.post(
        "/user/test-user",
        {},
        {"Authorization": tokens["id_token"], "Cache-Control": "no-cache"},
    )[1]
    assert {a["Name"]: a["Value"] for a in profile["data"]}["name"] == "Alicia"


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"email_verified": "true"}, "These attributes cannot be changed: email_verified"),
        ({"sub": "x", "name": "A"}, "These attributes cannot be changed: sub"),
        ({"phone_number": "+15550100"}, "These attributes cannot be changed: phone_number"),
        ({"email": "not-an-email"}, "email is invalid"),
        ({"custom:role": "admin"}, "These attributes cannot be changed: custom:role"),
        ({}, "attributes is required"),
        ({"name": 5}, "Attribute values must be strings of at most 2048 characters"),
        ({"name": "x" * 2049}, "Attribute values must be strings of at most 2048 characters"),
        ("name=A", "attributes is invalid"),
    ],
)
def test_update_attributes_refuses_what_is_not_on_the_allow_list(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    attributes: Any,
    message: str,
) -> None:
    tokens = login(ALICE)
    before = _attributes(cognito, pool)

    status, body = api.post("/user/attributes", {"attributes": attributes}, bearer(tokens))

    assert (status, body["message"]) == (400, message)
    assert _attributes(cognito, pool) == before


def test_logout_signs_out_everywhere(api: Http, login: Login) -> None:
    tokens = login(ALICE)

    status, body = api.post("/logout", {}, bearer(tokens))

    assert (status, body["message"]) == (200, "Signed out everywhere")
    renewal = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )
    assert renewal[0] == 401
    again = api.post("/user/attributes", {"attributes": {"name": "B"}}, bearer(tokens))
    assert again == (401, SESSION_ENDED)


def test_logout_hands_cognito_the_token_it_verified_not_the_padded_header(
    api: Http, login: Login
) -> None:
    """Whitespace around the header's value is not part of the token: the token sent
    to Cognito is the one verified, not the header as received."""
    tokens = login(ALICE)

    status, body = api.post("/logout", {}, {"Authorization": f"{tokens['access_token']}  \t"})

    assert (status, body["message"]) == (200, "Signed out everywhere")
    renewal = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )
    assert renewal[0] == 401


@pytest.mark.parametrize("route", list(PRIVATE_ROUTES))
@pytest.mark.parametrize("credential", ["none", "id token", "no scope", "garbage"])
def test_private_account_routes_admit_only_scoped_access_tokens(
    api: Http, login: Login, mint: Callable[..., str], pool: Pool, route: str, credential: str
) -> None:
    """API Gateway admits only access tokens carrying the route's scope."""
    tokens = login(ALICE)
    unscoped = mint(
        **{
            "token_use": "access",
            "aud": None,
            "client_id": pool.client_id,
            "cognito:username": None,
        }
    )
    headers = {
        "none": {},
        "id token": {"Authorization": tokens["id_token"]},
        "no scope": {"Authorization": unscoped},
        "garbage": {"Authorization": "x.y"},
    }[credential]

    response = api.raw_post(route, PRIVATE_ROUTES[route], headers)

    assert response.status_code == 401
    assert response.body == UNAUTHORIZED
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 200

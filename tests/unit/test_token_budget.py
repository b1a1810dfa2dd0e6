"""No write of attributes may leave a user with an id token too large to send: what
the service accepts, it can serve (docs/account.md, "How large a profile can be")."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib import token_budget
from chalicelib.services import services
from devstack.harness import Http
from devstack.pool import ADMIN_GROUP
from tests.admin_support import CARL
from tests.conftest import ADMIN, ALICE, PASSWORD, Login, bearer, refused, sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

    from devstack.pool import Pool

TOO_LARGE = refused(
    "These attributes would make the sign-in tokens too large to send: shorten or remove some",
    "token_too_large",
)
# Four attributes at the longest value a request may carry (2,048 characters): an id
# token of about 12,000 characters, which no request to API Gateway can carry.
FOUR_LONG = {name: "x" * 2048 for name in ("name", "nickname", "profile", "website")}


def _attributes(cognito: CognitoIdentityProviderClient, pool: Pool, user: str) -> dict[str, str]:
    answer = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=user)
    return {a["Name"]: a["Value"] for a in answer["UserAttributes"]}


def _renewed_id_token(api: Http, tokens: dict[str, Any]) -> str:
    status, body = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )
    assert status == 200, body
    token: str = body["data"]["id_token"]
    return token


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return claims


def _estimate(attributes: dict[str, str], groups: list[str]) -> int:
    return token_budget.id_token_chars(attributes, groups, services.settings())


def test_a_profile_edit_that_would_make_the_id_token_too_large_is_refused_before_any_change(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = login(ALICE)
    before = _attributes(cognito, pool, ALICE)

    status, body = api.post("/user/attributes", {"attributes": FOUR_LONG}, bearer(tokens))

    assert (status, body) == (400, TOO_LARGE)
    assert _attributes(cognito, pool, ALICE) == before
    # The user's renewed id token still passes an id-token route.
    renewed = _renewed_id_token(api, tokens)
    assert api.post("/user/test-user", {}, {"Authorization": renewed})[0] == 200


def test_the_budget_counts_the_attributes_the_user_already_has(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """Each write alone is small; together they would be too large."""
    tokens = login(ALICE)
    first = {"name": "x" * 2048, "nickname": "x" * 1500}
    assert api.post("/user/attributes", {"attributes": first}, bearer(tokens))[0] == 200
    before = _attributes(cognito, pool, ALICE)

    second = {"profile": "x" * 2048}
    status, body = api.post("/user/attributes", {"attributes": second}, bearer(tokens))

    assert (status, body) == (400, TOO_LARGE)
    assert _attributes(cognito, pool, ALICE) == before


def test_shortening_an_attribute_makes_room_for_another(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = login(ALICE)
    long = {"name": "x" * 2048, "nickname": "x" * 2000}
    assert api.post("/user/attributes", {"attributes": long}, bearer(tokens))[0] == 200

    swap = {"name": "Alice", "website": "x" * 2048}
    status, body = api.post("/user/attributes", {"attributes": swap}, bearer(tokens))

    assert status == 200, body
    assert _attributes(cognito, pool, ALICE)["website"] == "x" * 2048


def test_an_invitation_that_would_make_the_id_token_too_large_is_refused(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    status, body = api.post(
        "/admin/users", {"username": CARL, "attributes": FOUR_LONG}, bearer(login(ADMIN))
    )

    assert (status, body) == (400, TOO_LARGE)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=CARL)


def test_a_sign_up_that_would_make_the_id_token_too_large_is_refused(
    api: Http, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """An email is ASCII, so only a name of long UTF-8 (four bytes a character) can
    push a new user's token past the budget."""
    body = {"username": CARL, "password": PASSWORD, "email": f"{'c' * 2030}@example.com"}

    status, answer = api.post("/signup", {**body, "name": "\U0001f600" * 2048})

    assert (status, answer) == (400, TOO_LARGE)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=CARL)


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param({}, id="no attributes"),
        pytest.param({"name": "x" * 2048, "nickname": "y" * 2048}, id="ascii"),
        pytest.param({"name": "é" * 2048, "nickname": "日" * 2048}, id="two and three bytes"),
        pytest.param({"name": "\U0001f600" * 1000, "locale": "fr"}, id="four bytes"),
        pytest.param({"name": 'a "quoted"\\ name\n', "website": "https://x.example/a/b"}, id="esc"),
        pytest.param({"address": "1 Main St\nSpringfield", "zoneinfo": "Europe/Paris"}, id="addr"),
    ],
)
@pytest.mark.parametrize("groups", [[], [ADMIN_GROUP]], ids=["no groups", "admin"])
def test_the_estimate_is_at_least_the_stand_ins_id_token_and_close_to_it(
    api: Http,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    users: dict[str, str],
    attributes: dict[str, str],
    groups: list[str],
) -> None:
    """moto's id token lacks AWS's `event_id` claim, writes `iss` in the ORIGINAL form
    (AWS may sign with the longer UPDATED one), its header is short (kid "dummy"; AWS's
    kid is 44 characters), its JSON leaves "/" unescaped (AWS writes "\\/") and its
    `email_verified` is a string where AWS's is a boolean: each makes its token
    shorter than AWS's would be, so the estimate stays above it by the group margin
    plus at most STAND_IN_SLACK characters."""
    if attributes:
        cognito.admin_update_user_attributes(
            UserPoolId=pool.user_pool_id,
            Username=ALICE,
            UserAttributes=[{"Name": n, "Value": v} for n, v in attributes.items()],
        )
    for group in groups:
        cognito.admin_add_user_to_group(
            UserPoolId=pool.user_pool_id, Username=ALICE, GroupName=group
        )
    token = sign_in(api, ALICE)["id_token"]
    assert _payload(token).get("cognito:groups", []) == groups

    estimate = _estimate(_attributes(cognito, pool, ALICE), groups)

    assert 0 <= estimate - len(token) <= GROUPS_MARGIN_CHARS + STAND_IN_SLACK


# The group margin in characters of a token: five names of 128 characters, each with
# its quotes and comma, four characters of base64url for three bytes.
GROUPS_MARGIN_CHARS = token_budget.MARGIN_GROUPS * (token_budget.GROUP_NAME_MAX_LENGTH + 3) * 4 // 3
# What the estimate counts beyond moto's token, in characters of the token (see
# above): a header 94 longer, and in the payload 106 bytes (event_id 49, updated_at 26,
# the groups claim's name 20, the longer issuer 10, "false" 1), 141 characters; then
# one byte for each "/" in an attribute and 15 for an address object.
STAND_IN_SLACK = 300


def _largest_name_that_fits(attributes: dict[str, str], groups: list[str]) -> int:
    """The longest ASCII `nickname` that keeps the estimate within the budget."""
    length = 0
    while _estimate({**attributes, "nickname": "n" * (length + 1)}, groups) <= (
        token_budget.MAX_TOKEN_CHARS
    ):
        length += 1
    return length


def test_a_write_just_within_the_budget_is_served_and_one_just_over_is_refused(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = login(ALICE)
    base = {"name": "x" * 2048, "profile": "y" * 1000}
    assert api.post("/user/attributes", {"attributes": base}, bearer(tokens))[0] == 200
    current = _attributes(cognito, pool, ALICE)
    fits = _largest_name_that_fits(current, [])
    assert 0 < fits < 2048

    over = {"nickname": "n" * (fits + 1)}
    status, body = api.post("/user/attributes", {"attributes": over}, bearer(tokens))
    assert (status, body) == (400, TOO_LARGE)
    assert _attributes(cognito, pool, ALICE) == current

    within = {"nickname": "n" * fits}
    assert api.post("/user/attributes", {"attributes": within}, bearer(tokens))[0] == 200
    renewed = _renewed_id_token(api, tokens)
    assert len(renewed) <= token_budget.MAX_TOKEN_CHARS
    status, body = api.post("/user/test-user", {}, {"Authorization": renewed})
    assert status == 200, body
    assert {a["Name"]: a["Value"] for a in body["data"]}["nickname"] == "n" * fits


@pytest.mark.parametrize(
    ("old", "new"),
    [("a@example.com", f"{'b' * 60}@example.com"), (f"{'a' * 60}@example.com", "b@example.com")],
    ids=["new is longer", "old is longer"],
)
def test_a_new_email_counts_at_the_longer_of_the_two_addresses(old: str, new: str) -> None:
    """The old address stays in the token until the new one's code is entered."""
    current: list[AttributeTypeTypeDef] = [
        {"Name": "email", "Value": old},
        {"Name": "name", "Value": "Al"},
    ]

    after = token_budget.after_update(current, {"email": new, "name": "Alice"})

    assert after == {"email": max(old, new, key=len), "name": "Alice"}

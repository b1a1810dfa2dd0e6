"""The admin API in-process, on moto's Cognito: each action does what it says, the
user notices it, and it leaves one audit line. Refusals, and requests that change
nothing, are in test_admin_access.py."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from devstack.events import proxy_event
from devstack.harness import Http
from devstack.pool import ADMIN_GROUP, create_confirmed_user
from tests.admin_support import (
    BOB_PATH,
    CARL,
    ROUTES,
    audit_lines,
    emails,
    pool_state,
    respond,
    send,
    undocumented,
)
from tests.challenge_support import new_password_answer
from tests.conftest import ADMIN, BOB, PASSWORD, SESSION_ENDED, Login, json_log, refused, succeeded

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

NEW_PASSWORD = "N3w-Passw0rd!"
TEMPORARY = "Temp-Passw0rd-1"
TOKENS = ("id_token", "access_token", "refresh_token")


@pytest.fixture
def admin(login: Login) -> str:
    token: str = login(ADMIN)["access_token"]
    return token


@pytest.fixture
def audit() -> Iterator[io.StringIO]:
    with json_log() as stream:
        yield stream


def _logs_in(api: Http, username: str, password: str = PASSWORD) -> int:
    return api.post("/login", {"username": username, "password": password})[0]


def test_an_invited_user_finishes_through_new_password_required(api: Http, admin: str) -> None:
    response = respond(
        api,
        "POST",
        "/admin/users",
        admin,
        {"username": CARL, "temporary_password": TEMPORARY, "attributes": {"name": "Carl"}},
    )
    body = json.loads(response.body)
    assert (response.status_code, body["message"]) == (201, "User invited")
    document = send(api, "GET", "/openapi.json")[1]
    assert undocumented(document, "/admin/users", "POST", response) == []
    invited = body["data"]
    assert invited["status"] == "FORCE_CHANGE_PASSWORD"
    assert invited["enabled"] is True
    assert invited["attributes"] == {
        "email": CARL,
        "email_verified": "true",
        "name": "Carl",
        "sub": invited["username"],
    }

    status, answer = api.post("/login", {"username": CARL, "password": TEMPORARY})
    assert (status, answer["data"]["challenge_name"]) == (200, "NEW_PASSWORD_REQUIRED")
    status, tokens = api.post(
        "/login/challenge", new_password_answer(CARL, answer["data"]["session"], NEW_PASSWORD)
    )
    assert status == 200
    assert set(TOKENS) <= set(tokens["data"])
    assert _logs_in(api, CARL, NEW_PASSWORD) == 200


def test_without_a_temporary_password_the_stand_in_makes_one_and_logs_it_locally(
    api: Http, admin: str, caplog: pytest.LogCaptureFixture
) -> None:
    """AWS emails the password it makes; on the local stage the log is the mailbox."""
    with caplog.at_level(logging.INFO):
        assert send(api, "POST", "/admin/users", admin, {"username": CARL})[0] == 201

    (line,) = [m for m in caplog.messages if m.startswith("local stage: temporary password")]
    temporary = line.rsplit(": ", 1)[1]
    status, answer = api.post("/login", {"username": CARL, "password": temporary})
    assert (status, answer["data"]["challenge_name"]) == (200, "NEW_PASSWORD_REQUIRED")


def test_a_disabled_user_cannot_log_in_or_be_reset_until_enabled_again(
    api: Http, admin: str
) -> None:
    assert send(api, "POST", f"{BOB_PATH}/disable", admin) == (200, succeeded("User disabled"))
    assert _logs_in(api, BOB) == 401
    disabled = send(api, "GET", '/admin/users?filter=status = "Disabled"', admin)[1]
    assert emails(disabled) == [BOB]
    assert send(api, "POST", f"{BOB_PATH}/reset-password", admin) == (
        409,
        refused("User is disabled", "user_state_conflict"),
    )

    assert send(api, "POST", f"{BOB_PATH}/enable", admin) == (200, succeeded("User enabled"))
    assert _logs_in(api, BOB) == 200


def test_a_deleted_user_is_gone(api: Http, admin: str) -> None:
    assert send(api, "DELETE", BOB_PATH, admin) == (200, succeeded("User deleted"))

    assert _logs_in(api, BOB) == 401
    assert BOB not in emails(send(api, "GET", "/admin/users", admin)[1])
    assert send(api, "DELETE", BOB_PATH, admin)[0] == 404


def test_group_membership_reaches_the_users_next_tokens(api: Http, admin: str) -> None:
    assert send(api, "POST", f"{BOB_PATH}/groups", admin, {"group": ADMIN_GROUP}) == (
        200,
        succeeded("User added to the group"),
    )
    promoted = api.post("/login", {"username": BOB, "password": PASSWORD})[1]["data"]
    assert send(api, "GET", "/admin/users", promoted["access_token"])[0] == 200

    assert send(api, "DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", admin) == (
        200,
        succeeded("User removed from the group"),
    )
    demoted = api.post("/login", {"username": BOB, "password": PASSWORD})[1]["data"]
    assert send(api, "GET", "/admin/users", demoted["access_token"])[0] == 403


def test_signing_a_user_out_stops_their_refresh_token(api: Http, admin: str) -> None:
    tokens = api.post("/login", {"username": BOB, "password": PASSWORD})[1]["data"]
    renewal = {"username": BOB, "refresh_token": tokens["refresh_token"]}
    assert api.post("/user/renew_refresh_token", renewal)[0] == 200

    assert send(api, "POST", f"{BOB_PATH}/sign-out", admin) == (
        200,
        succeeded("User signed out everywhere"),
    )
    assert api.post("/user/renew_refresh_token", renewal)[0] == 401


def test_a_reset_sends_a_code_that_sets_a_new_password(
    api: Http, admin: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert send(api, "POST", f"{BOB_PATH}/reset-password", admin) == (
            200,
            succeeded("Password reset; the user has been sent a code to set a new one"),
        )

    listed = send(api, "GET", '/admin/users?filter=email = "bob@example.com"', admin)[1]
    assert listed["data"]["users"][0]["status"] == "RESET_REQUIRED"
    (line,) = [m for m in caplog.messages if m.startswith("local stage: password reset code")]
    confirm = {"username": BOB, "code": line.rsplit(": ", 1)[1], "password": NEW_PASSWORD}
    assert api.post("/password/confirm", confirm)[0] == 200
    assert _logs_in(api, BOB, NEW_PASSWORD) == 200


def test_an_admin_signed_out_or_disabled_loses_the_admin_api_at_once(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    audit: io.StringIO,
) -> None:
    """Their access token's signature and expiry still pass; Cognito's word does not."""
    signed_out = login(ADMIN)["access_token"]
    assert api.post("/logout", None, {"Authorization": signed_out})[0] == 200

    assert send(api, "GET", "/admin/users", signed_out) == (401, SESSION_ENDED)

    disabled = login(ADMIN)["access_token"]
    cognito.admin_disable_user(UserPoolId=pool.user_pool_id, Username=ADMIN)
    assert send(api, "POST", f"{BOB_PATH}/disable", disabled) == (401, SESSION_ENDED)
    assert cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=BOB)["Enabled"] is True
    assert [(line["action"], line["status"]) for line in audit_lines(audit)] == [
        ("list_users", 401),
        ("disable_user", 401),
    ]


def test_path_parameters_arrive_url_decoded(
    api: Http, admin: str, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """As API Gateway hands them over: `%40` is `@` and `%2B` is `+`, while a `+`
    in a path is a plus (not a space)."""
    ann = "ann+ops@example.com"
    create_confirmed_user(cognito, pool.user_pool_id, ann, PASSWORD)

    assert send(api, "POST", "/admin/users/ann%2Bops%40example.com/disable", admin)[0] == 200
    assert cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ann)["Enabled"] is False
    assert send(api, "POST", f"/admin/users/{ann}/enable", admin)[0] == 200
    assert cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ann)["Enabled"] is True


def test_the_lambda_handler_takes_path_and_query_parameters_as_api_gateway_sends_them(
    admin: str, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """Deployed, no local gateway: API Gateway's event names the resource, and hands
    path parameters decoded and the query string parsed."""
    from app import app

    class Context:
        aws_request_id = "admin-handler-test"
        function_name = "cognito-auth-api-dev"

    disable = proxy_event("/admin/users/{username}/disable", None, {"Authorization": admin})
    disable["path"] = "/admin/users/bob%40example.com/disable"
    disable["pathParameters"] = {"username": BOB}
    listing = proxy_event("/admin/users", None, {"Authorization": admin}, method="GET")
    listing["multiValueQueryStringParameters"] = {"limit": ["1"]}

    disabled = app(disable, Context())
    listed = app(listing, Context())

    assert disabled["statusCode"] == 200
    assert cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=BOB)["Enabled"] is False
    assert listed["statusCode"] == 200
    assert len(json.loads(listed["body"])["data"]["users"]) == 1


def test_each_action_writes_one_audit_line_without_secrets(
    api: Http, login: Login, users: dict[str, str], audit: io.StringIO
) -> None:
    tokens = login(ADMIN)
    invitation = {
        "username": CARL,
        "temporary_password": TEMPORARY,
        "attributes": {"name": "Carl Secretname"},
    }
    order = [
        "list",
        "create",
        "disable",
        "enable",
        "add to group",
        "remove from group",
        "sign out",
        "reset password",
        "delete",
    ]

    requests = {**ROUTES, "create": ("POST", "/admin/users", invitation)}

    answers = []
    for route in order:
        method, path, body = requests[route]
        answers.append(respond(api, method, path, tokens["access_token"], body))

    assert [answer.status_code for answer in answers] == [200, 201, *[200] * 7]
    lines = audit_lines(audit)
    assert [(line["action"], line["target"], line["group"], line["status"]) for line in lines] == [
        ("list_users", None, None, 200),
        ("create_user", CARL, None, 201),
        ("disable_user", BOB, None, 200),
        ("enable_user", BOB, None, 200),
        ("add_to_group", BOB, ADMIN_GROUP, 200),
        ("remove_from_group", BOB, ADMIN_GROUP, 200),
        ("sign_out", BOB, None, 200),
        ("reset_password", BOB, None, 200),
        ("delete_user", BOB, None, 200),
    ]
    assert [line["request_id"] for line in lines] == [
        answer.headers["X-Request-Id"] for answer in answers
    ]
    for line in lines:
        assert line["level"] == "INFO"
        assert (line["actor_sub"], line["actor_username"]) == (users[ADMIN], users[ADMIN])
    written = audit.getvalue()
    for secret in (TEMPORARY, "Secretname", *(tokens[name] for name in TOKENS)):
        assert secret not in written


# A demoted admin (issue 19): the pool's word on the admin group, not the token's.

ADMIN_PATH = "/admin/users/admin%40example.com"
NOT_A_MEMBER = refused("Only members of the admin group may do this", "forbidden")


def _make_admin(cognito: CognitoIdentityProviderClient, pool: Pool, email: str) -> None:
    cognito.admin_add_user_to_group(
        UserPoolId=pool.user_pool_id, Username=email, GroupName=ADMIN_GROUP
    )


def _renews(api: Http, username: str, tokens: dict[str, str]) -> int:
    renewal = {"username": username, "refresh_token": tokens["refresh_token"]}
    return api.post("/user/renew_refresh_token", renewal)[0]


def test_a_demoted_admins_token_cannot_take_the_role_back_or_act_on_the_other_admin(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    audit: io.StringIO,
) -> None:
    """The adversarial run's probe: B removes A from the admin group; A's access token
    (its signature, expiry and `cognito:groups` still good) then tried to re-add
    itself, remove B and sign B out, and each got 200."""
    _make_admin(cognito, pool, BOB)
    demoted, other = login(ADMIN), login(BOB)
    assert send(api, "DELETE", f"{ADMIN_PATH}/groups/{ADMIN_GROUP}", other["access_token"]) == (
        200,
        succeeded("User removed from the group"),
    )
    before = pool_state(cognito, pool)

    attempts = [
        ("POST", f"{ADMIN_PATH}/groups", {"group": ADMIN_GROUP}),
        ("DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", None),
        ("POST", f"{BOB_PATH}/sign-out", None),
    ]
    for method, path, body in attempts:
        assert send(api, method, path, demoted["access_token"], body) == (403, NOT_A_MEMBER)

    assert pool_state(cognito, pool) == before
    assert _renews(api, BOB, other) == 200
    assert send(api, "GET", "/admin/users", other["access_token"])[0] == 200
    assert [(line["action"], line["status"]) for line in audit_lines(audit)][1:4] == [
        ("add_to_group", 403),
        ("remove_from_group", 403),
        ("sign_out", 403),
    ]


def test_an_admin_demoted_outside_the_api_is_refused_with_the_token_they_hold(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """Removed in the console or the CLI, so not signed out: their session is live and
    their token still says `admin`; the pool does not."""
    token = login(ADMIN)["access_token"]
    cognito.admin_remove_user_from_group(
        UserPoolId=pool.user_pool_id, Username=ADMIN, GroupName=ADMIN_GROUP
    )

    assert send(api, "GET", "/admin/users", token) == (403, NOT_A_MEMBER)
    assert send(api, "POST", f"{ADMIN_PATH}/groups", token, {"group": ADMIN_GROUP})[0] == 403


def test_a_member_promoted_since_their_token_was_issued_is_an_admin_at_once(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """The pool says so; the token, issued before, carries no `admin`."""
    token = login(BOB)["access_token"]
    _make_admin(cognito, pool, BOB)

    assert send(api, "GET", "/admin/users", token)[0] == 200


def test_removing_an_admin_from_the_group_signs_them_out_everywhere(
    api: Http, admin: str, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    _make_admin(cognito, pool, BOB)
    demoted = login(BOB)
    assert _renews(api, BOB, demoted) == 200

    assert send(api, "DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", admin)[0] == 200

    assert _renews(api, BOB, demoted) == 401
    assert api.post("/logout", None, {"Authorization": demoted["access_token"]}) == (
        401,
        SESSION_ENDED,
    )
    assert _logs_in(api, BOB) == 200


def test_removing_oneself_from_another_group_is_allowed_and_keeps_the_session(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    cognito.create_group(UserPoolId=pool.user_pool_id, GroupName="editors")
    cognito.admin_add_user_to_group(
        UserPoolId=pool.user_pool_id, Username=ADMIN, GroupName="editors"
    )
    tokens = login(ADMIN)

    assert send(api, "DELETE", f"{ADMIN_PATH}/groups/editors", tokens["access_token"])[0] == 200
    assert _renews(api, ADMIN, tokens) == 200


LAST_ADMIN = refused(
    "The last enabled member of the admin group cannot be removed, disabled or deleted",
    "last_admin",
)
SELF_ACTION = refused(
    "Admins cannot disable, delete or remove themselves from the admin group", "self_action"
)
# What an admin might do to their own account (the path in another case, as the
# pool matches emails), each refused.
LOCKING_OUT = {
    "demote": ("DELETE", f"/admin/users/Admin%40Example.com/groups/{ADMIN_GROUP}"),
    "disable": ("POST", f"{ADMIN_PATH}/disable"),
    "delete": ("DELETE", ADMIN_PATH),
}


@pytest.mark.parametrize("action", list(LOCKING_OUT))
def test_the_only_admin_cannot_remove_disable_or_delete_themselves(
    api: Http,
    admin: str,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    audit: io.StringIO,
    action: str,
) -> None:
    method, path = LOCKING_OUT[action]
    before = pool_state(cognito, pool)

    assert send(api, method, path, admin) == (409, LAST_ADMIN)

    assert pool_state(cognito, pool) == before
    assert send(api, "GET", "/admin/users", admin)[0] == 200
    assert audit_lines(audit)[0]["status"] == 409


@pytest.mark.parametrize("action", list(LOCKING_OUT))
def test_an_admin_beside_another_cannot_remove_disable_or_delete_themselves(
    api: Http, admin: str, cognito: CognitoIdentityProviderClient, pool: Pool, action: str
) -> None:
    _make_admin(cognito, pool, BOB)
    method, path = LOCKING_OUT[action]
    before = pool_state(cognito, pool)

    assert send(api, method, path, admin) == (409, SELF_ACTION)

    assert pool_state(cognito, pool) == before


def test_beside_a_disabled_admin_the_enabled_one_is_the_last(
    api: Http, admin: str, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """A disabled member cannot sign in: the pool would be left without an admin."""
    _make_admin(cognito, pool, BOB)
    cognito.admin_disable_user(UserPoolId=pool.user_pool_id, Username=BOB)

    method, path = LOCKING_OUT["demote"]
    assert send(api, method, path, admin) == (409, LAST_ADMIN)


def test_an_admin_demotes_disables_and_deletes_another_admin(
    api: Http, admin: str, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    _make_admin(cognito, pool, BOB)

    assert send(api, "DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", admin)[0] == 200
    _make_admin(cognito, pool, BOB)
    assert send(api, "POST", f"{BOB_PATH}/disable", admin)[0] == 200
    assert send(api, "DELETE", BOB_PATH, admin)[0] == 200

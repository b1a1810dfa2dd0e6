"""The admin API against AWS's exact API (botocore's Stubber, dialect aws): the
request each route sends, and how each of Cognito's answers reaches the admin.

Where moto behaves otherwise, the test's docstring names the divergence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from devstack.harness import Http
from devstack.pool import ADMIN_GROUP
from tests.admin_support import BOB_PATH, CARL, send
from tests.conftest import (
    ALICE,
    BOB,
    PASSWORD,
    SESSION_ENDED,
    STUB_POOL,
    STUB_SUB,
    refused,
    stub_access_token,
)

POOL = {"UserPoolId": STUB_POOL.user_pool_id}
USER = {**POOL, "Username": BOB}
CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MODIFIED = datetime(2024, 6, 2, 8, 30, 15, tzinfo=UTC)


# How the service asks for the caller's groups: by their internal name, the token's
# `username`, a full page at a time.
GROUPS_OF_CALLER = {**POOL, "Username": STUB_SUB, "Limit": 60}


def _admin() -> str:
    return stub_access_token(**{"cognito:groups": [ADMIN_GROUP]})


def _groups(*names: str) -> list[dict[str, str]]:
    return [{"GroupName": name, "UserPoolId": STUB_POOL.user_pool_id} for name in names]


def _member(stubber: Stubber) -> None:
    """AdminListGroupsForUser for the caller, answered with the admin group."""
    stubber.add_response(
        "admin_list_groups_for_user", {"Groups": _groups(ADMIN_GROUP)}, GROUPS_OF_CALLER
    )


def _signed_in(stubber: Stubber, email: str | None = None) -> str:
    """An admin's access token, which Cognito is asked about first: the caller's
    groups (AdminListGroupsForUser), then their session (GetUser), which answers the
    caller with `email` if one is given."""
    token = _admin()
    _member(stubber)
    listed = [] if email is None else [{"Name": "email", "Value": email}]
    stubber.add_response(
        "get_user", {"Username": STUB_SUB, "UserAttributes": listed}, {"AccessToken": token}
    )
    return token


def _cognito_user(email: str, status: str = "CONFIRMED") -> dict[str, Any]:
    return {
        "Username": STUB_SUB,
        "Attributes": [
            {"Name": "sub", "Value": STUB_SUB},
            {"Name": "email", "Value": email},
        ],
        "UserCreateDate": CREATED,
        "UserLastModifiedDate": MODIFIED,
        "Enabled": True,
        "UserStatus": status,
    }


def test_listing_sends_the_filter_the_limit_and_the_token(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = _signed_in(stubber)
    stubber.add_response(
        "list_users",
        {"Users": [_cognito_user(BOB)], "PaginationToken": "next-page"},
        {**POOL, "Filter": 'email ^= "b"', "Limit": 5, "PaginationToken": "this-page"},
    )

    status, body = send(
        api,
        "GET",
        '/admin/users?filter=email ^= "b"&limit=5&pagination_token=this-page',
        token,
    )

    assert status == 200
    assert body["data"] == {
        "users": [
            {
                "username": STUB_SUB,
                "attributes": {"email": BOB, "sub": STUB_SUB},
                "enabled": True,
                "status": "CONFIRMED",
                "created": "2024-05-01T12:00:00+00:00",
                "modified": "2024-06-02T08:30:15+00:00",
            }
        ],
        "pagination_token": "next-page",
    }


def test_listing_without_a_query_asks_for_a_full_page(stubbed: tuple[Stubber, Http]) -> None:
    stubber, api = stubbed
    token = _signed_in(stubber)
    stubber.add_response("list_users", {"Users": []}, {**POOL, "Limit": 60})

    status, body = send(api, "GET", "/admin/users", token)

    assert (status, body["data"]) == (200, {"users": [], "pagination_token": None})


def _expect_invitation(stubber: Stubber, *attributes: dict[str, str], **request: Any) -> None:
    """AdminCreateUser for Carl, to be emailed: `attributes`, then his email, verified;
    `request`'s parameters besides. It answers the user invited."""
    stubber.add_response(
        "admin_create_user",
        {"User": _cognito_user(CARL, "FORCE_CHANGE_PASSWORD")},
        {
            **POOL,
            "Username": CARL,
            "UserAttributes": [
                *attributes,
                {"Name": "email", "Value": CARL},
                {"Name": "email_verified", "Value": "true"},
            ],
            "DesiredDeliveryMediums": ["EMAIL"],
            **request,
        },
    )


def test_an_invitation_asks_cognito_to_make_and_email_the_password(
    stubbed: tuple[Stubber, Http],
) -> None:
    """moto divergence: without TemporaryPassword moto makes none (its user could
    never sign in) and ignores DesiredDeliveryMediums; AWS makes one and emails it
    (its default medium is SMS, hence EMAIL here). The stand-in makes one itself."""
    stubber, api = stubbed
    token = _signed_in(stubber)
    _expect_invitation(stubber, {"Name": "name", "Value": "Carl"})

    status, body = send(
        api, "POST", "/admin/users", token, {"username": CARL, "attributes": {"name": "Carl"}}
    )

    assert (status, body["data"]["status"]) == (201, "FORCE_CHANGE_PASSWORD")


def test_an_invitation_with_a_temporary_password_hands_it_to_cognito(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = _signed_in(stubber)
    _expect_invitation(stubber, TemporaryPassword=PASSWORD)

    body = {"username": CARL, "temporary_password": PASSWORD}

    assert send(api, "POST", "/admin/users", token, body)[0] == 201


# Each route's one call, and the request it sends.
CALLS: dict[str, tuple[str, str, Any, str, dict[str, Any]]] = {
    "disable": ("POST", f"{BOB_PATH}/disable", None, "admin_disable_user", USER),
    "enable": ("POST", f"{BOB_PATH}/enable", None, "admin_enable_user", USER),
    "delete": ("DELETE", BOB_PATH, None, "admin_delete_user", USER),
    "add to group": (
        "POST",
        f"{BOB_PATH}/groups",
        {"group": "editors"},
        "admin_add_user_to_group",
        {**USER, "GroupName": "editors"},
    ),
    "remove from group": (
        "DELETE",
        f"{BOB_PATH}/groups/editors",
        None,
        "admin_remove_user_from_group",
        {**USER, "GroupName": "editors"},
    ),
    "sign out": ("POST", f"{BOB_PATH}/sign-out", None, "admin_user_global_sign_out", USER),
    "reset password": (
        "POST",
        f"{BOB_PATH}/reset-password",
        None,
        "admin_reset_user_password",
        USER,
    ),
}


@pytest.mark.parametrize("route", list(CALLS))
def test_each_user_action_sends_cognitos_admin_call_for_that_user(
    stubbed: tuple[Stubber, Http], route: str
) -> None:
    """moto divergence for reset password: AWS emails the user a code, and their
    old password then gets PasswordResetRequiredException (403) at login; moto sends
    no code (the stand-in asks ForgotPassword for one) and still signs the old
    password in."""
    method, path, body, operation, expected = CALLS[route]
    stubber, api = stubbed
    token = _signed_in(stubber)
    stubber.add_response(operation, {}, expected)

    assert send(api, method, path, token, body)[0] == 200


@pytest.mark.parametrize(
    ("route", "code", "cognito_says", "status", "message"),
    [
        ("disable", "UserNotFoundException", "User does not exist.", 404, "No such user"),
        ("sign out", "UserNotFoundException", "User does not exist.", 404, "No such user"),
        ("add to group", "ResourceNotFoundException", "Group not found.", 404, "No such group"),
        (
            "remove from group",
            "ResourceNotFoundException",
            "Group not found.",
            404,
            "No such group",
        ),
        (
            "reset password",
            "NotAuthorizedException",
            "User password cannot be reset in the current state.",
            409,
            "User password cannot be reset in the current state.",
        ),
        (
            "reset password",
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email "
            "or phone_number",
            409,
            "Cannot reset password for the user as there is no registered/verified email "
            "or phone_number",
        ),
        ("delete", "TooManyRequestsException", "Rate exceeded", 429, None),
        ("enable", "InternalErrorException", "boom", 503, None),
    ],
)
def test_cognitos_refusals_reach_the_admin_as_honest_statuses(
    stubbed: tuple[Stubber, Http],
    route: str,
    code: str,
    cognito_says: str,
    status: int,
    message: str | None,
) -> None:
    method, path, body, operation, expected = CALLS[route]
    stubber, api = stubbed
    token = _signed_in(stubber)
    stubber.add_client_error(operation, code, cognito_says, expected_params=expected)

    answer = send(api, method, path, token, body)

    assert answer[0] == status
    if message is not None:
        assert answer[1]["message"] == message


@pytest.mark.parametrize(
    ("code", "cognito_says", "status", "message"),
    [
        (
            "UsernameExistsException",
            "User account already exists",
            409,
            "This username already exists",
        ),
        (
            "InvalidPasswordException",
            "Password does not conform to policy: Password not long enough",
            400,
            "Password does not conform to policy: Password not long enough",
        ),
        (
            "InvalidParameterException",
            "Invalid email address format.",
            400,
            "An attribute value is invalid",
        ),
    ],
)
def test_a_refused_invitation_says_why(
    stubbed: tuple[Stubber, Http], code: str, cognito_says: str, status: int, message: str
) -> None:
    stubber, api = stubbed
    token = _signed_in(stubber)
    stubber.add_client_error("admin_create_user", code, cognito_says)

    answer = send(api, "POST", "/admin/users", token, {"username": CARL})

    assert (answer[0], answer[1]["message"]) == (status, message)


def test_a_page_token_aws_refuses_answers_400_in_cognitos_words(
    stubbed: tuple[Stubber, Http],
) -> None:
    """moto divergence: moto answers its own InvalidToken for a token it did not
    make (the stand-in maps that to 400 too); AWS answers InvalidParameterException."""
    stubber, api = stubbed
    token = _signed_in(stubber)
    refusal = "Paging marker stale is invalid for request 1"
    stubber.add_client_error(
        "list_users",
        "InvalidParameterException",
        refusal,
        expected_params={**POOL, "Limit": 60, "PaginationToken": "stale"},
    )

    status, body = send(api, "GET", "/admin/users?pagination_token=stale", token)

    assert (status, body["message"]) == (400, refusal)


@pytest.mark.parametrize(
    ("code", "cognito_says"),
    [
        ("NotAuthorizedException", "Access Token has been revoked"),
        ("NotAuthorizedException", "User is disabled."),
        ("UserNotFoundException", "User does not exist."),
    ],
)
def test_an_admin_whose_session_cognito_no_longer_honours_gets_401_and_nothing_is_done(
    stubbed: tuple[Stubber, Http], code: str, cognito_says: str
) -> None:
    """GetUser with the access token, before any admin call: the token's signature
    and expiry still pass for up to an hour after a sign-out, a disabling or a
    deletion, Cognito's answer does not."""
    stubber, api = stubbed
    token = _admin()
    _member(stubber)
    stubber.add_client_error("get_user", code, cognito_says, expected_params={"AccessToken": token})

    assert send(api, "POST", f"{BOB_PATH}/disable", token) == (401, SESSION_ENDED)


# The caller's membership, asked of the pool on every admin action (issue 19).


def test_the_callers_groups_are_read_page_by_page_until_the_admin_group(
    stubbed: tuple[Stubber, Http],
) -> None:
    """A user may be in more groups than one page holds (60 at most): the service
    follows NextToken rather than take a first page without `admin` for a refusal."""
    stubber, api = stubbed
    token = _admin()
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": _groups("editors", "readers"), "NextToken": "page-2"},
        GROUPS_OF_CALLER,
    )
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": _groups(ADMIN_GROUP)},
        {**GROUPS_OF_CALLER, "NextToken": "page-2"},
    )
    stubber.add_response(
        "get_user", {"Username": STUB_SUB, "UserAttributes": []}, {"AccessToken": token}
    )
    stubber.add_response("list_users", {"Users": []}, {**POOL, "Limit": 60})

    assert send(api, "GET", "/admin/users", token)[0] == 200


def test_a_token_that_says_admin_is_refused_when_the_pool_does_not_and_nothing_else_is_asked(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = _admin()
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": _groups("editors"), "NextToken": "page-2"},
        GROUPS_OF_CALLER,
    )
    stubber.add_response(
        "admin_list_groups_for_user", {"Groups": []}, {**GROUPS_OF_CALLER, "NextToken": "page-2"}
    )

    assert send(api, "POST", f"{BOB_PATH}/groups", token, {"group": ADMIN_GROUP}) == (
        403,
        refused("Only members of the admin group may do this", "forbidden"),
    )


def test_an_admin_the_pool_no_longer_has_gets_401(stubbed: tuple[Stubber, Http]) -> None:
    stubber, api = stubbed
    token = _admin()
    stubber.add_client_error(
        "admin_list_groups_for_user",
        "UserNotFoundException",
        "User does not exist.",
        expected_params=GROUPS_OF_CALLER,
    )

    assert send(api, "POST", f"{BOB_PATH}/disable", token) == (401, SESSION_ENDED)


def test_removing_a_user_from_the_admin_group_signs_them_out_everywhere(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = _signed_in(stubber, ALICE)
    stubber.add_response("admin_remove_user_from_group", {}, {**USER, "GroupName": ADMIN_GROUP})
    stubber.add_response("admin_user_global_sign_out", {}, USER)

    assert send(api, "DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", token)[0] == 200


def _in_group(*members: tuple[str, bool]) -> list[dict[str, Any]]:
    return [{"Username": name, "Enabled": enabled, "Attributes": []} for name, enabled in members]


SELF_PATHS = {
    "demote": ("DELETE", f"/admin/users/ALICE%40example.com/groups/{ADMIN_GROUP}"),
    "disable": ("POST", "/admin/users/alice%40example.com/disable"),
    "delete": ("DELETE", "/admin/users/alice%40example.com"),
}
MEMBERS = {**POOL, "GroupName": ADMIN_GROUP, "Limit": 60}


@pytest.mark.parametrize("action", list(SELF_PATHS))
def test_an_admin_acting_on_themselves_is_told_apart_from_the_last_admin_page_by_page(
    stubbed: tuple[Stubber, Http], action: str
) -> None:
    """The caller is named by the email GetUser answers, matched without regard to
    case; ListUsersInGroup's pages are followed until another enabled member."""
    stubber, api = stubbed
    method, path = SELF_PATHS[action]
    token = _signed_in(stubber, ALICE)
    stubber.add_response(
        "list_users_in_group",
        {"Users": _in_group((STUB_SUB, True), ("disabled-admin", False)), "NextToken": "more"},
        MEMBERS,
    )
    stubber.add_response(
        "list_users_in_group",
        {"Users": _in_group(("other-admin", True))},
        {**MEMBERS, "NextToken": "more"},
    )

    status, body = send(api, method, path, token)

    assert (status, body["code"]) == (409, "self_action")


@pytest.mark.parametrize("action", list(SELF_PATHS))
def test_the_last_enabled_admin_acting_on_themselves_gets_last_admin(
    stubbed: tuple[Stubber, Http], action: str
) -> None:
    stubber, api = stubbed
    method, path = SELF_PATHS[action]
    token = _signed_in(stubber, ALICE)
    stubber.add_response(
        "list_users_in_group",
        {"Users": _in_group((STUB_SUB, True), ("disabled-admin", False))},
        MEMBERS,
    )

    status, body = send(api, method, path, token)

    assert (status, body["code"]) == (409, "last_admin")

"""End to end: an administrator's day over HTTP against the local stack (moto's
server and `chalice local`), and the audit lines it leaves in the stack's log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import pytest
import requests

from devstack.pool import ADMIN_GROUP, create_confirmed_user
from tests.challenge_support import new_password_answer
from tests.stack_support import call, request, reset_code, sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

ADMIN = "http-admin@example.com"
MEMBER = "http-member@example.com"
INVITED = "http-invited+new@example.com"
PASSWORD = "Admin-Http-Passw0rd"
TEMPORARY = "Temp-Http-Passw0rd-1"
NEW_PASSWORD = "Invited-Passw0rd-2"
RESET_PASSWORD = "Reset-Passw0rd-3"


class Api:
    """The stack's API as an HTTP client sees it, with one bearer of a token."""

    def __init__(self, stack: dict[str, Any], token: str | None = None) -> None:
        self.stack = stack
        self.token = token

    @classmethod
    def signed_in(cls, stack: dict[str, Any], username: str, password: str) -> Api:
        """The API with the access token of the user's sign-in."""
        return cls(stack, sign_in(stack, username, password)["access_token"])

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return request(self.stack, method, path, body, self.token)

    def ask(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        return call(self.stack, method, path, body, self.token)

    def log_in(self, username: str, password: str) -> tuple[int, dict[str, Any]]:
        return self.ask("POST", "/login", {"username": username, "password": password})


def _user_path(email: str, tail: str = "") -> str:
    # Encoded as browsers' encodeURIComponent does: API Gateway decodes it.
    return f"/admin/users/{quote(email, safe='')}{tail}"


def _audit_lines(log_file: Path) -> list[dict[str, Any]]:
    lines = []
    for line in log_file.read_text().splitlines():
        if '"chalicelib.audit"' in line:
            lines.append(json.loads(line))
    return lines


def test_an_administrator_finds_invites_regroups_and_removes_users(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    pool_id = stack["user_pool_id"]
    create_confirmed_user(stack_cognito, pool_id, ADMIN, PASSWORD, "Ada", [ADMIN_GROUP])
    create_confirmed_user(stack_cognito, pool_id, MEMBER, PASSWORD, "Mel")
    anonymous = Api(stack)
    admin = Api.signed_in(stack, ADMIN, PASSWORD)
    member_tokens = sign_in(stack, MEMBER, PASSWORD)
    member = Api(stack, member_tokens["access_token"])

    # Only the admin group gets in.
    assert member.ask("GET", "/admin/users")[0] == 403
    assert anonymous.ask("GET", "/admin/users") == (401, {"message": "Unauthorized"})

    # Find users with Cognito's filter syntax, a page at a time.
    query = {"filter": 'email ^= "http-"', "limit": 1}
    status, found = admin.ask("GET", "/admin/users?" + urlencode(query))
    assert status == 200
    first_page = [user["attributes"]["email"] for user in found["data"]["users"]]
    query["pagination_token"] = found["data"]["pagination_token"]
    status, rest = admin.ask("GET", "/admin/users?" + urlencode(query))
    assert status == 200
    listed = first_page + [user["attributes"]["email"] for user in rest["data"]["users"]]
    assert sorted(listed) == [ADMIN, MEMBER]
    assert rest["data"]["pagination_token"] is None

    # Invite a user, who finishes through NEW_PASSWORD_REQUIRED.
    status, invited = admin.ask(
        "POST", "/admin/users", {"username": INVITED, "temporary_password": TEMPORARY}
    )
    assert (status, invited["data"]["status"]) == (201, "FORCE_CHANGE_PASSWORD")
    challenge = sign_in(stack, INVITED, TEMPORARY)
    assert challenge["challenge_name"] == "NEW_PASSWORD_REQUIRED"
    status, _ = anonymous.ask(
        "POST", "/login/challenge", new_password_answer(INVITED, challenge["session"], NEW_PASSWORD)
    )
    assert status == 200
    assert anonymous.log_in(INVITED, NEW_PASSWORD)[0] == 200

    # Disable and enable again.
    assert admin.ask("POST", _user_path(INVITED, "/disable"))[0] == 200
    assert anonymous.log_in(INVITED, NEW_PASSWORD)[0] == 401
    assert admin.ask("POST", _user_path(INVITED, "/enable"))[0] == 200
    assert anonymous.log_in(INVITED, NEW_PASSWORD)[0] == 200

    # Regroup: the member's next tokens carry the group, then lose it.
    group_path = _user_path(MEMBER, "/groups")
    assert admin.ask("POST", group_path, {"group": ADMIN_GROUP})[0] == 200
    promoted = Api.signed_in(stack, MEMBER, PASSWORD)
    assert promoted.ask("GET", "/admin/users?limit=1")[0] == 200
    assert admin.ask("DELETE", f"{group_path}/{ADMIN_GROUP}")[0] == 200
    demoted = Api.signed_in(stack, MEMBER, PASSWORD)
    assert demoted.ask("GET", "/admin/users?limit=1")[0] == 403
    # Removed from the admin group, they were signed out too.
    renewal = {"username": MEMBER, "refresh_token": member_tokens["refresh_token"]}
    assert anonymous.ask("POST", "/user/renew_refresh_token", renewal)[0] == 401

    # Sign the member out everywhere: their refresh token stops working.
    member_tokens = sign_in(stack, MEMBER, PASSWORD)
    renewal = {"username": MEMBER, "refresh_token": member_tokens["refresh_token"]}
    assert anonymous.ask("POST", "/user/renew_refresh_token", renewal)[0] == 200
    assert admin.ask("POST", _user_path(MEMBER, "/sign-out"))[0] == 200
    assert anonymous.ask("POST", "/user/renew_refresh_token", renewal)[0] == 401

    # Reset the member's password: the code (logged on the local stage) sets a new one.
    assert admin.ask("POST", _user_path(MEMBER, "/reset-password"))[0] == 200
    code = reset_code(stack["log_file"], MEMBER)
    confirm = {"username": MEMBER, "code": code, "password": RESET_PASSWORD}
    assert anonymous.ask("POST", "/password/confirm", confirm)[0] == 200
    assert anonymous.log_in(MEMBER, RESET_PASSWORD)[0] == 200

    # Remove the invited user for good.
    deleted = admin.call("DELETE", _user_path(INVITED))
    assert deleted.status_code == 200
    assert anonymous.log_in(INVITED, NEW_PASSWORD)[0] == 401
    assert admin.ask("DELETE", _user_path(INVITED))[0] == 404

    # Each action left its line in the stack's log, with its request id.
    audit = _audit_lines(stack["log_file"])
    assert {
        "action": "delete_user",
        "target": INVITED,
        "status": 200,
        "request_id": deleted.headers["X-Request-Id"],
    }.items() <= next(
        line for line in audit if line["request_id"] == deleted.headers["X-Request-Id"]
    ).items()
    assert [line["action"] for line in audit if line["target"] == INVITED] == [
        "create_user",
        "disable_user",
        "enable_user",
        "delete_user",
        "delete_user",
    ]
    written = stack["log_file"].read_text()
    assert TEMPORARY not in written
    assert admin.token is not None
    assert admin.token not in written


def test_an_admin_path_with_a_user_answers_a_preflight_over_http(stack: dict[str, Any]) -> None:
    page = stack["web_url"]

    preflight = requests.options(
        stack["api_url"] + _user_path(MEMBER, f"/groups/{ADMIN_GROUP}"),
        headers={
            "Origin": page,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=30,
    )

    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == page
    assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE"


def _groups(cognito: CognitoIdentityProviderClient, pool_id: str, email: str) -> list[str]:
    listed = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]
    return [group["GroupName"] for group in listed]


def test_a_demoted_admins_token_cannot_take_the_role_back_over_http(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    """Issue 19's probe against `make run`: B removes A from the admin group, and A's
    access token, still good, re-adds itself, removes B and signs B out. Now each is
    refused, and a demotion signs A out; an admin cannot remove themselves."""
    pool_id = stack["user_pool_id"]
    first, second = "http-demoted@example.com", "http-demoter@example.com"
    for email in (first, second):
        create_confirmed_user(stack_cognito, pool_id, email, PASSWORD, groups=[ADMIN_GROUP])
    demoted_tokens = sign_in(stack, first, PASSWORD)
    demoted = Api(stack, demoted_tokens["access_token"])
    demoter_tokens = sign_in(stack, second, PASSWORD)
    demoter = Api(stack, demoter_tokens["access_token"])

    assert demoter.ask("DELETE", _user_path(first, f"/groups/{ADMIN_GROUP}"))[0] == 200

    forbidden = {"message": "Only members of the admin group may do this", "code": "forbidden"}
    for method, path, body in [
        ("POST", _user_path(first, "/groups"), {"group": ADMIN_GROUP}),
        ("DELETE", _user_path(second, f"/groups/{ADMIN_GROUP}"), None),
        ("POST", _user_path(second, "/sign-out"), None),
    ]:
        status, answer = demoted.ask(method, path, body)
        assert (status, {key: answer.get(key) for key in forbidden}) == (403, forbidden)
    assert _groups(stack_cognito, pool_id, first) == []
    assert _groups(stack_cognito, pool_id, second) == [ADMIN_GROUP]
    anonymous = Api(stack)
    renew = "/user/renew_refresh_token"
    kept = {"username": second, "refresh_token": demoter_tokens["refresh_token"]}
    assert anonymous.ask("POST", renew, kept)[0] == 200
    ended = {"username": first, "refresh_token": demoted_tokens["refresh_token"]}
    assert anonymous.ask("POST", renew, ended)[0] == 401

    # Promoted again, A's next sign-in is an admin's; B cannot remove itself.
    assert demoter.ask("POST", _user_path(first, "/groups"), {"group": ADMIN_GROUP})[0] == 200
    assert Api.signed_in(stack, first, PASSWORD).ask("GET", "/admin/users?limit=1")[0] == 200
    status, answer = demoter.ask("DELETE", _user_path(second, f"/groups/{ADMIN_GROUP}"))
    assert (status, answer["code"]) == (409, "self_action")
    assert _groups(stack_cognito, pool_id, second) == [ADMIN_GROUP]

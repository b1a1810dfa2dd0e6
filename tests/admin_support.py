"""What the admin API's tests share: every admin route with a request for it, a way
to send any method with a token, the pool's state as an admin action could change
it, and the audit lines the service writes."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from devstack.harness import Http
from devstack.pool import ADMIN_GROUP

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

UNAUTHORIZED = {"message": "Unauthorized"}
CARL = "carl@example.com"
BOB_PATH = "/admin/users/bob%40example.com"

# Every admin route: method, path and body of a request that would change something
# (or list users).
ROUTES: dict[str, tuple[str, str, Any]] = {
    "list": ("GET", "/admin/users", None),
    "create": ("POST", "/admin/users", {"username": CARL}),
    "disable": ("POST", f"{BOB_PATH}/disable", None),
    "enable": ("POST", f"{BOB_PATH}/enable", None),
    "delete": ("DELETE", BOB_PATH, None),
    "add to group": ("POST", f"{BOB_PATH}/groups", {"group": ADMIN_GROUP}),
    "remove from group": ("DELETE", f"{BOB_PATH}/groups/{ADMIN_GROUP}", None),
    "sign out": ("POST", f"{BOB_PATH}/sign-out", None),
    "reset password": ("POST", f"{BOB_PATH}/reset-password", None),
}


def respond(
    api: Http,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
) -> Any:
    """The response to a request, with the token if one is given."""
    headers = {} if token is None else {"Authorization": token}
    if method == "POST":
        return api.raw_post(path, body, headers, raw)
    return api.raw_request(method, path, headers)


def send(
    api: Http,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """Status and JSON answer of a request, with the token if one is given."""
    response = respond(api, method, path, token, body, raw)
    return response.status_code, json.loads(response.body)


def emails(answer: dict[str, Any]) -> list[str]:
    """The emails of the users a listing answered, in its order."""
    return [user["attributes"]["email"] for user in answer["data"]["users"]]


def pool_state(cognito: CognitoIdentityProviderClient, pool: Pool) -> list[tuple[Any, ...]]:
    """Every user, with what an admin action could change: enabled, status, groups."""
    users = cognito.list_users(UserPoolId=pool.user_pool_id)["Users"]
    return sorted(
        (
            user["Username"],
            user["Enabled"],
            user["UserStatus"],
            tuple(
                group["GroupName"]
                for group in cognito.admin_list_groups_for_user(
                    UserPoolId=pool.user_pool_id, Username=user["Username"]
                )["Groups"]
            ),
        )
        for user in users
    )


def audit_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [record for record in records if record["logger"] == "chalicelib.audit"]


def undocumented(document: dict[str, Any], path: str, method: str, response: Any) -> list[str]:
    """How an answer differs from what the OpenAPI document says of the operation
    (`path` as the document names it): its status, or what its body breaks."""
    responses = document["paths"][path][method.lower()]["responses"]
    answer = responses.get(str(response.status_code))
    if answer is None:
        return [f"status {response.status_code} is not documented"]
    if "$ref" in answer:
        answer = document["components"]["responses"][answer["$ref"].split("/")[-1]]
    schema = answer["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": document["components"]})
    return [str(error) for error in validator.iter_errors(json.loads(response.body))]

"""The admin API (chalicelib/routes/admin.py)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypedDict

import msgspec

from chalicelib.models.account import WRITABLE_ATTRIBUTES, AttributeValues, UpdateAttributesRequest
from chalicelib.models.fields import CODE, EMAIL, USERNAME, NewPassword
from chalicelib.validation import PathParameter, QueryModel, RequestModel, Rule

# A user as the admin routes name them: by email, the pool's sign-in name.
UserEmail = Annotated[str, msgspec.Meta(min_length=1, max_length=128), EMAIL]
# Printable ASCII, as usernames (Cognito's own pattern for group names is theirs).
GroupName = Annotated[str, msgspec.Meta(min_length=1, max_length=128), USERNAME]
# What ListUsers can search, and how (Cognito's documented filter syntax): an exact
# match (=) or a prefix (^=), the value in double quotes, with no quote, backslash or
# control character inside.
SEARCHABLE_ATTRIBUTES = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
_FILTER = Rule(rf'^({"|".join(SEARCHABLE_ATTRIBUTES)}) *\^?= *"[^"\\\x00-\x1f\x7f-\x9f]*"$')
# Cognito's limit for Filter.
UserFilter = Annotated[str, msgspec.Meta(max_length=256), _FILTER]
PageSize = Annotated[int, msgspec.Meta(ge=1, le=60)]
PaginationToken = Annotated[str, msgspec.Meta(min_length=1, max_length=4096), CODE]


# The profile fields a user may set alone, but the email: an invitation's is its username.
INVITATION_ATTRIBUTES = WRITABLE_ATTRIBUTES - {"email"}


class CreateUserRequest(RequestModel, frozen=True):
    username: UserEmail
    attributes: (
        Annotated[
            AttributeValues,
            msgspec.Meta(
                extra_json_schema={"propertyNames": {"enum": sorted(INVITATION_ATTRIBUTES)}}
            ),
        ]
        | None
    ) = None
    # Cognito makes one (and emails it) when none is given.
    temporary_password: NewPassword | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.attributes is not None and not self.attributes.keys() <= INVITATION_ATTRIBUTES:
            raise ValueError("attributes")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        attributes = document.get("attributes")
        message = super().problem({**document, "attributes": None})
        if message is not None or attributes is None:
            return message
        if not isinstance(attributes, dict):
            return "attributes is invalid"
        message = UpdateAttributesRequest.problem({"attributes": attributes})
        refused = sorted(attributes.keys() - INVITATION_ATTRIBUTES)
        if message is None and refused:
            return f"These attributes cannot be changed: {', '.join(refused)}"
        return message


class GroupRequest(RequestModel, frozen=True):
    group: GroupName


# Every path parameter of the API, by name: what it must be, for the check and the
# OpenAPI document alike. API Gateway hands them over URL-decoded.
PATH_PARAMETERS: dict[str, PathParameter] = {
    "username": PathParameter(UserEmail, "The user's email (their sign-in name)"),
    "group": PathParameter(GroupName, "A group of the user pool"),
}


class ListUsersQuery(QueryModel, frozen=True):
    descriptions: ClassVar[dict[str, str]] = {
        "filter": 'Attribute = "value" (exact) or attribute ^= "value" (starts with), '
        f"the attribute one of {', '.join(SEARCHABLE_ATTRIBUTES)}",
        "limit": "Users per page, a whole number from 1 to 60",
        "pagination_token": "The pagination_token of the previous page",
    }
    filter: UserFilter | None = None
    limit: PageSize = 60
    pagination_token: PaginationToken | None = None


class AdminUser(TypedDict):
    username: Annotated[
        str,
        msgspec.Meta(
            description="Cognito's internal name (the sub); the admin routes take the email"
        ),
    ]
    attributes: dict[str, str]
    enabled: bool | None
    status: Annotated[
        str | None,
        msgspec.Meta(description="Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, ..."),
    ]
    created: Annotated[str | None, msgspec.Meta(description="ISO 8601, UTC")]
    modified: Annotated[str | None, msgspec.Meta(description="ISO 8601, UTC")]


class UserPage(TypedDict):
    users: list[AdminUser]
    pagination_token: Annotated[
        str | None, msgspec.Meta(description="Asks for the next page; null on the last one")
    ]

"""The admin API's authority check and audit: every admin action is one audited
call, by a caller the pool still counts in the admin group."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib import errors, token_budget
from chalicelib.models.admin import AdminUser, CreateUserRequest, ListUsersQuery, UserPage
from chalicelib.services import services
from chalicelib.token_verification import Claims

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import UserTypeTypeDef

# One line per admin request that passed token verification: who, what, to whom,
# how it ended (an HTTP status), and (from the log record) the request id. Never
# a password, a token or an attribute value.
audit_log = logging.getLogger("chalicelib.audit")


@dataclass(frozen=True)
class AdminCall:
    """An action of the admin API, and the verified admin who asked for it."""

    action: str
    sub: str
    username: str | None

    @contextmanager
    def audited(
        self, target: str | None, *, group: str | None = None, status: int = 200
    ) -> Iterator[None]:
        """Audits what happens inside: `status`, or the status the failure answers."""
        ended = 500
        try:
            yield
            ended = status
        except errors.ApiError as err:
            ended = err.status_code
            raise
        finally:
            _audit(self, target, ended, group)


def admin_call(claims: Claims, access_token: str, action: str, target: str | None) -> AdminCall:
    """The caller's request for `action` if their access token says they are in the
    admin group and Cognito still honours it; otherwise Forbidden or SessionEnded,
    audited.

    The token's signature and expiry hold for up to an hour after its admin was
    signed out, disabled or deleted; an admin action is worth the one GetUser that
    tells."""
    username = claims.get("username")
    call = AdminCall(action, claims["sub"], username if isinstance(username, str) else None)
    if services.settings().admin_group not in claims.get("cognito:groups", []):
        _audit(call, target, errors.Forbidden.status_code)
        raise errors.Forbidden("Only members of the admin group may do this")
    with _audited_refusal(call, target):
        services.gateway().check_session(access_token)
    return call


def _audit(call: AdminCall, target: str | None, status: int, group: str | None = None) -> None:
    audit_log.log(
        logging.INFO if status < 400 else logging.WARNING,
        "admin %s: %d",
        call.action,
        status,
        extra={
            "action": call.action,
            "actor_sub": call.sub,
            "actor_username": call.username,
            "target": target,
            "group": group,
            "status": status,
        },
    )


@contextmanager
def _audited_refusal(call: AdminCall, target: str | None) -> Iterator[None]:
    """Audits a failure inside, and nothing if all goes well."""
    try:
        yield
    except errors.ApiError as err:
        _audit(call, target, err.status_code)
        raise


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _user(user: UserTypeTypeDef) -> AdminUser:
    """A user as the admin API shows one. `username` is Cognito's internal name
    (the `sub` when email is the username); the routes take the email."""
    return {
        "username": user["Username"],
        "attributes": {
            a["Name"]: a.get("Value", "")
            for a in sorted(user.get("Attributes", []), key=lambda a: a["Name"])
        },
        "enabled": user.get("Enabled"),
        "status": user.get("UserStatus"),
        "created": _iso(user.get("UserCreateDate")),
        "modified": _iso(user.get("UserLastModifiedDate")),
    }


def list_users(call: AdminCall, query: ListUsersQuery) -> UserPage:
    with call.audited(None):
        page = services.gateway().list_users(query.filter, query.limit, query.pagination_token)
    return {
        "users": [_user(user) for user in page.get("Users", [])],
        "pagination_token": page.get("PaginationToken"),
    }


def create_user(call: AdminCall, request: CreateUserRequest) -> AdminUser:
    attributes = request.attributes or {}
    with call.audited(request.username, status=201):
        # A new user is in no group yet; the email is the username.
        token_budget.check({**attributes, "email": request.username}, (), services.settings())
        answer = services.gateway().admin_create_user(
            request.username, attributes, request.temporary_password
        )
    return _user(answer["User"])

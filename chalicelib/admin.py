"""The admin API's authority check and audit: every admin action is one audited
call, by a caller the pool still counts in the admin group."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib import attributes, errors, token_budget
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
    """An action of the admin API, and the verified admin who asked for it: `email`
    is their sign-in name as the pool has it now (GetUser), None when it lists none."""

    action: str
    sub: str
    username: str | None
    email: str | None = None

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

    def names_caller(self, target: str) -> bool:
        """Whether `target`, a user's email as the routes take it, is the caller.
        Emails are sign-in names, unique in the pool and matched without regard to
        case (the pool is not case-sensitive)."""
        return self.email is not None and self.email.casefold() == target.casefold()


def admin_call(claims: Claims, access_token: str, action: str, target: str | None) -> AdminCall:
    """The caller's request for `action` if the pool has them in the admin group now
    and still honours their session; otherwise Forbidden or SessionEnded, audited.

    Two Cognito calls, whatever the token says. AdminListGroupsForUser: the token's
    `cognito:groups` are those of its issue, and hold for up to an hour after its
    admin was demoted (and a member promoted since is one). GetUser: the token's
    signature and expiry hold for that hour after its admin was signed out,
    disabled or deleted, and AdminListGroupsForUser does not tell a signed-out
    session."""
    username = claims.get("username")
    call = AdminCall(action, claims["sub"], username if isinstance(username, str) else None)
    gateway = services.gateway()
    with _audited_refusal(call, target):
        # An access token of Cognito always names its user's internal name.
        if call.username is None or not gateway.is_member(
            call.username, services.settings().admin_group
        ):
            raise errors.Forbidden("Only members of the admin group may do this")
        caller = gateway.check_session(access_token)
    return replace(call, email=attributes.value_of(caller.get("UserAttributes", []), "email"))


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
    given = request.attributes or {}
    with call.audited(request.username, status=201):
        # A new user is in no group yet; the email is the username.
        token_budget.check({**given, "email": request.username}, (), services.settings())
        answer = services.gateway().admin_create_user(
            request.username, given, request.temporary_password
        )
    return _user(answer["User"])


def _refuse_locking_out(call: AdminCall, target: str) -> None:
    """The rails of disabling, deleting and demoting: the pool keeps an enabled
    admin (LastAdmin), and an admin does not do it to themselves (SelfAction).

    Only the caller can be the last enabled admin: they were just found to be an
    enabled member, so any other target leaves them. Hence ListUsersInGroup only
    when the target is the caller, to tell the two refusals apart. Cognito has no
    conditional write: two admins demoting each other at the same instant both pass
    (docs/admin.md)."""
    if not call.names_caller(target):
        return
    assert call.username is not None, "admin_call found the caller in the group by name"
    if not services.gateway().has_other_enabled_member(
        services.settings().admin_group, call.username
    ):
        raise errors.LastAdmin()
    raise errors.SelfAction()


def disable_user(call: AdminCall, username: str) -> None:
    with call.audited(username):
        _refuse_locking_out(call, username)
        services.gateway().admin_disable_user(username)


def delete_user(call: AdminCall, username: str) -> None:
    with call.audited(username):
        _refuse_locking_out(call, username)
        services.gateway().admin_delete_user(username)


def remove_from_group(call: AdminCall, username: str, group: str) -> None:
    """Removes the user from the group. From the admin group, they are signed out
    everywhere too: the tokens they hold say `admin` until they expire, to whatever
    trusts the claim; signed out, Cognito refuses their access tokens and their
    refresh tokens mint no more, so the demoted admin starts again from a sign-in."""
    with call.audited(username, group=group):
        demotes = group == services.settings().admin_group
        if demotes:
            _refuse_locking_out(call, username)
        gateway = services.gateway()
        gateway.admin_remove_user_from_group(username, group)
        if demotes:
            gateway.admin_user_global_sign_out(username)

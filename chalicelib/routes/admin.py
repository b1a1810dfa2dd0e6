"""The admin API, for members of the admin group, with an access token: `/admin/users`
(list, invite) and `/admin/users/{username}/...` (disable, enable, delete, groups,
sign-out, password reset). Every action is audited (chalicelib.admin)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from chalice.app import Response

from chalicelib import admin, errors
from chalicelib.admin import AdminCall
from chalicelib.authorizers import access_token_authorizer
from chalicelib.models.admin import (
    PATH_PARAMETERS,
    AdminUser,
    CreateUserRequest,
    GroupRequest,
    ListUsersQuery,
    UserPage,
)
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes
from chalicelib.services import services
from chalicelib.validation import parse_path

routes = Routes(__name__)
AdminView = Callable[..., Response]


def admin_action(action: str) -> Callable[[AdminView], AdminView]:
    """An admin route: a caller the pool does not have in the admin group gets 403,
    and one whose session Cognito no longer honours 401, before anything else of
    the request is read; then the path parameters are checked (400), and the view
    gets them with `call`, the audited admin call."""

    def decorate(view: AdminView) -> AdminView:
        @functools.wraps(view)
        def checked(**params: str) -> Response:
            call = admin.admin_call(
                routes.claims(), routes.access_token(), action, params.get("username")
            )
            return view(call=call, **parse_path(params, PATH_PARAMETERS))

        checked.path_parameters = PATH_PARAMETERS  # type: ignore[attr-defined]
        checked.refusals = (  # type: ignore[attr-defined]
            errors.Forbidden,
            errors.SessionEnded,
            *getattr(view, "refusals", ()),
        )
        return checked

    return decorate


@routes.route("/admin/users", methods=["GET"], authorizer=access_token_authorizer)
@admin_action("list_users")
@routes.takes_query(ListUsersQuery)
@answers(UserPage)
@refuses(errors.InvalidListQuery, errors.InvalidPaginationToken)
def admin_list_users(query: ListUsersQuery, call: AdminCall) -> Response:
    """List users, a page at a time, optionally filtered (admin group only).

    `filter` is Cognito's ListUsers syntax: `email ^= "ali"` (starts with) or
    `status = "Disabled"` (exact). The answer's `pagination_token`, while not null,
    fetches the next page. A user's `username` is Cognito's internal name; the
    other admin routes take the user's email.
    """
    return success(admin.list_users(call, query))


@routes.route("/admin/users", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("create_user")
@routes.accepts(CreateUserRequest, status=201)
@answers(AdminUser)
@refuses(
    errors.UsernameExists, errors.InvalidPassword, errors.InvalidAttributes, errors.TokenTooLarge
)
def admin_create_user(body: CreateUserRequest, call: AdminCall) -> Response:
    """Invite a user (admin group only).

    Cognito emails them a temporary password (the one given, or its own); they
    finish at `/login`, answering NEW_PASSWORD_REQUIRED at `/login/challenge`.
    """
    return success(admin.create_user(call, body), "User invited", status_code=201)


@routes.route(
    "/admin/users/{username}/disable", methods=["POST"], authorizer=access_token_authorizer
)
@admin_action("disable_user")
@answers(None)
@refuses(errors.NoSuchUser, errors.SelfAction, errors.LastAdmin)
def admin_disable_user(username: str, call: AdminCall) -> Response:
    """Disable a user: they can no longer sign in (admin group only; not oneself)."""
    admin.disable_user(call, username)
    return success(None, "User disabled")


@routes.route(
    "/admin/users/{username}/enable", methods=["POST"], authorizer=access_token_authorizer
)
@admin_action("enable_user")
@answers(None)
@refuses(errors.NoSuchUser)
def admin_enable_user(username: str, call: AdminCall) -> Response:
    """Enable a disabled user again (admin group only)."""
    with call.audited(username):
        services.gateway().admin_enable_user(username)
    return success(None, "User enabled")


@routes.route("/admin/users/{username}", methods=["DELETE"], authorizer=access_token_authorizer)
@admin_action("delete_user")
@answers(None)
@refuses(errors.NoSuchUser, errors.SelfAction, errors.LastAdmin)
def admin_delete_user(username: str, call: AdminCall) -> Response:
    """Delete a user for good (admin group only; not oneself)."""
    admin.delete_user(call, username)
    return success(None, "User deleted")


@routes.route(
    "/admin/users/{username}/groups", methods=["POST"], authorizer=access_token_authorizer
)
@admin_action("add_to_group")
@routes.accepts(GroupRequest)
@answers(None)
@refuses(errors.NoSuchUser, errors.NoSuchGroup)
def admin_add_to_group(body: GroupRequest, username: str, call: AdminCall) -> Response:
    """Add a user to a group; their next tokens carry it (admin group only)."""
    with call.audited(username, group=body.group):
        services.gateway().admin_add_user_to_group(username, body.group)
    return success(None, "User added to the group")


@routes.route(
    "/admin/users/{username}/groups/{group}",
    methods=["DELETE"],
    authorizer=access_token_authorizer,
)
@admin_action("remove_from_group")
@answers(None)
@refuses(errors.NoSuchUser, errors.NoSuchGroup, errors.SelfAction, errors.LastAdmin)
def admin_remove_from_group(username: str, group: str, call: AdminCall) -> Response:
    """Remove a user from a group; their next tokens lack it (admin group only).

    Removed from the admin group, they are signed out everywhere as well; an admin
    cannot remove themselves, nor the last enabled admin."""
    admin.remove_from_group(call, username, group)
    return success(None, "User removed from the group")


@routes.route(
    "/admin/users/{username}/sign-out", methods=["POST"], authorizer=access_token_authorizer
)
@admin_action("sign_out")
@answers(None)
@refuses(errors.NoSuchUser)
def admin_sign_out(username: str, call: AdminCall) -> Response:
    """Sign a user out everywhere: their refresh tokens stop working (admin group only)."""
    with call.audited(username):
        services.gateway().admin_user_global_sign_out(username)
    return success(None, "User signed out everywhere")


@routes.route(
    "/admin/users/{username}/reset-password",
    methods=["POST"],
    authorizer=access_token_authorizer,
)
@admin_action("reset_password")
@answers(None)
@refuses(errors.NoSuchUser, errors.UserStateConflict, errors.LimitExceeded)
def admin_reset_password(username: str, call: AdminCall) -> Response:
    """Reset a user's password: it stops working, and Cognito emails them a code
    for `/password/confirm` (admin group only)."""
    with call.audited(username):
        services.gateway().admin_reset_user_password(username)
    return success(None, "Password reset; the user has been sent a code to set a new one")

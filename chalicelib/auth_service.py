"""What each route does, in terms of the Cognito gateway and verified claims."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib import attributes, errors
from chalicelib.models import (
    PUBLIC_CHALLENGE_PARAMETERS,
    AdminUser,
    Attribute,
    Challenge,
    ChallengeRequest,
    ChangePasswordRequest,
    ConfirmForgotPasswordRequest,
    ConfirmSignUpRequest,
    CreateUserRequest,
    GroupRequest,
    ListUsersQuery,
    LoginRequest,
    RenewedTokens,
    RenewRequest,
    SignUpRequest,
    SignUpResult,
    TestUserRequest,
    Tokens,
    UpdateAttributesRequest,
    UpdatedAttributes,
    UsernameRequest,
    UserPage,
)
from chalicelib.services import services
from chalicelib.token_verification import Claims

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import UserTypeTypeDef


def login(request: LoginRequest) -> Tokens | Challenge:
    return _tokens_or_challenge(
        services.gateway().password_auth(request.username, request.password)
    )


def answer_challenge(request: ChallengeRequest) -> Tokens | Challenge:
    return _tokens_or_challenge(
        services.gateway().respond_to_challenge(
            request.username, request.challenge_name, request.session, request.cognito_answer()
        )
    )


def _tokens_or_challenge(answer: Mapping[str, Any]) -> Tokens | Challenge:
    if "ChallengeName" in answer:
        return {
            "challenge_name": answer["ChallengeName"],
            "session": answer.get("Session"),
            "parameters": {
                name: value
                for name, value in answer.get("ChallengeParameters", {}).items()
                if name in PUBLIC_CHALLENGE_PARAMETERS
            },
        }
    renewed = _tokens(answer)
    return {
        "id_token": renewed["id_token"],
        "access_token": renewed["access_token"],
        "expires_in": renewed["expires_in"],
        "token_type": renewed["token_type"],
        "refresh_token": answer["AuthenticationResult"]["RefreshToken"],
    }


def _tokens(answer: Mapping[str, Any]) -> RenewedTokens:
    """The id and access tokens of a Cognito answer, in the contract's names."""
    result = answer.get("AuthenticationResult")
    if not result:
        raise errors.ServiceUnavailable("Cognito answered with neither tokens nor a challenge")
    return {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": result["TokenType"],
    }


def sign_up(request: SignUpRequest) -> SignUpResult:
    attributes = {"email": request.email or request.username}
    if request.name is not None:
        attributes["name"] = request.name
    answer = services.gateway().sign_up(request.username, request.password, attributes)
    return {
        "user_confirmed": answer["UserConfirmed"],
        "destination": answer.get("CodeDeliveryDetails", {}).get("Destination"),
    }


def confirm_sign_up(request: ConfirmSignUpRequest) -> None:
    services.gateway().confirm_sign_up(request.username, request.code)


def resend_code(request: UsernameRequest) -> None:
    services.gateway().resend_confirmation_code(request.username)


def forgot_password(request: UsernameRequest) -> None:
    services.gateway().forgot_password(request.username)


def confirm_forgot_password(request: ConfirmForgotPasswordRequest) -> None:
    services.gateway().confirm_forgot_password(request.username, request.code, request.password)


def change_password(access_token: str, request: ChangePasswordRequest) -> None:
    services.gateway().change_password(
        access_token, request.previous_password, request.proposed_password
    )


def update_attributes(access_token: str, request: UpdateAttributesRequest) -> UpdatedAttributes:
    services.gateway().update_attributes(access_token, request.attributes)
    return {"updated": sorted(request.attributes)}


def log_out(access_token: str) -> None:
    services.gateway().global_sign_out(access_token)


def renew(request: RenewRequest) -> RenewedTokens:
    return _tokens(services.gateway().refresh_auth(request.username, request.refresh_token))


def user_attributes(
    claims: Claims, request: TestUserRequest, *, fresh: bool = False
) -> list[Attribute]:
    """The caller's attributes; another user's only for members of the admin group.

    The caller's own come from the verified id token (no Cognito call), as they were
    when it was issued; `fresh` reads them from Cognito instead (one AdminGetUser).
    Another user's are always read from Cognito."""
    own_name: str = claims["cognito:username"]
    wanted = request.username
    if wanted is None or _names_caller(wanted, claims):
        if not fresh:
            return attributes.from_id_token(claims)
        return services.gateway().user_attributes(own_name)
    if services.settings().admin_group not in claims.get("cognito:groups", []):
        raise errors.Forbidden("You may only read your own attributes")
    return services.gateway().user_attributes(wanted)


def _names_caller(name: str, claims: Claims) -> bool:
    # Cognito usernames and email sign-in names are case-insensitive by default.
    own = {claims["cognito:username"].casefold()}
    if isinstance(claims.get("email"), str):
        own.add(claims["email"].casefold())
    return name.casefold() in own


# --- admin ---

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


@contextmanager
def _audited(
    call: AdminCall, target: str | None, *, group: str | None = None, status: int = 200
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
        _audit(call, target, ended, group)


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


def admin_list_users(call: AdminCall, query: ListUsersQuery) -> UserPage:
    with _audited(call, None):
        page = services.gateway().list_users(query.filter, query.limit, query.pagination_token)
    return {
        "users": [_user(user) for user in page.get("Users", [])],
        "pagination_token": page.get("PaginationToken"),
    }


def admin_create_user(call: AdminCall, request: CreateUserRequest) -> AdminUser:
    with _audited(call, request.username, status=201):
        answer = services.gateway().admin_create_user(
            request.username, request.attributes or {}, request.temporary_password
        )
    return _user(answer["User"])


def admin_disable_user(call: AdminCall, username: str) -> None:
    with _audited(call, username):
        services.gateway().admin_disable_user(username)


def admin_enable_user(call: AdminCall, username: str) -> None:
    with _audited(call, username):
        services.gateway().admin_enable_user(username)


def admin_delete_user(call: AdminCall, username: str) -> None:
    with _audited(call, username):
        services.gateway().admin_delete_user(username)


def admin_add_to_group(call: AdminCall, username: str, request: GroupRequest) -> None:
    with _audited(call, username, group=request.group):
        services.gateway().admin_add_user_to_group(username, request.group)


def admin_remove_from_group(call: AdminCall, username: str, group: str) -> None:
    with _audited(call, username, group=group):
        services.gateway().admin_remove_user_from_group(username, group)


def admin_sign_out(call: AdminCall, username: str) -> None:
    with _audited(call, username):
        services.gateway().admin_user_global_sign_out(username)


def admin_reset_password(call: AdminCall, username: str) -> None:
    with _audited(call, username):
        services.gateway().admin_reset_user_password(username)

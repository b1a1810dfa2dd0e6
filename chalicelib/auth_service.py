"""What each route does, in terms of the Cognito gateway and verified claims."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib import attributes, errors, totp
from chalicelib.models import (
    PUBLIC_CHALLENGE_PARAMETERS,
    AdminUser,
    Attribute,
    AttributeRequest,
    Challenge,
    ChallengeRequest,
    ChangePasswordRequest,
    CodeDelivery,
    ConfirmForgotPasswordRequest,
    ConfirmSignUpRequest,
    CreateUserRequest,
    DeleteAccountRequest,
    GroupRequest,
    ListUsersQuery,
    LoginRequest,
    LoginTotpSetup,
    LoginTotpSetupRequest,
    LoginTotpVerifyRequest,
    LogoutRequest,
    MfaPreference,
    MfaPreferenceRequest,
    MfaSettings,
    RenewedTokens,
    RenewRequest,
    SignUpRequest,
    SignUpResult,
    TestUserRequest,
    Tokens,
    TotpPreference,
    TotpSetup,
    TotpVerifyRequest,
    UpdateAttributesRequest,
    UpdatedAttributes,
    UsernameRequest,
    UserPage,
    VerifyAttributeRequest,
)
from chalicelib.services import services
from chalicelib.token_verification import Claims

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import CodeDeliveryDetailsTypeTypeDef, UserTypeTypeDef


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
    """The attributes changed now, and those waiting for the code sent to their new
    value (on the deployed pool, a new email; the old one signs in until then)."""
    gateway = services.gateway()
    try:
        answer = gateway.update_attributes(access_token, request.attributes)
        pending = [_code_delivery(sent) for sent in answer.get("CodeDeliveryDetailsList", [])]
    except errors.AddressTaken:
        # Another account's address: answered as if a code had gone to it, so that a
        # signed-in caller cannot probe for accounts. It is not changed; the rest is.
        others = {n: v for n, v in request.attributes.items() if n not in _VERIFIED_BY_CODE}
        if others:
            gateway.update_attributes(access_token, others)
        pending = [
            {
                "attribute": name,
                "destination": attributes.masked_email(request.attributes[name]),
                "delivery_medium": "EMAIL",
            }
            for name in sorted(request.attributes.keys() & _VERIFIED_BY_CODE)
        ]
    waiting = {delivery["attribute"] for delivery in pending}
    return {
        "updated": sorted(request.attributes.keys() - waiting),
        "pending_verification": pending,
    }


def log_out(access_token: str, request: LogoutRequest) -> None:
    """Ends the session of the refresh token given, or every session of the caller."""
    if request.refresh_token is not None:
        services.gateway().revoke_refresh_token(request.refresh_token)
    else:
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


# --- mfa ---

TOTP_FACTOR = "SOFTWARE_TOKEN_MFA"
# SetUserMFAPreference's (Enabled, PreferredMfa) for each preference a user can ask for.
_TOTP_SETTINGS: dict[TotpPreference, tuple[bool, bool]] = {
    "preferred": (True, True),
    "enabled": (True, False),
    "disabled": (False, False),
}


def totp_setup(access_token: str) -> TotpSetup:
    """A new authenticator-app secret for the signed-in user, labelled with their email.

    Refused while an app is turned on: Cognito would stop asking for its codes at
    once, and sign the user in with the password alone until the new app is verified."""
    gateway = services.gateway()
    user = gateway.get_user(access_token)
    if TOTP_FACTOR in _enabled_factors(user):
        raise errors.TotpAlreadySetUp()
    email = next(
        (item.get("Value") for item in user["UserAttributes"] if item["Name"] == "email"), None
    )
    secret = gateway.associate_software_token(access_token=access_token)["SecretCode"]
    return _enrolment(secret, email or user["Username"])


def totp_setup_in_login(request: LoginTotpSetupRequest) -> LoginTotpSetup:
    """As totp_setup, for the user of an MFA_SETUP challenge, labelled with the name
    they logged in with; `session` is what /login/mfa/totp/verify needs next."""
    answer = services.gateway().associate_software_token(session=request.session)
    enrolment = _enrolment(answer["SecretCode"], request.username)
    return {
        "secret": enrolment["secret"],
        "uri": enrolment["uri"],
        "qr_svg": enrolment["qr_svg"],
        "session": answer.get("Session", request.session),
    }


def _enrolment(secret: str, account: str) -> TotpSetup:
    uri = totp.provisioning_uri(services.settings().mfa_issuer, account, secret)
    return {"secret": secret, "uri": uri, "qr_svg": totp.qr_svg(uri)}


def totp_verify(access_token: str, request: TotpVerifyRequest) -> MfaPreference:
    """Checks the app's first code, then asks for its codes at every login."""
    gateway = services.gateway()
    gateway.verify_software_token(request.code, request.device_name, access_token=access_token)
    gateway.set_totp_preference(access_token, enabled=True, preferred=True)
    return {"totp": "preferred"}


def totp_verify_in_login(request: LoginTotpVerifyRequest) -> Tokens | Challenge:
    """Checks the app's first code and answers the MFA_SETUP challenge: tokens (or a
    further challenge), as /login answers.

    With tokens, TOTP is then made enabled and preferred, as /user/mfa/totp/verify
    leaves it, so that GET /user/mfa says the same whichever way the app was set up."""
    gateway = services.gateway()
    verified = gateway.verify_software_token(
        request.code, request.device_name, session=request.session
    )
    answer = gateway.respond_to_challenge(
        request.username, "MFA_SETUP", verified.get("Session", request.session), {}
    )
    signed_in = answer.get("AuthenticationResult")
    if signed_in and "ChallengeName" not in answer:
        gateway.set_totp_preference(signed_in["AccessToken"], enabled=True, preferred=True)
    return _tokens_or_challenge(answer)


def mfa_settings(access_token: str) -> MfaSettings:
    """The factors Cognito will ask for, the preferred one, and TOTP's state in the
    words POST /user/mfa takes."""
    user = services.gateway().get_user(access_token)
    enabled = _enabled_factors(user)
    preferred = user.get("PreferredMfaSetting") or None
    state: TotpPreference = "disabled"
    if preferred == TOTP_FACTOR:
        state = "preferred"
    elif TOTP_FACTOR in enabled:
        state = "enabled"
    return {"enabled": enabled, "preferred": preferred, "totp": state}


def set_mfa_preference(access_token: str, request: MfaPreferenceRequest) -> MfaPreference:
    enabled, preferred = _TOTP_SETTINGS[request.totp]
    services.gateway().set_totp_preference(access_token, enabled=enabled, preferred=preferred)
    return {"totp": request.totp}


def _enabled_factors(user: Mapping[str, Any]) -> list[str]:
    # Cognito has been seen to list an empty name for no factor at all.
    return [factor for factor in user.get("UserMFASettingList", []) if factor]


# --- account ---

# The writable attributes Cognito verifies with a code (it emails one).
_VERIFIED_BY_CODE = frozenset({"email"})


def _code_delivery(details: CodeDeliveryDetailsTypeTypeDef) -> CodeDelivery:
    """Where a code went (masked), in the contract's names."""
    return {
        "attribute": details["AttributeName"],
        "destination": details["Destination"],
        "delivery_medium": details["DeliveryMedium"],
    }


def send_verification_code(access_token: str, request: AttributeRequest) -> None:
    """Cognito sends the code to the new value when a change waits, else to the
    current one. Where it went is not answered: after a change to an address that
    belongs to another account (answered as if a code went out), no change waits, so
    naming the current address would tell the caller the other account exists."""
    services.gateway().attribute_verification_code(access_token, request.attribute)


def verify_attribute(access_token: str, request: VerifyAttributeRequest) -> None:
    services.gateway().verify_attribute(access_token, request.attribute, request.code)


def delete_account(claims: Claims, access_token: str, request: DeleteAccountRequest) -> None:
    """Deletes the caller, once the password has been given again: deleting is final.

    The password is checked by signing in with it (USER_PASSWORD_AUTH) under the
    internal name the verified access token carries; tokens or a challenge (MFA) both
    mean it was right. The session that sign-in opens ends with the user."""
    username = claims.get("username")
    if not isinstance(username, str):
        raise errors.SessionEnded()
    gateway = services.gateway()
    try:
        gateway.password_auth(username, request.password)
    except errors.InvalidCredentials:
        raise errors.WrongPassword() from None
    gateway.delete_user(access_token)


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

"""Signing in and the profile: what the original design's routes (app.py) and the
session Blueprint do beyond one Cognito call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib import attributes, errors
from chalicelib.models.sign_in import (
    PUBLIC_CHALLENGE_PARAMETERS,
    Attribute,
    Challenge,
    ChallengeRequest,
    LoginRequest,
    RenewedTokens,
    RenewRequest,
    TestUserRequest,
    Tokens,
)
from chalicelib.services import services
from chalicelib.token_verification import Claims


def login(request: LoginRequest) -> Tokens | Challenge:
    return tokens_or_challenge(services.gateway().password_auth(request.username, request.password))


# A passwordless answer's every refusal reads alike: a wrong code, a session begun for
# another challenge (a name no user has), or a user looked up who does not exist.
_CODE_REFUSALS: dict[str, type[errors.ApiError]] = {
    "CodeMismatchException": errors.InvalidCode,
    "InvalidParameterException": errors.InvalidCode,
    "UserNotFoundException": errors.InvalidCode,
}
_PASSKEY_REFUSALS: dict[str, type[errors.ApiError]] = {
    "NotAuthorizedException": errors.InvalidCredentials,
    "InvalidParameterException": errors.InvalidCredentials,
    "UserNotFoundException": errors.InvalidCredentials,
    "CodeMismatchException": errors.InvalidCredentials,
}
REFUSALS: dict[str, Mapping[str, type[errors.ApiError]]] = {
    "EMAIL_OTP": _CODE_REFUSALS,
    "SMS_OTP": _CODE_REFUSALS,
    "WEB_AUTHN": _PASSKEY_REFUSALS,
}


def answer_challenge(request: ChallengeRequest) -> Tokens | Challenge:
    """`/login/challenge`: every challenge's answer; the passwordless ones' refusals
    alike (chalicelib/passwordless.py: a name no user has gets sessions that cannot
    answer the challenge named)."""
    return tokens_or_challenge(
        services.gateway().respond_to_challenge(
            request.username,
            request.challenge_name,
            request.session,
            request.cognito_answer(),
            REFUSALS.get(request.challenge_name),
        )
    )


def tokens_or_challenge(answer: Mapping[str, Any]) -> Tokens | Challenge:
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


def renew(request: RenewRequest) -> RenewedTokens:
    answer = services.gateway().refresh_tokens(request.refresh_token)
    renewed = _tokens(answer)
    rotated = answer["AuthenticationResult"].get("RefreshToken")
    if rotated:
        renewed["refresh_token"] = rotated
    return renewed


def user_attributes(
    claims: Claims, request: TestUserRequest, *, fresh: bool = False
) -> list[Attribute]:
    """The caller's attributes; another user's only for members of the admin group.

    The caller's own come from the verified id token (no Cognito call), as they were
    when it was issued; `fresh` reads them from Cognito instead (one AdminGetUser).
    Another user's are always read from Cognito, after AdminListGroupsForUser says the
    caller is in the admin group now."""
    own_name: str = claims["cognito:username"]
    wanted = request.username
    if wanted is None or _names_caller(wanted, claims):
        if not fresh:
            return attributes.from_id_token(claims)
        return services.gateway().user_attributes(own_name)
    # The token's `cognito:groups` are those of its issue, and hold for its hour
    # after a demotion: the pool decides, as it does for the admin API.
    gateway = services.gateway()
    if not gateway.is_member(own_name, services.settings().admin_group):
        raise errors.Forbidden("You may only read your own attributes")
    return gateway.user_attributes(wanted)


def _names_caller(name: str, claims: Claims) -> bool:
    # Cognito usernames and email sign-in names are case-insensitive by default.
    own = {claims["cognito:username"].casefold()}
    if isinstance(claims.get("email"), str):
        own.add(claims["email"].casefold())
    return name.casefold() in own

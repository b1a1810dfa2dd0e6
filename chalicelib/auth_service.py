"""What each route does, in terms of the Cognito gateway and verified claims."""

from __future__ import annotations

from typing import Any

from chalicelib import errors
from chalicelib.cognito_gateway import gateway
from chalicelib.models import LoginRequest, RenewRequest, TestUserRequest
from chalicelib.settings import get_settings
from chalicelib.token_verification import Claims

# Challenge parameters that are hints for the client, never secrets or internal ids.
_PUBLIC_CHALLENGE_PARAMETERS = frozenset(
    {"CODE_DELIVERY_DELIVERY_MEDIUM", "CODE_DELIVERY_DESTINATION", "requiredAttributes"}
)


def login(request: LoginRequest) -> dict[str, Any]:
    answer = gateway.get().password_auth(request.username, request.password)
    if "ChallengeName" in answer:
        return {
            "challenge_name": answer["ChallengeName"],
            "session": answer.get("Session"),
            "parameters": {
                name: value
                for name, value in answer.get("ChallengeParameters", {}).items()
                if name in _PUBLIC_CHALLENGE_PARAMETERS
            },
        }
    result = answer["AuthenticationResult"]
    return {
        "id_token": result["IdToken"],
        "refresh_token": result["RefreshToken"],
        "access_token": result["AccessToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": result["TokenType"],
    }


def renew(request: RenewRequest) -> dict[str, Any]:
    result = gateway.get().refresh_auth(request.username, request.refresh_token)[
        "AuthenticationResult"
    ]
    return {
        "id_token": result["IdToken"],
        "access_token": result["AccessToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": result["TokenType"],
    }


def user_attributes(claims: Claims, request: TestUserRequest) -> list[dict[str, str]]:
    """The caller's attributes; another user's only for members of the admin group."""
    own_name: str = claims["cognito:username"]
    wanted = request.username
    if wanted is None or _names_caller(wanted, claims):
        return gateway.get().user_attributes(own_name)
    if get_settings().admin_group not in claims.get("cognito:groups", []):
        raise errors.Forbidden("You may only read your own attributes")
    return gateway.get().user_attributes(wanted)


def _names_caller(name: str, claims: Claims) -> bool:
    # Cognito usernames and email sign-in names are case-insensitive by default.
    own = {claims["cognito:username"].casefold()}
    if isinstance(claims.get("email"), str):
        own.add(claims["email"].casefold())
    return name.casefold() in own

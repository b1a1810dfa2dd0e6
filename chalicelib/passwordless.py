"""Choice-based sign-in (Cognito's USER_AUTH) without telling who has an account, and
the caller's passkeys: what the passwordless Blueprint (chalicelib/routes/passwordless.py)
does beyond one Cognito call.

Under USER_AUTH Cognito does not hide whether a user exists. A known user gets
SELECT_CHALLENGE with the factors *they* can use; a name no user has gets a challenge
chosen at random from those the pool allows (AWS's "Managing user existence error
responses"), and a known user whose preferred factor they cannot use gets
SELECT_CHALLENGE again. So the service never passes those answers on:

- Without a `challenge`, `/login/start` answers SELECT_CHALLENGE with the factors
  the service offers (SIGN_IN_FACTORS), the same for every name, and calls no one.
- With one, it asks Cognito for that challenge and answers that challenge, whatever
  Cognito answered, in the same shape: the session Cognito gave, a masked address
  made from the name typed (never Cognito's), and for a passkey options that list
  no credential ids (the browser finds its discoverable passkey by the relying
  party). Where Cognito started another challenge, the session cannot answer this
  one: the answer is refused as a wrong code or passkey is.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from chalicelib import errors, sign_in
from chalicelib.attributes import masked_email
from chalicelib.models.passwordless import (
    Passkey,
    PasskeyOptions,
    PasskeyPage,
    PasskeysQuery,
    StartRequest,
)
from chalicelib.models.sign_in import Challenge, Tokens
from chalicelib.services import services

SELECT_CHALLENGE = "SELECT_CHALLENGE"
# Milliseconds the browser waits for the user: Cognito's challenge session (3 minutes).
PASSKEY_TIMEOUT_MS = 180_000
# What follows a right password: tokens, or a second step this user has.
_AFTER_PASSWORD = frozenset(
    {
        "SOFTWARE_TOKEN_MFA",
        "SMS_MFA",
        "EMAIL_OTP",
        "MFA_SETUP",
        "SELECT_MFA_TYPE",
        "NEW_PASSWORD_REQUIRED",
    }
)


def start(request: StartRequest) -> Tokens | Challenge:
    settings = services.settings()
    if request.challenge is None:
        return {
            "challenge_name": SELECT_CHALLENGE,
            "session": None,
            "parameters": {},
            "available_challenges": list(settings.sign_in_factors),
        }
    if request.challenge not in settings.sign_in_factors:
        raise errors.FactorNotOffered()
    answer = services.gateway().user_auth(request.username, request.challenge, request.password)
    if request.challenge == "PASSWORD":
        if "AuthenticationResult" in answer or answer.get("ChallengeName") in _AFTER_PASSWORD:
            return sign_in.tokens_or_challenge(answer)
        # Cognito started something else: no password of this name was checked.
        raise errors.InvalidCredentials()
    return {
        "challenge_name": request.challenge,
        "session": answer.get("Session"),
        "parameters": _parameters(request, answer),
    }


def _parameters(request: StartRequest, answer: Mapping[str, Any]) -> dict[str, str]:
    settings = services.settings()
    if request.challenge == "EMAIL_OTP":
        return {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": masked_email(request.username),
        }
    if request.challenge == "SMS_OTP":
        # A masked phone number would show its last digits: whether one exists.
        return {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS"}
    challenge = secrets.token_urlsafe(32)
    if answer.get("ChallengeName") == "WEB_AUTHN":
        given = json.loads(
            answer.get("ChallengeParameters", {}).get("CREDENTIAL_REQUEST_OPTIONS", "{}")
        )
        challenge = given.get("challenge") or challenge
    options: dict[str, Any] = {
        "challenge": challenge,
        "rpId": settings.passkey_rp_id,
        "timeout": PASSKEY_TIMEOUT_MS,
        "allowCredentials": [],
        "userVerification": settings.passkey_user_verification,
    }
    return {"CREDENTIAL_REQUEST_OPTIONS": json.dumps(options)}


def passkey_options(access_token: str) -> PasskeyOptions:
    return {"options": services.gateway().start_passkey_registration(access_token)}


def passkeys(access_token: str, query: PasskeysQuery) -> PasskeyPage:
    page = services.gateway().list_passkeys(access_token, query.limit, query.next_token)
    listed: list[Passkey] = [
        {
            "id": credential["CredentialId"],
            "name": credential.get("FriendlyCredentialName"),
            "relying_party_id": credential.get("RelyingPartyId"),
            "attachment": credential.get("AuthenticatorAttachment"),
            "transports": list(credential.get("AuthenticatorTransports", [])),
            "created": credential["CreatedAt"].isoformat() if "CreatedAt" in credential else None,
        }
        for credential in page.get("Credentials", [])
    ]
    return {"passkeys": listed, "next_token": page.get("NextToken")}

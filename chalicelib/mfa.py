"""The authenticator app: enrolment (signed in, or at login for a pool that requires
MFA), verification, and the MFA preference in Amplify's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib import attributes, errors, totp
from chalicelib.models.mfa import (
    LoginTotpSetup,
    LoginTotpSetupRequest,
    LoginTotpVerifyRequest,
    MfaPreference,
    MfaPreferenceRequest,
    MfaSettings,
    TotpPreference,
    TotpSetup,
    TotpVerifyRequest,
)
from chalicelib.models.sign_in import Challenge, Tokens
from chalicelib.services import services
from chalicelib.sign_in import tokens_or_challenge

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
    email = attributes.value_of(user["UserAttributes"], "email")
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
    return tokens_or_challenge(answer)


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

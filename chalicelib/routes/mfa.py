"""The signed-in user's authenticator app and MFA preference, with an access token:
`/user/mfa/totp/setup`, `/user/mfa/totp/verify`, `GET` and `POST /user/mfa`."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import errors, mfa
from chalicelib.authorizers import access_token_authorizer
from chalicelib.models.mfa import (
    MfaPreference,
    MfaPreferenceRequest,
    MfaSettings,
    TotpSetup,
    TotpVerifyRequest,
)
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes

routes = Routes(__name__)


@routes.route("/user/mfa/totp/setup", methods=["POST"], authorizer=access_token_authorizer)
@answers(TotpSetup)
@refuses(errors.SessionEnded, errors.TotpAlreadySetUp)
def totp_setup() -> Response:
    """Start setting up an authenticator app: its secret, otpauth:// URI and QR code.

    The URI's issuer is the service's name (`MFA_ISSUER`), its label the user's email.
    Nothing changes at login until `POST /user/mfa/totp/verify` accepts a code. While
    an app is turned on this answers 409: turn it off first to replace it.
    """
    return success(mfa.totp_setup(routes.access_token()), "Scan the QR code, then verify a code")


@routes.route("/user/mfa/totp/verify", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(TotpVerifyRequest)
@answers(MfaPreference)
@refuses(errors.SessionEnded, errors.InvalidCode, errors.InvalidInput, errors.MfaPreferenceRefused)
def totp_verify(body: TotpVerifyRequest) -> Response:
    """Check a first code from the app; from then on every login asks for one."""
    return success(mfa.totp_verify(routes.access_token(), body), "Authenticator app turned on")


@routes.route("/user/mfa", methods=["GET"], authorizer=access_token_authorizer)
@answers(MfaSettings)
@refuses(errors.SessionEnded)
def mfa_settings() -> Response:
    """Which MFA factors are on for the caller, and which is preferred.

    An access token opens it, like the writes: Cognito's GetUser reads MFA settings
    with the access token only, and the id token does not carry them.
    """
    return success(mfa.mfa_settings(routes.access_token()), message=None)


@routes.route("/user/mfa", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(MfaPreferenceRequest)
@answers(MfaPreference)
@refuses(errors.SessionEnded, errors.MfaPreferenceRefused)
def set_mfa_preference(body: MfaPreferenceRequest) -> Response:
    """Turn the authenticator app off or on again, and set whether it is preferred.

    `preferred`: a code at every login, and the factor Cognito picks among several.
    `enabled`: a code at every login. `disabled`: the password alone.
    """
    return success(mfa.set_mfa_preference(routes.access_token(), body), "MFA preference saved")

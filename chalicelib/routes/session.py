"""A sign-in's next steps and its end: `/login/challenge`, the authenticator-app
setup a pool that requires MFA asks for at login (`/login/mfa/totp/setup`,
`/login/mfa/totp/verify`), and `/logout`."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import errors, mfa, sign_in
from chalicelib.authorizers import access_token_authorizer
from chalicelib.models.mfa import LoginTotpSetup, LoginTotpSetupRequest, LoginTotpVerifyRequest
from chalicelib.models.sign_in import Challenge, ChallengeRequest, LogoutRequest, Tokens
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes
from chalicelib.services import services

routes = Routes(__name__)


@routes.route("/login/challenge", methods=["POST"])
@routes.accepts(ChallengeRequest)
@answers(Tokens, Challenge)
@refuses(
    errors.SessionExpired,
    errors.InvalidCode,
    errors.ExpiredCode,
    errors.InvalidPassword,
    errors.InvalidInput,
    errors.InvalidCredentials,
)
def login_challenge(body: ChallengeRequest) -> Response:
    """Answer a login challenge (new password, MFA code, one-time code, passkey): tokens,
    or the next challenge.

    A one-time code (EMAIL_OTP, SMS_OTP) that is wrong, or a passkey that is refused,
    answers 401 whether or not the name has an account (`code_mismatch`,
    `invalid_credentials`)."""
    return success(sign_in.answer_challenge(body))


@routes.route("/login/mfa/totp/setup", methods=["POST"])
@routes.accepts(LoginTotpSetupRequest)
@answers(LoginTotpSetup)
@refuses(errors.SessionExpired)
def login_totp_setup(body: LoginTotpSetupRequest) -> Response:
    """Answering MFA_SETUP at login: an authenticator app's secret, URI and QR code.

    The pool requires MFA and the user has none yet, so there is no token: the
    challenge's `session` stands for it. Answers a new `session` for
    `POST /login/mfa/totp/verify`.
    """
    return success(mfa.totp_setup_in_login(body), "Scan the QR code, then verify a code")


@routes.route("/login/mfa/totp/verify", methods=["POST"])
@routes.accepts(LoginTotpVerifyRequest)
@answers(Tokens, Challenge)
@refuses(
    errors.SessionExpired,
    errors.InvalidCode,
    errors.ExpiredCode,
    errors.InvalidPassword,
    errors.InvalidInput,
    errors.SessionEnded,
    errors.MfaPreferenceRefused,
)
def login_totp_verify(body: LoginTotpVerifyRequest) -> Response:
    """Answering MFA_SETUP at login: check a first code and log in, as `/login` answers."""
    return success(mfa.totp_verify_in_login(body))


@routes.route("/logout", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(LogoutRequest, optional=True)
@answers(None)
@refuses(errors.NotARefreshToken, errors.SessionEnded)
def logout(body: LogoutRequest) -> Response:
    """Sign out: of one session (its refresh token), or everywhere without one.

    With `refresh_token`, that session ends (Cognito RevokeToken): the refresh token
    and the access tokens issued with it stop working at Cognito, and the caller's
    other sessions go on. Without a body, every refresh token of the caller stops
    working (GlobalSignOut).
    """
    if body.refresh_token is not None:
        services.gateway().revoke_refresh_token(body.refresh_token)
        return success(None, "Signed out of this session")
    services.gateway().global_sign_out(routes.access_token())
    return success(None, "Signed out everywhere")

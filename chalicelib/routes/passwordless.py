"""Signing in as Cognito offers it since 2024, and the caller's passkeys:
`/login/start` (choice-based sign-in: a password, a one-time code by email or SMS, or
a passkey; its challenges are answered at `/login/challenge`), and
`/user/passkeys` (add, list, delete)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from chalice.app import Response

from chalicelib import errors, passwordless
from chalicelib.authorizers import access_token_authorizer
from chalicelib.models.passwordless import (
    PATH_PARAMETERS,
    PasskeyCredentialRequest,
    PasskeyOptions,
    PasskeyPage,
    PasskeysQuery,
    StartRequest,
)
from chalicelib.models.sign_in import Challenge, Tokens
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes
from chalicelib.services import services
from chalicelib.validation import parse_path

routes = Routes(__name__)


@routes.route("/login/start", methods=["POST"])
@routes.accepts(StartRequest)
@answers(Tokens, Challenge)
@refuses(
    errors.InvalidCredentials,
    errors.UserNotConfirmed,
    errors.PasswordResetRequired,
    errors.FactorNotOffered,
)
def login_start(body: StartRequest) -> Response:
    """Choice-based sign-in (Cognito's USER_AUTH): a challenge to answer, or tokens.

    Without `challenge`: SELECT_CHALLENGE and the factors this service offers in
    `available_challenges` (the same for every name: which factors a user has is not
    told). Call again with one of them as `challenge`:
    - `PASSWORD`, with `password`: tokens, or the MFA challenge that follows, as
      `/login` answers;
    - `EMAIL_OTP` or `SMS_OTP`: a code goes to the account's verified email or phone,
      if it has one and no MFA; answer it at `/login/challenge` with `code`;
    - `WEB_AUTHN`: `parameters.CREDENTIAL_REQUEST_OPTIONS` (JSON) for
      navigator.credentials.get(); answer at `/login/challenge` with `credential`.
    A name no user has gets the same answers, and its codes and passkeys are refused.
    """
    return success(passwordless.start(body))


def _passkey_path(view: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(view)
    def checked(**params: str) -> Response:
        return view(**parse_path(params, PATH_PARAMETERS))

    checked.path_parameters = PATH_PARAMETERS  # type: ignore[attr-defined]
    return checked


@routes.route("/user/passkeys/start", methods=["POST"], authorizer=access_token_authorizer)
@answers(PasskeyOptions)
@refuses(
    errors.SessionEnded,
    errors.PasskeysNotEnabled,
    errors.TooManyPasskeys,
    errors.PasswordResetRequired,
)
def passkey_start() -> Response:
    """Start adding a passkey: the options for navigator.credentials.create().

    Pass `options` to PublicKeyCredential.parseCreationOptionsFromJSON, create the
    credential, and send credential.toJSON() to `POST /user/passkeys` within 3
    minutes. Registration needs a browser (or another WebAuthn client) on an origin
    of the relying party: `PASSKEY_RP_ID` or a subdomain.
    """
    return success(passwordless.passkey_options(routes.access_token()), "Create the passkey")


@routes.route("/user/passkeys", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(PasskeyCredentialRequest, status=201)
@answers(None)
@refuses(
    errors.SessionEnded,
    errors.PasskeysNotEnabled,
    errors.TooManyPasskeys,
    errors.PasswordResetRequired,
    errors.PasskeyRegistrationExpired,
    errors.PasskeyRefused,
)
def passkey_add(body: PasskeyCredentialRequest) -> Response:
    """Finish adding a passkey: the credential navigator.credentials.create() made."""
    services.gateway().complete_passkey_registration(routes.access_token(), body.credential)
    return success(None, "Passkey added", status_code=201)


@routes.route("/user/passkeys", methods=["GET"], authorizer=access_token_authorizer)
@routes.takes_query(PasskeysQuery)
@answers(PasskeyPage)
@refuses(errors.SessionEnded, errors.InvalidPaginationToken)
def passkey_list(query: PasskeysQuery) -> Response:
    """The caller's passkeys, a page at a time (Cognito has no rename)."""
    return success(passwordless.passkeys(routes.access_token(), query))


@routes.route(
    "/user/passkeys/{credential_id}", methods=["DELETE"], authorizer=access_token_authorizer
)
@_passkey_path
@answers(None)
@refuses(errors.SessionEnded, errors.PasskeyNotFound)
def passkey_delete(credential_id: str) -> Response:
    """Delete one of the caller's passkeys: it no longer signs in."""
    services.gateway().delete_passkey(routes.access_token(), credential_id)
    return success(None, "Passkey deleted")

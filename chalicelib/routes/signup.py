"""Sign-up and password reset: `/signup`, `/signup/confirm`, `/signup/resend-code`,
`/password/forgot`, `/password/confirm`. None needs a token."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import errors
from chalicelib import signup as signing_up
from chalicelib.models.signup import (
    ConfirmForgotPasswordRequest,
    ConfirmSignUpRequest,
    SignUpRequest,
    SignUpResult,
    UsernameRequest,
)
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes
from chalicelib.services import services

routes = Routes(__name__)


@routes.route("/signup", methods=["POST"])
@routes.accepts(SignUpRequest, status=201)
@answers(SignUpResult)
@refuses(
    errors.UsernameExists,
    errors.InvalidPassword,
    errors.InvalidSignUp,
    errors.LimitExceeded,
    errors.TokenTooLarge,
)
def signup(body: SignUpRequest) -> Response:
    """Create an account; a code to confirm it goes to the user's email."""
    return success(
        signing_up.sign_up(body),
        "Please confirm your signup, check Email for validation code",
        status_code=201,
    )


@routes.route("/signup/confirm", methods=["POST"])
@routes.accepts(ConfirmSignUpRequest)
@answers(None)
@refuses(
    errors.InvalidCode,
    errors.ExpiredCode,
    errors.UserAlreadyConfirmed,
    errors.InvalidInput,
    errors.TooManyAttempts,
    errors.LimitExceeded,
)
def signup_confirm(body: ConfirmSignUpRequest) -> Response:
    """Confirm an account with the code it was sent."""
    services.gateway().confirm_sign_up(body.username, body.code)
    return success(None, "Your account has been confirmed")


@routes.route("/signup/resend-code", methods=["POST"])
@routes.accepts(UsernameRequest)
@answers(None)
def signup_resend_code(body: UsernameRequest) -> Response:
    """Send a new confirmation code; the same answer whether the user exists or not."""
    services.gateway().resend_confirmation_code(body.username)
    return success(None, "If the account exists and is not confirmed yet, a new code has been sent")


@routes.route("/password/forgot", methods=["POST"])
@routes.accepts(UsernameRequest)
@answers(None)
def password_forgot(body: UsernameRequest) -> Response:
    """Send a password reset code; the same answer whether the user exists or not."""
    services.gateway().forgot_password(body.username)
    return success(None, "Please check your Registered email id for validation code")


@routes.route("/password/confirm", methods=["POST"])
@routes.accepts(ConfirmForgotPasswordRequest)
@answers(None)
@refuses(errors.InvalidCode, errors.ExpiredCode, errors.InvalidPassword, errors.InvalidInput)
def password_confirm(body: ConfirmForgotPasswordRequest) -> Response:
    """Set a new password with the reset code."""
    services.gateway().confirm_forgot_password(body.username, body.code, body.password)
    return success(None, "Password has been changed successfully")

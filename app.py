"""cognito-auth-api: user authentication on an Amazon Cognito user pool.

Each route reads the request, calls one chalicelib function and returns.
"""

from __future__ import annotations

import logging
import os

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Request, Response

from chalicelib import auth_service, local_gateway
from chalicelib.guard import claims, cognito_guard
from chalicelib.models import (
    ChallengeRequest,
    ChangePasswordRequest,
    ConfirmForgotPasswordRequest,
    ConfirmSignUpRequest,
    LoginRequest,
    RenewRequest,
    SignUpRequest,
    TestUserRequest,
    UpdateAttributesRequest,
    UsernameRequest,
    parse_body,
)
from chalicelib.responses import handle_errors, success
from chalicelib.settings import get_settings
from chalicelib.token_verification import USER_SCOPE

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
# At DEBUG, botocore logs whole requests and responses: passwords, tokens, codes.
for _noisy in ("boto3", "botocore", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

app = Chalice(app_name="cognito-auth-api")
app.debug = False
# Outermost first: errors raised by the guard become responses too.
app.register_middleware(handle_errors, "http")
app.register_middleware(cognito_guard(app.routes), "http")
local_gateway.harden()

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Deployed: a missing setting fails the cold start with a message naming it.
    get_settings()

# Only API Gateway reads this ARN; `chalice deploy`/`package` set it from the stage.
id_token_authorizer = CognitoUserPoolAuthorizer(
    "CognitoUserPool",
    provider_arns=[
        os.environ.get(
            "COGNITO_USER_POOL_ARN",
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_local",
        )
    ],
    header="Authorization",
)
# With scopes, API Gateway admits only access tokens that carry one of them.
access_token_authorizer = id_token_authorizer.with_scopes([USER_SCOPE])


def _request() -> Request:
    request = app.current_request
    assert request is not None, "Chalice sets the request before any view runs"
    return request


def _access_token(request: Request) -> str:
    """The raw access token, which cognito_guard has verified."""
    token: str = request.headers["authorization"]
    return token


@app.route("/login", methods=["POST"])
def login() -> Response:
    body = parse_body(_request().raw_body, LoginRequest)
    return success(auth_service.login(body))


@app.route("/login/challenge", methods=["POST"])
def login_challenge() -> Response:
    body = parse_body(_request().raw_body, ChallengeRequest)
    return success(auth_service.answer_challenge(body))


@app.route("/user/renew_refresh_token", methods=["POST"])
def renew_refresh_token() -> Response:
    body = parse_body(_request().raw_body, RenewRequest)
    return success(auth_service.renew(body))


@app.route("/signup", methods=["POST"])
def signup() -> Response:
    body = parse_body(_request().raw_body, SignUpRequest)
    return success(
        auth_service.sign_up(body),
        "Please confirm your signup, check Email for validation code",
        status_code=201,
    )


@app.route("/signup/confirm", methods=["POST"])
def signup_confirm() -> Response:
    auth_service.confirm_sign_up(parse_body(_request().raw_body, ConfirmSignUpRequest))
    return success(None, "Your account has been confirmed")


@app.route("/signup/resend-code", methods=["POST"])
def signup_resend_code() -> Response:
    auth_service.resend_code(parse_body(_request().raw_body, UsernameRequest))
    return success(None, "If the account exists and is not confirmed yet, a new code has been sent")


@app.route("/password/forgot", methods=["POST"])
def password_forgot() -> Response:
    auth_service.forgot_password(parse_body(_request().raw_body, UsernameRequest))
    return success(None, "Please check your Registered email id for validation code")


@app.route("/password/confirm", methods=["POST"])
def password_confirm() -> Response:
    auth_service.confirm_forgot_password(
        parse_body(_request().raw_body, ConfirmForgotPasswordRequest)
    )
    return success(None, "Password has been changed successfully")


@app.route("/user/test-user", methods=["POST"], authorizer=id_token_authorizer)
def test_user() -> Response:
    request = _request()
    body = parse_body(request.raw_body, TestUserRequest, optional=True)
    return success(auth_service.user_attributes(claims(request), body), message=None)


@app.route("/user/change-password", methods=["POST"], authorizer=access_token_authorizer)
def change_password() -> Response:
    request = _request()
    token = _access_token(request)
    auth_service.change_password(token, parse_body(request.raw_body, ChangePasswordRequest))
    return success(None, "Password has been changed successfully")


@app.route("/user/attributes", methods=["POST"], authorizer=access_token_authorizer)
def update_attributes() -> Response:
    request = _request()
    token = _access_token(request)
    body = parse_body(request.raw_body, UpdateAttributesRequest)
    return success({"updated": auth_service.update_attributes(token, body)}, "Attributes updated")


@app.route("/logout", methods=["POST"], authorizer=access_token_authorizer)
def logout() -> Response:
    auth_service.log_out(_access_token(_request()))
    return success(None, "Signed out everywhere")

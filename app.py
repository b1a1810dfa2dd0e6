"""cognito-auth-api: user authentication on an Amazon Cognito user pool.

Each route reads the request, calls one chalicelib function and returns.
"""

from __future__ import annotations

import logging
import os

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Request, Response

from chalicelib import auth_service, local_gateway
from chalicelib.models import LoginRequest, RenewRequest, TestUserRequest, parse_body
from chalicelib.responses import handle_errors, success
from chalicelib.settings import get_settings
from chalicelib.token_verification import authenticate

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")

app = Chalice(app_name="cognito-auth-api")
app.debug = False
app.register_middleware(handle_errors, "http")
local_gateway.harden()

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Deployed: a missing setting fails the cold start with a message naming it.
    get_settings()

# Only API Gateway reads this ARN; `chalice deploy`/`package` set it from the stage.
authorizer = CognitoUserPoolAuthorizer(
    "CognitoUserPool",
    provider_arns=[
        os.environ.get(
            "COGNITO_USER_POOL_ARN",
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_local",
        )
    ],
    header="Authorization",
)


def _request() -> Request:
    request = app.current_request
    assert request is not None, "Chalice sets the request before any view runs"
    return request


@app.route("/login", methods=["POST"])
def login() -> Response:
    body = parse_body(_request().raw_body, LoginRequest)
    return success(auth_service.login(body))


@app.route("/user/renew_refresh_token", methods=["POST"])
def renew_refresh_token() -> Response:
    body = parse_body(_request().raw_body, RenewRequest)
    return success(auth_service.renew(body))


@app.route("/user/test-user", methods=["POST"], authorizer=authorizer)
def test_user() -> Response:
    request = _request()
    claims = authenticate(request.headers, "id")
    body = parse_body(request.raw_body, TestUserRequest, optional=True)
    return success(auth_service.user_attributes(claims, body), message=None)

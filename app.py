"""cognito-auth-api: user authentication on an Amazon Cognito user pool.

Here: the app, its middleware in order, and the three routes of the original design
(log in, renew, the private profile). Every other route lives in the Blueprint of its
concern, registered below: chalicelib/routes/<concern>.py. Each route reads the
request, calls chalicelib, and returns.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import caller, errors, local_gateway, logs, sign_in
from chalicelib.authorizers import id_token_authorizer
from chalicelib.cors import cors, preflight
from chalicelib.guard import claims, cognito_guard
from chalicelib.models.sign_in import (
    Attribute,
    Challenge,
    LoginRequest,
    RenewedTokens,
    RenewRequest,
    TestUserRequest,
    Tokens,
)
from chalicelib.openapi import answers, openapi_document, refuses, request_header
from chalicelib.responses import JSON_HEADERS, handle_errors, success
from chalicelib.routes import account, admin, mfa, passwordless, session, signup
from chalicelib.services import services
from chalicelib.validation import body_parser

logs.configure(logging.INFO)

app = Chalice(app_name="cognito-auth-api")
app.debug = False
# Outermost first: errors raised by the guard become responses too, and every
# response, errors included, carries the CORS headers. Every middleware is registered
# here: a Blueprint's would apply to the whole app, in an order this file would hide.
app.register_middleware(cors(app.routes), "http")
app.register_middleware(handle_errors, "http")
app.register_middleware(cognito_guard(app.routes), "http")
app.register_middleware(caller.remember_source_ip, "http")
local_gateway.harden()

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Deployed: a missing setting fails the cold start with a message naming it.
    services.settings()


def _request() -> Request:
    request = app.current_request
    assert request is not None, "Chalice sets the request before any view runs"
    return request


accepts = body_parser(_request)


@app.route("/login", methods=["POST"])
@accepts(LoginRequest)
@answers(Tokens, Challenge)
@refuses(errors.InvalidCredentials, errors.UserNotConfirmed, errors.PasswordResetRequired)
def login(body: LoginRequest) -> Response:
    """Log in with username and password: tokens, or a challenge to answer."""
    return success(sign_in.login(body))


@app.route("/user/renew_refresh_token", methods=["POST"])
@accepts(RenewRequest)
@answers(RenewedTokens)
@refuses(errors.InvalidRefreshToken, errors.RefreshTokenReused)
def renew_refresh_token(body: RenewRequest) -> Response:
    """New id and access tokens for a refresh token, and a new refresh token when the
    app client rotates them (deployed: on by default).

    With rotation, send the newest refresh token each time: the one it replaced works
    for the client's grace period after (10 s by default, for retries), then answers
    401 `refresh_token_reused`. A rotated token expires when the sign-in's first one
    would (30 days by default): rotation does not extend a sign-in. `username` is
    accepted, as the original design sends it, and not needed.
    """
    return success(sign_in.renew(body))


@app.route("/user/test-user", methods=["POST"], authorizer=id_token_authorizer)
@accepts(TestUserRequest, optional=True)
@request_header(
    "Cache-Control",
    "`no-cache`: read the caller's own attributes from Cognito now, not from the id token.",
)
@answers(list[Attribute])
@refuses(errors.Forbidden, errors.NotFound, errors.SessionEnded)
def test_user(body: TestUserRequest) -> Response:
    """The caller's attributes; another user's for members of the admin group.

    The caller's own attributes come from the verified id token, with no call to
    Cognito: they are the attributes as they were when the token was issued (its
    `iat`), so at most as old as an id token lives (1 hour by default). A change made
    with `POST /user/attributes` shows after the next token renewal, or at once with
    the request header `Cache-Control: no-cache`, which reads them from Cognito.
    Another user's attributes (for members of the admin group as the pool has it
    now, not as the token says) are always read from Cognito. Either
    way, attributes are listed as Cognito's AdminGetUser lists them, ordered by name.
    """
    return success(
        sign_in.user_attributes(claims(_request()), body, fresh=_no_cache()), message=None
    )


def _no_cache() -> bool:
    """Whether the request says `Cache-Control: no-cache` (among other directives)."""
    directives = _request().headers.get("cache-control", "")
    return "no-cache" in {directive.strip().lower() for directive in directives.split(",")}


# No name prefix: a view's name is its OpenAPI operation id.
for concern in (signup, session, passwordless, account, mfa, admin):
    app.register_blueprint(concern.routes)

OPENAPI_PATH = "/openapi.json"


@functools.cache
def openapi() -> dict[str, Any]:
    """This API's OpenAPI document (built once)."""
    return openapi_document(
        app.app_name,
        app.routes,
        {
            OPENAPI_PATH: {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            }
        },
    )


@app.route(OPENAPI_PATH, methods=["GET"])
def openapi_json() -> Response:
    return Response(body=openapi(), headers=dict(JSON_HEADERS))


# Last, once every path exists: each answers its own CORS preflight (see chalicelib/cors.py).
for path in list(app.routes):
    app.route(path, methods=["OPTIONS"])(preflight)

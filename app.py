"""cognito-auth-api: user authentication on an Amazon Cognito user pool.

Each route reads the request, calls one chalicelib function and returns.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Request, Response

from chalicelib import auth_service, local_gateway, logs
from chalicelib.cors import cors, preflight
from chalicelib.guard import claims, cognito_guard, verified_token
from chalicelib.models import (
    AdminUser,
    Attribute,
    AttributeRequest,
    Challenge,
    ChallengeRequest,
    ChangePasswordRequest,
    ConfirmForgotPasswordRequest,
    ConfirmSignUpRequest,
    CreateUserRequest,
    DeleteAccountRequest,
    GroupRequest,
    ListUsersQuery,
    LoginRequest,
    LoginTotpSetup,
    LoginTotpSetupRequest,
    LoginTotpVerifyRequest,
    LogoutRequest,
    MfaPreference,
    MfaPreferenceRequest,
    MfaSettings,
    RenewedTokens,
    RenewRequest,
    SignUpRequest,
    SignUpResult,
    TestUserRequest,
    Tokens,
    TotpSetup,
    TotpVerifyRequest,
    UpdateAttributesRequest,
    UpdatedAttributes,
    UsernameRequest,
    UserPage,
    VerifyAttributeRequest,
    body_parser,
    parse_path,
    query_parser,
)
from chalicelib.openapi import answers, openapi_document, request_header
from chalicelib.responses import JSON_HEADERS, handle_errors, success
from chalicelib.services import services
from chalicelib.token_verification import USER_SCOPE

logs.configure(logging.INFO)

app = Chalice(app_name="cognito-auth-api")
app.debug = False
# Outermost first: errors raised by the guard become responses too, and every
# response, errors included, carries the CORS headers.
app.register_middleware(cors(app.routes), "http")
app.register_middleware(handle_errors, "http")
app.register_middleware(cognito_guard(app.routes), "http")
local_gateway.harden()

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Deployed: a missing setting fails the cold start with a message naming it.
    services.settings()

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


def _access_token() -> str:
    """The access token that cognito_guard has verified."""
    return verified_token(_request())


accepts = body_parser(_request)


@app.route("/login", methods=["POST"])
@accepts(LoginRequest)
@answers(Tokens, Challenge)
def login(body: LoginRequest) -> Response:
    """Log in with username and password: tokens, or a challenge to answer."""
    return success(auth_service.login(body))


@app.route("/login/challenge", methods=["POST"])
@accepts(ChallengeRequest)
@answers(Tokens, Challenge)
def login_challenge(body: ChallengeRequest) -> Response:
    """Answer a login challenge (new password, MFA code): tokens, or the next challenge."""
    return success(auth_service.answer_challenge(body))


@app.route("/user/renew_refresh_token", methods=["POST"])
@accepts(RenewRequest)
@answers(RenewedTokens)
def renew_refresh_token(body: RenewRequest) -> Response:
    """New id and access tokens for a refresh token."""
    return success(auth_service.renew(body))


@app.route("/signup", methods=["POST"])
@accepts(SignUpRequest, status=201)
@answers(SignUpResult)
def signup(body: SignUpRequest) -> Response:
    """Create an account; a code to confirm it goes to the user's email."""
    return success(
        auth_service.sign_up(body),
        "Please confirm your signup, check Email for validation code",
        status_code=201,
    )


@app.route("/signup/confirm", methods=["POST"])
@accepts(ConfirmSignUpRequest)
@answers(None)
def signup_confirm(body: ConfirmSignUpRequest) -> Response:
    """Confirm an account with the code it was sent."""
    auth_service.confirm_sign_up(body)
    return success(None, "Your account has been confirmed")


@app.route("/signup/resend-code", methods=["POST"])
@accepts(UsernameRequest)
@answers(None)
def signup_resend_code(body: UsernameRequest) -> Response:
    """Send a new confirmation code; the same answer whether the user exists or not."""
    auth_service.resend_code(body)
    return success(None, "If the account exists and is not confirmed yet, a new code has been sent")


@app.route("/password/forgot", methods=["POST"])
@accepts(UsernameRequest)
@answers(None)
def password_forgot(body: UsernameRequest) -> Response:
    """Send a password reset code; the same answer whether the user exists or not."""
    auth_service.forgot_password(body)
    return success(None, "Please check your Registered email id for validation code")


@app.route("/password/confirm", methods=["POST"])
@accepts(ConfirmForgotPasswordRequest)
@answers(None)
def password_confirm(body: ConfirmForgotPasswordRequest) -> Response:
    """Set a new password with the reset code."""
    auth_service.confirm_forgot_password(body)
    return success(None, "Password has been changed successfully")


@app.route("/user/test-user", methods=["POST"], authorizer=id_token_authorizer)
@accepts(TestUserRequest, optional=True)
@request_header(
    "Cache-Control",
    "`no-cache`: read the caller's own attributes from Cognito now, not from the id token.",
)
@answers(list[Attribute])
def test_user(body: TestUserRequest) -> Response:
    """The caller's attributes; another user's for members of the admin group.

    The caller's own attributes come from the verified id token, with no call to
    Cognito: they are the attributes as they were when the token was issued (its
    `iat`), so at most as old as an id token lives (1 hour by default). A change made
    with `POST /user/attributes` shows after the next token renewal, or at once with
    the request header `Cache-Control: no-cache`, which reads them from Cognito.
    Another user's attributes (admin group only) are always read from Cognito. Either
    way, attributes are listed as Cognito's AdminGetUser lists them, ordered by name.
    """
    return success(
        auth_service.user_attributes(claims(_request()), body, fresh=_no_cache()), message=None
    )


def _no_cache() -> bool:
    """Whether the request says `Cache-Control: no-cache` (among other directives)."""
    directives = _request().headers.get("cache-control", "")
    return "no-cache" in {directive.strip().lower() for directive in directives.split(",")}


@app.route("/user/change-password", methods=["POST"], authorizer=access_token_authorizer)
@accepts(ChangePasswordRequest)
@answers(None)
def change_password(body: ChangePasswordRequest) -> Response:
    """Change the caller's password."""
    auth_service.change_password(_access_token(), body)
    return success(None, "Password has been changed successfully")


@app.route("/user/attributes", methods=["POST"], authorizer=access_token_authorizer)
@accepts(UpdateAttributesRequest)
@answers(UpdatedAttributes)
def update_attributes(body: UpdateAttributesRequest) -> Response:
    """Change profile attributes on the allow-list.

    A new email takes effect once verified with the code sent to it
    (`POST /user/attributes/verify`); until then the old one still signs in. `updated`
    names the attributes changed now, `pending_verification` where each code went.
    """
    return success(auth_service.update_attributes(_access_token(), body), "Attributes updated")


@app.route("/logout", methods=["POST"], authorizer=access_token_authorizer)
@accepts(LogoutRequest, optional=True)
@answers(None)
def logout(body: LogoutRequest) -> Response:
    """Sign out: of one session (its refresh token), or everywhere without one.

    With `refresh_token`, that session ends (Cognito RevokeToken): the refresh token
    and the access tokens issued with it stop working at Cognito, and the caller's
    other sessions go on. Without a body, every refresh token of the caller stops
    working (GlobalSignOut).
    """
    auth_service.log_out(_access_token(), body)
    if body.refresh_token is not None:
        return success(None, "Signed out of this session")
    return success(None, "Signed out everywhere")


# --- mfa ---


@app.route("/user/mfa/totp/setup", methods=["POST"], authorizer=access_token_authorizer)
@answers(TotpSetup)
def totp_setup() -> Response:
    """Start setting up an authenticator app: its secret, otpauth:// URI and QR code.

    The URI's issuer is the service's name (`MFA_ISSUER`), its label the user's email.
    Nothing changes at login until `POST /user/mfa/totp/verify` accepts a code. While
    an app is turned on this answers 409: turn it off first to replace it.
    """
    return success(auth_service.totp_setup(_access_token()), "Scan the QR code, then verify a code")


@app.route("/user/mfa/totp/verify", methods=["POST"], authorizer=access_token_authorizer)
@accepts(TotpVerifyRequest)
@answers(MfaPreference)
def totp_verify(body: TotpVerifyRequest) -> Response:
    """Check a first code from the app; from then on every login asks for one."""
    return success(auth_service.totp_verify(_access_token(), body), "Authenticator app turned on")


@app.route("/user/mfa", methods=["GET"], authorizer=access_token_authorizer)
@answers(MfaSettings)
def mfa_settings() -> Response:
    """Which MFA factors are on for the caller, and which is preferred.

    An access token opens it, like the writes: Cognito's GetUser reads MFA settings
    with the access token only, and the id token does not carry them.
    """
    return success(auth_service.mfa_settings(_access_token()), message=None)


@app.route("/user/mfa", methods=["POST"], authorizer=access_token_authorizer)
@accepts(MfaPreferenceRequest)
@answers(MfaPreference)
def set_mfa_preference(body: MfaPreferenceRequest) -> Response:
    """Turn the authenticator app off or on again, and set whether it is preferred.

    `preferred`: a code at every login, and the factor Cognito picks among several.
    `enabled`: a code at every login. `disabled`: the password alone.
    """
    return success(auth_service.set_mfa_preference(_access_token(), body), "MFA preference saved")


@app.route("/login/mfa/totp/setup", methods=["POST"])
@accepts(LoginTotpSetupRequest)
@answers(LoginTotpSetup)
def login_totp_setup(body: LoginTotpSetupRequest) -> Response:
    """Answering MFA_SETUP at login: an authenticator app's secret, URI and QR code.

    The pool requires MFA and the user has none yet, so there is no token: the
    challenge's `session` stands for it. Answers a new `session` for
    `POST /login/mfa/totp/verify`.
    """
    return success(auth_service.totp_setup_in_login(body), "Scan the QR code, then verify a code")


@app.route("/login/mfa/totp/verify", methods=["POST"])
@accepts(LoginTotpVerifyRequest)
@answers(Tokens, Challenge)
def login_totp_verify(body: LoginTotpVerifyRequest) -> Response:
    """Answering MFA_SETUP at login: check a first code and log in, as `/login` answers."""
    return success(auth_service.totp_verify_in_login(body))


# --- account ---


@app.route("/user/attributes/verify", methods=["POST"], authorizer=access_token_authorizer)
@accepts(VerifyAttributeRequest)
@answers(None)
def verify_attribute(body: VerifyAttributeRequest) -> Response:
    """Verify an attribute with the code sent to it: a new email takes effect."""
    auth_service.verify_attribute(_access_token(), body)
    return success(None, f"{body.attribute} has been verified")


@app.route("/user/attributes/verify/resend", methods=["POST"], authorizer=access_token_authorizer)
@accepts(AttributeRequest)
@answers(None)
def resend_attribute_code(body: AttributeRequest) -> Response:
    """Send a new code to verify an attribute: to its new value if a change waits.
    The answer does not say where it went, so that it is the same whether or not the
    new value belongs to another account."""
    auth_service.send_verification_code(_access_token(), body)
    return success(None, "A verification code was sent")


@app.route("/user/delete", methods=["POST"], authorizer=access_token_authorizer)
@accepts(DeleteAccountRequest)
@answers(None)
def delete_account(body: DeleteAccountRequest) -> Response:
    """Delete the caller's account, once the password has been given again.

    Final: every refresh token of the user stops working at once. Id and access tokens
    already issued pass API Gateway (and this service's own check, which verifies
    signature and expiry) until they expire; any Cognito call made with them fails.
    """
    auth_service.delete_account(claims(_request()), _access_token(), body)
    return success(None, "Your account has been deleted")


# --- admin ---

takes_query = query_parser(_request)
AdminView = Callable[..., Response]


def admin_action(action: str) -> Callable[[AdminView], AdminView]:
    """An admin route: a caller outside the admin group gets 403, and one whose
    session Cognito no longer honours 401, before anything else of the request is
    read; then the path parameters are checked (400), and the view gets them with
    `call`, the audited admin call."""

    def decorate(view: AdminView) -> AdminView:
        @functools.wraps(view)
        def checked(**params: str) -> Response:
            call = auth_service.admin_call(
                claims(_request()), _access_token(), action, params.get("username")
            )
            return view(call=call, **parse_path(params))

        return checked

    return decorate


@app.route("/admin/users", methods=["GET"], authorizer=access_token_authorizer)
@admin_action("list_users")
@takes_query(ListUsersQuery)
@answers(UserPage)
def admin_list_users(query: ListUsersQuery, call: auth_service.AdminCall) -> Response:
    """List users, a page at a time, optionally filtered (admin group only).

    `filter` is Cognito's ListUsers syntax: `email ^= "ali"` (starts with) or
    `status = "Disabled"` (exact). The answer's `pagination_token`, while not null,
    fetches the next page. A user's `username` is Cognito's internal name; the
    other admin routes take the user's email.
    """
    return success(auth_service.admin_list_users(call, query))


@app.route("/admin/users", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("create_user")
@accepts(CreateUserRequest, status=201)
@answers(AdminUser)
def admin_create_user(body: CreateUserRequest, call: auth_service.AdminCall) -> Response:
    """Invite a user (admin group only).

    Cognito emails them a temporary password (the one given, or its own); they
    finish at `/login`, answering NEW_PASSWORD_REQUIRED at `/login/challenge`.
    """
    return success(auth_service.admin_create_user(call, body), "User invited", status_code=201)


@app.route("/admin/users/{username}/disable", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("disable_user")
@answers(None)
def admin_disable_user(username: str, call: auth_service.AdminCall) -> Response:
    """Disable a user: they can no longer sign in (admin group only)."""
    auth_service.admin_disable_user(call, username)
    return success(None, "User disabled")


@app.route("/admin/users/{username}/enable", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("enable_user")
@answers(None)
def admin_enable_user(username: str, call: auth_service.AdminCall) -> Response:
    """Enable a disabled user again (admin group only)."""
    auth_service.admin_enable_user(call, username)
    return success(None, "User enabled")


@app.route("/admin/users/{username}", methods=["DELETE"], authorizer=access_token_authorizer)
@admin_action("delete_user")
@answers(None)
def admin_delete_user(username: str, call: auth_service.AdminCall) -> Response:
    """Delete a user for good (admin group only)."""
    auth_service.admin_delete_user(call, username)
    return success(None, "User deleted")


@app.route("/admin/users/{username}/groups", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("add_to_group")
@accepts(GroupRequest)
@answers(None)
def admin_add_to_group(body: GroupRequest, username: str, call: auth_service.AdminCall) -> Response:
    """Add a user to a group; their next tokens carry it (admin group only)."""
    auth_service.admin_add_to_group(call, username, body)
    return success(None, "User added to the group")


@app.route(
    "/admin/users/{username}/groups/{group}",
    methods=["DELETE"],
    authorizer=access_token_authorizer,
)
@admin_action("remove_from_group")
@answers(None)
def admin_remove_from_group(username: str, group: str, call: auth_service.AdminCall) -> Response:
    """Remove a user from a group; their next tokens lack it (admin group only)."""
    auth_service.admin_remove_from_group(call, username, group)
    return success(None, "User removed from the group")


@app.route("/admin/users/{username}/sign-out", methods=["POST"], authorizer=access_token_authorizer)
@admin_action("sign_out")
@answers(None)
def admin_sign_out(username: str, call: auth_service.AdminCall) -> Response:
    """Sign a user out everywhere: their refresh tokens stop working (admin group only)."""
    auth_service.admin_sign_out(call, username)
    return success(None, "User signed out everywhere")


@app.route(
    "/admin/users/{username}/reset-password",
    methods=["POST"],
    authorizer=access_token_authorizer,
)
@admin_action("reset_password")
@answers(None)
def admin_reset_password(username: str, call: auth_service.AdminCall) -> Response:
    """Reset a user's password: it stops working, and Cognito emails them a code
    for `/password/confirm` (admin group only)."""
    auth_service.admin_reset_password(call, username)
    return success(None, "Password reset; the user has been sent a code to set a new one")


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

"""The signed-in user's own account, with an access token: `/user/change-password`,
`/user/attributes` (and its email verification, `/user/attributes/verify`,
`/user/attributes/verify/resend`), and `/user/delete`."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import account, errors
from chalicelib.authorizers import access_token_authorizer
from chalicelib.models.account import (
    AttributeRequest,
    ChangePasswordRequest,
    DeleteAccountRequest,
    UpdateAttributesRequest,
    UpdatedAttributes,
    VerifyAttributeRequest,
)
from chalicelib.openapi import answers, refuses
from chalicelib.responses import success
from chalicelib.routes import Routes
from chalicelib.services import services

routes = Routes(__name__)


@routes.route("/user/change-password", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(ChangePasswordRequest)
@answers(None)
@refuses(
    errors.WrongPreviousPassword, errors.InvalidPassword, errors.InvalidInput, errors.LimitExceeded
)
def change_password(body: ChangePasswordRequest) -> Response:
    """Change the caller's password."""
    services.gateway().change_password(
        routes.access_token(), body.previous_password, body.proposed_password
    )
    return success(None, "Password has been changed successfully")


@routes.route("/user/attributes", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(UpdateAttributesRequest)
@answers(UpdatedAttributes)
@refuses(errors.SessionEnded, errors.InvalidAttributes, errors.TokenTooLarge)
def update_attributes(body: UpdateAttributesRequest) -> Response:
    """Change profile attributes on the allow-list.

    A new email takes effect once verified with the code sent to it
    (`POST /user/attributes/verify`); until then the old one still signs in. `updated`
    names the attributes changed now, `pending_verification` where each code went.
    Refused (`token_too_large`) when the user's id token would then be too large to
    send in a request.
    """
    return success(
        account.update_attributes(routes.claims(), routes.access_token(), body),
        "Attributes updated",
    )


@routes.route("/user/attributes/verify", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(VerifyAttributeRequest)
@answers(None)
@refuses(
    errors.SessionEnded,
    errors.InvalidCode,
    errors.ExpiredCode,
    errors.AddressTaken,
    errors.InvalidInput,
    errors.LimitExceeded,
)
def verify_attribute(body: VerifyAttributeRequest) -> Response:
    """Verify an attribute with the code sent to it: a new email takes effect."""
    services.gateway().verify_attribute(routes.access_token(), body.attribute, body.code)
    return success(None, f"{body.attribute} has been verified")


@routes.route(
    "/user/attributes/verify/resend", methods=["POST"], authorizer=access_token_authorizer
)
@routes.accepts(AttributeRequest)
@answers(None)
@refuses(errors.SessionEnded, errors.InvalidInput, errors.LimitExceeded)
def resend_attribute_code(body: AttributeRequest) -> Response:
    """Send a new code to verify an attribute: to its new value if a change waits.
    The answer does not say where it went, so that it is the same whether or not the
    new value belongs to another account."""
    # Cognito sends it to the new value when a change waits, else to the current one.
    # After a change to an address that belongs to another account (answered as if a
    # code went out) no change waits, so naming the current address would tell.
    services.gateway().attribute_verification_code(routes.access_token(), body.attribute)
    return success(None, "A verification code was sent")


@routes.route("/user/delete", methods=["POST"], authorizer=access_token_authorizer)
@routes.accepts(DeleteAccountRequest)
@answers(None)
@refuses(
    errors.SessionEnded, errors.WrongPassword, errors.UserNotConfirmed, errors.PasswordResetRequired
)
def delete_account(body: DeleteAccountRequest) -> Response:
    """Delete the caller's account, once the password has been given again.

    Final: every refresh token of the user stops working at once. Id and access tokens
    already issued pass API Gateway (and this service's own check, which verifies
    signature and expiry) until they expire; any Cognito call made with them fails.
    """
    account.delete_account(routes.claims(), routes.access_token(), body)
    return success(None, "Your account has been deleted")

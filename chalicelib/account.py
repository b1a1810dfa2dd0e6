"""Changing one's own account, where it is more than one Cognito call: a new email
that belongs to another account, and deletion behind the password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import attributes, errors, token_budget
from chalicelib.models.account import (
    CodeDelivery,
    DeleteAccountRequest,
    UpdateAttributesRequest,
    UpdatedAttributes,
)
from chalicelib.services import services
from chalicelib.token_verification import Claims

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import CodeDeliveryDetailsTypeTypeDef

# The writable attributes Cognito verifies with a code (it emails one).
_VERIFIED_BY_CODE = frozenset({"email"})


def _code_delivery(details: CodeDeliveryDetailsTypeTypeDef) -> CodeDelivery:
    """Where a code went (masked), in the contract's names."""
    return {
        "attribute": details["AttributeName"],
        "destination": details["Destination"],
        "delivery_medium": details["DeliveryMedium"],
    }


def update_attributes(
    claims: Claims, access_token: str, request: UpdateAttributesRequest
) -> UpdatedAttributes:
    """The attributes changed now, and those waiting for the code sent to their new
    value (on the deployed pool, a new email; the old one signs in until then).

    Refused (TokenTooLarge) before any change when the user's id token would grow too
    large to send: that takes the current attributes (one GetUser) and the groups the
    verified access token names."""
    gateway = services.gateway()
    current = gateway.get_user(access_token)["UserAttributes"]
    token_budget.check(
        token_budget.after_update(current, request.attributes),
        claims.get("cognito:groups", []),
        services.settings(),
    )
    try:
        answer = gateway.update_attributes(access_token, request.attributes)
        pending = [_code_delivery(sent) for sent in answer.get("CodeDeliveryDetailsList", [])]
    except errors.AddressTaken:
        # Another account's address: answered as if a code had gone to it, so that a
        # signed-in caller cannot probe for accounts. It is not changed; the rest is.
        others = {n: v for n, v in request.attributes.items() if n not in _VERIFIED_BY_CODE}
        if others:
            gateway.update_attributes(access_token, others)
        pending = [
            {
                "attribute": name,
                "destination": attributes.masked_email(request.attributes[name]),
                "delivery_medium": "EMAIL",
            }
            for name in sorted(request.attributes.keys() & _VERIFIED_BY_CODE)
        ]
    waiting = {delivery["attribute"] for delivery in pending}
    return {
        "updated": sorted(request.attributes.keys() - waiting),
        "pending_verification": pending,
    }


def delete_account(claims: Claims, access_token: str, request: DeleteAccountRequest) -> None:
    """Deletes the caller, once the password has been given again: deleting is final.

    The password is checked by signing in with it (USER_PASSWORD_AUTH) under the
    internal name the verified access token carries; tokens or a challenge (MFA) both
    mean it was right. The session that sign-in opens ends with the user."""
    username = claims.get("username")
    if not isinstance(username, str):
        raise errors.SessionEnded()
    gateway = services.gateway()
    try:
        gateway.password_auth(username, request.password)
    except errors.InvalidCredentials:
        raise errors.WrongPassword() from None
    gateway.delete_user(access_token)

"""Changing one's own account: password, profile attributes, email verification,
deletion (chalicelib/routes/account.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

import msgspec

from chalicelib.models.fields import (
    EMAIL,
    AccountPassword,
    AttributeValue,
    Code,
    NewPassword,
    Password,
)
from chalicelib.validation import ABSENT, RequestModel, is_text


class ChangePasswordRequest(RequestModel, frozen=True):
    previous_password: AccountPassword
    proposed_password: NewPassword


# Profile fields a user may change: none managed by Cognito (sub, email_verified, ...).
# A new email takes effect once verified with the code sent to it (the pool's
# AttributesRequireVerificationBeforeUpdate); phone_number is not here, since the pool
# has no SMS set up to send a code to one.
WRITABLE_ATTRIBUTES = frozenset(
    {
        "email",
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "address",
    }
)
AttributeValues = dict[str, AttributeValue]


class UpdateAttributesRequest(RequestModel, frozen=True):
    attributes: Annotated[
        AttributeValues,
        msgspec.Meta(
            min_length=1,
            extra_json_schema={
                "propertyNames": {"enum": sorted(WRITABLE_ATTRIBUTES)},
                "properties": {
                    "email": {"type": "string", "maxLength": 2048, "pattern": EMAIL.pattern}
                },
            },
        ),
    ]

    def __post_init__(self) -> None:
        if not self.attributes.keys() <= WRITABLE_ATTRIBUTES:
            raise ValueError("attributes")
        if "email" in self.attributes and not EMAIL.accepts(self.attributes["email"]):
            raise ValueError("email")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        attributes = document.get("attributes", ABSENT)
        if attributes is ABSENT or attributes == {}:
            return "attributes is required"
        if not isinstance(attributes, dict):
            return "attributes is invalid"
        try:
            valid = all(map(is_text, msgspec.convert(attributes, AttributeValues).values()))
        except msgspec.ValidationError:
            valid = False
        if not valid:
            return "Attribute values must be strings of at most 2048 characters"
        refused = sorted(attributes.keys() - WRITABLE_ATTRIBUTES)
        if refused:
            return f"These attributes cannot be changed: {', '.join(refused)}"
        if "email" in attributes and not EMAIL.accepts(attributes["email"]):
            return "email is invalid"
        return None


class UpdatedAttributes(TypedDict):
    updated: Annotated[
        list[Annotated[str, msgspec.Meta(extra_json_schema={"enum": sorted(WRITABLE_ATTRIBUTES)})]],
        msgspec.Meta(description="The names of the attributes changed now, sorted"),
    ]
    pending_verification: Annotated[
        list[CodeDelivery],
        msgspec.Meta(
            description="The attributes whose new value waits for the code sent to it "
            "(POST /user/attributes/verify): a new email"
        ),
    ]


# Attributes verified with a code that a user may change (WRITABLE_ATTRIBUTES).
VerifiedAttribute = Literal["email"]


class VerifyAttributeRequest(RequestModel, frozen=True):
    attribute: VerifiedAttribute
    code: Code


class AttributeRequest(RequestModel, frozen=True):
    attribute: VerifiedAttribute


class DeleteAccountRequest(RequestModel, frozen=True):
    password: Password


class CodeDelivery(TypedDict):
    """Where a verification code went, as Cognito's CodeDeliveryDetails says."""

    attribute: Annotated[str, msgspec.Meta(description="The attribute verified: email")]
    destination: Annotated[str, msgspec.Meta(description="Masked (a***@e***.com)")]
    delivery_medium: Literal["EMAIL", "SMS"]

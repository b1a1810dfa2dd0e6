"""Choice-based sign-in (`/login/start`) and passkeys (`/user/passkeys...`): the
passwordless Blueprint's bodies and answers (chalicelib/routes/passwordless.py)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypedDict

import msgspec

from chalicelib.models.fields import CODE, Password, Username
from chalicelib.validation import PathParameter, QueryModel, RequestModel

# The first factors of Cognito's choice-based sign-in (USER_AUTH) the service offers.
Factor = Literal["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
FACTORS: tuple[str, ...] = ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
# A WebAuthn JSON document (options or credential): bounded, as every body is.
WebAuthnJson = Annotated[dict[str, Any], msgspec.Meta(min_length=1, max_length=64)]


# Cognito's pattern for a credential id: base64url.
CredentialId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1024, pattern=r"^[A-Za-z0-9_-]+$")
]
PATH_PARAMETERS: dict[str, PathParameter] = {
    "credential_id": PathParameter(CredentialId, "A passkey's id, as GET /user/passkeys lists it"),
}


class StartRequest(RequestModel, frozen=True):
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "if": {
            "required": ["challenge"],
            "properties": {"challenge": {"const": "PASSWORD"}},
        },
        "then": {"required": ["password"], "properties": {"password": {"type": "string"}}},
    }
    username: Username
    challenge: Factor | None = None
    password: Password | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.challenge == "PASSWORD" and self.password is None:
            raise ValueError("password")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        message = super().problem(document)
        if (
            message is None
            and document.get("challenge") == "PASSWORD"
            and document.get("password") is None
        ):
            return cls.missing_message.format(field="password")
        return message


class PasskeyCredentialRequest(RequestModel, frozen=True):
    credential: WebAuthnJson


class PasskeysQuery(QueryModel, frozen=True):
    descriptions: ClassVar[dict[str, str]] = {
        "limit": "Passkeys per page, a whole number from 1 to 20",
        "next_token": "The next_token of the previous page",
    }
    limit: Annotated[int, msgspec.Meta(ge=1, le=20)] = 20
    next_token: Annotated[str, msgspec.Meta(min_length=1, max_length=4096), CODE] | None = None


class PasskeyOptions(TypedDict):
    options: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="PublicKeyCredentialCreationOptionsJSON: pass it to "
            "PublicKeyCredential.parseCreationOptionsFromJSON, then navigator.credentials"
            ".create(), and send credential.toJSON() to POST /user/passkeys"
        ),
    ]


class Passkey(TypedDict):
    id: Annotated[str, msgspec.Meta(description="The credential id (base64url)")]
    name: Annotated[str | None, msgspec.Meta(description="Cognito's name for the authenticator")]
    relying_party_id: str | None
    attachment: Annotated[str | None, msgspec.Meta(description="platform or cross-platform")]
    transports: list[str]
    created: Annotated[str | None, msgspec.Meta(description="ISO 8601, UTC")]


class PasskeyPage(TypedDict):
    passkeys: list[Passkey]
    next_token: Annotated[
        str | None, msgspec.Meta(description="Asks for the next page; null on the last one")
    ]

"""Signing in, renewing, the profile and logging out: the original design's routes
(app.py) and the session Blueprint's (chalicelib/routes/session.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal, NotRequired, TypedDict, get_args

import msgspec

from chalicelib.models.fields import Code, NewPassword, Password, RefreshToken, Session, Username
from chalicelib.validation import RequestModel, Rule


class LoginRequest(RequestModel, frozen=True):
    username: Username
    password: Password


class RenewRequest(RequestModel, frozen=True):
    missing_message: ClassVar[str] = "Please provide {field} to renew tokens"
    refresh_token: RefreshToken
    # The original design sends it; renewal no longer needs it (GetTokensFromRefreshToken
    # takes the client secret, not a hash over a name), so it is accepted and unused.
    username: Username | None = None


class TestUserRequest(RequestModel, frozen=True):
    username: Username | None = None


ChallengeName = Literal[
    "NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"
]
# Each challenge's answer: the body field that carries it, and Cognito's name for it.
CHALLENGE_ANSWERS: dict[str, tuple[str, str]] = {
    "NEW_PASSWORD_REQUIRED": ("new_password", "NEW_PASSWORD"),
    "SOFTWARE_TOKEN_MFA": ("code", "SOFTWARE_TOKEN_MFA_CODE"),
    "SMS_MFA": ("code", "SMS_MFA_CODE"),
    "EMAIL_OTP": ("code", "EMAIL_OTP_CODE"),
    "SMS_OTP": ("code", "SMS_OTP_CODE"),
    "WEB_AUTHN": ("credential", "CREDENTIAL"),
}


def _answered_by(field: str) -> dict[str, Any]:
    names = sorted(name for name, (answer, _) in CHALLENGE_ANSWERS.items() if answer == field)
    kind = "object" if field == "credential" else "string"
    return {
        "if": {"properties": {"challenge_name": {"enum": names}}},
        # Present and not null: null is what an absent answer is.
        "then": {"required": [field], "properties": {field: {"type": kind}}},
    }


class ChallengeRequest(RequestModel, frozen=True):
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "allOf": [_answered_by(field) for field in ("new_password", "code", "credential")]
    }
    username: Username
    challenge_name: ChallengeName
    session: Session
    new_password: NewPassword | None = None
    code: Code | None = None
    credential: (
        Annotated[
            dict[str, Any],
            msgspec.Meta(
                min_length=1,
                max_length=64,
                description="WEB_AUTHN: the passkey's answer, credential.toJSON() of "
                "navigator.credentials.get()",
            ),
        ]
        | None
    ) = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if getattr(self, CHALLENGE_ANSWERS[self.challenge_name][0]) is None:
            raise ValueError("answer")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        # The answer that the challenge needs is looked for once every field is valid.
        message = super().problem(document)
        if message is None:
            answer = CHALLENGE_ANSWERS[document["challenge_name"]][0]
            if document.get(answer) is None:
                return cls.missing_message.format(field=answer)
        return message

    def cognito_answer(self) -> dict[str, str]:
        """The ChallengeResponses entry that answers this challenge."""
        field, cognito_name = CHALLENGE_ANSWERS[self.challenge_name]
        answer: str | dict[str, Any] = getattr(self, field)
        # Cognito takes the passkey's JSON document as a string.
        return {cognito_name: answer if isinstance(answer, str) else json.dumps(answer)}


# Cognito's pattern for the token RevokeToken takes.
_REVOCABLE = Rule(r"^[A-Za-z0-9_=.-]+$", blank_is_missing=True)
RevocableToken = Annotated[str, msgspec.Meta(min_length=1, max_length=16 * 1024), _REVOCABLE]


class LogoutRequest(RequestModel, frozen=True):
    refresh_token: RevocableToken | None = None


# Answers. Each is a plain dict at run time (Chalice serializes it); the TypedDict lets
# mypy check every answer the service builds against what the document says.


class _SessionTokens(TypedDict):
    id_token: str
    access_token: str
    expires_in: Annotated[int, msgspec.Meta(description="Seconds the two tokens stay valid")]
    token_type: Annotated[
        str,
        msgspec.Meta(
            description='As Cognito answers it ("Bearer"). Send a token in the Authorization '
            "header raw, without this prefix."
        ),
    ]


class RenewedTokens(_SessionTokens):
    refresh_token: NotRequired[
        Annotated[
            str,
            msgspec.Meta(
                description="When the app client rotates refresh tokens: the new one, to "
                "send next time. The one sent works only for the grace period after."
            ),
        ]
    ]


class Tokens(_SessionTokens):
    refresh_token: str


# Challenge parameters that are hints for the client, never secrets or internal ids.
PUBLIC_CHALLENGE_PARAMETERS = frozenset(
    {
        "CODE_DELIVERY_DELIVERY_MEDIUM",
        "CODE_DELIVERY_DESTINATION",
        "requiredAttributes",
        "MFAS_CAN_SETUP",
        "FRIENDLY_DEVICE_NAME",
        "CREDENTIAL_REQUEST_OPTIONS",
    }
)


class Challenge(TypedDict):
    challenge_name: Annotated[
        str,
        msgspec.Meta(
            description="Cognito's name for it; /login/challenge answers "
            + ", ".join(get_args(ChallengeName))
            + "; MFA_SETUP is answered at /login/mfa/totp/setup, then /login/mfa/totp/verify; "
            "SELECT_CHALLENGE (from /login/start) by /login/start with a `challenge`"
        ),
    ]
    session: Annotated[
        str | None, msgspec.Meta(description="Send it back with the answer to /login/challenge")
    ]
    parameters: Annotated[
        dict[str, str],
        msgspec.Meta(
            extra_json_schema={"propertyNames": {"enum": sorted(PUBLIC_CHALLENGE_PARAMETERS)}}
        ),
    ]
    available_challenges: NotRequired[
        Annotated[
            list[str],
            msgspec.Meta(
                description="SELECT_CHALLENGE: the first factors this service offers, the "
                "same for every name (whose factors they are is not told)"
            ),
        ]
    ]


class Attribute(TypedDict):
    """A user attribute, as Cognito's AdminGetUser lists it."""

    Name: str
    Value: str

"""Request bodies: one pydantic model per route, and the parsing that turns any
body into either a model or a 400/413 with a message a client can act on."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 16 * 1024


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "blank")
    return value


def _cognito_username(value: str) -> str:
    # Cognito's username pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no separators or controls.
    if any(unicodedata.category(char)[0] in "ZC" for char in _not_blank(value)):
        raise PydanticCustomError("username_format", "not a Cognito username")
    return value


def _no_whitespace(value: str) -> str:
    # Cognito's pattern for confirmation codes: [\S]+
    if any(char.isspace() for char in _not_blank(value)):
        raise PydanticCustomError("whitespace", "contains whitespace")
    return value


def _trimmed(value: str) -> str:
    # Cognito's pattern for passwords it stores: [\S]+.*[\S]+
    if value != value.strip():
        raise PydanticCustomError("whitespace", "leading or trailing whitespace")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email_format", "not an email address")
    return value


# Lengths and patterns are Cognito's own limits for these parameters. The patterns in
# json_schema_extra document what the validators check (which are the stricter).
Username = Annotated[
    str,
    Field(min_length=1, max_length=128, json_schema_extra={"pattern": r"^\S+$"}),
    AfterValidator(_cognito_username),
]
# A password as typed at login: Cognito takes anything there.
Password = Annotated[str, Field(min_length=1, max_length=256)]
# A password the account APIs store or compare: no whitespace at either end.
AccountPassword = Annotated[
    str,
    Field(min_length=1, max_length=256, json_schema_extra={"pattern": r"^\S(.*\S)?$"}),
    AfterValidator(_trimmed),
]
RefreshToken = Annotated[
    str,
    Field(min_length=1, max_length=MAX_BODY_BYTES, json_schema_extra={"pattern": r"\S"}),
    AfterValidator(_not_blank),
]
Code = Annotated[
    str,
    Field(min_length=1, max_length=2048, json_schema_extra={"pattern": r"^\S+$"}),
    AfterValidator(_no_whitespace),
]
Session = Annotated[str, Field(min_length=20, max_length=2048)]
Email = Annotated[
    str,
    Field(min_length=3, max_length=2048, json_schema_extra={"pattern": _EMAIL.pattern}),
    AfterValidator(_email),
]
AttributeValue = Annotated[str, Field(max_length=2048)]

_MISSING = frozenset({"missing", "string_type", "blank"})


class RequestModel(BaseModel):
    # defer_build: a model's validator is built on its first use, so a cold start
    # builds only the one its first request needs.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, defer_build=True)
    missing_message: ClassVar[str] = "{field} is required"
    invalid_message: ClassVar[str] = "{field} is invalid"

    @classmethod
    def message_for(cls, error: ValidationError) -> str:
        first = error.errors()[0]
        if first["type"] == "answer_missing":
            return cls.missing_message.format(field=first["ctx"]["field"])
        field = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "literal_error":
            return f"Unsupported {field}"
        # A wrong optional field is invalid; only a required one can be "missing".
        required = field in cls.model_fields and cls.model_fields[field].is_required()
        empty = first["type"] == "string_too_short" and first["input"] == ""
        missing = (first["type"] in _MISSING or empty) and required
        return (cls.missing_message if missing else cls.invalid_message).format(field=field)


class LoginRequest(RequestModel):
    username: Username
    password: Password


class RenewRequest(RequestModel):
    missing_message: ClassVar[str] = "Please provide {field} to renew tokens"
    username: Username
    refresh_token: RefreshToken


class TestUserRequest(RequestModel):
    username: Username | None = None


class SignUpRequest(RequestModel):
    username: Username
    password: AccountPassword
    email: Email | None = None
    name: Annotated[str, Field(min_length=1, max_length=2048)] | None = None


class ConfirmSignUpRequest(RequestModel):
    username: Username
    code: Code


class UsernameRequest(RequestModel):
    username: Username


class ConfirmForgotPasswordRequest(RequestModel):
    username: Username
    code: Code
    password: AccountPassword


ChallengeName = Literal["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "SMS_MFA"]
# Each challenge's answer: the body field that carries it, and Cognito's name for it.
CHALLENGE_ANSWERS: dict[str, tuple[str, str]] = {
    "NEW_PASSWORD_REQUIRED": ("new_password", "NEW_PASSWORD"),
    "SOFTWARE_TOKEN_MFA": ("code", "SOFTWARE_TOKEN_MFA_CODE"),
    "SMS_MFA": ("code", "SMS_MFA_CODE"),
}


class ChallengeRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"challenge_name": {"const": "NEW_PASSWORD_REQUIRED"}}},
            "then": {
                "required": ["new_password"],
                "properties": {"new_password": {"type": "string"}},
            },
            "else": {"required": ["code"], "properties": {"code": {"type": "string"}}},
        }
    )
    username: Username
    challenge_name: ChallengeName
    session: Session
    new_password: AccountPassword | None = None
    code: Code | None = None

    @model_validator(mode="after")
    def _answer_present(self) -> ChallengeRequest:
        field = CHALLENGE_ANSWERS[self.challenge_name][0]
        if getattr(self, field) is None:
            raise PydanticCustomError("answer_missing", "{field}", {"field": field})
        return self

    def cognito_answer(self) -> dict[str, str]:
        """The ChallengeResponses entry that answers this challenge."""
        field, cognito_name = CHALLENGE_ANSWERS[self.challenge_name]
        answer: str = getattr(self, field)
        return {cognito_name: answer}


class ChangePasswordRequest(RequestModel):
    previous_password: AccountPassword
    proposed_password: AccountPassword


# Profile fields a user may change alone: none needs verification (email, phone do)
# and none is managed by Cognito (sub, email_verified, ...).
WRITABLE_ATTRIBUTES = frozenset(
    {
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


def _writable(attributes: dict[str, str]) -> dict[str, str]:
    if not attributes:
        raise PydanticCustomError("blank", "blank")
    refused = sorted(set(attributes) - WRITABLE_ATTRIBUTES)
    if refused:
        raise PydanticCustomError(
            "attribute_not_writable", "{names}", {"names": ", ".join(refused)}
        )
    return attributes


class UpdateAttributesRequest(RequestModel):
    attributes: Annotated[
        dict[str, AttributeValue],
        Field(
            json_schema_extra={
                "minProperties": 1,
                "propertyNames": {"enum": sorted(WRITABLE_ATTRIBUTES)},
            }
        ),
        AfterValidator(_writable),
    ]

    @classmethod
    def message_for(cls, error: ValidationError) -> str:
        first = error.errors()[0]
        if first["type"] == "attribute_not_writable":
            return f"These attributes cannot be changed: {first['ctx']['names']}"
        if first["type"] == "dict_type" or first["loc"] == ("attributes",):
            return super().message_for(error)
        return "Attribute values must be strings of at most 2048 characters"


M = TypeVar("M", bound=RequestModel)


def parse_body(raw: str | bytes | None, model: type[M], *, optional: bool = False) -> M:
    """The request body as `model`; BadRequest/PayloadTooLarge otherwise.

    With `optional`, an empty body stands for `{}`.
    """
    raw = raw.encode() if isinstance(raw, str) else raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if optional and not raw.strip():
        raw = b"{}"
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("Request body must be a JSON object") from None
    if not isinstance(document, dict):
        raise BadRequest("Request body must be a JSON object")
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise BadRequest(model.message_for(exc)) from None


@dataclass(frozen=True)
class BodySpec:
    """What a view accepts; the OpenAPI document is generated from these."""

    model: type[RequestModel]
    optional: bool
    status: int


View = Callable[[Any], Any]


def body_parser(
    current_request: Callable[[], Any],
) -> Callable[..., Callable[[View], Callable[[], Any]]]:
    """`accepts(Model)`: a view decorator that parses the body into Model and hands
    it to the view, remembering Model for the OpenAPI document."""

    def accepts(
        model: type[RequestModel], *, optional: bool = False, status: int = 200
    ) -> Callable[[View], Callable[[], Any]]:
        def decorate(view: View) -> Callable[[], Any]:
            @functools.wraps(view)
            def parsed() -> Any:
                return view(parse_body(current_request().raw_body, model, optional=optional))

            parsed.body_spec = BodySpec(model, optional, status)  # type: ignore[attr-defined]
            return parsed

        return decorate

    return accepts

"""Request bodies: one msgspec Struct per route, and the parsing that turns any
body into either a Struct or a 400/413 with a message a client can act on."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args, get_origin

import msgspec
from msgspec.structs import fields

from chalicelib.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 16 * 1024
NOT_AN_OBJECT = "Request body must be a JSON object"


class Rule(msgspec.Struct, frozen=True):
    """A check on a string that msgspec's constraints cannot express."""

    accepts: Callable[[str], bool]
    # Whether a blank value is reported as an absent one ("<field> is required").
    blank_is_missing: bool = False


def _cognito_username(value: str) -> bool:
    # Cognito's username pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no separators or controls.
    # Python's non-printable characters are exactly Unicode's categories Z and C, but
    # for the space.
    return value.isprintable() and " " not in value


def _no_whitespace(value: str) -> bool:
    # Cognito's pattern for confirmation codes: [\S]+
    return not any(char.isspace() for char in value)


def _not_blank(value: str) -> bool:
    return bool(value.strip())


def _trimmed(value: str) -> bool:
    # Cognito's pattern for passwords it stores: [\S]+.*[\S]+
    return value == value.strip()


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Lengths and patterns are Cognito's own limits for these parameters. The patterns in
# extra_json_schema document what the rules check (which are the stricter).
Username = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=128, extra_json_schema={"pattern": r"^\S+$"}),
    Rule(_cognito_username, blank_is_missing=True),
]
# A password as typed at login: Cognito takes anything there.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
# A password the account APIs store or compare: no whitespace at either end.
AccountPassword = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=256, extra_json_schema={"pattern": r"^\S(.*\S)?$"}),
    Rule(_trimmed),
]
RefreshToken = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=MAX_BODY_BYTES, extra_json_schema={"pattern": r"\S"}),
    Rule(_not_blank, blank_is_missing=True),
]
Code = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=2048, extra_json_schema={"pattern": r"^\S+$"}),
    Rule(_no_whitespace, blank_is_missing=True),
]
Session = Annotated[str, msgspec.Meta(min_length=20, max_length=2048)]
Email = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=2048, extra_json_schema={"pattern": _EMAIL.pattern}),
    Rule(lambda value: _EMAIL.match(value) is not None),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
AttributeValue = Annotated[str, msgspec.Meta(max_length=2048)]


class _Field(msgspec.Struct, frozen=True):
    name: str
    type: Any
    required: bool
    rule: Rule | None


@functools.cache
def _fields(model: type[RequestModel]) -> tuple[_Field, ...]:
    """The model's fields in declaration order, each with its Rule if it has one."""
    return tuple(
        _Field(field.name, field.type, field.required, _rule(field.type)) for field in fields(model)
    )


def _rule(annotation: Any) -> Rule | None:
    for part in getattr(annotation, "__metadata__", ()):
        if isinstance(part, Rule):
            return part
    # `X | None`: the rule of X.
    for member in getattr(annotation, "__args__", ()):
        if (rule := _rule(member)) is not None:
            return rule
    return None


_ABSENT = object()


def _is_text(value: str) -> bool:
    # Python's JSON reader lets lone surrogates ("\ud800") through: they are not text.
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


class RequestModel(msgspec.Struct, frozen=True):
    """A request body. Decoding checks types, lengths and (in __post_init__) the
    rules; for a body that fails, `problem` says what to fix."""

    missing_message: ClassVar[str] = "{field} is required"
    invalid_message: ClassVar[str] = "{field} is invalid"
    # Schema keywords for the whole body that msgspec does not generate.
    json_schema_extra: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        # Raised errors only refuse the body: `problem` words the message.
        for field in _fields(type(self)):
            value = getattr(self, field.name)
            if field.rule is not None and value is not None and not field.rule.accepts(value):
                raise ValueError(field.name)

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        """What is wrong with the body, for its first wrong field in declaration
        order (whatever the order of its keys); None if nothing is."""
        for field in _fields(cls):
            message = cls._message(field, document.get(field.name, _ABSENT))
            if message is not None:
                return message.format(field=field.name)
        return None

    @classmethod
    def _message(cls, field: _Field, value: Any) -> str | None:
        if value is _ABSENT:
            return cls.missing_message if field.required else None
        if isinstance(value, str) and not _is_text(value):
            return cls.invalid_message
        if get_origin(field.type) is Literal:
            return None if value in get_args(field.type) else "Unsupported {field}"
        try:
            msgspec.convert(value, field.type)
        except msgspec.ValidationError:
            # A required field that is not a string, or empty, counts as missing; a
            # wrong optional field, or a string out of bounds, as invalid.
            absent = not isinstance(value, str) or value == ""
            return cls.missing_message if field.required and absent else cls.invalid_message
        if field.rule is not None and isinstance(value, str) and not field.rule.accepts(value):
            blank = field.rule.blank_is_missing and not value.strip()
            return cls.missing_message if field.required and blank else cls.invalid_message
        return None


class LoginRequest(RequestModel, frozen=True):
    username: Username
    password: Password


class RenewRequest(RequestModel, frozen=True):
    missing_message: ClassVar[str] = "Please provide {field} to renew tokens"
    username: Username
    refresh_token: RefreshToken


class TestUserRequest(RequestModel, frozen=True):
    username: Username | None = None


class SignUpRequest(RequestModel, frozen=True):
    username: Username
    password: AccountPassword
    email: Email | None = None
    name: Name | None = None


class ConfirmSignUpRequest(RequestModel, frozen=True):
    username: Username
    code: Code


class UsernameRequest(RequestModel, frozen=True):
    username: Username


class ConfirmForgotPasswordRequest(RequestModel, frozen=True):
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


class ChallengeRequest(RequestModel, frozen=True):
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "if": {"properties": {"challenge_name": {"const": "NEW_PASSWORD_REQUIRED"}}},
        "then": {"required": ["new_password"], "properties": {"new_password": {"type": "string"}}},
        "else": {"required": ["code"], "properties": {"code": {"type": "string"}}},
    }
    username: Username
    challenge_name: ChallengeName
    session: Session
    new_password: AccountPassword | None = None
    code: Code | None = None

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
        answer: str = getattr(self, field)
        return {cognito_name: answer}


class ChangePasswordRequest(RequestModel, frozen=True):
    previous_password: AccountPassword
    proposed_password: AccountPassword


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
            min_length=1, extra_json_schema={"propertyNames": {"enum": sorted(WRITABLE_ATTRIBUTES)}}
        ),
    ]

    def __post_init__(self) -> None:
        if not self.attributes.keys() <= WRITABLE_ATTRIBUTES:
            raise ValueError("attributes")
        if "email" in self.attributes and _EMAIL.match(self.attributes["email"]) is None:
            raise ValueError("email")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        attributes = document.get("attributes", _ABSENT)
        if attributes is _ABSENT or attributes == {}:
            return "attributes is required"
        if not isinstance(attributes, dict):
            return "attributes is invalid"
        try:
            valid = all(map(_is_text, msgspec.convert(attributes, AttributeValues).values()))
        except msgspec.ValidationError:
            valid = False
        if not valid:
            return "Attribute values must be strings of at most 2048 characters"
        refused = sorted(attributes.keys() - WRITABLE_ATTRIBUTES)
        if refused:
            return f"These attributes cannot be changed: {', '.join(refused)}"
        if "email" in attributes and _EMAIL.match(attributes["email"]) is None:
            return "email is invalid"
        return None


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
        return msgspec.json.decode(raw, type=model)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return _reread(raw, model)


def _reread(raw: bytes, model: type[M]) -> M:
    """A body the one-pass decode refused, read again to word the 400 or, where
    Python's JSON reader is the laxer (NaN, lone surrogates, UTF-16, a byte order
    mark, an ill-typed value under a repeated key), to accept it as before."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest(NOT_AN_OBJECT) from None
    if not isinstance(document, dict):
        raise BadRequest(NOT_AN_OBJECT)
    message = model.problem(document)
    if message is not None:
        raise BadRequest(message)
    # Only the fields it knows: msgspec cannot match a key that is not text.
    known = {name: document[name] for name in model.__struct_fields__ if name in document}
    return msgspec.convert(known, model)


def json_schema(model: type[RequestModel]) -> dict[str, Any]:
    """The JSON Schema of `model`, as the OpenAPI document carries it."""
    _, components = msgspec.json.schema_components(
        [model], ref_template="#/components/schemas/{name}"
    )
    schema: dict[str, Any] = components[model.__name__]
    return {**schema, **model.json_schema_extra}


class BodySpec(msgspec.Struct, frozen=True):
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


# --- account ---

# Attributes verified with a code that a user may change (WRITABLE_ATTRIBUTES).
VerifiedAttribute = Literal["email"]


class VerifyAttributeRequest(RequestModel, frozen=True):
    attribute: VerifiedAttribute
    code: Code


class AttributeRequest(RequestModel, frozen=True):
    attribute: VerifiedAttribute


class DeleteAccountRequest(RequestModel, frozen=True):
    password: Password


class LogoutRequest(RequestModel, frozen=True):
    refresh_token: RefreshToken | None = None

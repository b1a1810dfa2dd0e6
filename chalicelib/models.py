"""Request bodies: one msgspec Struct per route, and the parsing that turns any
body into either a Struct or a 400/413 with a message a client can act on. Then the
`data` of each success answer, as the TypedDicts the service builds it with."""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Protocol,
    TypedDict,
    TypeVar,
    get_args,
    get_origin,
)

import msgspec
from msgspec.structs import fields

from chalicelib.errors import BadRequest, PayloadTooLarge

# The largest body the models below accept is 14 attributes of 2048 characters, about
# 345 kB in compact JSON when every character is escaped as a surrogate pair
# ("\ud83d\ude00", 12 bytes): the limit stays above it, so that it refuses no body the
# OpenAPI document calls valid (a unit test computes the bound from the document).
MAX_BODY_BYTES = 512 * 1024
NOT_AN_OBJECT = "Request body must be a JSON object"

# What str.isspace() and str.strip() count as whitespace, spelt out: "\\s" means
# another set in each of ECMA-262 (the document's patterns), Python and Java (Cognito's).
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class Rule(msgspec.Struct, frozen=True):
    """A check on a string that msgspec's constraints cannot express, and the pattern
    that states it in the OpenAPI document (ECMA-262, as JSON Schema reads it: found
    anywhere in the value unless anchored). json_schema() puts the pattern there."""

    pattern: str
    # Whether a blank value is reported as an absent one ("<field> is required").
    blank_is_missing: bool = False
    # The server's check, where it is only part of the pattern: the rest is Cognito's.
    check: Callable[[str], bool] | None = None

    def accepts(self, value: str) -> bool:
        if self.check is not None:
            return self.check(value)
        return _python_pattern(self.pattern).search(value) is not None


@functools.cache
def _python_pattern(pattern: str) -> re.Pattern[str]:
    # ECMA-262's $ matches only at the very end; Python's also before a final newline.
    return re.compile(pattern.removesuffix("$") + r"\Z" if pattern.endswith("$") else pattern)


# A username is printable ASCII, no space. Cognito's own pattern is wider (any letter,
# mark, symbol, number or punctuation: [\p{L}\p{M}\p{S}\p{N}\p{P}]+), but every user of
# this service signs up with an ASCII email and is known inside by a UUID, and tools do
# not read \p{...} alike: schemathesis reads \p{L} as Latin letters only and \p{M} with
# unassigned code points, so it drew "valid" usernames the server refused and "invalid"
# ones it accepted; spelt out as the 700 ranges of Unicode 14, the class slowed drawing
# values by an order of magnitude. ASCII is read the same by every engine.
_USERNAME = Rule(r"^[!-~]+$", blank_is_missing=True)
# With email as the pool's username attribute, sign-up takes an email: the local part in
# dot-atom form, a domain of letter-digit-hyphen labels, a top-level domain of letters.
# ASCII only: what the local stand-in accepts (moto), and a subset of what Cognito does.
_EMAIL = Rule(
    r"^[A-Za-z0-9_][A-Za-z0-9_%+-]*(\.[A-Za-z0-9_%+-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
_SIGN_UP_USERNAME = Rule(_EMAIL.pattern, blank_is_missing=True)
# Cognito's pattern for confirmation codes: [\S]+.
_CODE = Rule(rf"^[^{WHITESPACE}]+$", blank_is_missing=True)
_NOT_BLANK = Rule(rf"[^{WHITESPACE}]", blank_is_missing=True)
# Passwords Cognito stores or compares: no whitespace at either end.
_TRIMMED = Rule(rf"^[^{WHITESPACE}]([\s\S]*[^{WHITESPACE}])?$")

# The pool's password policy (deploy/template.json; the local stand-in's pool copies it):
# at least 8 characters, among them an upper case letter, a lower case one and a digit.
PASSWORD_MIN_LENGTH = 8
_POLICY_CLASSES = ("[A-Z]", "[a-z]", "[0-9]")
# The local stand-in refuses new passwords of 99 characters or more (moto's policy has a
# maximum that Cognito's API cannot set); Cognito takes 256. One limit for every stage.
NEW_PASSWORD_MAX_LENGTH = 98
# A new password as the document states it: trimmed, and holding the policy's classes in
# some order (one pattern, not one per class: a generator draws from a single pattern far
# faster than it filters by several). The server checks the lengths and the trimming;
# the classes are Cognito's to check, in its own words.
_NEW_PASSWORD = Rule(
    rf"^([^{WHITESPACE}][\s\S]*)?("
    + "|".join(r"[\s\S]*".join(order) for order in itertools.permutations(_POLICY_CLASSES))
    + rf")([\s\S]*[^{WHITESPACE}])?$",
    check=_TRIMMED.accepts,
)

# Lengths are Cognito's own limits for these parameters.
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=128), _USERNAME]
SignUpUsername = Annotated[str, msgspec.Meta(min_length=1, max_length=128), _SIGN_UP_USERNAME]
# A password as typed at login: Cognito takes anything there.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
# A password Cognito compares with the stored one.
AccountPassword = Annotated[str, msgspec.Meta(min_length=1, max_length=256), _TRIMMED]
# A password Cognito is asked to store.
NewPassword = Annotated[
    str,
    msgspec.Meta(min_length=PASSWORD_MIN_LENGTH, max_length=NEW_PASSWORD_MAX_LENGTH),
    _NEW_PASSWORD,
]
RefreshToken = Annotated[str, msgspec.Meta(min_length=1, max_length=16 * 1024), _NOT_BLANK]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=2048), _CODE]
Session = Annotated[str, msgspec.Meta(min_length=20, max_length=4096)]
Email = Annotated[str, msgspec.Meta(min_length=1, max_length=2048), _EMAIL]
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
    username: SignUpUsername
    password: NewPassword
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
    password: NewPassword


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
    new_password: NewPassword | None = None
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
                    "email": {"type": "string", "maxLength": 2048, "pattern": _EMAIL.pattern}
                },
            },
        ),
    ]

    def __post_init__(self) -> None:
        if not self.attributes.keys() <= WRITABLE_ATTRIBUTES:
            raise ValueError("attributes")
        if "email" in self.attributes and not _EMAIL.accepts(self.attributes["email"]):
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
        if "email" in attributes and not _EMAIL.accepts(attributes["email"]):
            return "email is invalid"
        return None


# Answers. Each is a plain dict at run time (Chalice serializes it); the TypedDict lets
# mypy check every answer the service builds against what the document says.


class RenewedTokens(TypedDict):
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


class Tokens(RenewedTokens):
    refresh_token: str


# Challenge parameters that are hints for the client, never secrets or internal ids.
PUBLIC_CHALLENGE_PARAMETERS = frozenset(
    {
        "CODE_DELIVERY_DELIVERY_MEDIUM",
        "CODE_DELIVERY_DESTINATION",
        "requiredAttributes",
        "MFAS_CAN_SETUP",
        "FRIENDLY_DEVICE_NAME",
    }
)


class Challenge(TypedDict):
    challenge_name: Annotated[
        str,
        msgspec.Meta(
            description="Cognito's name for it; /login/challenge answers "
            + ", ".join(get_args(ChallengeName))
            + "; MFA_SETUP is answered at /login/mfa/totp/setup, then /login/mfa/totp/verify"
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


class Attribute(TypedDict):
    """A user attribute, as Cognito's AdminGetUser lists it."""

    Name: str
    Value: str


class SignUpResult(TypedDict):
    user_confirmed: bool
    destination: Annotated[
        str | None, msgspec.Meta(description="Where the code went, masked (a***@e***.com)")
    ]


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
    """The JSON Schema of `model` as the OpenAPI document carries it, with the pattern
    of each field's rule."""
    _, components = msgspec.json.schema_components(
        [model], ref_template="#/components/schemas/{name}"
    )
    schema: dict[str, Any] = {**components[model.__name__], **model.json_schema_extra}
    for field in _fields(model):
        if field.rule is not None:
            # The string's own schema, or its member of `X | None`'s anyOf.
            choices = schema["properties"][field.name]
            string = next(c for c in choices.get("anyOf", [choices]) if c.get("type") == "string")
            string["pattern"] = field.rule.pattern
    return schema


class BodySpec(msgspec.Struct, frozen=True):
    """What a view accepts; the OpenAPI document is generated from these."""

    model: type[RequestModel]
    optional: bool
    status: int


View = Callable[..., Any]


def body_parser(
    current_request: Callable[[], Any],
) -> Callable[..., Callable[[View], Callable[..., Any]]]:
    """`accepts(Model)`: a view decorator that parses the body into Model and hands
    it to the view (before any keyword arguments, such as path parameters),
    remembering Model for the OpenAPI document."""

    def accepts(
        model: type[RequestModel], *, optional: bool = False, status: int = 200
    ) -> Callable[[View], Callable[..., Any]]:
        def decorate(view: View) -> Callable[..., Any]:
            @functools.wraps(view)
            def parsed(**params: Any) -> Any:
                body = parse_body(current_request().raw_body, model, optional=optional)
                return view(body, **params)

            parsed.body_spec = BodySpec(model, optional, status)  # type: ignore[attr-defined]
            return parsed

        return decorate

    return accepts


# --- mfa ---

# Cognito's UserCode: exactly six digits (VerifySoftwareToken, the TOTP challenge).
TotpCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6), Rule(r"^[0-9]{6}$")]
# A name for the user's own eyes (FriendlyDeviceName), shown in the login challenge.
DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
# What POST /user/mfa sets, in Amplify's words (updateMFAPreference): `enabled` asks
# for a code at every login, `preferred` also makes it the factor Cognito picks when
# the user has several.
TotpPreference = Literal["preferred", "enabled", "disabled"]


class TotpVerifyRequest(RequestModel, frozen=True):
    code: TotpCode
    device_name: DeviceName | None = None


class LoginTotpSetupRequest(RequestModel, frozen=True):
    username: Username
    session: Session


class LoginTotpVerifyRequest(RequestModel, frozen=True):
    username: Username
    session: Session
    code: TotpCode
    device_name: DeviceName | None = None


class MfaPreferenceRequest(RequestModel, frozen=True):
    totp: TotpPreference


class TotpSetup(TypedDict):
    secret: Annotated[str, msgspec.Meta(description="The app's key, base32, for typing in by hand")]
    uri: Annotated[
        str,
        msgspec.Meta(
            description="otpauth://totp/<issuer>:<email>?secret=...&issuer=<issuer>, "
            "for apps that take a link"
        ),
    ]
    qr_svg: Annotated[str, msgspec.Meta(description="The URI as a QR code, an SVG document")]


class LoginTotpSetup(TotpSetup):
    session: Annotated[str, msgspec.Meta(description="Send it to /login/mfa/totp/verify")]


class MfaPreference(TypedDict):
    totp: TotpPreference


class MfaSettings(TypedDict):
    enabled: Annotated[
        list[str],
        msgspec.Meta(description="The factors Cognito asks for at login (SOFTWARE_TOKEN_MFA)"),
    ]
    preferred: Annotated[
        str | None, msgspec.Meta(description="The factor Cognito picks among several, if any")
    ]
    totp: Annotated[TotpPreference, msgspec.Meta(description="As POST /user/mfa sets it")]


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


# Cognito's pattern for the token RevokeToken takes.
_REVOCABLE = Rule(r"^[A-Za-z0-9_=.-]+$", blank_is_missing=True)
RevocableToken = Annotated[str, msgspec.Meta(min_length=1, max_length=16 * 1024), _REVOCABLE]


class LogoutRequest(RequestModel, frozen=True):
    refresh_token: RevocableToken | None = None


class CodeDelivery(TypedDict):
    """Where a verification code went, as Cognito's CodeDeliveryDetails says."""

    attribute: Annotated[str, msgspec.Meta(description="The attribute verified: email")]
    destination: Annotated[str, msgspec.Meta(description="Masked (a***@e***.com)")]
    delivery_medium: Literal["EMAIL", "SMS"]


# --- admin ---

# A user as the admin routes name them: by email, the pool's sign-in name.
UserEmail = Annotated[str, msgspec.Meta(min_length=1, max_length=128), _EMAIL]
# Printable ASCII, as usernames (Cognito's own pattern for group names is theirs).
GroupName = Annotated[str, msgspec.Meta(min_length=1, max_length=128), _USERNAME]
# What ListUsers can search, and how (Cognito's documented filter syntax): an exact
# match (=) or a prefix (^=), the value in double quotes, with no quote, backslash or
# control character inside.
SEARCHABLE_ATTRIBUTES = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
_FILTER = Rule(rf'^({"|".join(SEARCHABLE_ATTRIBUTES)}) *\^?= *"[^"\\\x00-\x1f\x7f-\x9f]*"$')
# Cognito's limit for Filter.
UserFilter = Annotated[str, msgspec.Meta(max_length=256), _FILTER]
PageSize = Annotated[int, msgspec.Meta(ge=1, le=60)]
PaginationToken = Annotated[str, msgspec.Meta(min_length=1, max_length=4096), _CODE]


# The profile fields a user may set alone, but the email: an invitation's is its username.
INVITATION_ATTRIBUTES = WRITABLE_ATTRIBUTES - {"email"}


class CreateUserRequest(RequestModel, frozen=True):
    username: UserEmail
    attributes: (
        Annotated[
            AttributeValues,
            msgspec.Meta(
                extra_json_schema={"propertyNames": {"enum": sorted(INVITATION_ATTRIBUTES)}}
            ),
        ]
        | None
    ) = None
    # Cognito makes one (and emails it) when none is given.
    temporary_password: NewPassword | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.attributes is not None and not self.attributes.keys() <= INVITATION_ATTRIBUTES:
            raise ValueError("attributes")

    @classmethod
    def problem(cls, document: dict[str, Any]) -> str | None:
        attributes = document.get("attributes")
        message = super().problem({**document, "attributes": None})
        if message is not None or attributes is None:
            return message
        if not isinstance(attributes, dict):
            return "attributes is invalid"
        message = UpdateAttributesRequest.problem({"attributes": attributes})
        refused = sorted(attributes.keys() - INVITATION_ATTRIBUTES)
        if message is None and refused:
            return f"These attributes cannot be changed: {', '.join(refused)}"
        return message


class GroupRequest(RequestModel, frozen=True):
    group: GroupName


def value_type(kind: Any) -> Any:
    """`X` of `X | None`: what a parameter holds when it is given."""
    members = [member for member in get_args(kind) if member is not type(None)]
    return members[0] if get_origin(kind) is not Annotated and members else kind


def _accepts(value: str, kind: Any) -> bool:
    """Whether a parameter's text is a valid `kind` (lax: "10" is the integer 10)."""
    if not _is_text(value):
        return False
    try:
        msgspec.convert(value, kind, strict=False)
    except msgspec.ValidationError:
        return False
    rule = _rule(kind)
    return rule is None or rule.accepts(value)


def _clause(description: str) -> str:
    """A parameter's description, to follow a colon in a message."""
    return description[:1].lower() + description[1:]


def parameter_schema(kind: Any) -> dict[str, Any]:
    """The JSON Schema of a path or query parameter, with its rule's pattern."""
    schema: dict[str, Any] = msgspec.json.schema(kind)
    rule = _rule(kind)
    if rule is not None:
        schema["pattern"] = rule.pattern
    return schema


class PathParameter(msgspec.Struct, frozen=True):
    kind: Any
    description: str


# Every path parameter of the API, by name: what it must be, for the check and the
# OpenAPI document alike. API Gateway hands them over URL-decoded.
PATH_PARAMETERS: dict[str, PathParameter] = {
    "username": PathParameter(UserEmail, "The user's email (their sign-in name)"),
    "group": PathParameter(GroupName, "A group of the user pool"),
}


def parse_path(params: Mapping[str, str]) -> dict[str, str]:
    """The path parameters, each checked against PATH_PARAMETERS; BadRequest otherwise."""
    for name, value in params.items():
        if not _accepts(value, PATH_PARAMETERS[name].kind):
            raise BadRequest(f"{name} is invalid: {_clause(PATH_PARAMETERS[name].description)}")
    return dict(params)


class QueryParams(Protocol):
    """Chalice's query parameters (a MultiDict): every value of a name."""

    def __iter__(self) -> Iterator[str]: ...

    def getlist(self, k: str) -> list[str]: ...


class QueryModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A route's query string. Each parameter may be given once; `descriptions`
    documents them and words the 400 for a wrong one."""

    descriptions: ClassVar[dict[str, str]] = {}


class ListUsersQuery(QueryModel, frozen=True):
    descriptions: ClassVar[dict[str, str]] = {
        "filter": 'Attribute = "value" (exact) or attribute ^= "value" (starts with), '
        f"the attribute one of {', '.join(SEARCHABLE_ATTRIBUTES)}",
        "limit": "Users per page, a whole number from 1 to 60",
        "pagination_token": "The pagination_token of the previous page",
    }
    filter: UserFilter | None = None
    limit: PageSize = 60
    pagination_token: PaginationToken | None = None


Q = TypeVar("Q", bound=QueryModel)


def parse_query(params: QueryParams | None, model: type[Q]) -> Q:
    """The query string as `model`; BadRequest naming the first wrong parameter."""
    given: dict[str, str] = {}
    for name in params or ():
        if name not in model.__struct_fields__:
            raise BadRequest(
                f"Unknown query parameter; this route takes {', '.join(model.__struct_fields__)}"
            )
        values = params.getlist(name) if params is not None else []
        if len(values) != 1:
            raise BadRequest(f"{name} may be given only once")
        given[name] = values[0]
    for field in fields(model):
        if field.name in given and not _accepts(given[field.name], value_type(field.type)):
            raise BadRequest(f"{field.name} is invalid: {_clause(model.descriptions[field.name])}")
    return msgspec.convert(given, model, strict=False)


def query_parser(
    current_request: Callable[[], Any],
) -> Callable[[type[QueryModel]], Callable[[View], Callable[..., Any]]]:
    """`takes_query(Model)`: a view decorator that parses the query string into Model
    and hands it to the view, remembering Model for the OpenAPI document."""

    def takes_query(model: type[QueryModel]) -> Callable[[View], Callable[..., Any]]:
        def decorate(view: View) -> Callable[..., Any]:
            @functools.wraps(view)
            def parsed(**params: Any) -> Any:
                return view(parse_query(current_request().query_params, model), **params)

            parsed.query_model = model  # type: ignore[attr-defined]
            return parsed

        return decorate

    return takes_query


class AdminUser(TypedDict):
    username: Annotated[
        str,
        msgspec.Meta(
            description="Cognito's internal name (the sub); the admin routes take the email"
        ),
    ]
    attributes: dict[str, str]
    enabled: bool | None
    status: Annotated[
        str | None,
        msgspec.Meta(description="Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, ..."),
    ]
    created: Annotated[str | None, msgspec.Meta(description="ISO 8601, UTC")]
    modified: Annotated[str | None, msgspec.Meta(description="ISO 8601, UTC")]


class UserPage(TypedDict):
    users: list[AdminUser]
    pagination_token: Annotated[
        str | None, msgspec.Meta(description="Asks for the next page; null on the last one")
    ]

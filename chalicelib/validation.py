"""The concern-free request machinery: Rules (checks the OpenAPI document states as
patterns), and the parsing that turns any body, query string or path parameter into
either a typed value or a 400/413 with a message a client can act on. Each concern's
own types are in chalicelib.models."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar, get_args, get_origin

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


ABSENT = object()


def is_text(value: str) -> bool:
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
            message = cls._message(field, document.get(field.name, ABSENT))
            if message is not None:
                return message.format(field=field.name)
        return None

    @classmethod
    def _message(cls, field: _Field, value: Any) -> str | None:
        if value is ABSENT:
            return cls.missing_message if field.required else None
        if isinstance(value, str) and not is_text(value):
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


def value_type(kind: Any) -> Any:
    """`X` of `X | None`: what a parameter holds when it is given."""
    members = [member for member in get_args(kind) if member is not type(None)]
    return members[0] if get_origin(kind) is not Annotated and members else kind


def _accepts(value: str, kind: Any) -> bool:
    """Whether a parameter's text is a valid `kind` (lax: "10" is the integer 10)."""
    if not is_text(value):
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


def parse_path(params: Mapping[str, str], known: Mapping[str, PathParameter]) -> dict[str, str]:
    """The path parameters, each checked against what `known` says it must be;
    BadRequest otherwise."""
    for name, value in params.items():
        if not _accepts(value, known[name].kind):
            raise BadRequest(f"{name} is invalid: {_clause(known[name].description)}")
    return dict(params)


class QueryParams(Protocol):
    """Chalice's query parameters (a MultiDict): every value of a name."""

    def __iter__(self) -> Iterator[str]: ...

    def getlist(self, k: str) -> list[str]: ...


class QueryModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A route's query string. Each parameter may be given once; `descriptions`
    documents them and words the 400 for a wrong one."""

    descriptions: ClassVar[dict[str, str]] = {}


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

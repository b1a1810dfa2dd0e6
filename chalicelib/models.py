"""Request bodies: one pydantic model per route, and the parsing that turns any
body into either a model or a 400/413 with a message a client can act on."""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from chalicelib.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 16 * 1024


def _cognito_username(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "blank")
    # Cognito's username pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no separators or controls.
    if any(unicodedata.category(char)[0] in "ZC" for char in value):
        raise PydanticCustomError("username_format", "not a Cognito username")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "blank")
    return value


# Lengths are Cognito's own limits for these parameters.
Username = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_cognito_username)]
Password = Annotated[str, Field(min_length=1, max_length=256)]
RefreshToken = Annotated[
    str, Field(min_length=1, max_length=MAX_BODY_BYTES), AfterValidator(_not_blank)
]

_MISSING = frozenset({"missing", "string_type", "string_too_short", "blank"})


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    missing_message: ClassVar[str] = "{field} is required"
    invalid_message: ClassVar[str] = "{field} is invalid"

    @classmethod
    def message_for(cls, error: ValidationError) -> str:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        template = cls.missing_message if first["type"] in _MISSING else cls.invalid_message
        return template.format(field=field)


class LoginRequest(RequestModel):
    username: Username
    password: Password


class RenewRequest(RequestModel):
    missing_message: ClassVar[str] = "Please provide {field} to renew tokens"
    username: Username
    refresh_token: RefreshToken


class TestUserRequest(RequestModel):
    missing_message: ClassVar[str] = "{field} must be a non-empty string"
    username: Username | None = None


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

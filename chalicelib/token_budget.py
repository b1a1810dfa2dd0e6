"""How long the id token Cognito issues for a user can get, from the attributes it will
carry, so that no write of attributes leaves a user with a token no request can carry
(docs/account.md, "How large a profile can be").

API Gateway refuses a request whose request line and headers together pass 10,240
bytes, and id-token routes take the raw token in `Authorization`. An id token carries
every readable attribute; an access token carries none (sub, username, client_id,
scope, groups and token mechanics only), so the id token is always the larger and the
only one estimated. The estimate is an upper bound of the token's length: every claim
Cognito writes, at its longest, in the JSON escaping Cognito uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib import errors

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

    from chalicelib.settings import Settings

# API Gateway's limit for the request line and all headers together.
HEADER_BUDGET_BYTES = 10240
# Left to everything else a request carries: the request line, Host, User-Agent,
# Accept*, Origin, Referer, Content-*, the sec-ch-ua and Sec-Fetch headers a browser
# adds (about 1,000 bytes from Chromium), and the Via, X-Amz-Cf-Id and
# CloudFront-* headers an edge-optimised endpoint adds before the limit applies.
OTHER_HEADERS_RESERVE_BYTES = 2048
# The raw token is the documented form; "Bearer " would take 7 bytes of the reserve.
_AUTHORIZATION_LINE_BYTES = len("Authorization: \r\n")
MAX_TOKEN_CHARS = HEADER_BUDGET_BYTES - OTHER_HEADERS_RESERVE_BYTES - _AUTHORIZATION_LINE_BYTES

# `cognito:groups` is counted as the user's own groups or as this many groups with
# names of the longest length the admin API takes, whichever is longer: room for an
# administrator to add the user to groups after the write, which no write could undo.
MARGIN_GROUPS = 5
GROUP_NAME_MAX_LENGTH = 128

_UUID = "00000000-0000-0000-0000-000000000000"
# auth_time, iat, exp: seconds since 1970, ten digits until the year 2286.
_TIME = 9_999_999_999
# RS256 with Cognito's 2,048-bit keys: a 256-byte signature.
_SIGNATURE_BYTES = 256
# Cognito's header is {"kid":...,"alg":"RS256"} with a kid of 44 base64 characters;
# counted as if each were a "/", which Cognito writes "\/".
_HEADER = {"kid": "/" * 44, "alg": "RS256"}
# Attributes Cognito puts in an id token as JSON booleans or numbers: counted as
# strings (two quotes more), the form moto writes them in.
_COGNITO_SET = {"email_verified": "false", "updated_at": str(_TIME)}
# Cognito writes an id token's `address` as an OpenID Connect address object.
_FORMATTED = ("address",)
# Cognito's JSON writer (json-smart, as json-simple) escapes "/" as "\/" (2 bytes, seen
# in a real id token's iss: aws-amplify/aws-sdk-ios#1262) and these characters as
# \uXXXX (6 bytes); everything else non-ASCII is written as its UTF-8 bytes (the same
# token shows "ñ" so), as moto writes it too.
_ESCAPED_AS_U = re.compile("[\x7f-\x9f\u2000-\u20ff]")


def id_token_chars(attributes: Mapping[str, str], groups: Sequence[str], settings: Settings) -> int:
    """At least the length of the id token of a user with these attributes (as
    AdminGetUser lists them) and groups, issued by the pool of `settings`."""
    claims: dict[str, Any] = {
        "sub": _UUID,
        **_COGNITO_SET,
        **{name: ({"formatted": v} if name in _FORMATTED else v) for name, v in attributes.items()},
        # The UPDATED issuer form is the longer of the two a pool may sign with.
        "iss": settings.issuers[1],
        "aud": settings.client_id,
        "cognito:username": _UUID,
        "cognito:groups": max(list(groups), _margin_groups(), key=_json_bytes),
        "token_use": "id",
        "auth_time": _TIME,
        "iat": _TIME,
        "exp": _TIME,
        "event_id": _UUID,
        # Refresh-token rotation's claims (already in today's tokens, on AWS and moto).
        "jti": _UUID,
        "origin_jti": _UUID,
    }
    return (
        _base64url_chars(_json_bytes(_HEADER))
        + 1
        + _base64url_chars(_json_bytes(claims))
        + 1
        + _base64url_chars(_SIGNATURE_BYTES)
    )


def check(attributes: Mapping[str, str], groups: Sequence[str], settings: Settings) -> None:
    """errors.TokenTooLarge if a user with these attributes and groups could not send
    their id token."""
    if id_token_chars(attributes, groups, settings) > MAX_TOKEN_CHARS:
        raise errors.TokenTooLarge()


def after_update(
    current: Iterable[AttributeTypeTypeDef], update: Mapping[str, str]
) -> dict[str, str]:
    """The attributes a user has after `update`, from the `current` list (Name/Value, as
    Cognito answers them). A new email waits for its code while the old one stays, so
    the email is counted at the longer of the two."""
    attributes = {a["Name"]: a.get("Value", "") for a in current}
    merged = {**attributes, **update}
    if "email" in attributes and "email" in update:
        merged["email"] = max(attributes["email"], update["email"], key=_json_bytes)
    return merged


def _margin_groups() -> list[str]:
    return ["g" * GROUP_NAME_MAX_LENGTH] * MARGIN_GROUPS


def _json_bytes(value: Any) -> int:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    escaped = "".join(_ESCAPED_AS_U.findall(text))
    extra = text.count("/") + 6 * len(escaped) - len(escaped.encode())
    return len(text.encode()) + extra


def _base64url_chars(size: int) -> int:
    # Unpadded, as in a JWT.
    return (4 * size + 2) // 3

"""A user's attributes in the shape AdminGetUser lists them, rebuilt from the claims of
a verified id token, so that the private route reads no Cognito for its caller.

An id token carries every attribute its app client may read (ReadAttributes; all of
them when the client sets none), as they were when the token was issued.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.models.sign_in import Attribute

# Cognito's standard user attributes an app client can be allowed to read. `sub` is
# always in an id token and cannot be listed in ReadAttributes.
READABLE_STANDARD_ATTRIBUTES = (
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
)
CUSTOM_PREFIX = "custom:"
# Everything else in an id token (iss, aud, exp, iat, auth_time, token_use, jti,
# origin_jti, event_id, cognito:username, cognito:groups, identities, ...) is token
# mechanics, never an attribute.
_USER_ATTRIBUTES = frozenset({"sub", *READABLE_STANDARD_ATTRIBUTES})


def from_id_token(claims: Mapping[str, Any]) -> list[Attribute]:
    """The user attributes among the claims, as AdminGetUser would list them, by name."""
    return by_name(
        {"Name": name, "Value": _attribute_value(value)}
        for name, value in claims.items()
        if (name in _USER_ATTRIBUTES or name.startswith(CUSTOM_PREFIX)) and value is not None
    )


def by_name(attributes: Iterable[Attribute]) -> list[Attribute]:
    """One order for every answer, whether from a token or from Cognito."""
    return sorted(attributes, key=lambda attribute: attribute["Name"])


def value_of(attributes: Iterable[Mapping[str, Any]], name: str) -> str | None:
    """The value of attribute `name` in a Name/Value list as Cognito answers one, if
    it lists that attribute."""
    return next((a.get("Value") for a in attributes if a["Name"] == name), None)


def _attribute_value(value: Any) -> str:
    """Cognito stores every attribute as a string; its id tokens render some as JSON
    types (email_verified true, updated_at 1700000000, address {"formatted": ...}),
    which AdminGetUser lists as "true", "1700000000" and the formatted string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict) and isinstance(value.get("formatted"), str):
        formatted: str = value["formatted"]
        return formatted
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


# --- account ---


def masked_email(email: str) -> str:
    """An address as Cognito masks it in CodeDeliveryDetails: the first character of
    the name and of the domain, and the top-level domain (a***@e***.com)."""
    name, _, domain = email.partition("@")
    host, dot, top = domain.rpartition(".")
    if not host:
        host, dot, top = domain, "", ""
    return f"{name[:1]}***@{host[:1]}***{dot}{top}"

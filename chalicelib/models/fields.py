"""The field types that several concerns' request bodies share: lengths are
Cognito's own limits, Rules its patterns (or a documented subset of them)."""

from __future__ import annotations

import itertools
from typing import Annotated

import msgspec

from chalicelib.validation import WHITESPACE, Rule

# A username is printable ASCII, no space. Cognito's own pattern is wider (any letter,
# mark, symbol, number or punctuation: [\p{L}\p{M}\p{S}\p{N}\p{P}]+), but every user of
# this service signs up with an ASCII email and is known inside by a UUID, and tools do
# not read \p{...} alike: schemathesis reads \p{L} as Latin letters only and \p{M} with
# unassigned code points, so it drew "valid" usernames the server refused and "invalid"
# ones it accepted; spelt out as the 700 ranges of Unicode 14, the class slowed drawing
# values by an order of magnitude. ASCII is read the same by every engine.
USERNAME = Rule(r"^[!-~]+$", blank_is_missing=True)
# With email as the pool's username attribute, sign-up takes an email: the local part in
# dot-atom form, a domain of letter-digit-hyphen labels, a top-level domain of letters.
# ASCII only: what the local stand-in accepts (moto), and a subset of what Cognito does.
EMAIL = Rule(
    r"^[A-Za-z0-9_][A-Za-z0-9_%+-]*(\.[A-Za-z0-9_%+-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
SIGN_UP_USERNAME = Rule(EMAIL.pattern, blank_is_missing=True)
# Cognito's pattern for confirmation codes: [\S]+.
CODE = Rule(rf"^[^{WHITESPACE}]+$", blank_is_missing=True)
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
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=128), USERNAME]
SignUpUsername = Annotated[str, msgspec.Meta(min_length=1, max_length=128), SIGN_UP_USERNAME]
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
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=2048), CODE]
Session = Annotated[str, msgspec.Meta(min_length=20, max_length=4096)]
Email = Annotated[str, msgspec.Meta(min_length=1, max_length=2048), EMAIL]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
AttributeValue = Annotated[str, msgspec.Meta(max_length=2048)]

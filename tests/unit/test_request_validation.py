"""Every route's answer to each kind of wrong body: the status and the exact body.

Where several fields are wrong, the message names the first in the order the body's
model declares them, whatever the order of the keys in the JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.validation import MAX_BODY_BYTES
from devstack.harness import Http
from tests.conftest import ALICE, PASSWORD, refused

NOT_AN_OBJECT = "Request body must be a JSON object"
SESSION = "s" * 40
LONG = "x" * 2049

# Per route: (body, message of the 400). A body given as bytes is sent as it is.
TABLE: dict[str, list[tuple[Any, str]]] = {
    "/login": [
        ({}, "username is required"),
        ({"password": PASSWORD}, "username is required"),
        ({"username": 5, "password": PASSWORD}, "username is required"),
        ({"username": None, "password": PASSWORD}, "username is required"),
        ({"username": "", "password": PASSWORD}, "username is required"),
        ({"username": "   ", "password": PASSWORD}, "username is required"),
        ({"username": "\u3000", "password": PASSWORD}, "username is required"),
        ({"username": "a b", "password": PASSWORD}, "username is invalid"),
        ({"username": "a\u200bb", "password": PASSWORD}, "username is invalid"),
        ({"username": "a\u0000", "password": PASSWORD}, "username is invalid"),
        ({"username": "x" * 129, "password": PASSWORD}, "username is invalid"),
        ({"username": " " * 129, "password": PASSWORD}, "username is invalid"),
        (b'{"username": "\\ud800", "password": "p"}', "username is invalid"),
        ({"username": ALICE}, "password is required"),
        ({"username": ALICE, "password": ""}, "password is required"),
        ({"username": ALICE, "password": ["p"]}, "password is required"),
        ({"username": ALICE, "password": "x" * 257}, "password is invalid"),
        ({"password": "", "username": "a b"}, "username is invalid"),
        ({"password": 5, "username": 5}, "username is required"),
        (b'{"username": "alice@example.com", "password": NaN}', "password is required"),
    ],
    "/user/renew_refresh_token": [
        ({}, "Please provide refresh_token to renew tokens"),
        ({"refresh_token": "t", "username": 5}, "username is invalid"),
        ({"username": ALICE}, "Please provide refresh_token to renew tokens"),
        ({"username": ALICE, "refresh_token": 5}, "Please provide refresh_token to renew tokens"),
        (
            {"username": ALICE, "refresh_token": "\n "},
            "Please provide refresh_token to renew tokens",
        ),
        ({"username": "a b", "refresh_token": "t"}, "username is invalid"),
    ],
    "/signup": [
        ({"password": PASSWORD}, "username is required"),
        ({"username": ALICE}, "password is required"),
        ({"username": ALICE, "password": ""}, "password is required"),
        ({"username": ALICE, "password": "   "}, "password is invalid"),
        ({"username": ALICE, "password": " " + PASSWORD}, "password is invalid"),
        ({"username": ALICE, "password": PASSWORD + "\n"}, "password is invalid"),
        ({"username": ALICE, "password": "x" * 257}, "password is invalid"),
        ({"username": ALICE, "password": PASSWORD, "email": "not-an-email"}, "email is invalid"),
        ({"username": ALICE, "password": PASSWORD, "email": "a b@c.d"}, "email is invalid"),
        ({"username": ALICE, "password": PASSWORD, "email": 5}, "email is invalid"),
        ({"username": ALICE, "password": PASSWORD, "name": ""}, "name is invalid"),
        ({"username": ALICE, "password": PASSWORD, "name": 3}, "name is invalid"),
        ({"username": ALICE, "password": PASSWORD, "name": LONG}, "name is invalid"),
        ({"name": 3, "email": 5, "password": " x"}, "username is required"),
        ({"name": 3, "email": 5, "username": ALICE, "password": " x"}, "password is invalid"),
    ],
    "/signup/confirm": [
        ({"code": "1"}, "username is required"),
        ({"username": ALICE}, "code is required"),
        ({"username": ALICE, "code": ""}, "code is required"),
        ({"username": ALICE, "code": "  "}, "code is required"),
        ({"username": ALICE, "code": 123456}, "code is required"),
        ({"username": ALICE, "code": "12 34"}, "code is invalid"),
        ({"username": ALICE, "code": "1234\n"}, "code is invalid"),
        ({"username": ALICE, "code": LONG}, "code is invalid"),
        ({"code": "12 34", "username": "a\tb"}, "username is invalid"),
    ],
    "/signup/resend-code": [
        ({}, "username is required"),
        ({"username": True}, "username is required"),
        ({"username": "a\tb"}, "username is invalid"),
    ],
    "/password/forgot": [
        ({}, "username is required"),
        ({"username": {"name": "a"}}, "username is required"),
        ({"username": "a\u2028b"}, "username is invalid"),
    ],
    "/password/confirm": [
        ({"code": "1 2", "password": " x"}, "username is required"),
        ({"username": ALICE, "password": PASSWORD}, "code is required"),
        ({"username": ALICE, "code": "1"}, "password is required"),
        ({"password": " x", "code": "1 2", "username": ALICE}, "code is invalid"),
        ({"username": ALICE, "code": "1", "password": PASSWORD + " "}, "password is invalid"),
    ],
    "/login/challenge": [
        ({"challenge_name": "SMS_MFA", "session": SESSION, "code": "1"}, "username is required"),
        ({"username": ALICE, "session": SESSION, "code": "1"}, "challenge_name is required"),
        (
            {"username": ALICE, "challenge_name": "CUSTOM_CHALLENGE", "session": SESSION},
            "Unsupported challenge_name",
        ),
        (
            {"username": ALICE, "challenge_name": 5, "session": SESSION},
            "Unsupported challenge_name",
        ),
        (
            {"username": ALICE, "challenge_name": None, "session": SESSION},
            "Unsupported challenge_name",
        ),
        (
            {"username": ALICE, "challenge_name": "sms_mfa", "session": SESSION},
            "Unsupported challenge_name",
        ),
        ({"username": ALICE, "challenge_name": "SMS_MFA", "code": "1"}, "session is required"),
        (
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": "", "code": "1"},
            "session is required",
        ),
        (
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": "short", "code": "1"},
            "session is invalid",
        ),
        (
            {"username": ALICE, "challenge_name": "NEW_PASSWORD_REQUIRED", "session": SESSION},
            "new_password is required",
        ),
        (
            {
                "username": ALICE,
                "challenge_name": "NEW_PASSWORD_REQUIRED",
                "session": SESSION,
                "new_password": None,
                "code": "1",
            },
            "new_password is required",
        ),
        (
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": SESSION},
            "code is required",
        ),
        (
            {
                "username": ALICE,
                "challenge_name": "SOFTWARE_TOKEN_MFA",
                "session": SESSION,
                "new_password": PASSWORD,
            },
            "code is required",
        ),
        (
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": SESSION, "code": "1 2"},
            "code is invalid",
        ),
        (
            {
                "username": ALICE,
                "challenge_name": "NEW_PASSWORD_REQUIRED",
                "session": SESSION,
                "new_password": " x",
            },
            "new_password is invalid",
        ),
        # The missing answer is looked for only once every field is right.
        (
            {"username": ALICE, "challenge_name": "SMS_MFA", "session": "short"},
            "session is invalid",
        ),
        ({"session": 5, "challenge_name": "X", "username": "a b"}, "username is invalid"),
    ],
    "/user/test-user": [
        ({"username": ""}, "username is invalid"),
        ({"username": "   "}, "username is invalid"),
        ({"username": 5}, "username is invalid"),
        ({"username": "a b"}, "username is invalid"),
        ({"username": "x" * 129}, "username is invalid"),
    ],
    "/user/change-password": [
        ({}, "previous_password is required"),
        ({"proposed_password": "", "previous_password": 1}, "previous_password is required"),
        ({"previous_password": PASSWORD}, "proposed_password is required"),
        ({"previous_password": PASSWORD, "proposed_password": ""}, "proposed_password is required"),
        ({"previous_password": " x", "proposed_password": 5}, "previous_password is invalid"),
        (
            {"previous_password": PASSWORD, "proposed_password": "x "},
            "proposed_password is invalid",
        ),
    ],
    "/user/attributes": [
        ({}, "attributes is required"),
        ({"attributes": {}}, "attributes is required"),
        ({"attributes": None}, "attributes is invalid"),
        ({"attributes": []}, "attributes is invalid"),
        ({"attributes": "name=A"}, "attributes is invalid"),
        (
            {"attributes": {"sub": "x", "phone_number": "+15550100", "name": "A"}},
            "These attributes cannot be changed: phone_number, sub",
        ),
        ({"attributes": {"email": "e@x"}}, "email is invalid"),
        # Names are checked before the email's form.
        ({"attributes": {"email": "e", "sub": "x"}}, "These attributes cannot be changed: sub"),
        (
            {"attributes": {"custom:role": "admin"}},
            "These attributes cannot be changed: custom:role",
        ),
        (b'{"attributes": {"\\ud800": "x"}}', "These attributes cannot be changed: \ud800"),
        (
            {"attributes": {"name": 5}},
            "Attribute values must be strings of at most 2048 characters",
        ),
        (
            {"attributes": {"name": LONG}},
            "Attribute values must be strings of at most 2048 characters",
        ),
        (
            {"attributes": {"name": None}},
            "Attribute values must be strings of at most 2048 characters",
        ),
        # Values are checked before names.
        ({"attributes": {"sub": 5}}, "Attribute values must be strings of at most 2048 characters"),
        (
            b'{"attributes": {"name": "\\ud800"}}',
            "Attribute values must be strings of at most 2048 characters",
        ),
    ],
    "/logout": [
        ({"refresh_token": 5}, "refresh_token is invalid"),
        ({"refresh_token": ""}, "refresh_token is invalid"),
        ({"refresh_token": " \n"}, "refresh_token is invalid"),
        # Cognito's pattern for a token to revoke: [A-Za-z0-9-_=.]+
        ({"refresh_token": "a b"}, "refresh_token is invalid"),
        ({"refresh_token": "abc/def"}, "refresh_token is invalid"),
    ],
    "/user/attributes/verify": [
        ({"code": "123456"}, "attribute is required"),
        ({"attribute": "phone_number", "code": "123456"}, "Unsupported attribute"),
        ({"attribute": "email_verified", "code": "123456"}, "Unsupported attribute"),
        ({"attribute": "email"}, "code is required"),
        ({"attribute": "email", "code": "12 34"}, "code is invalid"),
    ],
    "/user/attributes/verify/resend": [
        ({}, "attribute is required"),
        ({"attribute": "name"}, "Unsupported attribute"),
        ({"attribute": ["email"]}, "Unsupported attribute"),
    ],
    "/user/delete": [
        ({}, "password is required"),
        ({"password": ""}, "password is required"),
        ({"password": 5}, "password is required"),
        ({"password": "x" * 257}, "password is invalid"),
    ],
}
# Whatever the route.
NOT_OBJECTS = [b"[]", b"null", b'"text"', b"5", b"{", b"nope", b"\xff", b"[" * 5000 + b"]" * 5000]
TOKENS = {
    "/user/test-user": "id_token",
    "/user/change-password": "access_token",
    "/user/attributes": "access_token",
    "/logout": "access_token",
    "/user/attributes/verify": "access_token",
    "/user/attributes/verify/resend": "access_token",
    "/user/delete": "access_token",
}


def _answers(
    api: Http, route: str, bodies: list[Any], headers: dict[str, str]
) -> list[tuple[str, int, Any]]:
    answers = []
    for body in bodies:
        raw = body if isinstance(body, bytes) else None
        status, answer = api.post(route, None if raw else body, headers, raw=raw)
        answers.append((repr(body)[:100], status, answer))
    return answers


def _headers(route: str, request: pytest.FixtureRequest) -> dict[str, str]:
    if route not in TOKENS:
        return {}
    login: Callable[[str], dict[str, Any]] = request.getfixturevalue("login")
    return {"Authorization": login(ALICE)[TOKENS[route]]}


def _error(status: int, message: str, code: str = "invalid_request") -> tuple[int, dict[str, Any]]:
    return status, refused(message, code)


@pytest.mark.parametrize("route", list(TABLE))
def test_each_wrong_body_gets_the_400_message_of_its_first_wrong_field(
    api: Http, request: pytest.FixtureRequest, route: str
) -> None:
    rows = TABLE[route]

    answers = _answers(api, route, [body for body, _ in rows], _headers(route, request))

    assert answers == [(repr(body)[:100], *_error(400, message)) for body, message in rows]


@pytest.mark.parametrize("route", list(TABLE))
def test_a_body_that_is_not_a_json_object_gets_400(
    api: Http, request: pytest.FixtureRequest, route: str
) -> None:
    answers = _answers(api, route, NOT_OBJECTS, _headers(route, request))

    assert answers == [(repr(raw)[:100], *_error(400, NOT_AN_OBJECT)) for raw in NOT_OBJECTS]


@pytest.mark.parametrize("route", list(TABLE))
def test_a_body_over_16_kib_gets_413_before_any_check(
    api: Http, request: pytest.FixtureRequest, route: str
) -> None:
    over = b'{"username": "' + b"x" * MAX_BODY_BYTES + b'"}'

    answers = _answers(api, route, [over], _headers(route, request))

    assert answers == [
        (repr(over)[:100], *_error(413, "Request body is too large", "payload_too_large"))
    ]


@pytest.mark.usefixtures("users")
@pytest.mark.parametrize(
    "raw",
    [
        # Unknown fields are ignored, even ones only Python's JSON reader reads.
        b'{"username": "alice@example.com", "password": "Corr3ct-Horse!", "x": NaN}',
        b'{"username": "alice@example.com", "password": "Corr3ct-Horse!", "x": [1, {"y": 2}]}',
        # A repeated key: the last value counts.
        b'{"username": 5, "username": "alice@example.com", "password": "Corr3ct-Horse!"}',
        b'\xef\xbb\xbf{"username": "alice@example.com", "password": "Corr3ct-Horse!"}',
        '{"username": "alice@example.com", "password": "Corr3ct-Horse!"}'.encode("utf-16"),
    ],
)
def test_a_body_python_reads_as_valid_json_logs_in(api: Http, raw: bytes) -> None:
    status, body = api.post("/login", raw=raw)

    assert (status, body["message"]) == (200, "success")

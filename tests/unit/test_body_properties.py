"""Property tests: whatever the body (any JSON, any types, huge strings, unicode,
deep nesting, bytes that are not JSON), every route answers a well-formed 4xx or
success, never a 5xx or a traceback; over the size limit, 413."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.validation import MAX_BODY_BYTES
from devstack.harness import Http
from tests.conftest import ALICE

# The routes that take an access token.
ACCESS_ROUTES = [
    "/user/change-password",
    "/user/attributes",
    "/logout",
    "/user/attributes/verify",
    "/user/attributes/verify/resend",
    "/user/delete",
]
ROUTES = [
    "/login",
    "/login/challenge",
    "/user/renew_refresh_token",
    "/signup",
    "/signup/confirm",
    "/signup/resend-code",
    "/password/forgot",
    "/password/confirm",
    "/user/test-user",
    *ACCESS_ROUTES,
]
FIELDS = [
    "username",
    "password",
    "refresh_token",
    "email",
    "name",
    "code",
    "session",
    "challenge_name",
    "new_password",
    "previous_password",
    "proposed_password",
    "attributes",
    "attribute",
]
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    # One pool and one app for all examples, on purpose: they change nothing.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(min_size=1000, max_size=5000)
    | st.sampled_from(["NEW_PASSWORD_REQUIRED", "SMS_MFA", "a@b.co", "x" * 129, "\u0000", "\ud7ff"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
)
bodies = (
    st.fixed_dictionaries({}, optional={name: json_values for name in FIELDS})
    | json_values
    | st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(1, 5000))
)


def _check(status: int, raw: bytes) -> None:
    assert status < 500, raw[:300]
    document = json.loads(raw)
    if status == 401 and set(document) == {"message"}:
        assert document["message"] in ("Unauthorized", "The incoming token has expired")
        return
    if status >= 400:
        assert set(document) == {"message", "error", "success", "data", "code"}
        assert re.fullmatch("[a-z][a-z0-9_]*", document["code"]), document
    else:
        assert set(document) == {"message", "error", "success", "data"}
    assert document["error"] is (status >= 400)
    assert b"Traceback" not in raw


@pytest.fixture
def credentials(login: Callable[[str], dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Valid tokens for each kind of route, so that bodies reach guarded views."""
    tokens = login(ALICE)
    return {
        "/user/test-user": {"Authorization": tokens["id_token"]},
        **{route: {"Authorization": tokens["access_token"]} for route in ACCESS_ROUTES},
    }


@pytest.mark.parametrize("route", ROUTES)
@given(body=bodies)
@PROPERTY_SETTINGS
def test_any_json_body_gets_a_well_formed_answer(
    api: Http, credentials: dict[str, dict[str, str]], route: str, body: Any
) -> None:
    raw = body.encode() if isinstance(body, str) and body.startswith("[") else None
    response = api.raw_post(route, None if raw else body, credentials.get(route), raw=raw)

    _check(response.status_code, bytes(response.body))


@pytest.mark.parametrize("route", ["/login", "/signup", "/user/attributes"])
@given(raw=st.binary(max_size=2000))
@PROPERTY_SETTINGS
def test_any_bytes_get_a_well_formed_answer(api: Http, route: str, raw: bytes) -> None:
    response = api.raw_post(route, raw=raw)

    _check(response.status_code, bytes(response.body))


@pytest.mark.parametrize("route", ["/login", "/user/renew_refresh_token", "/password/confirm"])
@given(extra=st.integers(1, 50_000), filler=st.sampled_from(["x", "\u00e9", "\U0001f600"]))
@PROPERTY_SETTINGS
def test_a_body_over_the_limit_answers_413(api: Http, route: str, extra: int, filler: str) -> None:
    body = {"username": "a@b.co", "password": filler * (MAX_BODY_BYTES + extra)}

    response = api.raw_post(route, body)

    assert response.status_code == 413
    assert json.loads(response.body)["message"] == "Request body is too large"

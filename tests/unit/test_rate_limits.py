"""The WAF emulation's count (chalicelib.rate_limits), on a clock the test moves, and
what chalice local's guard reads of a request's head (chalicelib.local_gateway)."""

from __future__ import annotations

import json
from email.message import Message

import pytest

from chalicelib import local_gateway
from chalicelib.local_gateway import Refusal, announced_length
from chalicelib.rate_limits import (
    BLOCKED_BODY,
    RULES,
    WINDOW_SECONDS,
    SlidingWindowLimiter,
    rule_for,
)
from tests.conftest import Clock

ADDRESS = "203.0.113.7"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(clock=clock)


def _admitted(limiter: SlidingWindowLimiter, count: int, path: str = "/login") -> list[bool]:
    return [limiter.admits(ADDRESS, "POST", path) for _ in range(count)]


def test_the_sixtieth_sign_in_passes_and_the_sixty_first_is_refused(
    limiter: SlidingWindowLimiter,
) -> None:
    assert _admitted(limiter, 61) == [True] * 60 + [False]


def test_a_sign_in_passes_again_once_the_window_has_slid_past_the_first_ones(
    limiter: SlidingWindowLimiter, clock: Clock
) -> None:
    _admitted(limiter, 60)
    clock.now += WINDOW_SECONDS - 0.001
    just_before = _admitted(limiter, 1)
    clock.now += 0.001  # the first 60 are WINDOW_SECONDS old: out of the window

    assert just_before == [False]
    assert _admitted(limiter, 1) == [True]


def test_refused_requests_count_so_a_client_that_keeps_guessing_stays_refused(
    limiter: SlidingWindowLimiter, clock: Clock
) -> None:
    _admitted(limiter, 60)
    clock.now += WINDOW_SECONDS / 2
    refused = _admitted(limiter, 60)  # all refused, all counted
    clock.now += WINDOW_SECONDS / 2  # the first 60 are out of the window, these are not

    assert refused == [False] * 60
    assert _admitted(limiter, 1) == [False]


@pytest.mark.parametrize("method", ["OPTIONS", "GET", "PUT", "DELETE"])
def test_only_posts_count(limiter: SlidingWindowLimiter, method: str) -> None:
    others = [limiter.admits(ADDRESS, method, "/login") for _ in range(100)]

    assert others == [True] * 100
    assert _admitted(limiter, 61) == [True] * 60 + [False]


@pytest.mark.parametrize("path", ["/user/test-user", "/logout", "/loginx", "/", "/admin/users"])
def test_other_paths_never_count(limiter: SlidingWindowLimiter, path: str) -> None:
    assert _admitted(limiter, 200, path) == [True] * 200


def test_paths_under_login_share_the_sign_in_rule(limiter: SlidingWindowLimiter) -> None:
    paths = ["/login", "/login/challenge", "/login/mfa/totp/verify"] * 20

    assert [limiter.admits(ADDRESS, "POST", path) for path in paths] == [True] * 60
    assert _admitted(limiter, 1, "/login/challenge") == [False]


def test_each_rule_and_each_address_counts_apart(limiter: SlidingWindowLimiter) -> None:
    _admitted(limiter, 61)

    assert limiter.admits("198.51.100.1", "POST", "/login")
    assert _admitted(limiter, 30, "/password/forgot") == [True] * 30
    assert _admitted(limiter, 1, "/signup") == [False]  # the codes rule's 31st
    assert _admitted(limiter, 150, "/user/renew_refresh_token") == [True] * 150
    assert _admitted(limiter, 1, "/user/renew_refresh_token") == [False]


def test_the_rules_are_the_templates_defaults() -> None:
    assert {rule.name: rule.limit for rule in RULES} == {"sign-in": 60, "codes": 30, "renew": 150}
    assert WINDOW_SECONDS == 300
    for path in ("/signup", "/signup/confirm", "/signup/resend-code"):
        assert rule_for("POST", path) is RULES[1]
    for path in ("/password/forgot", "/password/confirm"):
        assert rule_for("POST", path) is RULES[1]


def test_the_refusal_is_wafs_custom_response_body() -> None:
    assert json.loads(BLOCKED_BODY) == {
        "message": "Too many requests from this address: retry after the number of "
        "seconds in Retry-After",
        "error": True,
        "success": False,
        "data": None,
        "code": "rate_limited",
    }


@pytest.mark.parametrize(
    ("environ", "limited"),
    [({}, True), ({"LOCAL_RATE_LIMITS": "on"}, True), ({"LOCAL_RATE_LIMITS": "off"}, False)],
)
def test_local_rate_limits_off_lifts_the_rules(environ: dict[str, str], limited: bool) -> None:
    assert (local_gateway.limiter(environ) is not None) is limited


def test_a_local_rate_limits_value_other_than_on_or_off_is_refused() -> None:
    with pytest.raises(ValueError, match="LOCAL_RATE_LIMITS must be on or off"):
        local_gateway.limiter({"LOCAL_RATE_LIMITS": "false"})


def _head(*headers: tuple[str, str]) -> Message:
    message = Message()
    for name, value in headers:
        message[name] = value
    return message


NOT_A_LENGTH = Refusal(400, "Content-Length is not a number of bytes")
TOO_LONG = Refusal(413, "Request Too Long")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((), 0),
        ((("Content-Length", "42"),), 42),
        ((("Content-Length", "0042"),), 42),
        ((("Content-Length", "10485760"),), 10485760),
        ((("Content-Length", "10485761"),), TOO_LONG),
        ((("Content-Length", "9" * 5000),), TOO_LONG),
        ((("Content-Length", "abc"),), NOT_A_LENGTH),
        ((("Content-Length", "-1"),), NOT_A_LENGTH),
        ((("Content-Length", "+1"),), NOT_A_LENGTH),
        ((("Content-Length", "1_0"),), NOT_A_LENGTH),
        ((("Content-Length", "\u0661"),), NOT_A_LENGTH),  # an Arabic-Indic one
        ((("Content-Length", "1, 1"),), NOT_A_LENGTH),
        ((("Content-Length", "1"), ("Content-Length", "2")), NOT_A_LENGTH),
        ((("Content-Length", "2"), ("Content-Length", "2")), 2),
        (
            (("Transfer-Encoding", "chunked"),),
            Refusal(411, "Send the body with a Content-Length, not a Transfer-Encoding"),
        ),
        (
            (("Transfer-Encoding", "chunked"), ("Content-Length", "5")),
            Refusal(411, "Send the body with a Content-Length, not a Transfer-Encoding"),
        ),
    ],
)
def test_the_announced_length_or_the_refusal(
    headers: tuple[tuple[str, str], ...], expected: int | Refusal
) -> None:
    assert announced_length(_head(*headers)) == expected

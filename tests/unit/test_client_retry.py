"""Waiting out a 429, and timeouts, through urllib3 itself: a loopback server
answers from a script (a mocked transport would skip urllib3's waiting)."""

from __future__ import annotations

import time

import pytest

from cognito_auth_client import Client, ServiceUnreachable, Throttled, Tokens
from tests.client_support import Answer, envelope, error_envelope, scripted, tokens

THROTTLED = error_envelope("Too many requests, please retry later", "throttled")


def throttled(retry_after: str | None) -> Answer:
    headers = {"X-Request-Id": "req-1"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Answer(429, THROTTLED, headers)


def test_a_429_is_retried_after_retry_after_then_succeeds() -> None:
    waits: list[float] = []
    success = Answer(200, envelope(tokens(time.time() + 3600)))
    with (
        scripted(throttled("2"), success) as server,
        Client(server.url, max_wait=10, sleep=waits.append) as client,
    ):
        answer = client.login("alice@example.com", "Passw0rd!")

    assert isinstance(answer, Tokens)
    assert waits == [2.0]
    # The same request, body included, both times.
    assert [body for _, _, body in server.requests] == [
        {"username": "alice@example.com", "password": "Passw0rd!"}
    ] * 2


def test_a_retry_after_beyond_the_bound_raises_throttled_at_once() -> None:
    waits: list[float] = []
    with (
        scripted(throttled("30")) as server,
        Client(server.url, max_wait=10, sleep=waits.append) as client,
        pytest.raises(Throttled) as raised,
    ):
        client.login("alice@example.com", "Passw0rd!")

    assert (raised.value.retry_after, raised.value.request_id) == (30.0, "req-1")
    assert (waits, len(server.requests)) == ([], 1)


def test_a_429_without_retry_after_is_not_retried() -> None:
    waits: list[float] = []
    with (
        scripted(throttled(None)) as server,
        Client(server.url, sleep=waits.append) as client,
        pytest.raises(Throttled) as raised,
    ):
        client.login("alice@example.com", "Passw0rd!")

    assert raised.value.retry_after is None
    assert (waits, len(server.requests)) == ([], 1)


def test_throttling_that_lasts_raises_throttled_after_the_retries() -> None:
    waits: list[float] = []
    with (
        scripted(throttled("1")) as server,
        Client(server.url, retries=2, sleep=waits.append) as client,
        pytest.raises(Throttled) as raised,
    ):
        client.login("alice@example.com", "Passw0rd!")

    assert raised.value.retry_after == 1.0
    assert (waits, len(server.requests)) == ([1.0, 1.0], 3)


def test_a_service_that_never_answers_times_out() -> None:
    with (
        scripted(hang=True) as server,
        Client(server.url, timeout=(1.0, 0.2)) as client,
        pytest.raises(ServiceUnreachable, match="No answer"),
    ):
        client.forgot_password("alice@example.com")

"""The JWKS cache behind token verification: fetched once, refetched once for an
unknown kid, then quiet for the cooldown; an unreachable JWKS answers 503."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import errors
from chalicelib.token_verification import (
    FAILURE_BACKOFF_SECONDS,
    REFETCH_COOLDOWN_SECONDS,
    USER_SCOPE,
    JwksCache,
    verifier,
)
from devstack.pool import Pool
from tests.conftest import MOTO_PUBLIC_JWKS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counting(document: dict[str, Any]) -> tuple[Callable[[], dict[str, Any]], list[int]]:
    calls: list[int] = []

    def fetch() -> dict[str, Any]:
        calls.append(1)
        return document

    return fetch, calls


def test_jwks_is_fetched_once_for_many_lookups() -> None:
    fetch, calls = _counting(MOTO_PUBLIC_JWKS)
    cache = JwksCache(fetch)

    assert all(cache.key("dummy") is not None for _ in range(50))
    assert len(calls) == 1


def test_unknown_kid_refetches_once_then_waits_for_the_cooldown() -> None:
    fetch, calls = _counting(MOTO_PUBLIC_JWKS)
    clock = Clock()
    cache = JwksCache(fetch, clock=clock)
    cache.key("dummy")
    clock.now += REFETCH_COOLDOWN_SECONDS

    assert cache.key("junk-1") is None
    assert cache.key("junk-2") is None
    assert len(calls) == 2
    clock.now += REFETCH_COOLDOWN_SECONDS
    assert cache.key("junk-3") is None
    assert len(calls) == 3


def test_a_rotated_key_is_found_after_one_refetch() -> None:
    rotated = {"keys": [{**MOTO_PUBLIC_JWKS["keys"][0], "kid": "new"}]}
    documents = iter([MOTO_PUBLIC_JWKS, rotated])
    clock = Clock()
    cache = JwksCache(lambda: next(documents), clock=clock)
    assert cache.key("new") is None  # first fetch: old set only, and within cooldown
    clock.now += REFETCH_COOLDOWN_SECONDS

    assert cache.key("new") is not None


@pytest.mark.parametrize(
    "jwk_change",
    [{"use": "enc"}, {"alg": "RS512"}, {"kty": "EC"}, {"kid": 7}, {"n": "not-base64!"}],
)
def test_keys_not_meant_for_rs256_signatures_are_ignored(jwk_change: dict[str, Any]) -> None:
    document = {"keys": [{**MOTO_PUBLIC_JWKS["keys"][0], **jwk_change}]}

    assert JwksCache(lambda: document).key("dummy") is None


def test_jwks_fetch_failure_is_an_outage_not_a_crash() -> None:
    def broken() -> dict[str, Any]:
        return json.loads("not json")  # type: ignore[no-any-return]

    with pytest.raises(errors.ServiceUnavailable):
        JwksCache(broken).key("dummy")


@pytest.mark.parametrize(
    ("scope", "accepted"),
    [
        (f"openid {USER_SCOPE}", True),
        (USER_SCOPE, True),
        ("openid email", False),
        (f"{USER_SCOPE}x", False),
        (None, False),
    ],
)
def test_scoped_verification_needs_the_scope_in_an_access_token(
    pool: Pool, mint: Callable[..., str], scope: str | None, accepted: bool
) -> None:
    token = mint(
        **{
            "token_use": "access",
            "aud": None,
            "client_id": pool.client_id,
            "cognito:username": None,
            "scope": scope,
        }
    )

    if accepted:
        assert verifier.get().verify(token, "access", (USER_SCOPE,))["client_id"] == pool.client_id
    else:
        with pytest.raises(errors.GatewayUnauthorized):
            verifier.get().verify(token, "access", (USER_SCOPE,))


def test_an_access_token_for_another_client_is_refused(
    pool: Pool, mint: Callable[..., str]
) -> None:
    token = mint(**{"token_use": "access", "aud": None, "client_id": "other", "scope": USER_SCOPE})

    with pytest.raises(errors.GatewayUnauthorized):
        verifier.get().verify(token, "access", (USER_SCOPE,))


def test_a_failed_fetch_is_not_retried_for_the_backoff() -> None:
    attempts: list[int] = []

    def down() -> dict[str, Any]:
        attempts.append(1)
        raise OSError("connection refused")

    clock = Clock()
    cache = JwksCache(down, clock=clock)
    for _ in range(5):
        with pytest.raises(errors.ServiceUnavailable):
            cache.key("dummy")
    assert len(attempts) == 1

    clock.now += FAILURE_BACKOFF_SECONDS
    with pytest.raises(errors.ServiceUnavailable):
        cache.key("dummy")
    assert len(attempts) == 2

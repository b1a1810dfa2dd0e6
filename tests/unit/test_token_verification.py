"""The JWKS cache behind token verification: fetched once, refetched once for an
unknown kid, then quiet for the cooldown; an unreachable JWKS answers 503. And what
the attack matrix cannot reach over HTTP: exact expiry, malformed headers, and that
importing the app does not load the JOSE library."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import errors
from chalicelib.services import services
from chalicelib.token_verification import (
    FAILURE_BACKOFF_SECONDS,
    REFETCH_COOLDOWN_SECONDS,
    USER_SCOPE,
    JwksCache,
    TokenVerifier,
)
from devstack.environment import ROOT
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


def test_keys_are_imported_once_not_per_lookup() -> None:
    cache = JwksCache(lambda: MOTO_PUBLIC_JWKS)

    assert cache.key("dummy") is cache.key("dummy")


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
        assert (
            services.verifier().verify(token, "access", (USER_SCOPE,))["client_id"]
            == pool.client_id
        )
    else:
        with pytest.raises(errors.GatewayUnauthorized):
            services.verifier().verify(token, "access", (USER_SCOPE,))


def test_an_access_token_for_another_client_is_refused(
    pool: Pool, mint: Callable[..., str]
) -> None:
    token = mint(**{"token_use": "access", "aud": None, "client_id": "other", "scope": USER_SCOPE})

    with pytest.raises(errors.GatewayUnauthorized):
        services.verifier().verify(token, "access", (USER_SCOPE,))


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


def _verifier_at(now: float) -> TokenVerifier:
    settings = services.settings()
    return TokenVerifier(
        settings.issuers,
        settings.client_id,
        JwksCache(lambda: MOTO_PUBLIC_JWKS),
        clock=lambda: now,
    )


@pytest.mark.usefixtures("pool")
def test_a_token_expires_at_its_exp_to_the_second(mint: Callable[..., str]) -> None:
    exp = int(time.time()) + 600
    token = mint(exp=exp)

    assert _verifier_at(exp - 1).verify(token, "id")["exp"] == exp
    with pytest.raises(errors.TokenExpired):
        _verifier_at(exp).verify(token, "id")


@pytest.mark.usefixtures("pool")
@pytest.mark.parametrize("jti", [7, ["a"], {"id": "a"}])
def test_a_jti_that_is_not_a_string_is_refused(mint: Callable[..., str], jti: Any) -> None:
    with pytest.raises(errors.GatewayUnauthorized):
        services.verifier().verify(mint(jti=jti), "id")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.usefixtures("pool")
@pytest.mark.parametrize(
    "header",
    [
        json.dumps({"alg": "RS256", "kid": "dummy", "crit": 5}),
        json.dumps({"alg": "RS256", "kid": "dummy", "crit": [["b64"]]}),
        json.dumps({"alg": "RS256", "kid": "dummy", "b64": False}),
        json.dumps("alg"),
        json.dumps({"alg": "RS256", "kid": {"dummy": 1}}),
    ],
)
def test_malformed_headers_are_refused_not_crashed(mint: Callable[..., str], header: str) -> None:
    _, payload, signature = mint().split(".")
    token = f"{_b64(header.encode())}.{payload}.{signature}"

    with pytest.raises(errors.GatewayUnauthorized):
        services.verifier().verify(token, "id")


@pytest.mark.usefixtures("pool")
def test_a_token_that_is_not_encodable_text_is_refused() -> None:
    with pytest.raises(errors.GatewayUnauthorized):
        services.verifier().verify("eyJhbGciOiJSUzI1NiJ9.\ud800.c2ln", "id")


def test_importing_the_app_leaves_the_jose_library_for_the_first_verification() -> None:
    """/login, sign-up and the other routes without a token never verify one, so a
    cold start that serves them does not load joserfc and cryptography."""
    code = "import sys, app; print(sorted({'joserfc', 'cryptography'} & set(sys.modules)))"

    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    assert loaded.strip() == "[]"

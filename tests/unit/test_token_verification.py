"""The JWKS cache behind token verification: fetched once, refetched once for an
unknown kid, then quiet for the cooldown; an unreachable JWKS answers 503. And what
the attack matrix cannot reach over HTTP: exact expiry, malformed headers, the reason
each refusal names, the size bound, scope grammar, both issuer forms, and that
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
    MAX_TOKEN_CHARS,
    REFETCH_COOLDOWN_SECONDS,
    USER_SCOPE,
    JwksCache,
    Reason,
    TokenVerifier,
)
from devstack.environment import ROOT
from devstack.harness import MOTO_PUBLIC_JWKS
from devstack.pool import Pool
from tests.conftest import Clock


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
    clock.advance(REFETCH_COOLDOWN_SECONDS)

    assert cache.key("junk-1") is None
    assert cache.key("junk-2") is None
    assert len(calls) == 2
    clock.advance(REFETCH_COOLDOWN_SECONDS)
    assert cache.key("junk-3") is None
    assert len(calls) == 3


def test_a_rotated_key_is_found_after_one_refetch() -> None:
    rotated = {"keys": [{**MOTO_PUBLIC_JWKS["keys"][0], "kid": "new"}]}
    documents = iter([MOTO_PUBLIC_JWKS, rotated])
    clock = Clock()
    cache = JwksCache(lambda: next(documents), clock=clock)
    assert cache.key("new") is None  # first fetch: old set only, and within cooldown
    clock.advance(REFETCH_COOLDOWN_SECONDS)

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

    clock.advance(FAILURE_BACKOFF_SECONDS)
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


def _pool_verifier() -> TokenVerifier:
    """A verifier of the pool's tokens, wired as deployed: both issuer forms."""
    return _verifier_at(time.time())


def _reason(verify: Callable[[], object]) -> str:
    with pytest.raises(errors.GatewayUnauthorized) as refused:
        verify()
    assert refused.value.status_code == 401
    return refused.value.reason


@pytest.mark.usefixtures("pool")
def test_a_token_expires_at_its_exp_to_the_second(mint: Callable[..., str]) -> None:
    exp = int(time.time()) + 600
    token = mint(exp=exp)

    assert _verifier_at(exp - 1).verify(token, "id")["exp"] == exp
    with pytest.raises(errors.TokenExpired):
        _verifier_at(exp).verify(token, "id")


@pytest.mark.usefixtures("pool")
@pytest.mark.parametrize(
    ("claim", "reason"), [("iat", "issued_in_future"), ("nbf", "not_yet_valid")]
)
def test_iat_and_nbf_may_lie_60_seconds_ahead_and_not_a_second_more(
    mint: Callable[..., str], claim: str, reason: Reason
) -> None:
    """The clock skew tolerated between Cognito and this function: a wider one would
    admit tokens dated ahead that the gateway refuses."""
    now = int(time.time())
    verifier = _verifier_at(now)

    assert verifier.verify(mint(**{claim: now + 60}), "id")[claim] == now + 60
    assert _reason(lambda: verifier.verify(mint(**{claim: now + 61}), "id")) == reason


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


@pytest.mark.usefixtures("pool")
@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": None}, "missing_claim"),
        ({"exp": True}, "bad_claim_type"),
        ({"iat": True}, "bad_claim_type"),
        ({"nbf": 1.5}, "bad_claim_type"),
        ({"iat": 2**40}, "issued_in_future"),
        ({"nbf": 2**40}, "not_yet_valid"),
        ({"iss": None}, "wrong_issuer"),
        ({"token_use": "access"}, "wrong_token_use"),
        ({"sub": None}, "missing_claim"),
        ({"jti": 7}, "bad_claim_type"),
        ({"aud": "another-client"}, "wrong_audience"),
        ({"cognito:username": None}, "missing_claim"),
        ({"cognito:groups": ["admin", 7]}, "bad_claim_type"),
    ],
)
def test_each_failed_check_names_its_reason_and_answers_the_gateways_401(
    mint: Callable[..., str], claims: dict[str, Any], reason: Reason
) -> None:
    token = mint(**claims)

    assert _reason(lambda: _pool_verifier().verify(token, "id")) == reason


@pytest.mark.usefixtures("pool")
def test_an_expired_token_names_its_reason_and_keeps_the_gateways_message(
    mint: Callable[..., str],
) -> None:
    token = mint(exp=int(time.time()) - 1)

    with pytest.raises(errors.TokenExpired) as expired:
        _pool_verifier().verify(token, "id")
    assert (expired.value.reason, expired.value.message) == (
        "expired",
        "The incoming token has expired",
    )


@pytest.mark.usefixtures("pool")
def test_both_issuer_forms_of_the_pool_are_accepted_and_no_other(
    mint: Callable[..., str],
) -> None:
    settings = services.settings()
    original, updated = settings.issuers

    for issuer in (original, updated):
        assert _pool_verifier().verify(mint(iss=issuer), "id")["iss"] == issuer
    other_region = updated.replace(settings.region, "eu-west-1")
    assert _reason(lambda: _pool_verifier().verify(mint(iss=other_region), "id")) == "wrong_issuer"


@pytest.mark.usefixtures("pool")
def test_an_issuer_given_as_one_string_is_that_issuer_not_its_characters(
    mint: Callable[..., str],
) -> None:
    settings = services.settings()
    only_original = TokenVerifier(
        settings.issuer, settings.client_id, JwksCache(lambda: MOTO_PUBLIC_JWKS)
    )

    assert only_original.verify(mint(), "id")["iss"] == settings.issuer
    assert _reason(lambda: only_original.verify(mint(iss="h"), "id")) == "wrong_issuer"


@pytest.mark.usefixtures("pool")
def test_a_token_up_to_the_gateways_header_limit_is_verified_and_one_longer_is_not(
    mint: Callable[..., str],
) -> None:
    """API Gateway forwards at most 10,240 bytes of request line and headers, so no
    token it admits is longer; Cognito's own can pass 8,000 characters."""
    # Three characters of a claim are four of base64url: start just below the bound.
    padding = (MAX_TOKEN_CHARS - len(mint(padding=""))) * 3 // 4 - 6
    while len(mint(padding="x" * (padding + 1))) <= MAX_TOKEN_CHARS:
        padding += 1
    largest = mint(padding="x" * padding)
    too_large = mint(padding="x" * (padding + 1))

    assert len(largest) <= MAX_TOKEN_CHARS < len(too_large)
    assert _pool_verifier().verify(largest, "id")["padding"] == "x" * padding
    assert _reason(lambda: _pool_verifier().verify(too_large, "id")) == "too_large"


def _access(pool: Pool, mint: Callable[..., str], scope: Any) -> str:
    return mint(
        **{
            "token_use": "access",
            "aud": None,
            "client_id": pool.client_id,
            "cognito:username": None,
            "scope": scope,
        }
    )


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        (f"openid\t{USER_SCOPE}", "malformed_scope"),
        (f"openid  {USER_SCOPE}", "malformed_scope"),
        (f" {USER_SCOPE}", "malformed_scope"),
        (f"{USER_SCOPE} ", "malformed_scope"),
        (f"openid\n{USER_SCOPE}", "malformed_scope"),
        ("", "malformed_scope"),
        ([USER_SCOPE], "bad_claim_type"),
        (None, "missing_scope"),
        ("openid email", "missing_scope"),
    ],
)
def test_a_scope_claim_grants_only_in_rfc_6749_form(
    pool: Pool, mint: Callable[..., str], scope: Any, reason: Reason
) -> None:
    """scope = scope-token *( SP scope-token ): single spaces only."""
    token = _access(pool, mint, scope)

    assert _reason(lambda: _pool_verifier().verify(token, "access", (USER_SCOPE,))) == reason

"""Verification of Cognito JWTs, as API Gateway's Cognito authorizer does it.

Chalice's local gateway (`chalice local`, chalice.test.Client) admits any token, so
the app verifies every token itself, in every stage. Failures raise
GatewayUnauthorized / TokenExpired, whose bodies are the gateway's own.

joserfc (and the parts of cryptography it loads) is imported on the first
verification, not with this module: the app imports this module at start, and
routes without a token (/login, sign-up) never need it, so a cold start that serves
one of them does not pay for it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from chalicelib import errors

if TYPE_CHECKING:
    from joserfc.jwk import GuestProtocol, RSAKey

logger = logging.getLogger(__name__)

TokenUse = Literal["id", "access"]
# The scope Cognito puts in access tokens for the user's own account operations.
USER_SCOPE = "aws.cognito.signin.user.admin"
Claims = dict[str, Any]

ALGORITHM = "RS256"
# Real Cognito tokens stay well under this; anything larger is refused before parsing.
MAX_TOKEN_CHARS = 8000
# Tolerated clock difference for iat/nbf; exp gets none, as at the gateway.
CLOCK_SKEW_SECONDS = 60
# After an unknown kid forced a JWKS refetch, further unknown kids wait this long.
REFETCH_COOLDOWN_SECONDS = 10.0
# After a failed fetch, requests answer 503 at once for this long instead of queueing
# behind new fetches that would most likely time out too.
FAILURE_BACKOFF_SECONDS = 5.0

# Cognito's key set is about 1 KiB; a larger answer is not Cognito's.
MAX_JWKS_BYTES = 64 * 1024

JwksFetcher = Callable[[], dict[str, Any]]


def http_jwks_fetcher(url: str, timeout: float) -> JwksFetcher:
    def fetch() -> dict[str, Any]:
        # Deferred like joserfc: only a guarded route's first request fetches keys.
        import urllib.request

        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https or local stand-in)
            raw = response.read(MAX_JWKS_BYTES + 1)
        if len(raw) > MAX_JWKS_BYTES:
            raise ValueError(f"JWKS larger than {MAX_JWKS_BYTES} bytes")
        document: dict[str, Any] = json.loads(raw)
        return document

    return fetch


class JwksCache:
    """The pool's signing keys, fetched once and refetched only for an unknown kid.

    Keys are kept imported (public key objects), so a verification never parses a JWK.
    """

    def __init__(
        self,
        fetch: JwksFetcher,
        cooldown: float = REFETCH_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._cooldown = cooldown
        self._clock = clock
        self._keys: dict[str, RSAKey] | None = None
        self._fetched_at = 0.0
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> RSAKey | None:
        keys = self._keys
        if keys is None or (kid not in keys and self._may_refetch()):
            keys = self._refresh()
        return keys.get(kid)

    def _may_refetch(self) -> bool:
        return self._clock() - self._fetched_at >= self._cooldown

    def _refresh(self) -> dict[str, RSAKey]:
        with self._lock:
            if self._keys is not None and not self._may_refetch():
                return self._keys  # another thread just refreshed
            failed_at = self._failed_at
            if failed_at is not None and self._clock() - failed_at < FAILURE_BACKOFF_SECONDS:
                raise errors.ServiceUnavailable("JWKS fetch failed moments ago")
            try:
                document = self._fetch()
            except Exception as exc:  # any network or parse failure is the same outage
                self._failed_at = self._clock()
                raise errors.ServiceUnavailable() from exc
            self._keys = _signing_keys(document)
            self._fetched_at = self._clock()
            self._failed_at = None
            return self._keys


def _signing_keys(document: Any) -> dict[str, RSAKey]:
    from joserfc.errors import JoseError
    from joserfc.jwk import RSAKey

    keys: dict[str, RSAKey] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
            continue
        if jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            keys[jwk["kid"]] = RSAKey.import_key(jwk)
        except (JoseError, ValueError, TypeError, KeyError):
            logger.warning("ignoring an unusable key in the JWKS (kid %s)", jwk["kid"])
    return keys


class TokenVerifier:
    def __init__(
        self,
        issuers: Collection[str],
        client_id: str,
        jwks: JwksCache,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Here rather than in verify(), where an import statement would cost each call.
        from joserfc.errors import JoseError
        from joserfc.jws import JWSRegistry
        from joserfc.jwt import decode

        self._issuers = frozenset(issuers)
        self._client_id = client_id
        self._jwks = jwks
        self._clock = clock
        self._decode = decode
        # RS256 only. Header parameters outside the JWS registry are let through, as
        # API Gateway does; the registered ones must have their registered types.
        self._registry = JWSRegistry(algorithms=[ALGORITHM], strict_check_header=False)
        # joserfc lets TypeError (a "crit" that is not a list of names) and ValueError (a
        # lone surrogate in the token) through as well; every unreadable token is a 401.
        self._unreadable = (JoseError, ValueError, TypeError)

    def verify(self, token: str, token_use: TokenUse, scopes: tuple[str, ...] = ()) -> Claims:
        """The token's claims, or GatewayUnauthorized / TokenExpired."""
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise errors.GatewayUnauthorized()
        try:
            claims = self._decode(token, self._key, registry=self._registry).claims
        except self._unreadable:
            raise errors.GatewayUnauthorized() from None
        self._check_claims(claims, token_use, scopes)
        return claims

    def _key(self, token: GuestProtocol) -> RSAKey:
        # joserfc calls this after it has checked the header's types and its alg, so
        # a token of another algorithm never triggers a JWKS fetch.
        kid = token.headers().get("kid")
        key = self._jwks.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise errors.GatewayUnauthorized()
        return key

    def _check_claims(self, claims: Claims, token_use: TokenUse, scopes: tuple[str, ...]) -> None:
        # Cognito's times are whole seconds; JSON floats, strings and booleans are not.
        exp = claims.get("exp")
        if not _is_int(exp):
            raise errors.GatewayUnauthorized()
        now = self._clock()
        if exp <= now:
            raise errors.TokenExpired()
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and (not _is_int(value) or value > now + CLOCK_SKEW_SECONDS):
                raise errors.GatewayUnauthorized()
        if claims.get("iss") not in self._issuers or claims.get("token_use") != token_use:
            raise errors.GatewayUnauthorized()
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti", ""), str):
            raise errors.GatewayUnauthorized()
        audience = claims.get("aud") if token_use == "id" else claims.get("client_id")
        if audience != self._client_id:
            raise errors.GatewayUnauthorized()
        if token_use == "id" and not isinstance(claims.get("cognito:username"), str):
            raise errors.GatewayUnauthorized()
        groups = claims.get("cognito:groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise errors.GatewayUnauthorized()
        if scopes:
            granted = claims.get("scope")
            if not isinstance(granted, str) or not set(scopes) & set(granted.split()):
                raise errors.GatewayUnauthorized()


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)

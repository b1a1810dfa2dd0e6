"""Verification of Cognito JWTs, as API Gateway's Cognito authorizer does it.

Chalice's local gateway (`chalice local`, chalice.test.Client) admits any token, so
the app verifies every token itself, in every stage. Failures raise
Refused / TokenExpired (both GatewayUnauthorized), whose bodies are the gateway's
own; each names the check that failed as its `reason`, which goes to the log only.

joserfc (and the parts of cryptography it loads) is imported on the first
verification, not with this module: the app imports this module at start, and
routes without a token (/login, sign-up) never need it, so a cold start that serves
one of them does not pay for it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Literal

from chalicelib import errors

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

logger = logging.getLogger(__name__)

TokenUse = Literal["id", "access"]
# The scope Cognito puts in access tokens for the user's own account operations.
USER_SCOPE = "aws.cognito.signin.user.admin"
Claims = dict[str, Any]
# Why a token was refused, for the log: one short stable name per failed check.
Reason = Literal[
    "missing",  # no Authorization header, or an empty one
    "too_large",
    "bearer_prefix",  # `Bearer <token>`: the gateway takes the raw token only
    "malformed",  # not three base64url parts of JSON, or an unusable header
    "wrong_algorithm",
    "unknown_kid",
    "bad_signature",
    "expired",
    "missing_claim",  # exp, sub, or an id token's cognito:username
    "bad_claim_type",  # a claim present with the wrong JSON type (null included)
    "issued_in_future",
    "not_yet_valid",
    "wrong_issuer",
    "wrong_token_use",
    "wrong_audience",  # an id token's aud
    "wrong_client",  # an access token's client_id
    "malformed_scope",
    "missing_scope",
]

ALGORITHM = "RS256"
# API Gateway refuses a request whose request line and headers together exceed 10,240
# bytes, so no token it forwards is longer than that; Cognito's own can pass 8,000
# characters (a user in many groups, long attributes). Anything larger is refused
# before parsing.
MAX_TOKEN_CHARS = 10240
BEARER_PREFIX = "bearer "
# Tolerated clock difference for iat/nbf; exp gets none, as at the gateway.
CLOCK_SKEW_SECONDS = 60
# RFC 6749, 3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 /
# %x23-5B / %x5D-7E ). A tab or a doubled space is not a separator; such a claim
# grants nothing rather than being read generously.
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")
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


# Claims that may not lie in the future (beyond the clock skew), and the reason given.
_NOT_BEFORE: tuple[tuple[str, Reason], ...] = (
    ("iat", "issued_in_future"),
    ("nbf", "not_yet_valid"),
)


class Refused(errors.GatewayUnauthorized):
    """A token refused for `reason`: the gateway's 401, with the failed check named
    for the log (never for the response)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)


class TokenVerifier:
    """Verifies tokens as API Gateway's Cognito authorizer does, with joserfc's JWS
    layer: it splits and decodes the token (strict base64url, JSON header, size
    limits) and checks the RS256 signature; the claims are checked here, in one pass
    over the decoded payload."""

    def __init__(
        self,
        issuers: Collection[str],
        client_id: str,
        jwks: JwksCache,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Here rather than in verify(), where an import statement would cost each call.
        from joserfc import jws
        from joserfc.errors import JoseError
        from joserfc.util import urlsafe_b64decode

        # A pool signs with one of two issuer URLs (IssuerConfigurationType); a lone
        # string is one issuer, not a collection of characters. A tuple, not a set:
        # `in` compares with ==, so an unhashable `iss` (a JSON list) is just refused.
        self._issuers = (issuers,) if isinstance(issuers, str) else tuple(issuers)
        self._client_id = client_id
        self._jwks = jwks
        self._clock = clock
        self._extract = jws.extract_compact
        self._b64decode = urlsafe_b64decode
        # RS256 only; extract_compact also applies the registry's size limits.
        self._registry = jws.JWSRegistry(algorithms=[ALGORITHM])
        self._rs256 = self._registry.get_alg(ALGORITHM)
        # joserfc lets ValueError (a lone surrogate, a non-ASCII byte) and TypeError
        # through as well; every unreadable token is the same 401.
        self._unreadable = (JoseError, ValueError, TypeError, RecursionError)

    def verify(self, token: str, token_use: TokenUse, scopes: tuple[str, ...] = ()) -> Claims:
        """The token's claims, or Refused / errors.TokenExpired."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Refused("too_large")
        # RFC 6750's form (its scheme name in any case), the mistake clients make most:
        # named apart from other garbage so that the operator sees it at once.
        if token[: len(BEARER_PREFIX)].lower() == BEARER_PREFIX:
            raise Refused("bearer_prefix")
        try:
            jws = self._extract(token.encode(), registry=self._registry)
        except self._unreadable:
            raise Refused("malformed") from None
        header = jws.protected
        if type(header) is not dict:  # a JSON string header has an "alg" in it too
            raise Refused("malformed")
        if header.get("alg") != ALGORITHM:
            raise Refused("wrong_algorithm")
        # No extension is understood here, so a critical one must be refused (RFC
        # 7515, 4.1.11); Cognito sends none.
        if "crit" in header:
            raise Refused("malformed")
        kid = header.get("kid")
        if type(kid) is not str:
            raise Refused("malformed")
        # After the algorithm check: a token of another algorithm never causes a fetch.
        key = self._jwks.key(kid)
        if key is None:
            raise Refused("unknown_kid")
        segments = jws.segments
        try:
            signature = self._b64decode(segments["signature"])
        except self._unreadable:
            raise Refused("malformed") from None
        signing_input = segments["header"] + b"." + segments["payload"]
        if not self._rs256.verify(signing_input, signature, key):
            raise Refused("bad_signature")
        try:
            # Decoded first: json.loads would otherwise sniff the bytes' encoding.
            claims = json.loads(jws.payload.decode())
        except self._unreadable:
            raise Refused("malformed") from None
        if type(claims) is not dict:
            raise Refused("malformed")
        self._check_claims(claims, token_use, scopes)
        return claims

    def _check_claims(self, claims: Claims, token_use: TokenUse, scopes: tuple[str, ...]) -> None:
        # Cognito's times are whole seconds: JSON floats, strings, booleans and null
        # are not times (and `type(x) is int` is False for a bool).
        exp = claims.get("exp")
        if type(exp) is not int:
            raise Refused(_absent_or_mistyped(claims, "exp"))
        now = self._clock()
        if exp <= now:
            raise errors.TokenExpired()
        latest = now + CLOCK_SKEW_SECONDS
        for name, too_early in _NOT_BEFORE:
            if name in claims:
                moment = claims[name]
                if type(moment) is not int:
                    raise Refused("bad_claim_type")
                if moment > latest:
                    raise Refused(too_early)
        if claims.get("iss") not in self._issuers:
            raise Refused("wrong_issuer")
        if claims.get("token_use") != token_use:
            raise Refused("wrong_token_use")
        if type(claims.get("sub")) is not str:
            raise Refused(_absent_or_mistyped(claims, "sub"))
        if "jti" in claims and type(claims["jti"]) is not str:
            raise Refused("bad_claim_type")
        if token_use == "id":
            if claims.get("aud") != self._client_id:
                raise Refused("wrong_audience")
            if type(claims.get("cognito:username")) is not str:
                raise Refused(_absent_or_mistyped(claims, "cognito:username"))
        elif claims.get("client_id") != self._client_id:
            raise Refused("wrong_client")
        if "cognito:groups" in claims:
            groups = claims["cognito:groups"]
            if type(groups) is not list or not all(type(group) is str for group in groups):
                raise Refused("bad_claim_type")
        if scopes:
            self._check_scope(claims, scopes)

    @staticmethod
    def _check_scope(claims: Claims, scopes: tuple[str, ...]) -> None:
        granted = claims.get("scope")
        if type(granted) is not str:
            raise Refused("missing_scope" if granted is None else "bad_claim_type")
        if _SCOPE.fullmatch(granted) is None:
            raise Refused("malformed_scope")
        if set(scopes).isdisjoint(granted.split(" ")):
            raise Refused("missing_scope")


def _absent_or_mistyped(claims: Claims, name: str) -> Reason:
    return "bad_claim_type" if name in claims else "missing_claim"

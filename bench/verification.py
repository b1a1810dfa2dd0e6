"""Row 3: microseconds per verification of a Cognito-sized id token with a warm key
cache, against the floor: the bare RS256 signature check with `cryptography`.

Beside the service's TokenVerifier, the same token goes through the alternatives, in
the same process and interleaved with the floor, so that their ratios compare:
joserfc's JWT API and its JWS API, PyJWT with a prepared key, authlib's JWS API
(when installed; it is not a dependency of the service), and what any verifier must
do at the least: split, base64 and JSON with the standard library around the same
RSA check. Only TokenVerifier checks every claim the gateway checks; the other rows
check the signature and, where said, some claims, so they are lower bounds for a
verifier built on them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench.report import Row, median_per_call
from bench.tokens import cognito_id_token, public_key
from chalicelib.token_verification import ALGORITHM, JwksCache, TokenVerifier
from devstack.harness import moto_jwks

POOL = "eu-west-1_AbCdEf123"
CLIENT = "4bd3oq2n7sq4ib1hpl6v9vmlfk"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
ISSUERS = (ISSUER, f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}")
GOAL = 2.0
SECTION = "3. token verification"
FLOOR = "bare cryptography RS256 check"
# A user in this many groups (names of 56 characters) gets an id token of about
# 9,400 characters, as large as Cognito's grow and still under the 10,240 limit.
MANY_GROUPS = 100


def _alternatives(token: str, jwk: dict[str, Any]) -> dict[str, Callable[[], object]]:
    """The same token through other libraries, each with its key prepared once."""
    import jwt as pyjwt
    from joserfc import jws, jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.import_key(jwk)
    registry = jws.JWSRegistry(algorithms=[ALGORITHM])
    pyjwt_key = pyjwt.PyJWK(jwk)
    pyjwt_decoder = pyjwt.PyJWT()
    rsa_key = public_key()
    rs256 = (padding.PKCS1v15(), hashes.SHA256())

    def stdlib_floor() -> object:
        header, payload, signature = token.split(".")
        json.loads(base64.urlsafe_b64decode(header + "=="))
        signing_input = f"{header}.{payload}".encode("ascii")
        rsa_key.verify(base64.urlsafe_b64decode(signature + "=="), signing_input, *rs256)
        return json.loads(base64.urlsafe_b64decode(payload + "=="))

    variants: dict[str, Callable[[], object]] = {
        "joserfc jwt.decode (signature only)": lambda: (
            jwt.decode(token, key, registry=registry).claims
        ),
        "joserfc jws.deserialize_compact + json.loads": lambda: json.loads(
            jws.deserialize_compact(token, key, registry=registry).payload
        ),
        "PyJWT decode, prepared key (exp, iat, nbf, aud, iss)": lambda: pyjwt_decoder.decode(
            token, pyjwt_key, algorithms=[ALGORITHM], audience=CLIENT, issuer=ISSUER
        ),
        "stdlib split/base64/JSON + the same RSA check": stdlib_floor,
    }
    authlib = _authlib(token, jwk)
    if authlib is not None:
        variants["authlib JsonWebSignature.deserialize_compact + json.loads"] = authlib
    return variants


def _authlib(token: str, jwk: dict[str, Any]) -> Callable[[], object] | None:
    import importlib
    import warnings

    try:
        # authlib.jose warns, always, that it is deprecated in favour of joserfc:
        # recorded here, so the table stays readable. Imported by name: authlib is
        # installed only to measure it, and has no type stubs.
        with warnings.catch_warnings(record=True):
            jose = importlib.import_module("authlib.jose")
    except ImportError:
        return None
    key = jose.RSAKey.import_key(jwk)
    signatures = jose.JsonWebSignature(algorithms=[ALGORITHM])
    return lambda: json.loads(signatures.deserialize_compact(token, key)["payload"])


def measure(repeat: int, number: int) -> list[Row]:
    """Median over `repeat` rounds of `number` verifications of each variant."""
    token = cognito_id_token(ISSUER, CLIENT)
    large = cognito_id_token(
        ISSUER, CLIENT, groups=[f"group-{i:03d}-".ljust(56, "x") for i in range(MANY_GROUPS)]
    )
    jwks = moto_jwks("jwks-public")
    verifier = TokenVerifier(ISSUERS, CLIENT, JwksCache(lambda: jwks))
    key = public_key()

    def bare(of: str) -> Callable[[], None]:
        signing_input, _, signature_b64 = of.rpartition(".")
        signature = base64.urlsafe_b64decode(signature_b64 + "==")
        data = signing_input.encode("ascii")
        return lambda: key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())

    ours = f"TokenVerifier.verify, id token of {len(token)} chars"
    ours_large = f"TokenVerifier.verify, id token of {len(large)} chars ({MANY_GROUPS} groups)"
    variants: dict[str, Callable[[], object]] = {
        FLOOR: bare(token),
        ours: lambda: verifier.verify(token, "id"),
        **_alternatives(token, jwks["keys"][0]),
        f"{FLOOR}, {len(large)} chars": bare(large),
        ours_large: lambda: verifier.verify(large, "id"),
    }
    # Rounds rotate the order, so that a noisy stretch of the machine falls on all.
    seconds = median_per_call(variants, repeat, number)
    floor = seconds.pop(FLOOR) * 1e6
    floor_large = seconds.pop(f"{FLOOR}, {len(large)} chars") * 1e6
    rows = []
    for name, value in seconds.items():
        goal = GOAL if name == ours else None
        baseline = floor_large if name == ours_large else floor
        rows.append(Row(SECTION, name, value * 1e6, baseline, "us", f"{FLOOR}, same token", goal))
    return rows

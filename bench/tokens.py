"""Cognito-shaped RS256 tokens signed with the private key that ships in moto's
package, and that key's public half, with `cryptography` alone: whichever JWT
library the service uses, the bench neither depends on it nor favours it."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from devstack.harness import moto_jwks

KID = "dummy"  # the kid of moto's one key


def _int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(jwk[name] + "=="), "big")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@cache
def public_key() -> rsa.RSAPublicKey:
    jwk = moto_jwks("jwks-public")["keys"][0]
    return rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n")).public_key()


@cache
def _private_key() -> rsa.RSAPrivateKey:
    # moto ships only n, e and d: the primes and CRT values are derived from them.
    jwk = moto_jwks("jwks-private")
    n, e, d = _int(jwk, "n"), _int(jwk, "e"), _int(jwk, "d")
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    numbers = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


def sign(claims: dict[str, Any]) -> str:
    """A compact RS256 JWS of the claims, with moto's kid."""
    header = _b64(json.dumps({"alg": "RS256", "kid": KID, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = _private_key().sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64(signature)}"


def cognito_id_token(issuer: str, client_id: str, groups: Sequence[str] = ("admin",)) -> str:
    """An id token with the claims and sizes a Cognito pool issues for a user with a
    name, an email and the groups (by default one)."""
    now = int(time.time())
    sub = "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f"
    return sign(
        {
            "sub": sub,
            "email_verified": True,
            "iss": issuer,
            "cognito:username": sub,
            "cognito:groups": list(groups),
            "origin_jti": "9b1c3d6e-2f4a-4b8c-8d0e-1a2b3c4d5e6f",
            "aud": client_id,
            "event_id": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a",
            "token_use": "id",
            "auth_time": now,
            "name": "Demo User",
            "exp": now + 3600,
            "iat": now,
            "jti": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "email": "demo@example.com",
        }
    )

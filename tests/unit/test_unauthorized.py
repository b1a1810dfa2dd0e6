"""Without a valid id token of this pool and app client, /user/test-user answers
exactly what API Gateway's Cognito authorizer answers, through chalice.test.Client
(whose local gateway, like `chalice local`, would otherwise admit any token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import ALICE, MOTO_PUBLIC_JWKS, Http

UNAUTHORIZED = {"message": "Unauthorized"}
EXPIRED = {"message": "The incoming token has expired"}
Mint = Callable[..., str]

pytestmark = pytest.mark.usefixtures("users")


def _b64(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def _unsigned(mint: Mint) -> str:
    _, payload, _ = mint().split(".")
    return ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])


def _other_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _hs256_with_public_key(mint: Mint) -> str:
    """The classic confusion attack: HMAC keyed with the RSA public key."""
    _, payload, _ = mint().split(".")
    public_pem = jwt.PyJWK(MOTO_PUBLIC_JWKS["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'dummy'})}.{payload}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


CASES: dict[str, tuple[Callable[[Mint, Callable[[str], dict[str, Any]]], dict[str, str]], Any]] = {
    "missing header": (lambda mint, login: {}, UNAUTHORIZED),
    "empty header": (lambda mint, login: {"Authorization": ""}, UNAUTHORIZED),
    "not a JWT": (lambda mint, login: {"Authorization": "not-a-jwt"}, UNAUTHORIZED),
    "payload not base64": (lambda mint, login: {"Authorization": "a.%%%.c"}, UNAUTHORIZED),
    "payload a JSON array": (
        lambda mint, login: {"Authorization": f"{_b64({'alg': 'RS256'})}.WzFd.sig"},
        UNAUTHORIZED,
    ),
    "bearer prefix": (
        lambda mint, login: {"Authorization": "Bearer " + login(ALICE)["id_token"]},
        UNAUTHORIZED,
    ),
    "forged unsigned token": (lambda mint, login: {"Authorization": _unsigned(mint)}, UNAUTHORIZED),
    "signed by another key": (
        lambda mint, login: {"Authorization": mint(key=_other_key())},
        UNAUTHORIZED,
    ),
    "expired": (
        lambda mint, login: {"Authorization": mint(exp=int(time.time()) - 5)},
        EXPIRED,
    ),
    "expired and signed by another key": (
        lambda mint, login: {"Authorization": mint(key=_other_key(), exp=int(time.time()) - 5)},
        UNAUTHORIZED,
    ),
    "access token instead of id token": (
        lambda mint, login: {"Authorization": login(ALICE)["access_token"]},
        UNAUTHORIZED,
    ),
    "another app client": (
        lambda mint, login: {"Authorization": mint(aud="other-client")},
        UNAUTHORIZED,
    ),
    "another pool": (
        lambda mint, login: {
            "Authorization": mint(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")
        },
        UNAUTHORIZED,
    ),
    "unknown kid": (
        lambda mint, login: {"Authorization": mint(headers={"kid": "rotated-away"})},
        UNAUTHORIZED,
    ),
    "HS256 keyed with the public key": (
        lambda mint, login: {"Authorization": _hs256_with_public_key(mint)},
        UNAUTHORIZED,
    ),
    "issued an hour ahead": (
        lambda mint, login: {"Authorization": mint(iat=int(time.time()) + 3600)},
        UNAUTHORIZED,
    ),
    "not valid before an hour from now": (
        lambda mint, login: {"Authorization": mint(nbf=int(time.time()) + 3600)},
        UNAUTHORIZED,
    ),
    "iat not a number": (lambda mint, login: {"Authorization": mint(iat="now")}, UNAUTHORIZED),
    "exp not a number": (lambda mint, login: {"Authorization": mint(exp="never")}, UNAUTHORIZED),
    "groups not a list": (
        lambda mint, login: {"Authorization": mint(**{"cognito:groups": "admin"})},
        UNAUTHORIZED,
    ),
    "no token_use": (lambda mint, login: {"Authorization": mint(token_use=None)}, UNAUTHORIZED),
    "no cognito:username": (
        lambda mint, login: {"Authorization": mint(**{"cognito:username": None})},
        UNAUTHORIZED,
    ),
    "oversized token": (
        lambda mint, login: {"Authorization": mint(padding="x" * 9000)},
        UNAUTHORIZED,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_private_route_refuses_with_the_gateways_exact_401(
    api: Http, mint: Mint, login: Callable[[str], dict[str, Any]], case: str
) -> None:
    make_headers, expected = CASES[case]

    response = api.raw_post("/user/test-user", {}, make_headers(mint, login))

    assert response.status_code == 401
    assert response.body == json.dumps(expected, separators=(",", ":")).encode()


@pytest.mark.parametrize("issued_ahead", [0, 30])
def test_a_valid_minted_token_is_accepted(
    api: Http, mint: Mint, users: dict[str, str], issued_ahead: int
) -> None:
    """The hostile cases above differ from this one in one respect each; a clock up
    to a minute behind Cognito's is tolerated for iat/nbf."""
    now = int(time.time())
    token = mint(
        **{
            "sub": users[ALICE],
            "cognito:username": users[ALICE],
            "cognito:groups": ["readers"],
            "iat": now + issued_ahead,
            "nbf": now + issued_ahead,
        }
    )

    status, body = api.post("/user/test-user", {}, {"Authorization": token})

    assert status == 200
    assert {a["Name"]: a["Value"] for a in body["data"]}["email"] == ALICE

"""Without a valid id token of this pool and app client, /user/test-user answers
exactly what API Gateway's Cognito authorizer answers, through chalice.test.Client
(whose local gateway, like `chalice local`, would otherwise admit any token)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import ALICE, Http

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


def test_a_valid_minted_token_is_accepted(api: Http, mint: Mint, users: dict[str, str]) -> None:
    """The hostile cases above differ from this one in one respect each."""
    token = mint(**{"sub": users[ALICE], "cognito:username": users[ALICE]})

    status, body = api.post("/user/test-user", {}, {"Authorization": token})

    assert status == 200
    assert {a["Name"]: a["Value"] for a in body["data"]}["email"] == ALICE

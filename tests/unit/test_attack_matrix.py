"""The attack matrix: hostile tokens and headers against Cognito-guarded routes,
object-level authorization, and user enumeration on every public route.

Every test here runs twice: in-process through chalice.test.Client (this module,
`target` from tests/conftest.py) and over HTTP against `chalice local` on the
embedded stand-in (tests/e2e/test_attack_matrix_http.py imports these tests and
supplies its own `target`). Each hostile case must get API Gateway's exact answer.

The cases, by name:
  missing header; empty header; blank header; not a JWT; two parts; four parts;
  payload not base64; payload a JSON array; header not JSON; header a JSON array;
  Bearer prefix; non-ASCII garbage; deeply nested header; deeply nested payload;
  alg none, unsigned; alg none, signature kept; HS256 keyed with the public key;
  RS512 in the header; signed by another key; signature stripped; payload tampered;
  jku pointing elsewhere;
  no kid; unknown kid; kid not a string; kid path traversal;
  expired; expired and signed by another key; no exp; exp not a number;
  exp a numeric string; exp a float;
  issued an hour ahead; not valid before an hour from now; iat not a number;
  another pool; issuer with a trailing slash; issuer over http;
  no token_use; access token_use on an id route; real access token on an id route;
  another app client; aud a list; no cognito:username; groups not a list;
  sub not a string; oversized token;
  id token on a scoped route; access token without the scope; access token of
  another client; real id token of the pool on a scoped route.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import MOTO_PUBLIC_JWKS

UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPIRED = b'{"message":"The incoming token has expired"}'
ID_ROUTE = "/user/test-user"
SCOPED_ROUTE = "/user/attributes"
SCOPE = "aws.cognito.signin.user.admin"


@dataclass(frozen=True)
class Target:
    """One way of reaching the service, and what the matrix needs from it."""

    post: Callable[[str, Any, dict[str, str]], tuple[int, bytes]]
    mint: Callable[..., str]
    client_id: str
    issuer: str
    names: dict[str, str]  # alice, bob, admin -> username
    password: str  # alice's, bob's and admin's
    tokens: dict[str, dict[str, Any]]  # alice, bob, admin -> login tokens


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _json64(document: Any) -> str:
    return _b64(json.dumps(document).encode())


def _parts(token: str) -> list[str]:
    return token.split(".")


def _other_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _hs256_with_public_key(t: Target) -> str:
    payload = _parts(t.mint())[1]
    public_pem = jwt.PyJWK(MOTO_PUBLIC_JWKS["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_json64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'dummy'})}.{payload}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(t: Target) -> str:
    header, payload, signature = _parts(t.tokens["alice"]["id_token"])
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["admin"]
    return f"{header}.{_json64(claims)}.{signature}"


def _access(t: Target, **claims: Any) -> str:
    base = {"token_use": "access", "aud": None, "client_id": t.client_id, "scope": SCOPE}
    return t.mint(**{**base, **claims})


Headers = Callable[[Target], str | None]
MATRIX: dict[str, tuple[str, Headers, bytes]] = {
    # The header itself
    "missing header": (ID_ROUTE, lambda t: None, UNAUTHORIZED),
    "empty header": (ID_ROUTE, lambda t: "", UNAUTHORIZED),
    "blank header": (ID_ROUTE, lambda t: "   ", UNAUTHORIZED),
    "not a JWT": (ID_ROUTE, lambda t: "not-a-jwt", UNAUTHORIZED),
    "two parts": (ID_ROUTE, lambda t: ".".join(_parts(t.mint())[:2]), UNAUTHORIZED),
    "four parts": (ID_ROUTE, lambda t: t.mint() + ".extra", UNAUTHORIZED),
    "payload not base64": (ID_ROUTE, lambda t: "eyJhbGciOiJSUzI1NiJ9.%%%.c2ln", UNAUTHORIZED),
    "payload a JSON array": (
        ID_ROUTE,
        lambda t: f"{_json64({'alg': 'RS256', 'kid': 'dummy'})}.{_json64([1, 2])}.c2ln",
        UNAUTHORIZED,
    ),
    "header not JSON": (
        ID_ROUTE,
        lambda t: f"{_b64(b'not json')}.{_parts(t.mint())[1]}.c2ln",
        UNAUTHORIZED,
    ),
    "header a JSON array": (
        ID_ROUTE,
        lambda t: f"{_json64(['RS256'])}.{_parts(t.mint())[1]}.c2ln",
        UNAUTHORIZED,
    ),
    "Bearer prefix": (ID_ROUTE, lambda t: "Bearer " + t.tokens["alice"]["id_token"], UNAUTHORIZED),
    "non-ASCII garbage": (ID_ROUTE, lambda t: "\u00e9t\u00e9.\u00e9t\u00e9.\u00e9", UNAUTHORIZED),
    "deeply nested header": (
        ID_ROUTE,
        lambda t: f"{_b64(b'[' * 2500)}.{_parts(t.mint())[1]}.c2ln",
        UNAUTHORIZED,
    ),
    "deeply nested payload": (
        ID_ROUTE,
        lambda t: f"{_parts(t.mint())[0]}.{_b64(b'[' * 2500)}.c2ln",
        UNAUTHORIZED,
    ),
    # The signature and its algorithm
    "alg none, unsigned": (
        ID_ROUTE,
        lambda t: f"{_json64({'alg': 'none', 'typ': 'JWT'})}.{_parts(t.mint())[1]}.",
        UNAUTHORIZED,
    ),
    "alg none, signature kept": (
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "none", "kid": "dummy"}), *_parts(t.mint())[1:]]),
        UNAUTHORIZED,
    ),
    "HS256 keyed with the public key": (ID_ROUTE, _hs256_with_public_key, UNAUTHORIZED),
    "RS512 in the header": (
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS512", "kid": "dummy"}), *_parts(t.mint())[1:]]),
        UNAUTHORIZED,
    ),
    "signed by another key": (ID_ROUTE, lambda t: t.mint(key=_other_key()), UNAUTHORIZED),
    "signature stripped": (
        ID_ROUTE,
        lambda t: ".".join(_parts(t.mint())[:2]) + ".",
        UNAUTHORIZED,
    ),
    "payload tampered": (ID_ROUTE, _tampered, UNAUTHORIZED),
    "jku pointing elsewhere": (
        ID_ROUTE,
        lambda t: t.mint(key=_other_key(), headers={"jku": "http://127.0.0.1:1/jwks.json"}),
        UNAUTHORIZED,
    ),
    # The key id
    "no kid": (
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS256", "typ": "JWT"}), *_parts(t.mint())[1:]]),
        UNAUTHORIZED,
    ),
    "unknown kid": (ID_ROUTE, lambda t: t.mint(headers={"kid": "rotated-away"}), UNAUTHORIZED),
    "kid not a string": (
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS256", "kid": 7}), *_parts(t.mint())[1:]]),
        UNAUTHORIZED,
    ),
    "kid path traversal": (
        ID_ROUTE,
        lambda t: t.mint(headers={"kid": "../../../etc/passwd"}),
        UNAUTHORIZED,
    ),
    # Time
    "expired": (ID_ROUTE, lambda t: t.mint(exp=int(time.time()) - 5), EXPIRED),
    "expired and signed by another key": (
        ID_ROUTE,
        lambda t: t.mint(key=_other_key(), exp=int(time.time()) - 5),
        UNAUTHORIZED,
    ),
    "no exp": (ID_ROUTE, lambda t: t.mint(exp=None), UNAUTHORIZED),
    "exp not a number": (ID_ROUTE, lambda t: t.mint(exp="never"), UNAUTHORIZED),
    "exp a numeric string": (
        ID_ROUTE,
        lambda t: t.mint(exp=str(int(time.time()) + 3600)),
        UNAUTHORIZED,
    ),
    "exp a float": (ID_ROUTE, lambda t: t.mint(exp=time.time() + 3600.5), UNAUTHORIZED),
    "issued an hour ahead": (
        ID_ROUTE,
        lambda t: t.mint(iat=int(time.time()) + 3600),
        UNAUTHORIZED,
    ),
    "not valid before an hour from now": (
        ID_ROUTE,
        lambda t: t.mint(nbf=int(time.time()) + 3600),
        UNAUTHORIZED,
    ),
    "iat not a number": (ID_ROUTE, lambda t: t.mint(iat="now"), UNAUTHORIZED),
    # Whose token it is
    "another pool": (
        ID_ROUTE,
        lambda t: t.mint(iss=t.issuer.rsplit("/", 1)[0] + "/us-east-1_Other"),
        UNAUTHORIZED,
    ),
    "issuer with a trailing slash": (ID_ROUTE, lambda t: t.mint(iss=t.issuer + "/"), UNAUTHORIZED),
    "issuer over http": (
        ID_ROUTE,
        lambda t: t.mint(iss=t.issuer.replace("https://", "http://")),
        UNAUTHORIZED,
    ),
    "no token_use": (ID_ROUTE, lambda t: t.mint(token_use=None), UNAUTHORIZED),
    "access token_use on an id route": (ID_ROUTE, lambda t: _access(t), UNAUTHORIZED),
    "real access token on an id route": (
        ID_ROUTE,
        lambda t: t.tokens["alice"]["access_token"],
        UNAUTHORIZED,
    ),
    "another app client": (ID_ROUTE, lambda t: t.mint(aud="another-client"), UNAUTHORIZED),
    "aud a list": (ID_ROUTE, lambda t: t.mint(aud=[t.client_id]), UNAUTHORIZED),
    "no cognito:username": (
        ID_ROUTE,
        lambda t: t.mint(**{"cognito:username": None}),
        UNAUTHORIZED,
    ),
    "groups not a list": (
        ID_ROUTE,
        lambda t: t.mint(**{"cognito:groups": "admin"}),
        UNAUTHORIZED,
    ),
    "sub not a string": (ID_ROUTE, lambda t: t.mint(sub=42), UNAUTHORIZED),
    "oversized token": (ID_ROUTE, lambda t: t.mint(padding="x" * 8192), UNAUTHORIZED),
    # Scoped routes take access tokens with the scope, and nothing else
    "id token on a scoped route": (SCOPED_ROUTE, lambda t: t.mint(), UNAUTHORIZED),
    "real id token of the pool on a scoped route": (
        SCOPED_ROUTE,
        lambda t: t.tokens["alice"]["id_token"],
        UNAUTHORIZED,
    ),
    "access token without the scope": (
        SCOPED_ROUTE,
        lambda t: _access(t, scope="openid email"),
        UNAUTHORIZED,
    ),
    "access token of another client": (
        SCOPED_ROUTE,
        lambda t: _access(t, client_id="another-client"),
        UNAUTHORIZED,
    ),
}


@pytest.mark.parametrize("case", list(MATRIX))
def test_hostile_token_gets_the_gateways_exact_answer(target: Target, case: str) -> None:
    route, authorization, expected = MATRIX[case]
    value = authorization(target)
    headers = {} if value is None else {"Authorization": value}

    status, body = target.post(route, {"attributes": {"name": "Mallory"}}, headers)

    assert (status, body) == (401, expected)


def test_the_matrix_is_at_least_thirty_cases() -> None:
    assert len(MATRIX) >= 30


def test_a_well_formed_token_passes_where_the_matrix_fails(target: Target) -> None:
    """The control: valid tokens open both kinds of route."""
    alice = target.tokens["alice"]

    assert target.post(ID_ROUTE, {}, {"Authorization": alice["id_token"]})[0] == 200
    status, _ = target.post(
        SCOPED_ROUTE, {"attributes": {"locale": "en"}}, {"Authorization": alice["access_token"]}
    )
    assert status == 200


@pytest.mark.parametrize("issued_ahead", [0, 30])
def test_a_minted_token_differs_from_the_matrix_in_one_respect_only(
    target: Target, users: dict[str, str], issued_ahead: int
) -> None:
    """Control for the minted cases: a token minted the same way, but valid, opens
    the route; a clock up to a minute behind Cognito's is tolerated for iat/nbf."""
    now = int(time.time())
    sub = users[target.names["alice"]]
    token = target.mint(
        **{
            "sub": sub,
            "cognito:username": sub,
            "cognito:groups": ["readers"],
            "iat": now + issued_ahead,
            "nbf": now + issued_ahead,
        }
    )

    status, body = target.post(ID_ROUTE, {}, {"Authorization": token})

    assert status == 200
    assert _attributes(body)["email"] == target.names["alice"]


# Object-level authorization (OWASP API1)


def _attributes(body: bytes) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in json.loads(body)["data"]}


def test_a_user_never_reads_another_user(target: Target) -> None:
    alice = {"Authorization": target.tokens["alice"]["id_token"]}

    status, body = target.post(ID_ROUTE, {"username": target.names["bob"]}, alice)

    assert status == 403
    assert target.names["bob"].encode() not in body


def test_the_admin_group_reads_another_user(target: Target) -> None:
    admin = {"Authorization": target.tokens["admin"]["id_token"]}

    status, body = target.post(ID_ROUTE, {"username": target.names["bob"]}, admin)

    assert status == 200
    assert _attributes(body)["email"] == target.names["bob"]


def test_a_forged_admin_claim_reads_nobody(target: Target) -> None:
    status, body = target.post(
        ID_ROUTE, {"username": target.names["bob"]}, {"Authorization": _tampered(target)}
    )

    assert (status, body) == (401, UNAUTHORIZED)


# User enumeration: an unknown user and a wrong secret get the same answer. (Code
# resending is left out: the stand-in cannot resend, so the local answer is the same
# by construction; tests/unit/test_signup.py pins AWS's answers with a Stubber.)

UNKNOWN = "nobody-at-all@example.com"
ENUMERATION: dict[str, Callable[[str], tuple[str, dict[str, Any]]]] = {
    "login": lambda name: ("/login", {"username": name, "password": "Wr0ng-Password"}),
    "renew": lambda name: (
        "/user/renew_refresh_token",
        {"username": name, "refresh_token": "not-a-refresh-token"},
    ),
    "forgot password": lambda name: ("/password/forgot", {"username": name}),
    "confirm password": lambda name: (
        "/password/confirm",
        {"username": name, "code": "moto-confirmation-code:000000", "password": "N3w-Passw0rd!"},
    ),
    "confirm password, plain code": lambda name: (
        "/password/confirm",
        {"username": name, "code": "123456", "password": "N3w-Passw0rd!"},
    ),
    "login challenge": lambda name: (
        "/login/challenge",
        {"username": name, "challenge_name": "SMS_MFA", "session": "s" * 40, "code": "123456"},
    ),
}


@pytest.mark.parametrize("route", list(ENUMERATION))
def test_unknown_user_and_wrong_secret_get_identical_answers(target: Target, route: str) -> None:
    existing = target.post(*ENUMERATION[route](target.names["alice"]), {})
    unknown = target.post(*ENUMERATION[route](UNKNOWN), {})

    assert existing == unknown
    assert existing[0] < 500

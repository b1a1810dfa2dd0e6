"""The attack matrix: tokens and Authorization headers against Cognito-guarded
routes, each with the answer API Gateway gives and the reason the service logs.

Two test modules run it: in-process through chalice.test.Client
(tests/unit/test_attack_matrix.py, which also checks the logged reason) and over
HTTP against `chalice local` on the embedded stand-in
(tests/e2e/test_attack_matrix_http.py). Each supplies a `Target`.

Most rows are hostile and must get the gateway's exact 401. A few must be accepted,
to show that the checks do not refuse what Cognito really issues: tokens of both
issuer forms, and real tokens larger than 8,000 characters (a user in 100 groups, a
user with three long attributes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.token_verification import MAX_TOKEN_CHARS, USER_SCOPE
from devstack.harness import moto_jwks
from devstack.pool import create_confirmed_user

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPIRED = b'{"message":"The incoming token has expired"}'
ID_ROUTE = "/user/test-user"
SCOPED_ROUTE = "/user/attributes"
# What each route is sent: valid for it, so that only the token decides the answer.
BODIES: dict[str, Any] = {ID_ROUTE: {}, SCOPED_ROUTE: {"attributes": {"locale": "en"}}}
# Cognito issues tokens longer than this (a user in many groups, long attributes); a
# verifier with this as its bound would refuse them.
LARGE_TOKEN_CHARS = 8000

TokenSet = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """One way of reaching the service, and what the matrix needs from it."""

    post: Callable[[str, Any, dict[str, str]], tuple[int, bytes]]
    mint: Callable[..., str]
    client_id: str
    issuer: str
    names: dict[str, str]  # who -> username
    password: str  # everyone's
    tokens: Mapping[str, TokenSet]  # who -> login tokens


class LazyTokens(Mapping[str, TokenSet]):
    """Login tokens by user, each user created and logged in when first asked for:
    the large users cost a few hundred Cognito calls, paid only by their rows."""

    def __init__(self, ready: Mapping[str, TokenSet], later: Mapping[str, Callable[[], TokenSet]]):
        self._ready = dict(ready)
        self._later = later

    def __getitem__(self, who: str) -> TokenSet:
        if who not in self._ready:
            self._ready[who] = self._later[who]()
        return self._ready[who]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._later, **self._ready})

    def __len__(self) -> int:
        return len({**self._later, **self._ready})


# Users whose real tokens are as large as Cognito's get: one in 100 groups with long
# names, one with three standard attributes near Cognito's 2,048-character limit
# (moto puts the client's ReadAttributes in the id token; the local pool names them all).
CROWDED = "crowded"
VERBOSE = "verbose"
GROUPS = [f"matrix-group-{index:03d}-".ljust(56, "g") for index in range(100)]
LONG_ATTRIBUTES = {
    "name": "Maximiliane " * 166,
    "given_name": "Anne-Marie " * 181,
    "family_name": "Oberhausen-" * 181,
}


def large_users(
    cognito: CognitoIdentityProviderClient,
    pool_id: str,
    password: str,
    login: Callable[[str], TokenSet],
    domain: str = "example.com",
) -> tuple[dict[str, str], dict[str, Callable[[], TokenSet]]]:
    """The names of the large users, and for each a call that creates the user with the
    admin API and logs in (for LazyTokens)."""
    names = {CROWDED: f"crowded-matrix@{domain}", VERBOSE: f"verbose-matrix@{domain}"}

    def crowded() -> TokenSet:
        for group in GROUPS:
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
        create_confirmed_user(cognito, pool_id, names[CROWDED], password, "Crowd", GROUPS)
        return login(names[CROWDED])

    def verbose() -> TokenSet:
        create_confirmed_user(cognito, pool_id, names[VERBOSE], password)
        cognito.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username=names[VERBOSE],
            UserAttributes=[{"Name": k, "Value": v} for k, v in LONG_ATTRIBUTES.items()],
        )
        return login(names[VERBOSE])

    return names, {CROWDED: crowded, VERBOSE: verbose}


def updated_issuer(original: str) -> str:
    """The UPDATED issuer form of a pool, from its ORIGINAL one."""
    return original.replace("https://cognito-idp.", "https://issuer-cognito-idp.", 1)


def claims_of(token: str) -> dict[str, Any]:
    """A token's payload, unverified."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return decoded


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
    public_pem = jwt.PyJWK(moto_jwks("jwks-public")["keys"][0]).key.public_bytes(
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


def _resigned(t: Target, **changes: Any) -> str:
    """A valid minted token with claims changed and signed again with moto's key.
    Unlike `mint`, a claim set to None stays in the token as JSON null, and no claim's
    type is checked: PyJWT's JWS layer signs any payload."""
    claims = {**claims_of(t.mint()), **changes}
    key = jwt.PyJWK(moto_jwks("jwks-private")).key
    payload = json.dumps(claims).encode()
    return jwt.api_jws.PyJWS().encode(payload, key, algorithm="RS256", headers={"kid": "dummy"})


def _access(t: Target, **claims: Any) -> str:
    base = {"token_use": "access", "aud": None, "client_id": t.client_id, "scope": USER_SCOPE}
    return t.mint(**{**base, **claims})


Authorization = Callable[[Target], str | None]


@dataclass(frozen=True)
class Case:
    route: str
    authorization: Authorization
    status: int
    body: bytes | None  # the exact body of a refusal; None for an accepted token
    reason: str | None  # the refusal the service logs; None: it logs none


def refused(route: str, authorization: Authorization, reason: str) -> Case:
    body = EXPIRED if reason == "expired" else UNAUTHORIZED
    return Case(route, authorization, 401, body, reason)


def accepted(authorization: Authorization) -> Case:
    return Case(ID_ROUTE, authorization, 200, None, None)


MATRIX: dict[str, Case] = {
    # The header itself
    "missing header": refused(ID_ROUTE, lambda t: None, "missing"),
    "empty header": refused(ID_ROUTE, lambda t: "", "missing"),
    "blank header": refused(ID_ROUTE, lambda t: "   ", "missing"),
    "not a JWT": refused(ID_ROUTE, lambda t: "not-a-jwt", "malformed"),
    "two parts": refused(ID_ROUTE, lambda t: ".".join(_parts(t.mint())[:2]), "malformed"),
    "four parts": refused(ID_ROUTE, lambda t: t.mint() + ".extra", "malformed"),
    "payload not base64": refused(ID_ROUTE, lambda t: "eyJhbGciOiJSUzI1NiJ9.%%%.c2ln", "malformed"),
    "payload a JSON array": refused(
        ID_ROUTE,
        lambda t: f"{_json64({'alg': 'RS256', 'kid': 'dummy'})}.{_json64([1, 2])}.c2ln",
        "bad_signature",
    ),
    "header not JSON": refused(
        ID_ROUTE, lambda t: f"{_b64(b'not json')}.{_parts(t.mint())[1]}.c2ln", "malformed"
    ),
    "header a JSON array": refused(
        ID_ROUTE, lambda t: f"{_json64(['RS256'])}.{_parts(t.mint())[1]}.c2ln", "malformed"
    ),
    "Bearer prefix": refused(
        ID_ROUTE, lambda t: "Bearer " + t.tokens["alice"]["id_token"], "bearer_prefix"
    ),
    # RFC 6750's scheme name is case-insensitive: every spelling is the same mistake.
    "bearer prefix, lower case": refused(
        ID_ROUTE, lambda t: "bearer " + t.tokens["alice"]["id_token"], "bearer_prefix"
    ),
    "non-ASCII garbage": refused(
        ID_ROUTE, lambda t: "\u00e9t\u00e9.\u00e9t\u00e9.\u00e9", "malformed"
    ),
    "deeply nested header": refused(
        ID_ROUTE, lambda t: f"{_b64(b'[' * 2500)}.{_parts(t.mint())[1]}.c2ln", "malformed"
    ),
    "deeply nested payload": refused(
        ID_ROUTE, lambda t: f"{_parts(t.mint())[0]}.{_b64(b'[' * 2500)}.c2ln", "bad_signature"
    ),
    # The signature and its algorithm
    "alg none, unsigned": refused(
        ID_ROUTE,
        lambda t: f"{_json64({'alg': 'none', 'typ': 'JWT'})}.{_parts(t.mint())[1]}.",
        "wrong_algorithm",
    ),
    "alg none, signature kept": refused(
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "none", "kid": "dummy"}), *_parts(t.mint())[1:]]),
        "wrong_algorithm",
    ),
    "HS256 keyed with the public key": refused(ID_ROUTE, _hs256_with_public_key, "wrong_algorithm"),
    "RS512 in the header": refused(
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS512", "kid": "dummy"}), *_parts(t.mint())[1:]]),
        "wrong_algorithm",
    ),
    "signed by another key": refused(ID_ROUTE, lambda t: t.mint(key=_other_key()), "bad_signature"),
    "signature stripped": refused(
        ID_ROUTE, lambda t: ".".join(_parts(t.mint())[:2]) + ".", "bad_signature"
    ),
    "payload tampered": refused(ID_ROUTE, _tampered, "bad_signature"),
    "jku pointing elsewhere": refused(
        ID_ROUTE,
        lambda t: t.mint(key=_other_key(), headers={"jku": "http://127.0.0.1:1/jwks.json"}),
        "bad_signature",
    ),
    # The key id
    "no kid": refused(
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS256", "typ": "JWT"}), *_parts(t.mint())[1:]]),
        "malformed",
    ),
    "unknown kid": refused(
        ID_ROUTE, lambda t: t.mint(headers={"kid": "rotated-away"}), "unknown_kid"
    ),
    "kid not a string": refused(
        ID_ROUTE,
        lambda t: ".".join([_json64({"alg": "RS256", "kid": 7}), *_parts(t.mint())[1:]]),
        "malformed",
    ),
    "kid path traversal": refused(
        ID_ROUTE, lambda t: t.mint(headers={"kid": "../../../etc/passwd"}), "unknown_kid"
    ),
    # Time
    "expired": refused(ID_ROUTE, lambda t: t.mint(exp=int(time.time()) - 5), "expired"),
    "expired and signed by another key": refused(
        ID_ROUTE, lambda t: t.mint(key=_other_key(), exp=int(time.time()) - 5), "bad_signature"
    ),
    "no exp": refused(ID_ROUTE, lambda t: t.mint(exp=None), "missing_claim"),
    "exp null": refused(ID_ROUTE, lambda t: _resigned(t, exp=None), "bad_claim_type"),
    "exp not a number": refused(ID_ROUTE, lambda t: t.mint(exp="never"), "bad_claim_type"),
    "exp a numeric string": refused(
        ID_ROUTE, lambda t: t.mint(exp=str(int(time.time()) + 3600)), "bad_claim_type"
    ),
    "exp a float": refused(ID_ROUTE, lambda t: t.mint(exp=time.time() + 3600.5), "bad_claim_type"),
    "issued an hour ahead": refused(
        ID_ROUTE, lambda t: t.mint(iat=int(time.time()) + 3600), "issued_in_future"
    ),
    "not valid before an hour from now": refused(
        ID_ROUTE, lambda t: t.mint(nbf=int(time.time()) + 3600), "not_yet_valid"
    ),
    "iat not a number": refused(ID_ROUTE, lambda t: t.mint(iat="now"), "bad_claim_type"),
    "iat null": refused(ID_ROUTE, lambda t: _resigned(t, iat=None), "bad_claim_type"),
    "nbf null": refused(ID_ROUTE, lambda t: _resigned(t, nbf=None), "bad_claim_type"),
    # Whose token it is: the pool signs with one of two issuer forms, and no other
    "ORIGINAL issuer form": accepted(lambda t: t.mint(iss=t.issuer)),
    "UPDATED issuer form": accepted(lambda t: t.mint(iss=updated_issuer(t.issuer))),
    "another pool": refused(
        ID_ROUTE,
        lambda t: t.mint(iss=t.issuer.rsplit("/", 1)[0] + "/us-east-1_Other"),
        "wrong_issuer",
    ),
    "another pool, UPDATED issuer form": refused(
        ID_ROUTE,
        lambda t: t.mint(iss=updated_issuer(t.issuer).rsplit("/", 1)[0] + "/us-east-1_Other"),
        "wrong_issuer",
    ),
    "issuer with a trailing slash": refused(
        ID_ROUTE, lambda t: t.mint(iss=t.issuer + "/"), "wrong_issuer"
    ),
    "issuer over http": refused(
        ID_ROUTE, lambda t: t.mint(iss=t.issuer.replace("https://", "http://")), "wrong_issuer"
    ),
    "issuer a list": refused(ID_ROUTE, lambda t: _resigned(t, iss=[t.issuer]), "wrong_issuer"),
    "no token_use": refused(ID_ROUTE, lambda t: t.mint(token_use=None), "wrong_token_use"),
    "access token_use on an id route": refused(ID_ROUTE, _access, "wrong_token_use"),
    "real access token on an id route": refused(
        ID_ROUTE, lambda t: t.tokens["alice"]["access_token"], "wrong_token_use"
    ),
    "another app client": refused(
        ID_ROUTE, lambda t: t.mint(aud="another-client"), "wrong_audience"
    ),
    "aud a list": refused(ID_ROUTE, lambda t: t.mint(aud=[t.client_id]), "wrong_audience"),
    "no cognito:username": refused(
        ID_ROUTE, lambda t: t.mint(**{"cognito:username": None}), "missing_claim"
    ),
    "groups not a list": refused(
        ID_ROUTE, lambda t: t.mint(**{"cognito:groups": "admin"}), "bad_claim_type"
    ),
    "sub not a string": refused(ID_ROUTE, lambda t: t.mint(sub=42), "bad_claim_type"),
    "oversized token": refused(
        ID_ROUTE, lambda t: t.mint(padding="x" * MAX_TOKEN_CHARS), "too_large"
    ),
    # Cognito's large tokens, real ones
    "a user in 100 groups": accepted(lambda t: t.tokens[CROWDED]["id_token"]),
    "a user with three long attributes": accepted(lambda t: t.tokens[VERBOSE]["id_token"]),
    # Scoped routes take access tokens with the scope, and nothing else
    "id token on a scoped route": refused(SCOPED_ROUTE, lambda t: t.mint(), "wrong_token_use"),
    "real id token of the pool on a scoped route": refused(
        SCOPED_ROUTE, lambda t: t.tokens["alice"]["id_token"], "wrong_token_use"
    ),
    "access token without the scope": refused(
        SCOPED_ROUTE, lambda t: _access(t, scope="openid email"), "missing_scope"
    ),
    "scope separated by a tab": refused(
        SCOPED_ROUTE, lambda t: _access(t, scope=f"openid\t{USER_SCOPE}"), "malformed_scope"
    ),
    "scope separated by two spaces": refused(
        SCOPED_ROUTE, lambda t: _access(t, scope=f"openid  {USER_SCOPE}"), "malformed_scope"
    ),
    "access token of another client": refused(
        SCOPED_ROUTE, lambda t: _access(t, client_id="another-client"), "wrong_client"
    ),
}

# Rows that must be accepted only because their real tokens are this large.
LARGE_ROWS = ("a user in 100 groups", "a user with three long attributes")
# The claims of an id token that /user/test-user shows as the caller's attributes.
SHOWN = ("sub", "email", *LONG_ATTRIBUTES)


def answer(target: Target, case: Case) -> tuple[int, bytes, str | None]:
    """The service's status and body for the row, and the token sent."""
    token = case.authorization(target)
    headers = {} if token is None else {"Authorization": token}
    status, body = target.post(case.route, BODIES[case.route], headers)
    return status, body, token


def assert_answer(case: Case, status: int, body: bytes, token: str | None) -> None:
    """A refusal gets the gateway's exact status and body; an accepted id token gets
    its holder's attributes, the long ones whole."""
    if case.body is not None:
        assert (status, body) == (case.status, case.body)
        return
    assert token is not None
    assert status == case.status, body
    document = json.loads(body)
    assert (document["success"], document["error"]) == (True, False)
    shown = {a["Name"]: a["Value"] for a in document["data"]}
    claims = claims_of(token)
    assert {n: shown.get(n) for n in SHOWN if n in claims} == {
        n: claims[n] for n in SHOWN if n in claims
    }


def attributes(body: bytes) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in json.loads(body)["data"]}


# User enumeration: an unknown user and a wrong secret get the same answer
# (tests/unit/test_signup.py pins AWS's answers to code resending with a Stubber).

UNKNOWN = "nobody-at-all@example.com"
ENUMERATION: dict[str, Callable[[str], tuple[str, dict[str, Any]]]] = {
    "login": lambda name: ("/login", {"username": name, "password": "Wr0ng-Password"}),
    "renew": lambda name: (
        "/user/renew_refresh_token",
        {"username": name, "refresh_token": "not-a-refresh-token"},
    ),
    "forgot password": lambda name: ("/password/forgot", {"username": name}),
    "resend code": lambda name: ("/signup/resend-code", {"username": name}),
    "confirm password": lambda name: (
        "/password/confirm",
        {"username": name, "code": "123456", "password": "N3w-Passw0rd!"},
    ),
    "login challenge": lambda name: (
        "/login/challenge",
        {"username": name, "challenge_name": "SMS_MFA", "session": "s" * 40, "code": "123456"},
    ),
}


class SharedChecks:
    """What every target must show besides the matrix rows: a test module runs these
    by defining `class Test...(SharedChecks)` beside its own `target` fixture."""

    @pytest.mark.parametrize("row", LARGE_ROWS)
    def test_the_large_rows_send_real_tokens_longer_than_8000_characters(
        self, target: Target, row: str
    ) -> None:
        token = MATRIX[row].authorization(target)

        assert token is not None
        assert len(token) > LARGE_TOKEN_CHARS

    def test_a_well_formed_token_passes_where_the_matrix_fails(self, target: Target) -> None:
        """The control: the holder's real tokens open both kinds of route."""
        alice = target.tokens["alice"]

        assert target.post(ID_ROUTE, {}, {"Authorization": alice["id_token"]})[0] == 200
        status, _ = target.post(
            SCOPED_ROUTE, BODIES[SCOPED_ROUTE], {"Authorization": alice["access_token"]}
        )
        assert status == 200

    # Object-level authorization (OWASP API1)

    def test_a_user_never_reads_another_user(self, target: Target) -> None:
        alice = {"Authorization": target.tokens["alice"]["id_token"]}

        status, body = target.post(ID_ROUTE, {"username": target.names["bob"]}, alice)

        assert status == 403
        assert target.names["bob"].encode() not in body

    def test_the_admin_group_reads_another_user(self, target: Target) -> None:
        admin = {"Authorization": target.tokens["admin"]["id_token"]}

        status, body = target.post(ID_ROUTE, {"username": target.names["bob"]}, admin)

        assert status == 200
        assert attributes(body)["email"] == target.names["bob"]

    def test_a_forged_admin_claim_reads_nobody(self, target: Target) -> None:
        status, body = target.post(
            ID_ROUTE, {"username": target.names["bob"]}, {"Authorization": _tampered(target)}
        )

        assert (status, body) == (401, UNAUTHORIZED)

    @pytest.mark.parametrize("route", list(ENUMERATION))
    def test_unknown_user_and_wrong_secret_get_identical_answers(
        self, target: Target, route: str
    ) -> None:
        existing = target.post(*ENUMERATION[route](target.names["alice"]), {})
        unknown = target.post(*ENUMERATION[route](UNKNOWN), {})

        assert existing == unknown
        assert existing[0] < 500

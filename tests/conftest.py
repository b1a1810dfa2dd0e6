"""Shared fixtures: fake AWS credentials, an in-process moto pool, the app under
chalice.test.Client, and tokens minted with moto's own signing key."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
import jwt
import pytest
from botocore.stub import Stubber

from chalicelib import logs
from chalicelib.cognito_gateway import secret_hash
from chalicelib.services import services
from chalicelib.token_verification import USER_SCOPE
from devstack.environment import OFFLINE_AWS
from devstack.harness import (
    Http,
    in_process,
    moto_jwks,
    pool_environment,
    served,
    stand_in_pool,
    wired,
)
from devstack.pool import ADMIN_GROUP, Pool, create_confirmed_user
from tests.challenge_support import INVITED, invite

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

# No test may ever reach AWS: fake credentials, a fixed region, no profile files.
os.environ.update(OFFLINE_AWS)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "COGNITO_ENDPOINT_URL"):
    os.environ.pop(_name, None)

PASSWORD = "Corr3ct-Horse!"


def refused(message: str, code: str) -> dict[str, Any]:
    """An error answer: the envelope, with its message and code."""
    return {"message": message, "error": True, "success": False, "data": None, "code": code}


# A parameter value that stands for a field left out of the body (see with_field).
MISSING = "<missing>"


def with_field(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """`body` with `field` set to `value`, or left out where `value` is MISSING."""
    changed = {**body, field: value}
    if value == MISSING:
        del changed[field]
    return changed


def succeeded(message: str | None, data: Any = None) -> dict[str, Any]:
    """A success answer: the envelope, with its message and data."""
    return {"message": message, "error": False, "success": True, "data": data}


INTERNAL_ERROR = refused("Internal Server Error", "internal_error")
UNAVAILABLE = refused(
    "The service is temporarily unavailable, please retry later", "service_unavailable"
)
INVALID_CREDENTIALS = refused("The username or password is incorrect", "invalid_credentials")
# A token whose session Cognito no longer honours (signed out, disabled, deleted).
SESSION_ENDED = refused("The session has ended, please log in again", "session_ended")
# Cognito's refusals of a wrong or an expired code, each with the service's answer to
# it: status, message and code (rows of the Stubber tests that pin AWS's errors).
CODE_MISMATCH = ("CodeMismatchException", 401, "Invalid Verification code", "code_mismatch")
CODE_EXPIRED = (
    "ExpiredCodeException",
    401,
    "The verification code has expired, please request a new one",
    "code_expired",
)
# A confirmation code refused: wrong, expired, or for a user there is not (answered as
# a wrong code, so as not to tell who has an account).
CODE_REFUSALS = [
    CODE_MISMATCH,
    CODE_EXPIRED,
    ("UserNotFoundException", 401, "Invalid Verification code", "code_mismatch"),
]
ALICE = "alice@example.com"
BOB = "bob@example.com"
ADMIN = "admin@example.com"
UNCONFIRMED = "carol@example.com"


# Imported once: the JWK has no primes, and recovering them costs 0.1-0.2 s a token.
MOTO_PRIVATE_KEY = jwt.PyJWK(moto_jwks("jwks-private")).key


class Clock:
    """time.monotonic or time.time as a test decides it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def documented_codes(
    document: dict[str, Any], path: str, method: str, status: int
) -> set[str] | None:
    """The error codes the OpenAPI document lists for this answer of the route that
    serves `path` (a concrete path), or None where it names no such route."""
    bare = path.split("?", 1)[0]
    routes = document["paths"]
    template = bare if bare in routes else None
    if template is None:
        # A concrete path before a parameter, as API Gateway and chalice local match.
        template = next(
            (
                known
                for known in sorted(routes, key=lambda known: known.count("{"))
                if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", known), bare)
            ),
            None,
        )
    operation = routes.get(template, {}).get(method.lower()) if template else None
    if operation is None:
        return None
    answer = operation["responses"].get(str(status), {})
    if "$ref" in answer:
        answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    found: set[str] = set()
    stack = [answer.get("content", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            enum = node.get("properties", {}).get("code", {}).get("enum")
            found.update(enum or ())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@pytest.fixture(autouse=True, scope="session")
def every_error_code_is_documented() -> Iterator[None]:
    """Every in-process answer with an error `code` carries one the document lists for
    its route and status: a code a route raises without declaring it (`@refuses`)
    fails the test that meets it."""
    from app import openapi

    def check(method: str, path: str, response: Any) -> None:
        try:
            body = json.loads(response.body)
        except ValueError:
            return
        if response.status_code < 400 or not isinstance(body, dict) or "code" not in body:
            return
        codes = documented_codes(openapi(), path, method, response.status_code)
        if codes is None:
            # No route serves it: chalice local's own refusal, not a route's answer.
            return
        assert body["code"] in codes, (method, path, response.status_code, body["code"], codes)

    Http.observers.append(check)
    yield
    Http.observers.remove(check)


@pytest.fixture
def stand_in() -> Iterator[tuple[CognitoIdentityProviderClient, Pool]]:
    with stand_in_pool() as created:
        yield created


@pytest.fixture
def cognito(stand_in: tuple[CognitoIdentityProviderClient, Pool]) -> CognitoIdentityProviderClient:
    """An administrator's client of the in-process stand-in."""
    return stand_in[0]


@pytest.fixture
def pool(stand_in: tuple[CognitoIdentityProviderClient, Pool]) -> Iterator[Pool]:
    """The stand-in's pool, with the app's services wired to it."""
    with wired(pool_environment(stand_in[1])):
        yield stand_in[1]


def create_users(cognito: CognitoIdentityProviderClient, pool: Pool) -> dict[str, str]:
    """Alice, Bob and an admin, confirmed, and a user who signed up and is not
    confirmed yet: email -> internal username."""
    names = {
        ALICE: create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD, "Alice"),
        BOB: create_confirmed_user(cognito, pool.user_pool_id, BOB, PASSWORD, "Bob"),
        ADMIN: create_confirmed_user(
            cognito, pool.user_pool_id, ADMIN, PASSWORD, "Ada", groups=[ADMIN_GROUP]
        ),
    }
    names[UNCONFIRMED] = cognito.sign_up(
        ClientId=pool.client_id,
        Username=UNCONFIRMED,
        Password=PASSWORD,
        SecretHash=secret_hash(UNCONFIRMED, pool.client_id, pool.client_secret),
        UserAttributes=[{"Name": "email", "Value": UNCONFIRMED}],
    )["UserSub"]
    return names


@pytest.fixture
def users(cognito: CognitoIdentityProviderClient, pool: Pool) -> dict[str, str]:
    """Email -> internal username, for alice, bob, an admin and an unconfirmed user."""
    return create_users(cognito, pool)


@pytest.fixture
def invited(cognito: CognitoIdentityProviderClient, pool: Pool) -> str:
    """A user an administrator invited: the first sign-in, with the temporary password,
    is answered NEW_PASSWORD_REQUIRED."""
    invite(cognito, pool.user_pool_id, INVITED)
    return INVITED


@pytest.fixture
def api(pool: Pool) -> Iterator[Http]:
    with served() as http:
        yield http


def sign_in(api: Http, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """What POST /login answers a right password with: tokens, or a challenge."""
    status, body = api.post("/login", {"username": username, "password": password})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The header that presents the tokens' access token."""
    return {"Authorization": tokens["access_token"]}


Login = Callable[[str], dict[str, Any]]


@pytest.fixture
def login(api: Http, users: dict[str, str]) -> Login:
    """Signs one of `users` in and returns the tokens."""
    return lambda username: sign_in(api, username)


def mint_token(
    pool: Pool, key: Any = None, headers: dict[str, Any] | None = None, **overrides: Any
) -> str:
    """Sign any claims with moto's key (or another), starting from a valid id token
    of `pool`; a claim overridden with None is left out."""
    now = int(time.time())
    region = pool.user_pool_id.split("_")[0]
    claims: dict[str, Any] = {
        "iss": f"https://cognito-idp.{region}.amazonaws.com/{pool.user_pool_id}",
        "sub": "00000000-0000-0000-0000-000000000001",
        "aud": pool.client_id,
        "token_use": "id",
        "cognito:username": "00000000-0000-0000-0000-000000000001",
        "email": ALICE,
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    signing_key = key if key is not None else MOTO_PRIVATE_KEY
    return jwt.encode(
        claims, signing_key, algorithm="RS256", headers={"kid": "dummy", **(headers or {})}
    )


@pytest.fixture
def mint(pool: Pool) -> Callable[..., str]:
    def _mint(key: Any = None, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
        return mint_token(pool, key, headers, **overrides)

    return _mint


@pytest.fixture
def stand_in_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The stand-in's clock (lockouts, challenge sessions, refresh-token lifetimes),
    moved by the test: ask for it before anything signs in."""
    from devstack import stand_in_sign_in

    fake = Clock()
    monkeypatch.setattr(stand_in_sign_in, "clock", fake)
    return fake


STUB_POOL = Pool(
    "eu-west-1_AbCdEf123",
    "4bd3oq2n7sq4ib1hpl6v9vmlfk",
    "1mhhe2bkfph4t0vd3mq1c0n5v5r8bq3m2ue6ofc4a5m0hbe3tm2j",
)
# SECRET_HASH of STUB_POOL's client, computed apart from the code under test:
#   printf '%s' "$USERNAME$CLIENT_ID" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
STUB_SUB = "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f"
STUB_HASH_OF_ALICE = "QiHJbyttIEuQSEJqdRb+WrL1KM8QpS1eqcQzxFrfLaE="
STUB_HASH_OF_SUB = "4JqNtJAQtg9L7ucN7oo7OYpDzYIXtlbfN2s8/UCQmkA="
# What every sign-in call sends AWS besides (chalicelib.caller): the caller's address as
# chalice's local gateway gives it (chalice.test.Client and `chalice local`).
FROM_CALLER = {"UserContextData": {"IpAddress": "127.0.0.1"}}
# What AWS answers a sign-in or a challenge's answer with, and the service then.
STUB_TOKENS = {
    "AuthenticationResult": {
        "IdToken": "i.d.t",
        "AccessToken": "a.c.t",
        "RefreshToken": "r",
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
}
STUB_TOKENS_ANSWERED = {
    "id_token": "i.d.t",
    "access_token": "a.c.t",
    "refresh_token": "r",
    "expires_in": 3600,
    "token_type": "Bearer",
}


def stub_access_token(**claims: Any) -> str:
    """An access token of STUB_POOL as AWS issues one to alice: it names her by her
    internal name (STUB_SUB), carries the user scope and no audience or email;
    `claims` change or add to that (None leaves one out)."""
    issued: dict[str, Any] = {
        "token_use": "access",
        "aud": None,
        "client_id": STUB_POOL.client_id,
        "scope": USER_SCOPE,
        "username": STUB_SUB,
        "sub": STUB_SUB,
        "cognito:username": None,
        "email": None,
    }
    return mint_token(STUB_POOL, **{**issued, **claims})


def expect_internal_name(stubber: Stubber) -> None:
    """AdminGetUser for alice, answered with her internal name (STUB_SUB): the
    service asks before a call AWS checks against that name."""
    stubber.add_response(
        "admin_get_user",
        {"Username": STUB_SUB, "UserAttributes": []},
        {"UserPoolId": STUB_POOL.user_pool_id, "Username": ALICE},
    )


def password_auth_request(
    username: str = ALICE,
    secret_hash: str = STUB_HASH_OF_ALICE,
    caller: Mapping[str, Any] = FROM_CALLER,
) -> dict[str, Any]:
    """The InitiateAuth (USER_PASSWORD_AUTH) AWS receives for `username` with the
    right password, SECRET_HASH over that name, and the caller's address."""
    return {
        "ClientId": STUB_POOL.client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash},
        **caller,
    }


def expect_challenge_answer(
    stubber: Stubber, challenge: str, session: str, **responses: str
) -> None:
    """AWS's side of alice answering `challenge`: her internal name looked up, then
    RespondToAuthChallenge with USERNAME and SECRET_HASH over that name besides
    `responses`, answered with STUB_TOKENS."""
    expect_challenge_answer_from(FROM_CALLER, stubber, challenge, session, **responses)


def expect_challenge_answer_from(
    caller: Mapping[str, Any], stubber: Stubber, challenge: str, session: str, **responses: str
) -> None:
    """expect_challenge_answer, from `caller`'s address (its UserContextData)."""
    expect_internal_name(stubber)
    stubber.add_response(
        "respond_to_auth_challenge",
        STUB_TOKENS,
        {
            "ClientId": STUB_POOL.client_id,
            "ChallengeName": challenge,
            "Session": session,
            "ChallengeResponses": {
                "USERNAME": STUB_SUB,
                "SECRET_HASH": STUB_HASH_OF_SUB,
                **responses,
            },
            **caller,
        },
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[Stubber, Http]]:
    """The app on a Cognito client whose every answer a test scripts (no moto), with
    settings as deployed to AWS (COGNITO_DIALECT aws)."""
    client = boto3.client("cognito-idp", region_name=STUB_POOL.user_pool_id.split("_")[0])
    stubber = Stubber(client)
    with stubber, in_process(pool_environment(STUB_POOL, dialect="aws"), client) as http:
        yield stubber, http
        stubber.assert_no_pending_responses()


@pytest.fixture
def target(
    api: Http,
    pool: Pool,
    mint: Callable[..., str],
    login: Login,
) -> Any:
    """The attack matrix's view of the app in-process (tests/unit/test_attack_matrix.py)."""
    from tests.attack_matrix import Target

    def post(path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        response = api.raw_post(path, body, headers)
        return response.status_code, bytes(response.body)

    names = {"alice": ALICE, "bob": BOB, "admin": ADMIN}
    return Target(
        post=post,
        mint=mint,
        client_id=pool.client_id,
        issuer=services.settings().issuer,
        names=names,
        password=PASSWORD,
        tokens={who: login(name) for who, name in names.items()},
    )


@contextmanager
def json_log() -> Iterator[io.StringIO]:
    """The log as it is written (JSON lines with extra fields and the request id)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    logs.configure(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)

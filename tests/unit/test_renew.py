"""POST /user/renew_refresh_token: moto in-process (with devstack/stand_in_refresh.py's
GetTokensFromRefreshToken and rotation), and the AWS requests pinned by Stubber; and
the cache of internal names that challenge answers sign with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from botocore.stub import Stubber

from chalicelib.cognito_gateway import INTERNAL_NAME_TTL_SECONDS, CognitoGateway
from chalicelib.services import services
from devstack.harness import Http
from tests.conftest import (
    ALICE,
    BOB,
    FROM_CALLER,
    MISSING,
    STUB_HASH_OF_SUB,
    STUB_POOL,
    STUB_SUB,
    STUB_TOKENS,
    Clock,
    refused,
    with_field,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

INVALID = refused(
    "Invalid refresh token or username is incorrect or Refresh Token has been revoked",
    "invalid_refresh_token",
)


REUSED = refused(
    "This refresh token was replaced by a newer one and no longer works: "
    "use the newest, or log in again",
    "refresh_token_reused",
)
GRACE_SECONDS = 10
THIRTY_DAYS = 30 * 86400


def _renew(api: Http, refresh_token: str, username: str | None = ALICE) -> tuple[int, Any]:
    body = {"refresh_token": refresh_token}
    if username is not None:
        body["username"] = username
    return api.post("/user/renew_refresh_token", body)


def test_renew_returns_new_tokens_and_the_refresh_token_that_replaces_the_one_sent(
    api: Http, login: Callable[[str], dict[str, Any]], users: dict[str, str]
) -> None:
    tokens = login(ALICE)

    status, body = _renew(api, tokens["refresh_token"])

    assert status == 200
    assert body["message"] == "success"
    assert set(body["data"]) == {
        "id_token",
        "access_token",
        "expires_in",
        "token_type",
        "refresh_token",
    }
    claims = jwt.decode(body["data"]["id_token"], options={"verify_signature": False})
    assert claims["cognito:username"] == users[ALICE]
    assert claims["email"] == ALICE
    assert body["data"]["id_token"] != tokens["id_token"]
    assert body["data"]["refresh_token"] != tokens["refresh_token"]


@pytest.mark.parametrize("username", [None, BOB, "someone-else"])
def test_renew_needs_no_username_and_ignores_the_one_sent(
    api: Http, login: Callable[[str], dict[str, Any]], users: dict[str, str], username: str | None
) -> None:
    """The original design sends the username; GetTokensFromRefreshToken takes the
    client secret instead of a hash over a name, so any name (or none) renews the
    token's own user."""
    tokens = login(ALICE)

    status, body = _renew(api, tokens["refresh_token"], username)

    assert status == 200
    claims = jwt.decode(body["data"]["id_token"], options={"verify_signature": False})
    assert claims["cognito:username"] == users[ALICE]


@pytest.mark.parametrize("value", [MISSING, "", None, 3, ["x"]])
def test_renew_requires_a_refresh_token(api: Http, value: Any) -> None:
    body = with_field({"username": ALICE, "refresh_token": "some-token"}, "refresh_token", value)

    status, answer = api.post("/user/renew_refresh_token", body)

    assert (status, answer) == (
        400,
        refused("Please provide refresh_token to renew tokens", "invalid_request"),
    )


@pytest.mark.parametrize("value", [3, ["x"], "x" * 129])
def test_renew_refuses_a_username_that_is_no_username(api: Http, value: Any) -> None:
    status, answer = api.post(
        "/user/renew_refresh_token", {"username": value, "refresh_token": "some-token"}
    )

    assert status == 400
    assert answer["code"] == "invalid_request"
    assert "username" in answer["message"]


@pytest.mark.usefixtures("users")
def test_renew_rejects_an_invalid_refresh_token(api: Http) -> None:
    assert _renew(api, "not-a-refresh-token") == (401, INVALID)


def test_renew_rejects_a_refresh_token_revoked_by_global_sign_out(
    api: Http,
    login: Callable[[str], dict[str, Any]],
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
) -> None:
    tokens = login(ALICE)
    cognito.global_sign_out(AccessToken=tokens["access_token"])

    assert _renew(api, tokens["refresh_token"]) == (401, INVALID)


def test_a_replaced_refresh_token_works_for_the_grace_period_then_answers_reuse(
    stand_in_clock: Clock, api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    """The local pool rotates refresh tokens with the template's 10 s grace period."""
    first = login(ALICE)["refresh_token"]
    status, body = _renew(api, first)
    second = body["data"]["refresh_token"]

    stand_in_clock.advance(GRACE_SECONDS)
    retried = _renew(api, first)
    stand_in_clock.advance(0.001)
    reused = _renew(api, first)
    newest = _renew(api, second)

    assert status == 200
    assert retried[0] == 200
    assert reused == (401, REUSED)
    assert newest[0] == 200


def test_a_rotated_refresh_token_expires_when_the_sign_ins_first_would(
    stand_in_clock: Clock, api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    """Rotation never extends a sign-in: the refresh token of the last renewal, a
    day before the first token's 30 days are up, lives one day."""
    token = login(ALICE)["refresh_token"]
    stand_in_clock.advance(THIRTY_DAYS - 86400)
    token = _renew(api, token)[1]["data"]["refresh_token"]
    before = _renew(api, token)
    token = before[1]["data"]["refresh_token"]
    stand_in_clock.advance(86400)

    assert before[0] == 200
    assert _renew(api, token) == (401, INVALID)


def test_renew_sends_aws_the_refresh_token_and_the_client_secret_and_nothing_else(
    stubbed: tuple[Stubber, Http],
) -> None:
    """GetTokensFromRefreshToken takes the client secret itself: no SECRET_HASH, so
    no name to resolve (no AdminGetUser, which the old REFRESH_TOKEN_AUTH needed:
    AWS hashed it over the internal name, moto over the typed one). This pins the
    exact AWS request, and passes the rotated refresh token on."""
    stubber, api = stubbed
    stubber.add_response(
        "get_tokens_from_refresh_token",
        {"AuthenticationResult": {**RENEWED["AuthenticationResult"], "RefreshToken": "r.2"}},
        _refresh("the-refresh-token"),
    )

    status, body = _renew(api, "the-refresh-token")

    assert (status, body["data"]) == (
        200,
        {
            "id_token": "i.d.t",
            "access_token": "a.c.t",
            "expires_in": 3600,
            "token_type": "Bearer",
            "refresh_token": "r.2",
        },
    )


def test_without_rotation_renew_answers_no_refresh_token(stubbed: tuple[Stubber, Http]) -> None:
    """A client with rotation off (RefreshTokenRotation DISABLED) gets only id and
    access tokens from AWS: the answer has no refresh_token, and the old one goes on."""
    stubber, api = stubbed
    stubber.add_response("get_tokens_from_refresh_token", RENEWED, _refresh("t"))

    status, body = _renew(api, "t")

    assert status == 200
    assert "refresh_token" not in body["data"]


@pytest.mark.parametrize(
    ("aws_error", "answer"),
    [
        (("NotAuthorizedException", "Invalid Refresh Token"), (401, INVALID)),
        (("NotAuthorizedException", "Refresh Token has expired"), (401, INVALID)),
        (("UserNotFoundException", "User does not exist."), (401, INVALID)),
        (("RefreshTokenReuseException", "Refresh token has been used"), (401, REUSED)),
    ],
)
def test_renew_answers_each_refusal_aws_gives(
    stubbed: tuple[Stubber, Http], aws_error: tuple[str, str], answer: tuple[int, Any]
) -> None:
    """AWS's errors of GetTokensFromRefreshToken (botocore's model lists each): the
    stand-in's reuse answer is its own wording of RefreshTokenReuseException."""
    stubber, api = stubbed
    stubber.add_client_error(
        "get_tokens_from_refresh_token", *aws_error, expected_params=_refresh("t")
    )

    assert _renew(api, "t") == answer


def test_the_name_cache_of_challenge_answers_is_looked_up_again_when_its_lifetime_is_over(
    stubbed: tuple[Stubber, Http], clock: Clock
) -> None:
    """Within INTERNAL_NAME_TTL_SECONDS one AdminGetUser serves every challenge
    answer (the UserRead quota); at its end the name is asked for again (Stubber
    fails the test on any call out of this order, and on one left unmade)."""
    stubber, api = stubbed
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("respond_to_auth_challenge", STUB_TOKENS, _answer(STUB_SUB))
    stubber.add_response("respond_to_auth_challenge", STUB_TOKENS, _answer(STUB_SUB))
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("respond_to_auth_challenge", STUB_TOKENS, _answer(STUB_SUB))

    first = _answer_challenge(api)
    clock.advance(INTERNAL_NAME_TTL_SECONDS - 1)
    cached = _answer_challenge(api)
    clock.advance(1)
    expired = _answer_challenge(api)

    assert [first[0], cached[0], expired[0]] == [200, 200, 200]


def test_after_the_email_moves_and_the_cache_expires_challenges_are_answered_as_its_new_owner(
    stubbed: tuple[Stubber, Http], clock: Clock
) -> None:
    """The email alice signed in with now names another account (she changed hers,
    the other took it). Once the cached lookup expires, a challenge answered under
    that email is signed for the new owner's internal name, as AWS checks it."""
    stubber, api = stubbed
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("respond_to_auth_challenge", STUB_TOKENS, _answer(STUB_SUB))
    _internal_name_is(stubber, OTHER_SUB)
    stubber.add_response("respond_to_auth_challenge", STUB_TOKENS, _answer(OTHER_SUB))

    before = _answer_challenge(api)
    clock.advance(INTERNAL_NAME_TTL_SECONDS)
    after = _answer_challenge(api)

    assert [before[0], after[0]] == [200, 200]


# Another account's internal name, and its SECRET_HASH computed as conftest's are.
OTHER_SUB = "9d2e4f60-7a1b-4c3d-8e5f-6a7b8c9d0e1f"
STUB_HASH_OF_OTHER_SUB = "bGsiF8o0i4+oRwn9EeiKIMzG4clT1T9ZjKv7Wxe4AtU="
SESSION = "a-challenge-session-of-aws"
_HASHES = {STUB_SUB: STUB_HASH_OF_SUB, OTHER_SUB: STUB_HASH_OF_OTHER_SUB}
RENEWED = {
    "AuthenticationResult": {
        "IdToken": "i.d.t",
        "AccessToken": "a.c.t",
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
}


@pytest.fixture
def clock(stubbed: tuple[Stubber, Http]) -> Clock:
    """The clock of the gateway's internal-name cache, moved by the test."""
    clock = Clock()
    services.override(
        gateway=CognitoGateway(
            services.settings(), services.cognito_client(), services.client_secret(), clock=clock
        )
    )
    return clock


def _internal_name_is(stubber: Stubber, internal_name: str) -> None:
    """AWS's AdminGetUser: the account the typed email now belongs to."""
    stubber.add_response(
        "admin_get_user",
        {"Username": internal_name, "UserAttributes": [{"Name": "email", "Value": ALICE}]},
        {"UserPoolId": STUB_POOL.user_pool_id, "Username": ALICE},
    )


def _refresh(refresh_token: str) -> dict[str, Any]:
    return {
        "RefreshToken": refresh_token,
        "ClientId": STUB_POOL.client_id,
        "ClientSecret": STUB_POOL.client_secret,
    }


def _answer(internal_name: str) -> dict[str, Any]:
    return {
        "ClientId": STUB_POOL.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": SESSION,
        "ChallengeResponses": {
            "USERNAME": internal_name,
            "SECRET_HASH": _HASHES[internal_name],
            "SOFTWARE_TOKEN_MFA_CODE": "123456",
        },
        **FROM_CALLER,
    }


def _answer_challenge(api: Http) -> tuple[int, Any]:
    return api.post(
        "/login/challenge",
        {
            "username": ALICE,
            "challenge_name": "SOFTWARE_TOKEN_MFA",
            "session": SESSION,
            "code": "123456",
        },
    )

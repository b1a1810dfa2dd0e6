"""POST /user/renew_refresh_token: moto in-process, and the AWS request pinned by Stubber."""

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


def test_renew_returns_new_tokens_for_the_name_the_user_signed_in_with(
    api: Http, login: Callable[[str], dict[str, Any]], users: dict[str, str]
) -> None:
    tokens = login(ALICE)

    status, body = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )

    assert status == 200
    assert body["message"] == "success"
    assert set(body["data"]) == {"id_token", "access_token", "expires_in", "token_type"}
    claims = jwt.decode(body["data"]["id_token"], options={"verify_signature": False})
    assert claims["cognito:username"] == users[ALICE]
    assert claims["email"] == ALICE
    assert body["data"]["id_token"] != tokens["id_token"]


@pytest.mark.parametrize("field", ["username", "refresh_token"])
@pytest.mark.parametrize("value", [MISSING, "", None, 3, ["x"]])
def test_renew_requires_each_field(api: Http, field: str, value: Any) -> None:
    body = with_field({"username": ALICE, "refresh_token": "some-token"}, field, value)

    status, answer = api.post("/user/renew_refresh_token", body)

    assert status == 400
    assert answer["message"] == f"Please provide {field} to renew tokens"
    assert answer["error"] is True
    assert answer["data"] is None


@pytest.mark.usefixtures("users")
def test_renew_rejects_an_invalid_refresh_token(api: Http) -> None:
    status, body = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": "not-a-refresh-token"}
    )

    assert (status, body) == (401, INVALID)


def test_renew_rejects_a_refresh_token_revoked_by_global_sign_out(
    api: Http,
    login: Callable[[str], dict[str, Any]],
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
) -> None:
    tokens = login(ALICE)
    cognito.global_sign_out(AccessToken=tokens["access_token"])

    status, body = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": tokens["refresh_token"]}
    )

    assert (status, body) == (401, INVALID)


def test_renew_rejects_another_users_name(
    api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    """The SECRET_HASH is bound to the user, so a token with the wrong name fails."""
    tokens = login(ALICE)

    status, body = api.post(
        "/user/renew_refresh_token", {"username": BOB, "refresh_token": tokens["refresh_token"]}
    )

    assert (status, body) == (401, INVALID)


def test_renew_sends_aws_the_secret_hash_of_the_internal_username(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS divergence: for REFRESH_TOKEN_AUTH, real Cognito checks SECRET_HASH against
    the user's internal name (the `sub` when email is the username attribute) and
    answers "SecretHash does not match" for the typed email; moto checks the name
    typed at sign-in instead. This pins the exact AWS requests."""
    stubber, api = stubbed
    stubber.add_response(
        "admin_get_user",
        {"Username": STUB_SUB, "UserAttributes": [{"Name": "email", "Value": ALICE}]},
        {"UserPoolId": STUB_POOL.user_pool_id, "Username": ALICE},
    )
    stubber.add_response(
        "initiate_auth",
        {
            "AuthenticationResult": {
                "IdToken": "new.id.token",
                "AccessToken": "new.access.token",
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
            }
        },
        {
            "ClientId": STUB_POOL.client_id,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {
                "REFRESH_TOKEN": "the-refresh-token",
                "SECRET_HASH": STUB_HASH_OF_SUB,
            },
            **FROM_CALLER,
        },
    )

    status, body = api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": "the-refresh-token"}
    )

    assert status == 200
    assert body["data"] == {
        "id_token": "new.id.token",
        "access_token": "new.access.token",
        "expires_in": 3600,
        "token_type": "Bearer",
    }


def test_renew_hides_an_unknown_user_behind_the_invalid_token_answer(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("admin_get_user", "UserNotFoundException", "User does not exist.")

    status, body = api.post(
        "/user/renew_refresh_token", {"username": "ghost@example.com", "refresh_token": "t"}
    )

    assert (status, body) == (401, INVALID)


# Another account's internal name, and its SECRET_HASH computed as conftest's are.
OTHER_SUB = "9d2e4f60-7a1b-4c3d-8e5f-6a7b8c9d0e1f"
STUB_HASH_OF_OTHER_SUB = "bGsiF8o0i4+oRwn9EeiKIMzG4clT1T9ZjKv7Wxe4AtU="
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


def _refresh(refresh_token: str, secret_hash: str) -> dict[str, Any]:
    return {
        "ClientId": STUB_POOL.client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": refresh_token, "SECRET_HASH": secret_hash},
        **FROM_CALLER,
    }


def _renew(api: Http, refresh_token: str) -> tuple[int, Any]:
    return api.post(
        "/user/renew_refresh_token", {"username": ALICE, "refresh_token": refresh_token}
    )


def test_a_cached_internal_name_is_looked_up_again_when_its_lifetime_is_over(
    stubbed: tuple[Stubber, Http], clock: Clock
) -> None:
    """Within INTERNAL_NAME_TTL_SECONDS one AdminGetUser serves every renewal (the
    UserRead quota); at its end the name is asked for again (Stubber fails the test
    on any call out of this order, and on one left unmade)."""
    stubber, api = stubbed
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("initiate_auth", RENEWED, _refresh("t", STUB_HASH_OF_SUB))
    stubber.add_response("initiate_auth", RENEWED, _refresh("t", STUB_HASH_OF_SUB))
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("initiate_auth", RENEWED, _refresh("t", STUB_HASH_OF_SUB))

    first = _renew(api, "t")
    clock.advance(INTERNAL_NAME_TTL_SECONDS - 1)
    cached = _renew(api, "t")
    clock.advance(1)
    expired = _renew(api, "t")

    assert [first[0], cached[0], expired[0]] == [200, 200, 200]


def test_after_the_email_moves_and_the_cache_expires_renewal_signs_for_its_new_owner(
    stubbed: tuple[Stubber, Http], clock: Clock
) -> None:
    """The email alice signed in with now names another account (she changed hers,
    the other took it). Once the cached lookup expires, renewals hash the new owner's
    internal name: the new owner's refresh token renews, and hers, hashed for an
    account it is not of, is refused as AWS refuses it (NotAuthorizedException
    "SecretHash does not match", the answer to a hash over the wrong name)."""
    stubber, api = stubbed
    _internal_name_is(stubber, STUB_SUB)
    stubber.add_response("initiate_auth", RENEWED, _refresh("hers", STUB_HASH_OF_SUB))
    _internal_name_is(stubber, OTHER_SUB)
    stubber.add_client_error(
        "initiate_auth",
        "NotAuthorizedException",
        f"SecretHash does not match for the client: {STUB_POOL.client_id}",
        expected_params=_refresh("hers", STUB_HASH_OF_OTHER_SUB),
    )
    stubber.add_response("initiate_auth", RENEWED, _refresh("theirs", STUB_HASH_OF_OTHER_SUB))

    before = _renew(api, "hers")
    clock.advance(INTERNAL_NAME_TTL_SECONDS)
    hers = _renew(api, "hers")
    theirs = _renew(api, "theirs")

    assert before[0] == 200
    assert hers == (401, INVALID)
    assert theirs[0] == 200

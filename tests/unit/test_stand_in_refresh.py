"""The stand-in's GetTokensFromRefreshToken (devstack/stand_in_refresh.py), which moto
lacks, called as a client of Cognito's API calls it: rotation on and off, the grace
period, reuse, lifetimes, and the refusals. In-process moto, a clock the tests move."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from devstack.pool import create_confirmed_user
from tests.conftest import ALICE, PASSWORD, Clock
from tests.rotation_support import sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool


@pytest.fixture
def refresh_token(
    stand_in_clock: Clock, stand_in: tuple[CognitoIdentityProviderClient, Pool]
) -> str:
    cognito, pool = stand_in
    create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD)
    token: str = sign_in(cognito, pool, ALICE)["RefreshToken"]
    return token


def _renew(
    cognito: CognitoIdentityProviderClient, client_id: str, token: str, secret: str | None
) -> dict[str, Any]:
    if secret is None:
        answer = cognito.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client_id)
    else:
        answer = cognito.get_tokens_from_refresh_token(
            RefreshToken=token, ClientId=client_id, ClientSecret=secret
        )
    return dict(answer["AuthenticationResult"])


def _signed_in_at(
    cognito: CognitoIdentityProviderClient, pool: Pool, name: str, **config: Any
) -> tuple[Pool, str]:
    """Another app client of the pool, configured so; alice's refresh token from it."""
    client = cognito.create_user_pool_client(
        UserPoolId=pool.user_pool_id, ClientName=name, GenerateSecret=True, **config
    )["UserPoolClient"]
    create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD)
    other = type(pool)(pool.user_pool_id, client["ClientId"], client["ClientSecret"])
    return other, sign_in(cognito, other, ALICE)["RefreshToken"]


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_rotating_client_answers_a_new_refresh_token_with_the_id_and_access_tokens(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], refresh_token: str
) -> None:
    cognito, pool = stand_in

    result = _renew(cognito, pool.client_id, refresh_token, pool.client_secret)

    assert set(result) == {"IdToken", "AccessToken", "ExpiresIn", "TokenType", "RefreshToken"}
    assert result["RefreshToken"] != refresh_token
    assert cognito.get_user(AccessToken=result["AccessToken"])["Username"]


def test_a_client_without_rotation_answers_no_refresh_token_and_the_old_one_goes_on(
    stand_in_clock: Clock, stand_in: tuple[CognitoIdentityProviderClient, Pool]
) -> None:
    cognito, pool = stand_in
    other, token = _signed_in_at(
        cognito,
        pool,
        "no-rotation",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )

    first = _renew(cognito, other.client_id, token, other.client_secret)
    stand_in_clock.advance(3600)
    later = _renew(cognito, other.client_id, token, other.client_secret)

    assert "RefreshToken" not in first
    assert "RefreshToken" not in later


def test_the_grace_period_is_the_clients_and_reuse_after_it_is_refused(
    stand_in_clock: Clock, stand_in: tuple[CognitoIdentityProviderClient, Pool]
) -> None:
    cognito, pool = stand_in
    other, token = _signed_in_at(
        cognito,
        pool,
        "no-grace",
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    _renew(cognito, other.client_id, token, other.client_secret)
    stand_in_clock.advance(0.001)

    assert _error(lambda: _renew(cognito, other.client_id, token, other.client_secret)) == (
        "RefreshTokenReuseException",
        "The refresh token has been used and rotated",
    )


@pytest.mark.parametrize("secret", [None, "not-the-secret-of-this-app-client"])
def test_a_missing_or_wrong_client_secret_is_refused(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], refresh_token: str, secret: str | None
) -> None:
    cognito, pool = stand_in

    assert _error(lambda: _renew(cognito, pool.client_id, refresh_token, secret)) == (
        "NotAuthorizedException",
        f"Unable to verify client secret for client {pool.client_id}",
    )


def test_an_unknown_client_is_not_found(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], refresh_token: str
) -> None:
    cognito, pool = stand_in

    code, _ = _error(lambda: _renew(cognito, "unknownclient", refresh_token, pool.client_secret))

    assert code == "ResourceNotFoundException"


def test_another_clients_token_and_a_signed_out_one_are_invalid(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], refresh_token: str
) -> None:
    cognito, pool = stand_in
    client = cognito.create_user_pool_client(
        UserPoolId=pool.user_pool_id, ClientName="other", GenerateSecret=True
    )["UserPoolClient"]
    invalid = ("NotAuthorizedException", "Invalid Refresh Token")

    foreign = _error(
        lambda: _renew(cognito, client["ClientId"], refresh_token, client["ClientSecret"])
    )
    access = _renew(cognito, pool.client_id, refresh_token, pool.client_secret)["AccessToken"]
    cognito.global_sign_out(AccessToken=access)
    signed_out = _error(lambda: _renew(cognito, pool.client_id, refresh_token, pool.client_secret))

    assert (foreign, signed_out) == (invalid, invalid)


def test_a_sign_ins_refresh_token_expires_after_the_clients_refresh_token_validity(
    stand_in_clock: Clock, stand_in: tuple[CognitoIdentityProviderClient, Pool]
) -> None:
    cognito, pool = stand_in
    other, token = _signed_in_at(
        cognito,
        pool,
        "one-hour",
        RefreshTokenValidity=60,
        TokenValidityUnits={"RefreshToken": "minutes"},
    )
    stand_in_clock.advance(3599)
    _renew(cognito, other.client_id, token, other.client_secret)
    stand_in_clock.advance(1)

    assert _error(lambda: _renew(cognito, other.client_id, token, other.client_secret)) == (
        "NotAuthorizedException",
        "Refresh Token has expired",
    )

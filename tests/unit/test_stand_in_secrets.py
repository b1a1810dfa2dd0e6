"""The stand-in's client-secret operations (devstack/stand_in_secrets.py), as AWS's
API reference describes them, on in-process moto."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from devstack.pool import Pool, create_confirmed_user
from tests.conftest import ALICE, PASSWORD
from tests.rotation_support import held_secrets, renews_with, sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

CHOSEN = "achosensecretofthirtytwocharacters0"


def _ids(cognito: CognitoIdentityProviderClient, pool: Pool) -> list[str]:
    """The ids of the secrets held, each listed without its value."""
    listed = held_secrets(cognito, pool)
    assert all(set(s) == {"ClientSecretId", "ClientSecretCreateDate"} for s in listed), listed
    return [s["ClientSecretId"] for s in listed]


def _error(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_client_starts_with_its_one_secret(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> None:
    cognito, pool = stand_in

    (only,) = _ids(cognito, pool)

    assert re.fullmatch(rf"{pool.client_id}--\d{{13}}", only)


def test_a_generated_secret_is_shown_once_and_a_chosen_one_never(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> None:
    cognito, pool = stand_in
    client = {"UserPoolId": pool.user_pool_id, "ClientId": pool.client_id}

    generated = cognito.add_user_pool_client_secret(**client)["ClientSecretDescriptor"]
    cognito.delete_user_pool_client_secret(**client, ClientSecretId=generated["ClientSecretId"])
    chosen = cognito.add_user_pool_client_secret(**client, ClientSecret=CHOSEN)[
        "ClientSecretDescriptor"
    ]

    assert re.fullmatch(r"[a-z0-9]{52}", generated["ClientSecretValue"])
    assert "ClientSecretValue" not in chosen
    assert _ids(cognito, pool)[1] == chosen["ClientSecretId"]


def test_a_client_holds_at_most_two_secrets_and_never_loses_its_last(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> None:
    cognito, pool = stand_in
    client = {"UserPoolId": pool.user_pool_id, "ClientId": pool.client_id}
    (first,) = _ids(cognito, pool)
    second = cognito.add_user_pool_client_secret(**client)["ClientSecretDescriptor"][
        "ClientSecretId"
    ]

    third = _error(lambda: cognito.add_user_pool_client_secret(**client))
    cognito.delete_user_pool_client_secret(**client, ClientSecretId=first)
    last = _error(lambda: cognito.delete_user_pool_client_secret(**client, ClientSecretId=second))
    unknown = _error(lambda: cognito.delete_user_pool_client_secret(**client, ClientSecretId=first))

    assert third[0] == "LimitExceededException"
    assert last[0] == "InvalidParameterException"
    assert unknown[0] == "ResourceNotFoundException"
    assert _ids(cognito, pool) == [second]


# (Shorter than 24 characters, botocore refuses it before sending.)
@pytest.mark.parametrize("value", ["has-a-dash-which-aws-does-not-allow", "x" * 65])
def test_a_chosen_secret_must_have_the_shape_aws_allows(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], value: str
) -> None:
    cognito, pool = stand_in

    code, _ = _error(
        lambda: cognito.add_user_pool_client_secret(
            UserPoolId=pool.user_pool_id, ClientId=pool.client_id, ClientSecret=value
        )
    )

    assert code == "InvalidParameterException"
    assert len(_ids(cognito, pool)) == 1


def test_unknown_pools_and_clients_and_clients_without_a_secret_are_refused(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> None:
    cognito, pool = stand_in
    public = cognito.create_user_pool_client(
        UserPoolId=pool.user_pool_id, ClientName="public", GenerateSecret=False
    )["UserPoolClient"]["ClientId"]

    def listing(pool_id: str, client_id: str) -> str:
        return _error(
            lambda: cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)
        )[0]

    answers = [
        listing("us-east-1_NoSuchPool", pool.client_id),
        listing(pool.user_pool_id, "nosuchclient"),
        listing(pool.user_pool_id, public),
    ]

    assert answers == [
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterException",
    ]


def test_either_secret_verifies_during_a_rotation_and_a_deleted_one_stops(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> None:
    """The stand-in's GetTokensFromRefreshToken checks the client secret against
    every current secret of the client, as AWS does during a rotation."""
    cognito, pool = stand_in
    client = {"UserPoolId": pool.user_pool_id, "ClientId": pool.client_id}
    create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD)
    refresh = sign_in(cognito, pool, ALICE)["RefreshToken"]

    (old,) = _ids(cognito, pool)
    cognito.add_user_pool_client_secret(**client, ClientSecret=CHOSEN)
    during = [
        renews_with(cognito, pool, refresh, secret)
        for secret in (pool.client_secret, CHOSEN, "x" * 40)
    ]
    cognito.delete_user_pool_client_secret(**client, ClientSecretId=old)
    after = [renews_with(cognito, pool, refresh, secret) for secret in (pool.client_secret, CHOSEN)]
    described = cognito.describe_user_pool_client(**client)["UserPoolClient"]

    refused = f"Unable to verify client secret for client {pool.client_id}"
    assert during == ["ok", "ok", refused]
    assert after == [refused, "ok"]
    assert described["ClientSecret"] == CHOSEN

"""What the client-secret tests share, on the stand-in: the secrets an app client
holds, a sign-in with the client's secret, and whether a refresh token renews with a
given secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from chalicelib.cognito_gateway import secret_hash
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import (
        ClientSecretDescriptorTypeTypeDef,
        GetTokensFromRefreshTokenResponseTypeDef,
    )

    from devstack.pool import Pool


class AppClient(Protocol):
    """A pool's app client, as a Pool or a rotation's Target names it."""

    @property
    def user_pool_id(self) -> str: ...

    @property
    def client_id(self) -> str: ...


def held_secrets(
    cognito: CognitoIdentityProviderClient, client: AppClient
) -> list[ClientSecretDescriptorTypeTypeDef]:
    """The secrets the app client holds, as ListUserPoolClientSecrets lists them."""
    return cognito.list_user_pool_client_secrets(
        UserPoolId=client.user_pool_id, ClientId=client.client_id
    )["ClientSecrets"]


def secret_ids(cognito: CognitoIdentityProviderClient, client: AppClient) -> list[str]:
    """The ids of the secrets the app client holds, in the order listed."""
    return [secret["ClientSecretId"] for secret in held_secrets(cognito, client)]


def sign_in(
    cognito: CognitoIdentityProviderClient, pool: Pool, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    """The tokens of a USER_PASSWORD_AUTH sign-in, hashed with the client's secret."""
    answer = cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": password,
            "SECRET_HASH": secret_hash(username, pool.client_id, pool.client_secret),
        },
    )
    tokens: dict[str, Any] = dict(answer["AuthenticationResult"])
    return tokens


def refresh_with(
    cognito: CognitoIdentityProviderClient, pool: Pool, refresh_token: str, secret: str
) -> GetTokensFromRefreshTokenResponseTypeDef:
    """GetTokensFromRefreshToken with `secret` as the client secret (which the stand-in
    checks against every current secret of the client)."""
    return cognito.get_tokens_from_refresh_token(
        RefreshToken=refresh_token, ClientId=pool.client_id, ClientSecret=secret
    )


def renews_with(
    cognito: CognitoIdentityProviderClient, pool: Pool, refresh_token: str, secret: str
) -> str:
    """Whether a refresh token renews with `secret` as the client secret: "ok", or
    Cognito's message."""
    try:
        refresh_with(cognito, pool, refresh_token, secret)
    except ClientError as exc:
        return str(exc.response["Error"]["Message"])
    return "ok"

"""The service in this process over moto's in-process Cognito (mock_aws), as the
unit tests run it: for the per-request and calls-per-request rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.test import Client

from devstack.environment import ROOT
from devstack.harness import Http, environment, pool_environment, stand_in_pool
from devstack.harness import in_process as app_in_process
from devstack.pool import Pool, create_confirmed_user

if TYPE_CHECKING:
    from chalice.app import Chalice
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

USERNAME = "bench@example.com"
PASSWORD = "Bench-Passw0rd!"
ADMIN = "bench-admin@example.com"


@dataclass
class Service:
    cognito: CognitoIdentityProviderClient  # the stand-in, as an administrator
    pool: Pool
    http: Http

    def tokens(self, username: str = USERNAME, password: str = PASSWORD) -> dict[str, Any]:
        status, body = self.http.post("/login", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"/login answered {status}: {body}")
        tokens: dict[str, Any] = body["data"]
        return tokens

    def app_client(self, app: Chalice) -> Http:
        """Another Chalice app of this bench, on the same stand-in and settings."""
        return Http(Client(app, stage_name="local", project_dir=str(ROOT)))


@contextmanager
def in_process(dialect: str = "moto", email_usernames: bool = True) -> Iterator[Service]:
    """The service on a fresh in-process pool with a user and an admin. With
    email_usernames false, users sign in with plain names: then the aws dialect's
    renewal, which hashes the internal name, also satisfies moto."""
    with stand_in_pool() as (cognito, pool):
        if not email_usernames:
            pool = _plain_username_pool(cognito)
        for user in (USERNAME, ADMIN):
            create_confirmed_user(
                cognito,
                pool.user_pool_id,
                user,
                PASSWORD,
                name="Bench",
                groups=["admin"] if user == ADMIN else [],
            )
        settings = pool_environment(pool, dialect)
        # The floor and tutorial apps read their settings from the environment.
        with environment(settings), app_in_process(settings) as http:
            yield Service(cognito, pool, http)


def _plain_username_pool(cognito: CognitoIdentityProviderClient) -> Pool:
    # Sign-up codes go to the email, as in the pool the service deploys.
    pool_id = cognito.create_user_pool(
        PoolName="bench-plain-usernames", AutoVerifiedAttributes=["email"]
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="bench",
        GenerateSecret=True,
        # Rotation off (the template's RefreshTokenRotation DISABLED): the bench renews
        # one refresh token for far longer than a grace period. The service's work
        # is the same either way, one GetTokensFromRefreshToken.
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    cognito.create_group(UserPoolId=pool_id, GroupName="admin")
    return Pool(pool_id, client["ClientId"], client["ClientSecret"])

"""The service in this process over moto's in-process Cognito (mock_aws), as the
unit tests run it: for the per-request and calls-per-request rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.test import Client

from chalicelib import settings as settings_module
from chalicelib.cognito_gateway import CognitoGateway, gateway
from chalicelib.token_verification import JwksCache, TokenVerifier, verifier
from devstack.environment import OFFLINE_AWS, ROOT
from devstack.harness import Http, moto_jwks
from devstack.pool import Pool, create_confirmed_user, create_pool

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
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def in_process(dialect: str = "moto", email_usernames: bool = True) -> Iterator[Service]:
    """The service on a fresh in-process pool with a user and an admin. With
    email_usernames false, users sign in with plain names: then the aws dialect's
    renewal, which hashes the internal name, also satisfies moto."""
    import boto3
    from moto import mock_aws

    with _environment(OFFLINE_AWS), mock_aws():
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool = create_pool(cognito) if email_usernames else _plain_username_pool(cognito)
        for user in (USERNAME, ADMIN):
            create_confirmed_user(
                cognito,
                pool.user_pool_id,
                user,
                PASSWORD,
                name="Bench",
                groups=["admin"] if user == ADMIN else [],
            )
        env = {
            "COGNITO_USER_POOL_ID": pool.user_pool_id,
            "COGNITO_CLIENT_ID": pool.client_id,
            "COGNITO_CLIENT_SECRET": pool.client_secret,
            "COGNITO_DIALECT": dialect,
        }
        with _environment(env):
            settings_module.get_settings.cache_clear()
            settings = settings_module.get_settings()
            gateway.override(CognitoGateway(settings))
            # In-process moto answers boto3, not urllib: the verifier gets moto's keys.
            jwks = moto_jwks("jwks-public")
            verifier.override(
                TokenVerifier(settings.issuer, settings.client_id, JwksCache(lambda: jwks))
            )
            from app import app

            try:
                with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
                    yield Service(cognito, pool, Http(client))
            finally:
                settings_module.get_settings.cache_clear()
                gateway.override(None)
                verifier.override(None)


def _plain_username_pool(cognito: CognitoIdentityProviderClient) -> Pool:
    pool_id = cognito.create_user_pool(PoolName="bench-plain-usernames")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="bench",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    cognito.create_group(UserPoolId=pool_id, GroupName="admin")
    return Pool(pool_id, client["ClientId"], client["ClientSecret"])

"""End to end: `make run`'s stand-in has the client-secret operations a rotation uses,
and the service keeps renewing over HTTP while its client holds two secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests
from botocore.exceptions import ClientError

from devstack.pool import create_confirmed_user

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

USER = "rotation@example.com"
PASSWORD = "Rotation-Passw0rd"


def _post(stack: dict[str, Any], path: str, body: Any) -> tuple[int, dict[str, Any]]:
    response = requests.post(stack["api_url"] + path, json=body, timeout=30)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def _refreshes_with(
    cognito: CognitoIdentityProviderClient, stack: dict[str, Any], refresh: str, secret: str
) -> str:
    """ "ok", or the stand-in's message (it checks the client secret on refresh)."""
    try:
        cognito.get_tokens_from_refresh_token(
            RefreshToken=refresh, ClientId=stack["client_id"], ClientSecret=secret
        )
    except ClientError as exc:
        return str(exc.response["Error"]["Message"])
    return "ok"


def test_the_stand_in_holds_a_second_secret_while_the_service_keeps_renewing(
    stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient, client_secret: str
) -> None:
    client = {"UserPoolId": stack["user_pool_id"], "ClientId": stack["client_id"]}
    create_confirmed_user(stack_cognito, stack["user_pool_id"], USER, PASSWORD)
    status, body = _post(stack, "/login", {"username": USER, "password": PASSWORD})
    assert status == 200, body
    refresh = body["data"]["refresh_token"]
    renew = {"username": USER, "refresh_token": refresh}
    (original,) = stack_cognito.list_user_pool_client_secrets(**client)["ClientSecrets"]

    added = stack_cognito.add_user_pool_client_secret(**client)["ClientSecretDescriptor"]
    try:
        during = [
            _post(stack, "/user/renew_refresh_token", renew)[0],
            _refreshes_with(stack_cognito, stack, refresh, added["ClientSecretValue"]),
        ]
    finally:
        # The stack is shared: it leaves with the secret `make run` gave it, and only it.
        stack_cognito.delete_user_pool_client_secret(
            **client, ClientSecretId=added["ClientSecretId"]
        )
    after = [
        _post(stack, "/user/renew_refresh_token", renew)[0],
        _refreshes_with(stack_cognito, stack, refresh, added["ClientSecretValue"]),
        _refreshes_with(stack_cognito, stack, refresh, client_secret),
    ]

    assert during == [200, "ok"]
    assert after == [200, f"Unable to verify client secret for client {stack['client_id']}", "ok"]
    listed = stack_cognito.list_user_pool_client_secrets(**client)["ClientSecrets"]
    assert [s["ClientSecretId"] for s in listed] == [original["ClientSecretId"]]

"""The app client's secret from AWS Secrets Manager (moto in-process): read once per
process, and a clear log line, not a leak, when it cannot be read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from chalicelib.services import services
from chalicelib.settings import Settings
from devstack.harness import Http, pool_environment
from devstack.pool import Pool
from tests.conftest import ALICE, PASSWORD

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_REGION = "eu-central-1"


@pytest.fixture
def secrets_manager(pool: Pool) -> SecretsManagerClient:
    # `pool` runs inside moto's mock_aws, which serves Secrets Manager as well.
    return boto3.client("secretsmanager", region_name=SECRET_REGION)


@pytest.fixture
def secret_arn(api: Http, pool: Pool, secrets_manager: SecretsManagerClient) -> str:
    """The deployed arrangement: the environment names the secret, not its value."""
    arn = secrets_manager.create_secret(
        Name="cognito-auth-api-client-secret", SecretString=pool.client_secret
    )["ARN"]
    _use_secret_arn(pool, arn)
    return arn


def _use_secret_arn(pool: Pool, arn: str) -> None:
    env = {**pool_environment(pool), "COGNITO_CLIENT_SECRET_ARN": arn}
    del env["COGNITO_CLIENT_SECRET"]
    services.override(settings=Settings.from_env(env))


def _counting(client: SecretsManagerClient) -> list[str]:
    calls: list[str] = []

    def record(**_: Any) -> None:
        calls.append("GetSecretValue")

    client.meta.events.register("before-call.secrets-manager.GetSecretValue", record)
    return calls


def test_deployed_app_reads_the_secret_once_and_signs_every_call_with_it(
    api: Http,
    secret_arn: str,
    secrets_manager: SecretsManagerClient,
    login: Callable[[str], dict[str, Any]],
) -> None:
    reads = _counting(secrets_manager)
    services.override(secrets_client=secrets_manager)

    tokens = login(ALICE)
    again = login(ALICE)
    # moto checks SECRET_HASH on refresh: a wrong secret would get 401 here.
    status, body = api.post(
        "/user/renew_refresh_token",
        {"username": ALICE, "refresh_token": again["refresh_token"]},
    )

    assert status == 200, body
    assert tokens["id_token"] != body["data"]["id_token"]
    assert reads == ["GetSecretValue"]


def test_deployed_app_answers_503_and_logs_why_when_the_secret_is_missing(
    api: Http,
    pool: Pool,
    users: dict[str, str],
    secrets_manager: SecretsManagerClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    missing = f"arn:aws:secretsmanager:{SECRET_REGION}:123456789012:secret:gone-AbCdEf"
    _use_secret_arn(pool, missing)

    with caplog.at_level(logging.WARNING):
        status, body = api.post("/login", {"username": ALICE, "password": PASSWORD})

    assert status == 503
    assert body["message"] == "The service is temporarily unavailable, please retry later"
    assert "secret" not in str(body)
    assert f"cannot read the app client secret {missing}: no such secret" in caplog.text


def test_a_failed_secret_read_is_retried_on_the_next_request(
    api: Http,
    pool: Pool,
    users: dict[str, str],
    secrets_manager: SecretsManagerClient,
) -> None:
    name = "created-after-the-first-request"
    arn = f"arn:aws:secretsmanager:{SECRET_REGION}:123456789012:secret:{name}"
    _use_secret_arn(pool, arn)
    first, _ = api.post("/login", {"username": ALICE, "password": PASSWORD})

    secrets_manager.create_secret(Name=name, SecretString=pool.client_secret)
    second, body = api.post("/login", {"username": ALICE, "password": PASSWORD})

    assert (first, second) == (503, 200), body

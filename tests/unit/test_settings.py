"""The settings object: read once, typed, and loud about what is missing."""

from __future__ import annotations

import pytest

from chalicelib.settings import ConfigurationError, Settings

BASE = {
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123",
    "COGNITO_CLIENT_ID": "client",
    "COGNITO_CLIENT_SECRET": "secret",
}


def test_settings_name_every_missing_variable() -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env({"COGNITO_CLIENT_ID": "client", "COGNITO_CLIENT_SECRET": "  "})

    assert "COGNITO_USER_POOL_ID" in str(error.value)
    assert "COGNITO_CLIENT_SECRET" in str(error.value)
    assert "COGNITO_CLIENT_ID" not in str(error.value)


def test_settings_refuse_a_malformed_pool_id() -> None:
    with pytest.raises(ConfigurationError, match="not a user pool id"):
        Settings.from_env({**BASE, "COGNITO_USER_POOL_ID": "my-pool"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COGNITO_DIALECT", "localstack"),
        ("COGNITO_READ_TIMEOUT", "soon"),
        ("COGNITO_CONNECT_TIMEOUT", "0"),
        ("COGNITO_MAX_ATTEMPTS", "0.5"),
    ],
)
def test_settings_refuse_invalid_values(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**BASE, name: value})


def test_settings_derive_region_issuer_and_jwks_from_the_pool() -> None:
    settings = Settings.from_env(BASE)

    assert settings.region == "eu-west-1"
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    assert settings.jwks_url == settings.issuer + "/.well-known/jwks.json"
    assert settings.dialect == "aws"
    assert settings.admin_group == "admin"


def test_settings_fetch_keys_from_the_stand_in_but_keep_the_aws_issuer() -> None:
    settings = Settings.from_env({**BASE, "COGNITO_ENDPOINT_URL": "http://127.0.0.1:9229/"})

    assert settings.jwks_url == "http://127.0.0.1:9229/eu-west-1_AbC123/.well-known/jwks.json"
    assert settings.issuer.startswith("https://cognito-idp.eu-west-1.amazonaws.com/")


def test_settings_never_show_the_client_secret() -> None:
    settings = Settings.from_env({**BASE, "COGNITO_CLIENT_SECRET": "hunter2-xyz"})

    assert "hunter2-xyz" not in repr(settings)
    assert "hunter2-xyz" not in str(settings)


SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:cognito-auth-api-AbCdEf"


def test_settings_take_the_secret_from_secrets_manager_when_given_its_arn() -> None:
    env = {k: v for k, v in BASE.items() if k != "COGNITO_CLIENT_SECRET"}

    settings = Settings.from_env({**env, "COGNITO_CLIENT_SECRET_ARN": SECRET_ARN})

    assert settings.client_secret is None
    assert settings.client_secret_arn == SECRET_ARN
    assert settings.client_secret_region == "eu-central-1"


def test_settings_refuse_both_the_secret_and_its_arn() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        Settings.from_env({**BASE, "COGNITO_CLIENT_SECRET_ARN": SECRET_ARN})


def test_settings_refuse_an_arn_that_is_not_a_secret() -> None:
    env = {k: v for k, v in BASE.items() if k != "COGNITO_CLIENT_SECRET"}

    with pytest.raises(ConfigurationError, match="not a Secrets Manager secret ARN"):
        Settings.from_env({**env, "COGNITO_CLIENT_SECRET_ARN": "arn:aws:ssm:eu-west-1:1:x"})


def test_settings_name_both_ways_to_give_the_secret_when_neither_is_set() -> None:
    env = {k: v for k, v in BASE.items() if k != "COGNITO_CLIENT_SECRET"}

    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(env)

    assert "COGNITO_CLIENT_SECRET (or COGNITO_CLIENT_SECRET_ARN)" in str(error.value)

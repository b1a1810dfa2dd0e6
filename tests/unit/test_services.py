"""The composition root: each part built once, any part swapped in one line, and
the parts built from a swapped one rebuilt."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.cognito_gateway import CognitoGateway, create_client
from chalicelib.services import Services
from chalicelib.settings import Settings
from chalicelib.stand_in import StandInGateway
from devstack.harness import pool_environment
from tests.conftest import STUB_POOL


def _settings(**changes: str) -> Settings:
    return Settings.from_env({**pool_environment(STUB_POOL, dialect="aws"), **changes})


def test_each_part_is_built_once_and_shared() -> None:
    services = Services(settings=_settings())

    assert services.gateway() is services.gateway()
    assert services.gateway().client is services.cognito_client()
    assert services.verifier() is services.verifier()
    assert services.client_secret().current() == STUB_POOL.client_secret


def test_the_dialect_chooses_the_gateway() -> None:
    assert type(Services(settings=_settings()).gateway()) is CognitoGateway
    assert type(Services(settings=_settings(COGNITO_DIALECT="moto")).gateway()) is StandInGateway


def test_overriding_a_part_rebuilds_what_is_built_from_it_and_nothing_else() -> None:
    services = Services(settings=_settings())
    gateway, verifier = services.gateway(), services.verifier()
    replacement = create_client(services.settings())

    services.override(cognito_client=replacement)

    assert services.gateway() is not gateway
    assert services.gateway().client is replacement
    assert services.verifier() is verifier


def test_new_settings_reach_every_part() -> None:
    services = Services(settings=_settings())
    gateway, verifier = services.gateway(), services.verifier()

    services.override(settings=_settings(COGNITO_READ_TIMEOUT="0.5"))

    assert services.gateway() is not gateway
    assert services.verifier() is not verifier
    config: Any = services.cognito_client().meta.config
    assert config.read_timeout == 0.5


def test_reset_forgets_overrides_and_reads_the_environment_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = Services(settings=_settings())
    for name, value in pool_environment(STUB_POOL, dialect="aws").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "us-west-2_FromTheEnv")

    services.reset()

    assert services.settings().user_pool_id == "us-west-2_FromTheEnv"
    assert services.cognito_client().meta.region_name == "us-west-2"

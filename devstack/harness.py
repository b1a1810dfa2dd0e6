"""The app in this process on moto's in-process Cognito: how the unit tests and the
bench set up the service, in one call."""

from __future__ import annotations

import functools
import gzip
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar
from unittest import mock

from chalice.test import Client

from chalicelib.services import services
from chalicelib.settings import Settings
from devstack import stand_in_secrets
from devstack.environment import OFFLINE_AWS, REGION, ROOT
from devstack.pool import LOCAL_RP_ID, LOCAL_SIGN_IN_FACTORS, Pool, create_pool

if TYPE_CHECKING:
    from botocore.loaders import Loader
    from chalice.app import Chalice
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


def moto_jwks(name: str) -> dict[str, Any]:
    """`jwks-public` or `jwks-private`, as moto ships them (its tokens' key)."""
    resource = resources.files("moto.cognitoidp") / "resources" / f"{name}.json.gz"
    document: dict[str, Any] = json.loads(gzip.decompress(resource.read_bytes()))
    return document


MOTO_PUBLIC_JWKS = moto_jwks("jwks-public")


def pool_environment(pool: Pool, dialect: str = "moto") -> dict[str, str]:
    """The service's settings for `pool`, as the environment gives them, on the
    local stage (the one chalice.test.Client runs)."""
    return {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_CLIENT_SECRET": pool.client_secret,
        "COGNITO_DIALECT": dialect,
        "STAGE": "local",
        "SIGN_IN_FACTORS": ",".join(LOCAL_SIGN_IN_FACTORS),
        "PASSKEY_RP_ID": LOCAL_RP_ID,
    }


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """These environment variables for as long as it lasts."""
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
def stand_in_pool() -> Iterator[tuple[CognitoIdentityProviderClient, Pool]]:
    """moto's Cognito in this process, holding the pool the local stack makes; yields
    an administrator's client of it and the pool."""
    import boto3
    from moto import mock_aws

    from devstack import stand_in_operations

    stand_in_operations.install()
    stand_in_secrets.install()
    # Fake credentials and a fixed region: nothing in it can reach AWS.
    with (
        environment(OFFLINE_AWS),
        mock.patch("botocore.session.create_loader", _shared_loader),
        mock.patch("moto.cognitoidp.models.jwk", _MotoJwk),
        mock_aws(),
    ):
        cognito = boto3.client("cognito-idp", region_name=REGION)
        yield cognito, create_pool(cognito)


@functools.cache
def _moto_signing_key(document: str) -> Any:
    from joserfc import jwk

    return jwk.RSAKey.import_key(json.loads(document))


class _MotoJwk:
    """joserfc.jwk as moto's user pools use it, importing the private key they all
    share once: its file has n, e and d only, and recovering the primes from them
    takes 0.1-0.2 s, which every pool, so nearly every unit test, paid."""

    class RSAKey:
        @staticmethod
        def import_key(value: Any) -> Any:
            return _moto_signing_key(json.dumps(value, sort_keys=True))


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> Loader:
    """One botocore loader per data path, for every session made in a stand-in pool:
    mock_aws gives boto3 a new default session and the app makes a session per
    wiring, and each new loader parses botocore's JSON models again (0.2-0.4 s a
    client on these machines, most of a unit test's time). The models are read-only
    data, as one session already shares them between its clients."""
    from botocore.loaders import create_loader

    return create_loader(search_path_string)


@contextmanager
def wired(
    env: Mapping[str, str], cognito_client: CognitoIdentityProviderClient | None = None
) -> Iterator[None]:
    """The app's services wired from these settings. Tokens are checked against
    moto's signing keys (in-process moto serves boto3, not the HTTP key set);
    `cognito_client` replaces the one the settings would make (a Stubber's). Every
    service is forgotten again on the way out."""
    services.reset()
    services.override(
        settings=Settings.from_env(env),
        jwks_fetcher=lambda: MOTO_PUBLIC_JWKS,
        cognito_client=cognito_client,
    )
    try:
        yield
    finally:
        services.reset()


@contextmanager
def in_process(
    env: Mapping[str, str], cognito_client: CognitoIdentityProviderClient | None = None
) -> Iterator[Http]:
    """The app, wired from these settings (see `wired`), under chalice.test.Client."""
    with wired(env, cognito_client), served() as http:
        yield http


@contextmanager
def served(app: Chalice | None = None) -> Iterator[Http]:
    """An app (ours unless given) under chalice.test.Client, on the local stage,
    wired however the services are now."""
    if app is None:
        from app import app as ours

        app = ours
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        yield Http(client)


class Http:
    """chalice.test.Client with JSON in and out."""

    # Each is called with the method, path and response of every request made through
    # any Http: the tests check every answer they see against the OpenAPI document.
    observers: ClassVar[list[Callable[[str, str, Any], None]]] = []

    def __init__(self, client: Client) -> None:
        self._client = client

    def _observed(self, method: str, path: str, response: Any) -> Any:
        for observe in self.observers:
            observe(method, path, response)
        return response

    def raw_get(self, path: str) -> Any:
        return self._observed("GET", path, self._client.http.get(path))

    def raw_request(self, method: str, path: str, headers: dict[str, str]) -> Any:
        return self._observed(
            method, path, self._client.http.request(method, path, headers=headers)
        )

    def raw_post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Any:
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        response = self._client.http.post(
            path, headers={"Content-Type": "application/json", **(headers or {})}, body=payload
        )
        return self._observed("POST", path, response)

    def post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        response = self.raw_post(path, body, headers, raw)
        return response.status_code, json.loads(response.body)

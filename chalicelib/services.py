"""The composition root: every service of the process, built lazily from one Settings.

Each part is built on first use and then kept for the life of the process (a Lambda
container, a `chalice local` server). A part that fails to build is not kept, so the
next request tries again. The app client's secret is the exception to "kept": its
part holds the value and reads it again when it is old or Cognito rejects it
(chalicelib.client_secret), so a rotation or a Secrets Manager outage heals without
a restart.

`services.override(part=value)` swaps any part in one line (tests, the bench, other
entry points); the parts built from it are rebuilt on next use. `services.reset()`
forgets everything, overrides included.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib import client_secret, cognito_gateway, logs
from chalicelib.client_secret import ClientSecret
from chalicelib.settings import Settings
from chalicelib.token_verification import JwksCache, JwksFetcher, TokenVerifier, http_jwks_fetcher

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

T = TypeVar("T")
_UNBUILT: Any = object()

# Which parts each part is built from: overriding one rebuilds those that depend on it.
_DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "settings": (),
    "cognito_client": ("settings",),
    "secrets_client": ("settings",),
    "client_secret": ("settings", "secrets_client"),
    "gateway": ("settings", "cognito_client"),
    "jwks_fetcher": ("settings",),
    "verifier": ("settings", "jwks_fetcher"),
}
# An outage fails every request the same way: its warning once per this many seconds.
OUTAGE_LOG_INTERVAL = 10.0


class Services:
    def __init__(self, **overrides: Any) -> None:
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self._built: dict[str, Any] = {}
        self._overrides: dict[str, Any] = {}
        self.override(**overrides)

    def settings(self) -> Settings:
        return self._part("settings", Settings.from_env)

    def cognito_client(self) -> CognitoIdentityProviderClient:
        return self._part("cognito_client", lambda: cognito_gateway.create_client(self.settings()))

    def secrets_client(self) -> SecretsManagerClient:
        return self._part("secrets_client", lambda: client_secret.create_client(self.settings()))

    def client_secret(self) -> ClientSecret:
        """The app client's secret: from the settings, or from Secrets Manager (read on
        first use, and again when it is old or Cognito rejects it)."""
        return self._part(
            "client_secret", lambda: client_secret.cached(self.settings(), self.secrets_client)
        )

    def gateway(self) -> cognito_gateway.CognitoGateway:
        def build() -> cognito_gateway.CognitoGateway:
            settings = self.settings()
            gateway = cognito_gateway.CognitoGateway
            if settings.dialect == "moto":
                # The stand-in's differences from AWS, kept out of the AWS gateway.
                from chalicelib.stand_in import StandInGateway

                gateway = StandInGateway
            # The secret is asked for on every hash, so it is read (and retried)
            # when first needed, never when the gateway is built.
            return gateway(settings, self.cognito_client(), self.client_secret())

        return self._part("gateway", build)

    def jwks_fetcher(self) -> JwksFetcher:
        return self._part(
            "jwks_fetcher",
            lambda: http_jwks_fetcher(self.settings().jwks_url, self.settings().jwks_timeout),
        )

    def verifier(self) -> TokenVerifier:
        def build() -> TokenVerifier:
            settings = self.settings()
            return TokenVerifier(
                settings.issuers, settings.client_id, JwksCache(self.jwks_fetcher())
            )

        return self._part("verifier", build)

    def outage_log(self) -> logs.Repeats:
        """Where 503s are logged: one line per interval and cause, then a count."""
        return self._part(
            "outage_log",
            lambda: logs.Repeats(logging.getLogger("chalicelib.responses"), OUTAGE_LOG_INTERVAL),
        )

    def override(
        self,
        *,
        settings: Settings | None = None,
        cognito_client: CognitoIdentityProviderClient | None = None,
        secrets_client: SecretsManagerClient | None = None,
        client_secret: ClientSecret | None = None,
        gateway: cognito_gateway.CognitoGateway | None = None,
        jwks_fetcher: JwksFetcher | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        """Use these parts from now on (those given; None leaves a part as it is)."""
        given = {
            name: value
            for name, value in {
                "settings": settings,
                "cognito_client": cognito_client,
                "secrets_client": secrets_client,
                "client_secret": client_secret,
                "gateway": gateway,
                "jwks_fetcher": jwks_fetcher,
                "verifier": verifier,
            }.items()
            if value is not None
        }
        with self._lock:
            self._overrides.update(given)
            for name in _dependents(set(given)):
                self._built.pop(name, None)

    def reset(self) -> None:
        """Forget every part and override: the next use reads the environment again."""
        with self._lock:
            self._built.clear()
            self._overrides.clear()

    def _part(self, name: str, build: Callable[[], T]) -> T:
        # Lock-free once built: every request asks for its parts.
        value: T = self._overrides.get(name, self._built.get(name, _UNBUILT))
        if value is _UNBUILT:
            with self._lock:
                building = self._building.setdefault(name, threading.Lock())
            # One builder per part, and no other part waits for it: reading the
            # secret from Secrets Manager can take seconds. Parts only wait for the
            # parts they are built from, so the locks cannot deadlock.
            with building:
                value = self._overrides.get(name, self._built.get(name, _UNBUILT))
                if value is _UNBUILT:
                    value = self._built[name] = build()
        return value


def _dependents(changed: set[str]) -> set[str]:
    """The changed parts and every part built from them, however indirectly."""
    affected = set(changed)
    grew = True
    while grew:
        grew = False
        for name, sources in _DEPENDS_ON.items():
            if name not in affected and affected.intersection(sources):
                affected.add(name)
                grew = True
    return affected


services = Services()
"""The process's services: the one module-level instance, used by the app's views."""

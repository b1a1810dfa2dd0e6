"""GetTokensFromRefreshToken and refresh-token rotation, which moto (5.2.5) lacks (it
stores an app client's RefreshTokenRotation and ignores it). Operator code for `make
run` and the tests, never deployed; devstack/stand_in_operations.py's `install()`
installs it.

As AWS's API reference and its "Refresh tokens" guide describe it: the call takes
the refresh token, the client id and, for a client with a secret, the secret itself
(no SECRET_HASH). With rotation off it answers new id and access tokens. With
`RefreshTokenRotation: {Feature: ENABLED, RetryGracePeriodSeconds: 0-60}` it also
answers a new refresh token, and the one it replaces keeps working only for the grace
period (retries); used after it, RefreshTokenReuseException. A rotated token lives
only for what was left of the lifetime of the token it replaces: every token of one
sign-in expires when the sign-in's first one would (the client's
RefreshTokenValidity, in days unless TokenValidityUnits says otherwise).

Where AWS does not say, the stand-in chooses, and these are the divergences to keep
in mind: the messages of its NotAuthorizedExceptions (AWS documents none for this
operation): "Invalid Refresh Token" for an unknown, revoked or signed-out token or
one of another client, "Refresh Token has expired", and "Unable to verify client
secret for client <id>" for a missing or wrong secret (any of the client's current
secrets works, as devstack/stand_in_secrets.py has them). AWS does not document
whether reuse ends the other tokens of the sign-in: here it ends nothing. moto does
not check an app client's ExplicitAuthFlows, so InitiateAuth REFRESH_TOKEN_AUTH still
renews here for a client that rotates, which AWS refuses (the service never calls it).

`stand_in_sign_in.clock` is the time it reads: tests replace it to move time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from moto.cognitoidp import models
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from chalicelib.cognito_gateway import secret_hash
from devstack import stand_in_sign_in
from devstack.stand_in_operations import _backend_by, _client, _secret_hash_ok

INVALID_REFRESH_TOKEN = "Invalid Refresh Token"
EXPIRED_REFRESH_TOKEN = "Refresh Token has expired"
# Seconds per unit of TokenValidityUnits.
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_lock = threading.Lock()


class RefreshTokenReuseException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "RefreshTokenReuseException", "The refresh token has been used and rotated"
        )


@dataclass
class _Issued:
    # stand_in_sign_in.clock's seconds: when the sign-in's first token expires.
    expires: float
    # When it was rotated out, if it was.
    replaced_at: float | None = None


# Per pool, beside moto's own refresh tokens (which it keeps on the pool).
_issued: WeakKeyDictionary[CognitoIdpUserPool, dict[str, _Issued]] = WeakKeyDictionary()


def _validity_seconds(client: CognitoIdpUserPoolClient) -> float:
    config = client.extended_config
    unit = (config.get("TokenValidityUnits") or {}).get("RefreshToken", "days")
    return float(config.get("RefreshTokenValidity", 30)) * _UNIT_SECONDS[unit]


def _rotation(client: CognitoIdpUserPoolClient) -> tuple[bool, float]:
    """Whether the client rotates refresh tokens, and its grace period in seconds."""
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    return rotation.get("Feature") == "ENABLED", float(rotation.get("RetryGracePeriodSeconds", 0))


def _create_refresh_token(
    self: CognitoIdpUserPool, client_id: str, username: str
) -> tuple[str, str]:
    """moto's, and the token's lifetime from its client: a sign-in's first token."""
    token, origin_jti = _MOTO_CREATE(self, client_id, username)
    client = self.clients.get(client_id)
    if client is not None:
        with _lock:
            _issued.setdefault(self, {})[token] = _Issued(
                stand_in_sign_in.clock() + _validity_seconds(client)
            )
    return token, origin_jti


def _secret_ok(client: CognitoIdpUserPoolClient, given: str | None) -> bool:
    # Whether it is one of the client's current secrets: a hash made with it checks.
    return given is not None and _secret_hash_ok(client, "", secret_hash("", client.id, given))


def get_tokens_from_refresh_token(
    backend: CognitoIdpBackend, refresh_token: str, client_id: str, client_secret: str | None
) -> dict[str, Any]:
    pool, client = _client(backend, client_id)
    if client.generate_secret and not _secret_ok(client, client_secret):
        raise NotAuthorizedError(f"Unable to verify client secret for client {client_id}")
    entry = pool.refresh_tokens.get(refresh_token)
    if entry is None or entry[0] != client_id or not entry[1]:
        raise NotAuthorizedError(INVALID_REFRESH_TOKEN)
    rotates, grace = _rotation(client)
    now = stand_in_sign_in.clock()
    with _lock:
        issued = _issued.setdefault(pool, {}).setdefault(
            refresh_token, _Issued(now + _validity_seconds(client))
        )
        if issued.replaced_at is not None and now > issued.replaced_at + grace:
            raise RefreshTokenReuseException()
        if now >= issued.expires:
            raise NotAuthorizedError(EXPIRED_REFRESH_TOKEN)
        if rotates and issued.replaced_at is None:
            issued.replaced_at = now
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(refresh_token)
    result: dict[str, Any] = {
        "IdToken": id_token,
        "AccessToken": access_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }
    if rotates:
        rotated, _ = _MOTO_CREATE(pool, client_id, entry[1])
        with _lock:
            _issued[pool][rotated] = _Issued(issued.expires)
        result["RefreshToken"] = rotated
    return {"AuthenticationResult": result}


def _get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    return ActionResult(
        get_tokens_from_refresh_token(
            _backend_by(self, "client_id", client_id),
            self._get_param("RefreshToken"),
            client_id,
            self._get_param("ClientSecret"),
        )
    )


# moto's own, taken once: installing again wraps it, not the wrapper.
_MOTO_CREATE = models.CognitoIdpUserPool.create_refresh_token


def install() -> None:
    """Adds the operation to moto's response handler, and token lifetimes to moto's
    pools; a second call changes nothing."""
    CognitoIdpResponse.get_tokens_from_refresh_token = _get_tokens_from_refresh_token  # type: ignore[attr-defined]
    CognitoIdpUserPool.create_refresh_token = _create_refresh_token  # type: ignore[method-assign]

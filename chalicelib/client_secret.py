"""The app client's secret: from the environment locally, from AWS Secrets Manager
when deployed. `ClientSecret` holds it for the Cognito gateway: read on first use,
read again once it is older than the maximum age, and read again at once when
Cognito rejects the SECRET_HASH made with it (at most once per REREAD_INTERVAL), so
that a rotation (docs/rotating-secret.md) loses no request."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import errors
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

logger = logging.getLogger(__name__)


def create_client(settings: Settings) -> SecretsManagerClient:
    # Imported here, as the Cognito client's: not at import, not locally at all.
    import boto3

    return boto3.session.Session().client(
        "secretsmanager",
        region_name=settings.client_secret_region,
        config=settings.aws_config(),
    )


def load(settings: Settings, secrets_manager: Callable[[], SecretsManagerClient]) -> str:
    """The secret's value; ServiceUnavailable (with the reason, for the log) when it
    cannot be read."""
    if settings.client_secret is not None:
        return settings.client_secret
    arn = settings.client_secret_arn
    assert arn is not None, "Settings requires the secret or its ARN"
    from botocore.exceptions import BotoCoreError, ClientError  # as boto3: on first use

    try:
        answer = secrets_manager().get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise errors.ServiceUnavailable() from SecretNotLoaded(arn, _REASONS.get(code, code))
    except BotoCoreError as exc:
        raise errors.ServiceUnavailable() from SecretNotLoaded(arn, type(exc).__name__)
    value = answer.get("SecretString", "").strip()
    if not value:
        raise errors.ServiceUnavailable() from SecretNotLoaded(arn, "it holds no string")
    logger.info("app client secret loaded from Secrets Manager")
    return value


_REASONS = {
    "ResourceNotFoundException": "no such secret",
    "AccessDeniedException": "the function's role may not read it",
    "DecryptionFailure": "its KMS key cannot decrypt it",
    "InvalidRequestException": "it cannot be read in its current state (deleted?)",
}


class SecretNotLoaded(Exception):
    """Why the secret could not be read: for the log, never for a response."""

    def __init__(self, arn: str, reason: str) -> None:
        super().__init__(f"cannot read the app client secret {arn}: {reason}")


# Cognito's rejection of a SECRET_HASH can be provoked by any caller (a renewal under
# another user's name fails the same way), so the re-reads it causes are rationed:
# at most one per this many seconds per process.
REREAD_INTERVAL = 10.0


class ClientSecret:
    """The secret the gateway signs with, and when to read it again.

    A value is used for `max_age` seconds after it was read. After that the next
    use reads it again; should that read fail (a Secrets Manager outage), the old
    value is kept for up to one more `max_age`: Cognito accepts it until the old
    secret is deleted, and a 503 for every request during a blip would be worse.
    The failed read is tried again at most once per REREAD_INTERVAL, and past twice
    `max_age` the value is no longer used: requests answer 503 (with the reason in
    the log) until a read succeeds, so a broken read (a lost permission, a deleted
    secret) surfaces within a known time, and a rotation knows how long any process
    can sign with an old value.
    """

    def __init__(
        self,
        read: Callable[[], str],
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
        reread_interval: float = REREAD_INTERVAL,
    ) -> None:
        self._read = read
        self._max_age = max_age
        self._clock = clock
        self._reread_interval = reread_interval
        self._lock = threading.Lock()
        self._value: str | None = None
        self._read_at = -math.inf
        self._failed_at = -math.inf
        self._failure: errors.ServiceUnavailable | None = None
        self._rejected_at = -math.inf

    def current(self) -> str:
        """The value to sign with now; ServiceUnavailable when there is none."""
        value, age = self._value, self._clock() - self._read_at
        if value is not None and age < self._max_age:
            return value
        # One thread reads; meanwhile the others keep signing with the old value if
        # it may still be used, and wait for the read if not.
        usable = value is not None and age < 2 * self._max_age
        if self._lock.acquire(blocking=not usable):
            try:
                self._read_if_due()
            finally:
                self._lock.release()
        return self._usable()

    def reread(self, rejected: str) -> bool:
        """Cognito rejected a SECRET_HASH made with `rejected`: whether the secret is
        now another one, so that the call is worth making once more. Reads it unless
        another thread already has, or a rejection caused a read less than
        REREAD_INTERVAL ago."""
        with self._lock:
            if self._value is not None and self._value != rejected:
                return True
            now = self._clock()
            if now - self._rejected_at < self._reread_interval:
                return False
            self._rejected_at = now
            self._attempt(now)
            changed = self._value is not None and self._value != rejected
        if changed:
            logger.info("app client secret: Cognito rejected the old one; read the new one")
        return changed

    def _read_if_due(self) -> None:
        now = self._clock()
        if self._value is not None and now - self._read_at < self._max_age:
            return  # another thread has just read it
        if self._value is not None and now - self._failed_at < self._reread_interval:
            return  # a read has just failed: not again for every request
        self._attempt(now)

    def _attempt(self, now: float) -> None:
        try:
            value = self._read()
        except errors.ServiceUnavailable as exc:
            self._failed_at, self._failure = now, exc
            if self._value is None:
                raise
            logger.warning(
                "%s; still signing with the value read %.0f s ago",
                exc.__cause__ or exc,
                now - self._read_at,
            )
            return
        self._value, self._read_at, self._failure = value, now, None

    def _usable(self) -> str:
        value = self._value
        if value is not None and self._clock() - self._read_at < 2 * self._max_age:
            return value
        raise errors.ServiceUnavailable() from (
            self._failure.__cause__ if self._failure is not None else None
        )


def cached(
    settings: Settings,
    secrets_manager: Callable[[], SecretsManagerClient],
    clock: Callable[[], float] = time.monotonic,
) -> ClientSecret:
    """The secret these settings name, held as ClientSecret holds it (nothing is read
    until it is first used)."""
    return ClientSecret(
        lambda: load(settings, secrets_manager), settings.client_secret_max_age, clock
    )

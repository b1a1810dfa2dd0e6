"""The app client's secret: from the environment locally, from AWS Secrets Manager
when deployed (fetched on first use, then kept for the life of the process)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chalicelib import errors
from chalicelib.lazy import Lazy
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

logger = logging.getLogger(__name__)


class ClientSecret:
    def __init__(self, settings: Settings, client: SecretsManagerClient | None = None) -> None:
        self._settings = settings
        self._client = client
        # A failed fetch is not kept: the next request tries again.
        self._value: Lazy[str] = Lazy(self._load)

    def get(self) -> str:
        return self._value.get()

    def _load(self) -> str:
        if self._settings.client_secret is not None:
            return self._settings.client_secret
        arn = self._settings.client_secret_arn
        assert arn is not None, "Settings requires the secret or its ARN"
        from botocore.exceptions import BotoCoreError, ClientError  # as boto3: on first use

        try:
            answer = self._secrets_manager().get_secret_value(SecretId=arn)
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

    def _secrets_manager(self) -> SecretsManagerClient:
        if self._client is None:
            # Imported here, as the Cognito client's: not at import, not locally at all.
            import boto3

            s = self._settings
            self._client = boto3.session.Session().client(
                "secretsmanager", region_name=s.client_secret_region, config=s.aws_config()
            )
        return self._client


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

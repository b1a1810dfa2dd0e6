"""The app client's secret: from the environment locally, from AWS Secrets Manager
when deployed (the composition root reads it on first use and keeps it)."""

from __future__ import annotations

import logging
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

"""Where the project lives, and the fake AWS identity everything local runs with."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The stand-in accepts any credentials; these make sure nothing local can sign a
# request that real AWS would accept.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
REGION = "us-east-1"

# Nothing run in-process may reach AWS: fake credentials, a fixed region, no profile files.
OFFLINE_AWS = {
    **FAKE_CREDENTIALS,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}

# moto checks authenticator-app codes only when this is set (against its one fixed
# secret); otherwise any six digits pass, where AWS would refuse them.
MOTO_CHECKS_TOTP = {"MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}

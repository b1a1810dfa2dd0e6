"""The service's configuration: one typed object, read from the environment once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.errors import ServiceUnavailable

if TYPE_CHECKING:
    from botocore.config import Config

Dialect = Literal["aws", "moto"]

_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$")

REQUIRED = ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")
# The app client's secret: its value (local stack, tests) or the ARN of the Secrets
# Manager secret that holds it (deployed), never both.
SECRET_VALUE = "COGNITO_CLIENT_SECRET"
SECRET_ARN = "COGNITO_CLIENT_SECRET_ARN"

# scheme://host[:port], as a browser sends it in Origin: no path, no wildcard.
_ORIGIN = re.compile(r"^https?://[^/?#*\s,]+$")
CORS_ORIGINS = "CORS_ALLOW_ORIGINS"
# Seconds a process signs with the secret it read before reading it again: how long a
# rotation waits before the old secret may go (docs/rotating-secret.md).
CLIENT_SECRET_MAX_AGE = "CLIENT_SECRET_MAX_AGE"
DEFAULT_CLIENT_SECRET_MAX_AGE = 300.0

# Authenticator apps show it above the account: the service's name by default.
DEFAULT_MFA_ISSUER = "cognito-auth-api"

_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):\d{12}:secret:.+$"
)


class ConfigurationError(ServiceUnavailable):
    """The environment does not describe a usable service. Raised at a deployed
    function's start; should a request meet it, it answers 503 with the generic
    message, and this message (which names the variable) goes to the log."""


@dataclass(frozen=True)
class Settings:
    user_pool_id: str
    client_id: str
    client_secret: str | None
    client_secret_arn: str | None
    region: str
    endpoint_url: str | None
    jwks_url: str
    admin_group: str
    dialect: Dialect
    connect_timeout: float
    read_timeout: float
    max_attempts: int
    jwks_timeout: float
    stage: str
    cors_allow_origins: frozenset[str] = frozenset()
    client_secret_max_age: float = DEFAULT_CLIENT_SECRET_MAX_AGE
    mfa_issuer: str = DEFAULT_MFA_ISSUER
    # The first factors /login/start offers (the pool's AllowedFirstAuthFactors).
    sign_in_factors: tuple[str, ...] = ("PASSWORD",)
    # The pool's WebAuthnRelyingPartyID and WebAuthnUserVerification.
    passkey_rp_id: str | None = None
    passkey_user_verification: str = "required"

    @property
    def issuer(self) -> str:
        """The ORIGINAL issuer form, which Cognito (and moto) sign with by default."""
        return _issuer(self.region, self.user_pool_id)

    @property
    def issuers(self) -> tuple[str, str]:
        """Both forms a pool may sign with (IssuerConfigurationType): ORIGINAL, and
        UPDATED, which AWS recommends for every pool."""
        return (
            self.issuer,
            f"https://issuer-cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}",
        )

    @property
    def client_secret_region(self) -> str:
        """Where the secret lives: its ARN says, else the pool's region."""
        match = _SECRET_ARN.match(self.client_secret_arn or "")
        return match["region"] if match else self.region

    def aws_config(self) -> Config:
        """Timeouts and attempts for every AWS client the service makes."""
        # Imported here: botocore costs most of boto3's import, paid on the first AWS call.
        from botocore.config import Config

        return Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
        )

    def __repr__(self) -> str:
        return (
            f"Settings(user_pool_id={self.user_pool_id!r}, client_id={self.client_id!r}, "
            f"client_secret={'***' if self.client_secret else None!r}, "
            f"client_secret_arn={self.client_secret_arn!r}, "
            f"region={self.region!r}, endpoint_url={self.endpoint_url!r}, "
            f"stage={self.stage!r}, cors_allow_origins={sorted(self.cors_allow_origins)!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [name for name in REQUIRED if not env.get(name, "").strip()]
        secret = env.get(SECRET_VALUE, "").strip() or None
        secret_arn = env.get(SECRET_ARN, "").strip() or None
        if secret is None and secret_arn is None:
            missing.append(f"{SECRET_VALUE} (or {SECRET_ARN})")
        if missing:
            raise ConfigurationError(
                "Missing required environment variable(s): "
                + ", ".join(missing)
                + ". See the settings table in README.md."
            )
        pool_id = env["COGNITO_USER_POOL_ID"].strip()
        match = _POOL_ID.match(pool_id)
        if match is None:
            raise ConfigurationError(
                f"COGNITO_USER_POOL_ID {pool_id!r} is not a user pool id "
                "(expected <region>_<id>, e.g. eu-west-1_AbC123)."
            )
        if secret is not None and secret_arn is not None:
            raise ConfigurationError(
                f"Set {SECRET_VALUE} or {SECRET_ARN}, not both: which one holds the secret?"
            )
        if secret_arn is not None and _SECRET_ARN.match(secret_arn) is None:
            raise ConfigurationError(
                f"{SECRET_ARN} {secret_arn!r} is not a Secrets Manager secret ARN "
                "(expected arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
            )
        # The pool id names its region; a second setting could only contradict it.
        region = match["region"]
        endpoint_url = env.get("COGNITO_ENDPOINT_URL", "").strip().rstrip("/") or None
        default_jwks = (
            f"{endpoint_url}/{pool_id}" if endpoint_url else _issuer(region, pool_id)
        ) + "/.well-known/jwks.json"
        dialect = env.get("COGNITO_DIALECT", "").strip() or "aws"
        if dialect not in ("aws", "moto"):
            raise ConfigurationError(
                f"COGNITO_DIALECT must be 'aws' or 'moto' (the local stand-in), not {dialect!r}."
            )
        return cls(
            user_pool_id=pool_id,
            client_id=env["COGNITO_CLIENT_ID"].strip(),
            client_secret=secret,
            client_secret_arn=secret_arn,
            region=region,
            endpoint_url=endpoint_url,
            jwks_url=env.get("COGNITO_JWKS_URL", "").strip() or default_jwks,
            admin_group=env.get("ADMIN_GROUP", "").strip() or "admin",
            dialect=dialect,  # type: ignore[arg-type]
            # Worst case per Cognito call: 2 x (1 s + 3 s) + backoff, about 9 s; a
            # renewal makes two calls, well inside API Gateway's 29 s.
            connect_timeout=_positive_float(env, "COGNITO_CONNECT_TIMEOUT", 1.0),
            read_timeout=_positive_float(env, "COGNITO_READ_TIMEOUT", 3.0),
            max_attempts=_positive_int(env, "COGNITO_MAX_ATTEMPTS", 2),
            jwks_timeout=_positive_float(env, "JWKS_TIMEOUT", 3.0),
            stage=env.get("STAGE", "").strip() or "dev",
            cors_allow_origins=cors_origins(env.get(CORS_ORIGINS, "")),
            client_secret_max_age=_positive_float(
                env, CLIENT_SECRET_MAX_AGE, DEFAULT_CLIENT_SECRET_MAX_AGE
            ),
            mfa_issuer=_mfa_issuer(env.get("MFA_ISSUER", "")),
            **_passwordless(env),
        )


def cors_origins(raw: str) -> frozenset[str]:
    """The browser origins allowed to call the API, from a comma-separated list."""
    origins = {entry.strip().lower() for entry in raw.split(",")} - {""}
    if any("*" in origin for origin in origins):
        # A wildcard would let any site's scripts read every answer, tokens included.
        raise ConfigurationError(
            f"{CORS_ORIGINS} must not contain '*': list each origin that serves a page "
            "calling this API (e.g. https://app.example.com,http://localhost:3000)."
        )
    for origin in sorted(origins):
        if _ORIGIN.match(origin) is None:
            raise ConfigurationError(
                f"{CORS_ORIGINS} entry {origin!r} is not an origin: expected "
                "scheme://host[:port] with http or https, and no path or trailing slash."
            )
    return frozenset(origins)


def _mfa_issuer(raw: str) -> str:
    issuer = raw.strip() or DEFAULT_MFA_ISSUER
    # The otpauth label is `issuer:account`: a colon in the issuer would split it in
    # the wrong place (Google's Key Uri Format forbids it, encoded or not).
    if ":" in issuer or not issuer.isprintable():
        raise ConfigurationError(
            f"MFA_ISSUER must be printable text without a colon, not {issuer!r}."
        )
    return issuer


_FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
_RP_ID = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _passwordless(env: Mapping[str, str]) -> dict[str, Any]:
    """SIGN_IN_FACTORS, PASSKEY_RP_ID and PASSKEY_USER_VERIFICATION, checked."""
    raw = env.get("SIGN_IN_FACTORS", "").strip() or "PASSWORD"
    factors = tuple(
        dict.fromkeys(entry.strip().upper() for entry in raw.split(",") if entry.strip())
    )
    unknown = [factor for factor in factors if factor not in _FIRST_FACTORS]
    if unknown or "PASSWORD" not in factors:
        raise ConfigurationError(
            f"SIGN_IN_FACTORS must list PASSWORD and any of EMAIL_OTP, SMS_OTP, WEB_AUTHN "
            f"(the pool's AllowedFirstAuthFactors), not {raw!r}."
        )
    rp_id = env.get("PASSKEY_RP_ID", "").strip().lower() or None
    # Browsers refuse an IP address as a relying party ("This is an invalid domain").
    if rp_id is not None and (_RP_ID.match(rp_id) is None or rp_id.replace(".", "").isdigit()):
        raise ConfigurationError(
            f"PASSKEY_RP_ID must be a domain name (the pool's WebAuthnRelyingPartyID), "
            f"not {rp_id!r}."
        )
    if "WEB_AUTHN" in factors and rp_id is None:
        raise ConfigurationError(
            "SIGN_IN_FACTORS lists WEB_AUTHN: set PASSKEY_RP_ID to the pool's "
            "WebAuthnRelyingPartyID (a domain you own that serves your sign-in page)."
        )
    verification = env.get("PASSKEY_USER_VERIFICATION", "").strip().lower() or "required"
    if verification not in ("required", "preferred"):
        raise ConfigurationError(
            f"PASSKEY_USER_VERIFICATION must be 'required' or 'preferred', not {verification!r}."
        )
    return {
        "sign_in_factors": factors,
        "passkey_rp_id": rp_id,
        "passkey_user_verification": verification,
    }


def _issuer(region: str, pool_id: str) -> str:
    # Cognito (and moto, even in server mode) always sign with the public AWS issuer.
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}.") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be greater than zero, not {raw!r}.")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _positive_float(env, name, default)
    if value != int(value):
        raise ConfigurationError(f"{name} must be a whole number, not {env[name]!r}.")
    return int(value)

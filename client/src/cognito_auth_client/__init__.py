"""A typed client of cognito-auth-api, and its CLI (`cognito-auth`).

    with Client("http://127.0.0.1:8000") as client:
        tokens = client.login("demo@example.com", password)   # Tokens, or a Challenge
        session = Session.from_login(client, "demo@example.com", tokens)
        session.attributes()   # renews the tokens whenever they are about to expire

Never deployed: the Lambda package holds app.py and chalicelib/ only.
"""

from cognito_auth_client.client import Client
from cognito_auth_client.errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    InsecureTokenFile,
    InvalidCredentials,
    NotConfirmed,
    NotFound,
    NotLoggedIn,
    PayloadTooLarge,
    RequestRefused,
    RetryLater,
    ServerError,
    ServiceError,
    ServiceUnavailable,
    ServiceUnreachable,
    Throttled,
    TokenExpired,
    Unauthorized,
)
from cognito_auth_client.models import (
    AdminUser,
    Attribute,
    Challenge,
    CodeDelivery,
    MfaPreference,
    MfaSettings,
    RenewedTokens,
    SessionState,
    SignUpResult,
    Tokens,
    TotpSetup,
    Updated,
    UserPage,
)
from cognito_auth_client.session import Session
from cognito_auth_client.storage import TokenFile

__all__ = [
    "AdminUser",
    "ApiError",
    "Attribute",
    "AuthenticationError",
    "BadRequest",
    "Challenge",
    "Client",
    "ClientError",
    "CodeDelivery",
    "Conflict",
    "Forbidden",
    "InsecureTokenFile",
    "InvalidCredentials",
    "MfaPreference",
    "MfaSettings",
    "NotConfirmed",
    "NotFound",
    "NotLoggedIn",
    "PayloadTooLarge",
    "RenewedTokens",
    "RequestRefused",
    "RetryLater",
    "ServerError",
    "ServiceError",
    "ServiceUnavailable",
    "ServiceUnreachable",
    "Session",
    "SessionState",
    "SignUpResult",
    "Throttled",
    "TokenExpired",
    "TokenFile",
    "Tokens",
    "TotpSetup",
    "Unauthorized",
    "Updated",
    "UserPage",
]

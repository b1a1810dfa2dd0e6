"""A typed client of cognito-auth-api, and its CLI (`cognito-auth`).

    with Client("http://127.0.0.1:8000") as client:
        tokens = client.login("demo@example.com", password)   # Tokens, or a Challenge
        session = Session.from_login(client, "demo@example.com", tokens)
        session.attributes()   # renews the tokens whenever they are about to expire

Never deployed: the Lambda package holds app.py and chalicelib/ only.
"""

from cognito_auth_client.client import Client
from cognito_auth_client.errors import (
    AlreadyConfirmed,
    ApiError,
    AuthenticationError,
    BadRequest,
    ClientError,
    CodeExpired,
    Conflict,
    Forbidden,
    InsecureTokenFile,
    InvalidCredentials,
    NotConfirmed,
    NotFound,
    NotLoggedIn,
    PasswordResetRequired,
    PayloadTooLarge,
    RequestRefused,
    RetryLater,
    ServerError,
    ServiceError,
    ServiceUnavailable,
    ServiceUnreachable,
    SessionEnded,
    Throttled,
    TokenExpired,
    Unauthorized,
    UsernameExists,
    WeakPassword,
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
    "AlreadyConfirmed",
    "ApiError",
    "Attribute",
    "AuthenticationError",
    "BadRequest",
    "Challenge",
    "Client",
    "ClientError",
    "CodeDelivery",
    "CodeExpired",
    "Conflict",
    "Forbidden",
    "InsecureTokenFile",
    "InvalidCredentials",
    "MfaPreference",
    "MfaSettings",
    "NotConfirmed",
    "NotFound",
    "NotLoggedIn",
    "PasswordResetRequired",
    "PayloadTooLarge",
    "RenewedTokens",
    "RequestRefused",
    "RetryLater",
    "ServerError",
    "ServiceError",
    "ServiceUnavailable",
    "ServiceUnreachable",
    "Session",
    "SessionEnded",
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
    "UsernameExists",
    "WeakPassword",
]

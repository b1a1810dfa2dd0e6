"""What the sign-in challenge tests share, in-process and over HTTP: an invited
user's first sign-in, the bodies that answer a challenge, and the fields of the
tokens a finished sign-in answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

TOKEN_FIELDS = {"id_token", "refresh_token", "access_token", "expires_in", "token_type"}
INVITED = "invited@example.com"
TEMPORARY = "Temp-Passw0rd"
NEW_PASSWORD = "N3w-Passw0rd!"
# A challenge's session, as long as the shortest the service accepts.
SESSION = "s" * 40


def invite(
    cognito: CognitoIdentityProviderClient,
    user_pool_id: str,
    username: str,
    temporary: str = TEMPORARY,
) -> None:
    """An administrator creates the user with a temporary password, and no message:
    the first sign-in is then answered NEW_PASSWORD_REQUIRED."""
    cognito.admin_create_user(
        UserPoolId=user_pool_id,
        Username=username,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
    )


def challenge_answer(
    username: str, challenge_name: str, session: str, **answer: str
) -> dict[str, str]:
    """The body of POST /login/challenge that answers the challenge with `answer`."""
    return {"username": username, "challenge_name": challenge_name, "session": session, **answer}


def new_password_answer(username: str, session: str, new_password: str) -> dict[str, str]:
    """The body that answers NEW_PASSWORD_REQUIRED."""
    return challenge_answer(username, "NEW_PASSWORD_REQUIRED", session, new_password=new_password)


def totp_answer(username: str, session: str, code: str) -> dict[str, str]:
    """The body that answers SOFTWARE_TOKEN_MFA with an authenticator app's code."""
    return challenge_answer(username, "SOFTWARE_TOKEN_MFA", session, code=code)

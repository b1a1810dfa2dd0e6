"""The only code that talks to Cognito.

It computes SECRET_HASH and translates every Cognito failure into one of our errors.
Its boto3 client and the app client's secret come from the composition root
(chalicelib.services), which builds them once per process. This is Cognito as AWS
runs it; the local stand-in's differences live in chalicelib.stand_in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Required, TypedDict, TypeVar

from chalicelib import attributes, caller, errors
from chalicelib.client_secret import ClientSecret
from chalicelib.models.sign_in import Attribute
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import (
        AdminCreateUserResponseTypeDef,
        AdminGetUserResponseTypeDef,
        AssociateSoftwareTokenResponseTypeDef,
        AttributeTypeTypeDef,
        ForgotPasswordResponseTypeDef,
        GetTokensFromRefreshTokenResponseTypeDef,
        GetUserAttributeVerificationCodeResponseTypeDef,
        GetUserResponseTypeDef,
        InitiateAuthResponseTypeDef,
        ListUsersResponseTypeDef,
        ListWebAuthnCredentialsResponseTypeDef,
        ResendConfirmationCodeResponseTypeDef,
        RespondToAuthChallengeResponseTypeDef,
        SignUpResponseTypeDef,
        UpdateUserAttributesResponseTypeDef,
        UserContextDataTypeTypeDef,
        VerifySoftwareTokenResponseTypeDef,
    )

logger = logging.getLogger(__name__)

# Cognito's limits, answered 429 by every call that meets one, unless the call's own
# map answers them otherwise (where a 429 would tell whether a user exists).
# ThrottlingException is not in Cognito's model, but AWS's generic throttling answer.
_LIMITS: Mapping[str, type[errors.TooManyRequests]] = {
    "TooManyRequestsException": errors.TooManyRequests,
    "ThrottlingException": errors.TooManyRequests,
    "TooManyFailedAttemptsException": errors.TooManyAttempts,
    "LimitExceededException": errors.LimitExceeded,
}


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """base64(HMAC-SHA256(key=client secret, message=username + client id))."""
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


ErrorMap = Mapping[str, type[errors.ApiError]]

# How Cognito words a SECRET_HASH it cannot verify ("Unable to verify secret hash for
# client <id>"; on refresh also "SecretHash does not match for the client: <id>"), or
# a client secret: a NotAuthorizedException, as a wrong password is, told apart by its
# message. AWS documents no message for a wrong ClientSecret; every one seen names the
# secret, and a false match costs one more read of a secret that has not changed.
_SECRET_HASH_REJECTED = re.compile(r"secret", re.IGNORECASE)


# Cognito's lockout of an account after repeated wrong passwords, also a
# NotAuthorizedException ("Password attempts exceeded"). Every sign-in call answers it
# as its other NotAuthorizedException (docs/security.md, "Brute force"): this only
# tells the operator's log.
_LOCKED_OUT = re.compile(r"attempts exceeded", re.IGNORECASE)


def rejects_secret_hash(exc: Any) -> bool:
    """Whether a botocore ClientError is Cognito refusing the SECRET_HASH."""
    error = exc.response.get("Error", {})
    return error.get("Code") == "NotAuthorizedException" and bool(
        _SECRET_HASH_REJECTED.search(error.get("Message", ""))
    )


# Answers that would tell an anonymous caller whether a user exists, is confirmed, or
# has a verified address: what PreventUserExistenceErrors does, done here as well so
# that a pool left on LEGACY (the API's default) reveals nothing either. So does
# LimitExceededException: too many codes asked for one account, which a name that
# does not exist never meets.
_REVEALING = frozenset(
    {
        "UserNotFoundException",
        "InvalidParameterException",
        "NotAuthorizedException",
        "LimitExceededException",
    }
)


class _UserContext(TypedDict, total=False):
    UserContextData: UserContextDataTypeTypeDef


class _ClientAndUser(_UserContext):
    ClientId: Required[str]
    SecretHash: Required[str]
    Username: Required[str]


def _user_context() -> _UserContext:
    """UserContextData with the caller's IP address (chalicelib.caller), for every call
    whose input takes it; nothing outside a request."""
    ip = caller.source_ip.get()
    return {} if ip is None else {"UserContextData": {"IpAddress": ip}}


R = TypeVar("R")

# Renewal resolves a typed name to the internal one with AdminGetUser, which draws on
# the account-wide UserRead quota; a user's internal name never changes, but the
# email that finds it can move to another user, hence a lifetime.
INTERNAL_NAME_TTL_SECONDS = 600.0
INTERNAL_NAME_CACHE_SIZE = 10_000


def create_client(settings: Settings) -> CognitoIdentityProviderClient:
    # Imported here: boto3 costs ~150 ms, paid on the first Cognito call, not at import.
    import boto3

    return boto3.session.Session().client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=settings.aws_config(),
    )


class CognitoGateway:
    def __init__(
        self,
        settings: Settings,
        client: CognitoIdentityProviderClient,
        client_secret: ClientSecret,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self.client = client
        # Asked on every hash: it reads the secret on first use, and again when it
        # is old or Cognito rejects it.
        self._secret = client_secret
        # The secret the current thread's call was signed with, if it was signed.
        self._signed = threading.local()
        self._internal_names: dict[str, tuple[str, float]] = {}
        self._names_lock = threading.Lock()
        # The internal-name cache's, for INTERNAL_NAME_TTL_SECONDS.
        self._clock = clock
        # Here rather than in every call, where an import statement costs ~1.3 us: the
        # client has imported botocore by now (boto3 itself is imported on first use).
        from botocore.exceptions import BotoCoreError, ClientError

        self._boto_core_error = BotoCoreError
        self._client_error = ClientError

    def _identify(self, username: str) -> _ClientAndUser:
        """The parameters every public call for a user repeats (each of them takes
        UserContextData too: SignUp, ConfirmSignUp, ResendConfirmationCode,
        ForgotPassword, ConfirmForgotPassword)."""
        return {
            "ClientId": self._settings.client_id,
            "SecretHash": self._hash(username),
            "Username": username,
            **_user_context(),
        }

    def _hash(self, username: str) -> str:
        secret = self._secret.current()
        self._signed.secret = secret
        return secret_hash(username, self._settings.client_id, secret)

    def password_auth(self, username: str, password: str) -> InitiateAuthResponseTypeDef:
        """InitiateAuth USER_PASSWORD_AUTH: the raw Cognito answer (tokens or a challenge)."""
        return self._call(
            "InitiateAuth",
            lambda: self.client.initiate_auth(
                ClientId=self._settings.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": username,
                    "PASSWORD": password,
                    "SECRET_HASH": self._hash(username),
                },
                **_user_context(),
            ),
            {
                # A wrong password, and Cognito's lockout alike.
                "NotAuthorizedException": errors.InvalidCredentials,
                "UserNotFoundException": errors.InvalidCredentials,
                "UserNotConfirmedException": errors.UserNotConfirmed,
                "PasswordResetRequiredException": errors.PasswordResetRequired,
            },
        )

    def refresh_tokens(self, refresh_token: str) -> GetTokensFromRefreshTokenResponseTypeDef:
        """GetTokensFromRefreshToken: new id and access tokens, and a new refresh token
        when the app client rotates them. It takes the client secret itself, so no
        name is hashed (and none looked up)."""

        def call() -> GetTokensFromRefreshTokenResponseTypeDef:
            secret = self._secret.current()
            # A rejected secret is read again and the call made once more, as a
            # rejected SECRET_HASH is (see _signed_call).
            self._signed.secret = secret
            return self.client.get_tokens_from_refresh_token(
                RefreshToken=refresh_token, ClientId=self._settings.client_id, ClientSecret=secret
            )

        return self._call(
            "GetTokensFromRefreshToken",
            call,
            {
                "NotAuthorizedException": errors.InvalidRefreshToken,
                "UserNotFoundException": errors.InvalidRefreshToken,
                "RefreshTokenReuseException": errors.RefreshTokenReused,
            },
        )

    def _hashed_name(self, username: str, known: ErrorMap) -> str:
        """The name Cognito hashes for refreshes and challenges: the user's internal
        name, which a typed email or alias resolves to (cached, see the TTL)."""
        with self._names_lock:
            cached = self._internal_names.get(username)
        if cached is not None and self._clock() - cached[1] < INTERNAL_NAME_TTL_SECONDS:
            return cached[0]
        user = self._admin_get_user(username, known)
        with self._names_lock:
            if len(self._internal_names) >= INTERNAL_NAME_CACHE_SIZE:
                del self._internal_names[next(iter(self._internal_names))]
            self._internal_names[username] = (user["Username"], self._clock())
        return user["Username"]

    def user_attributes(self, username: str) -> list[Attribute]:
        """The user's attributes as Cognito lists them, in the order every answer uses."""
        user = self._admin_get_user(username, {"UserNotFoundException": errors.NotFound})
        return attributes.by_name(
            {"Name": a["Name"], "Value": a.get("Value", "")} for a in user["UserAttributes"]
        )

    def _admin_get_user(self, username: str, known: ErrorMap) -> AdminGetUserResponseTypeDef:
        return self._call(
            "AdminGetUser",
            lambda: self.client.admin_get_user(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            known,
        )

    def sign_up(
        self, username: str, password: str, attributes: dict[str, str]
    ) -> SignUpResponseTypeDef:
        return self._call(
            "SignUp",
            lambda: self.client.sign_up(
                **self._identify(username),
                Password=password,
                UserAttributes=_attribute_list(attributes),
            ),
            {
                "UsernameExistsException": errors.UsernameExists,
                "InvalidPasswordException": errors.InvalidPassword,
                "InvalidParameterException": errors.InvalidSignUp,
            },
        )

    def confirm_sign_up(self, username: str, code: str) -> None:
        self._call(
            "ConfirmSignUp",
            lambda: self.client.confirm_sign_up(
                **self._identify(username),
                ConfirmationCode=code,
            ),
            {
                "CodeMismatchException": errors.InvalidCode,
                "ExpiredCodeException": errors.ExpiredCode,
                # AWS: "User cannot be confirmed. Current status is CONFIRMED".
                "NotAuthorizedException": errors.UserAlreadyConfirmed,
                "UserNotFoundException": errors.InvalidCode,
                "InvalidParameterException": errors.InvalidInput,
            },
        )

    def resend_confirmation_code(
        self, username: str
    ) -> ResendConfirmationCodeResponseTypeDef | None:
        """Sends a new code, or nothing where Cognito's answer would tell whether
        the user exists or is confirmed ("User is already confirmed.")."""
        return self._call_hiding(
            "ResendConfirmationCode",
            lambda: self.client.resend_confirmation_code(**self._identify(username)),
            _REVEALING,
        )

    def forgot_password(self, username: str) -> ForgotPasswordResponseTypeDef | None:
        """Sends a reset code, silently where Cognito's answer would tell whether the
        user exists, is confirmed or has a verified address (then None)."""
        return self._call_hiding(
            "ForgotPassword",
            lambda: self.client.forgot_password(**self._identify(username)),
            _REVEALING,
        )

    def confirm_forgot_password(self, username: str, code: str, password: str) -> None:
        self._call(
            "ConfirmForgotPassword",
            lambda: self.client.confirm_forgot_password(
                **self._identify(username),
                ConfirmationCode=code,
                Password=password,
            ),
            {
                "CodeMismatchException": errors.InvalidCode,
                "ExpiredCodeException": errors.ExpiredCode,
                "InvalidPasswordException": errors.InvalidPassword,
                "UserNotFoundException": errors.InvalidCode,
                "NotAuthorizedException": errors.InvalidCode,
                "InvalidParameterException": errors.InvalidInput,
                # Limits Cognito counts per account: a name that does not exist would
                # never meet them, so they are answered as its wrong code is.
                "TooManyFailedAttemptsException": errors.InvalidCode,
                "LimitExceededException": errors.InvalidCode,
            },
        )

    def respond_to_challenge(
        self,
        username: str,
        challenge_name: str,
        session: str,
        answers: dict[str, str],
        refusals: ErrorMap | None = None,
    ) -> RespondToAuthChallengeResponseTypeDef:
        """RespondToAuthChallenge. AWS wants the internal name here (the challenge's
        USER_ID_FOR_SRP) as USERNAME and in SECRET_HASH when email is the username
        attribute. `refusals` replace the usual answers to Cognito's errors (a
        passwordless challenge answers every refusal alike)."""
        challenge_errors: ErrorMap = {
            "NotAuthorizedException": errors.SessionExpired,
            "UserNotFoundException": errors.SessionExpired,
            "CodeMismatchException": errors.InvalidCode,
            "ExpiredCodeException": errors.ExpiredCode,
            "InvalidPasswordException": errors.InvalidPassword,
            "InvalidParameterException": errors.InvalidInput,
            **(refusals or {}),
        }
        name = self._hashed_name(username, challenge_errors)
        return self._call(
            "RespondToAuthChallenge",
            lambda: self.client.respond_to_auth_challenge(
                ClientId=self._settings.client_id,
                ChallengeName=challenge_name,  # type: ignore[arg-type]
                Session=session,
                ChallengeResponses={"USERNAME": name, "SECRET_HASH": self._hash(name), **answers},
                **_user_context(),
            ),
            challenge_errors,
        )

    def user_auth(
        self, username: str, preferred: str, password: str | None
    ) -> InitiateAuthResponseTypeDef:
        """InitiateAuth USER_AUTH with a PREFERRED_CHALLENGE (and the PASSWORD that
        answers it at once): the raw Cognito answer, which tells whether the user
        exists (chalicelib.passwordless hides it)."""
        parameters = {
            "USERNAME": username,
            "SECRET_HASH": self._hash(username),
            "PREFERRED_CHALLENGE": preferred,
        }
        if password is not None:
            parameters["PASSWORD"] = password
        return self._call(
            "InitiateAuth",
            lambda: self.client.initiate_auth(
                ClientId=self._settings.client_id,
                AuthFlow="USER_AUTH",
                AuthParameters=parameters,
                **_user_context(),
            ),
            {
                "NotAuthorizedException": errors.InvalidCredentials,
                "UserNotFoundException": errors.InvalidCredentials,
                "UserNotConfirmedException": errors.UserNotConfirmed,
                "PasswordResetRequiredException": errors.PasswordResetRequired,
            },
        )

    # --- passkeys ---

    def start_passkey_registration(self, access_token: str) -> dict[str, Any]:
        """StartWebAuthnRegistration: the options for navigator.credentials.create()."""
        answer = self._call(
            "StartWebAuthnRegistration",
            lambda: self.client.start_web_authn_registration(AccessToken=access_token),
            _PASSKEY_ERRORS,
        )
        options: dict[str, Any] = answer["CredentialCreationOptions"]
        return options

    def complete_passkey_registration(self, access_token: str, credential: dict[str, Any]) -> None:
        """CompleteWebAuthnRegistration with the browser's RegistrationResponseJSON."""
        self._call(
            "CompleteWebAuthnRegistration",
            lambda: self.client.complete_web_authn_registration(
                AccessToken=access_token, Credential=credential
            ),
            _PASSKEY_ERRORS,
        )

    def list_passkeys(
        self, access_token: str, limit: int, next_token: str | None
    ) -> ListWebAuthnCredentialsResponseTypeDef:
        """ListWebAuthnCredentials: one page of the caller's passkeys."""
        page: dict[str, Any] = {"MaxResults": limit}
        if next_token is not None:
            page["NextToken"] = next_token
        return self._call(
            "ListWebAuthnCredentials",
            lambda: self.client.list_web_authn_credentials(AccessToken=access_token, **page),
            {**_SIGNED_IN, "InvalidParameterException": errors.InvalidPaginationToken},
        )

    def delete_passkey(self, access_token: str, credential_id: str) -> None:
        """DeleteWebAuthnCredential."""
        self._call(
            "DeleteWebAuthnCredential",
            lambda: self.client.delete_web_authn_credential(
                AccessToken=access_token, CredentialId=credential_id
            ),
            {
                **_SIGNED_IN,
                "ResourceNotFoundException": errors.PasskeyNotFound,
                "InvalidParameterException": errors.PasskeyNotFound,
            },
        )

    def change_password(self, access_token: str, previous: str, proposed: str) -> None:
        self._call(
            "ChangePassword",
            lambda: self.client.change_password(
                AccessToken=access_token, PreviousPassword=previous, ProposedPassword=proposed
            ),
            {
                "NotAuthorizedException": errors.WrongPreviousPassword,
                "InvalidPasswordException": errors.InvalidPassword,
                "InvalidParameterException": errors.InvalidInput,
            },
        )

    def update_attributes(
        self, access_token: str, attributes: dict[str, str]
    ) -> UpdateUserAttributesResponseTypeDef:
        """Changes the attributes; a new email gets a code (CodeDeliveryDetailsList)."""
        return self._call(
            "UpdateUserAttributes",
            lambda: self.client.update_user_attributes(
                AccessToken=access_token, UserAttributes=_attribute_list(attributes)
            ),
            {
                "NotAuthorizedException": errors.SessionEnded,
                "InvalidParameterException": errors.InvalidAttributes,
                "AliasExistsException": errors.AddressTaken,
            },
        )

    def global_sign_out(self, access_token: str) -> None:
        self._call(
            "GlobalSignOut",
            lambda: self.client.global_sign_out(AccessToken=access_token),
            {"NotAuthorizedException": errors.SessionEnded},
        )

    def _call(
        self,
        operation: str,
        call: Callable[[], R],
        known: ErrorMap,
        hidden: frozenset[str] = frozenset(),
    ) -> R:
        try:
            return self._signed_call(call)
        except self._client_error as exc:
            _translate(operation, exc, known, hidden)
        except self._boto_core_error as exc:
            # Timeouts, refused connections, DNS: after botocore's own retries.
            raise errors.ServiceUnavailable() from _Detail(operation, exc)

    def _signed_call(self, call: Callable[[], R]) -> R:
        """call(); made once more when Cognito rejected the SECRET_HASH it carried and
        the secret has changed since (a rotation): the retry hashes with the new one.
        Calls that carry no hash, and every other refusal, are never retried."""
        self._signed.secret = None
        try:
            return call()
        except self._client_error as exc:
            rejected: str | None = self._signed.secret
            if rejected is None or not rejects_secret_hash(exc):
                raise
            if not self._secret.reread(rejected):
                raise
        return call()

    def _call_hiding(
        self, operation: str, call: Callable[[], R], hidden: frozenset[str]
    ) -> R | None:
        """As _call, but None for the error codes in `hidden`."""
        try:
            return self._call(operation, call, {}, hidden)
        except _Hidden:
            return None

    # --- mfa ---

    def get_user(self, access_token: str) -> GetUserResponseTypeDef:
        """GetUser: the access token's user, attributes and MFA settings."""
        return self._call(
            "GetUser",
            lambda: self.client.get_user(AccessToken=access_token),
            {
                "NotAuthorizedException": errors.SessionEnded,
                "UserNotFoundException": errors.SessionEnded,
            },
        )

    def associate_software_token(
        self, *, access_token: str | None = None, session: str | None = None
    ) -> AssociateSoftwareTokenResponseTypeDef:
        """AssociateSoftwareToken: a new TOTP secret for the signed-in user (access
        token) or for the user of a login's MFA_SETUP challenge (its session, which
        the answer replaces)."""
        return self._call(
            "AssociateSoftwareToken",
            lambda: self.client.associate_software_token(
                **_token_or_session(access_token, session)
            ),
            _totp_errors(session),
        )

    def verify_software_token(
        self,
        code: str,
        device_name: str | None,
        *,
        access_token: str | None = None,
        session: str | None = None,
    ) -> VerifySoftwareTokenResponseTypeDef:
        """VerifySoftwareToken: the first code from the app proves it holds the secret."""
        device = {} if device_name is None else {"FriendlyDeviceName": device_name}
        answer = self._call(
            "VerifySoftwareToken",
            lambda: self.client.verify_software_token(
                **_token_or_session(access_token, session), UserCode=code, **device
            ),
            {
                **_totp_errors(session),
                "CodeMismatchException": errors.InvalidCode,
                # AWS's answer to a wrong first code.
                "EnableSoftwareTokenMFAException": errors.InvalidCode,
                "InvalidParameterException": errors.InvalidInput,
            },
        )
        if answer.get("Status") != "SUCCESS":
            raise errors.InvalidCode()
        return answer

    def set_totp_preference(self, access_token: str, *, enabled: bool, preferred: bool) -> None:
        """SetUserMFAPreference for TOTP alone: other factors stay as they are."""
        self._call(
            "SetUserMFAPreference",
            lambda: self.client.set_user_mfa_preference(
                AccessToken=access_token,
                SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": preferred},
            ),
            {
                "NotAuthorizedException": errors.SessionEnded,
                "UserNotFoundException": errors.SessionEnded,
                "InvalidParameterException": errors.MfaPreferenceRefused,
            },
        )

    # --- account ---

    def attribute_verification_code(
        self, access_token: str, attribute: str
    ) -> GetUserAttributeVerificationCodeResponseTypeDef:
        """Sends a code to the attribute's new value (its current one if none waits)."""
        return self._call(
            "GetUserAttributeVerificationCode",
            lambda: self.client.get_user_attribute_verification_code(
                AccessToken=access_token, AttributeName=attribute
            ),
            _SIGNED_IN | {"InvalidParameterException": errors.InvalidInput},
        )

    def verify_attribute(self, access_token: str, attribute: str, code: str) -> None:
        """A pending new value takes effect, and the attribute is verified."""
        self._call(
            "VerifyUserAttribute",
            lambda: self.client.verify_user_attribute(
                AccessToken=access_token, AttributeName=attribute, Code=code
            ),
            _SIGNED_IN
            | {
                "CodeMismatchException": errors.InvalidCode,
                "ExpiredCodeException": errors.ExpiredCode,
                "AliasExistsException": errors.AddressTaken,
                "InvalidParameterException": errors.InvalidInput,
            },
        )

    def delete_user(self, access_token: str) -> None:
        self._call(
            "DeleteUser", lambda: self.client.delete_user(AccessToken=access_token), _SIGNED_IN
        )

    def revoke_refresh_token(self, refresh_token: str) -> None:
        """Ends the one session of this refresh token, and its access tokens; an unknown
        or revoked token is no error (Cognito answers 200)."""
        self._call(
            "RevokeToken",
            lambda: self.client.revoke_token(
                Token=refresh_token,
                ClientId=self._settings.client_id,
                ClientSecret=self._secret.current(),
            ),
            {
                "UnsupportedTokenTypeException": errors.NotARefreshToken,
                "InvalidParameterException": errors.NotARefreshToken,
            },
        )

    # --- admin ---

    # The admin API's answers; admins may learn whether a user exists.
    _ADMIN_ERRORS: ClassVar[ErrorMap] = {"UserNotFoundException": errors.NoSuchUser}
    # AWS's ResourceNotFoundException for a group that does not exist (the pool
    # itself is checked by every other route).
    _GROUP_ERRORS: ClassVar[ErrorMap] = {
        **_ADMIN_ERRORS,
        "ResourceNotFoundException": errors.NoSuchGroup,
    }

    def check_session(self, access_token: str) -> GetUserResponseTypeDef:
        """GetUser with the access token: Cognito refuses one whose session was signed
        out, or whose user was disabled or deleted, although its signature and
        expiry still pass. The answer is the caller as the pool has them."""
        return self.get_user(access_token)

    def is_member(self, username: str, group: str) -> bool:
        """Whether the pool has the caller (their internal name) in `group` now, with
        AdminListGroupsForUser: the groups an access token carries are those of its
        issue. A page holds at most 60 groups (Cognito's maximum) and a user may be
        in more, so the pages are followed until the group or the end; a caller the
        pool no longer has is a session that has ended."""
        pages = self._pages(
            "AdminListGroupsForUser",
            self.client.admin_list_groups_for_user,
            {"UserNotFoundException": errors.SessionEnded},
            Username=username,
        )
        return any(
            found.get("GroupName") == group for page in pages for found in page.get("Groups", [])
        )

    def has_other_enabled_member(self, group: str, username: str) -> bool:
        """Whether `group` has an enabled member besides `username` (an internal
        name), with ListUsersInGroup: its pages are followed until one is found."""
        pages = self._pages(
            "ListUsersInGroup", self.client.list_users_in_group, {}, GroupName=group
        )
        return any(
            user.get("Enabled") and user.get("Username") != username
            for page in pages
            for user in page.get("Users", [])
        )

    def _pages(
        self, operation: str, call: Callable[..., Any], known: ErrorMap, **params: str
    ) -> Iterator[Any]:
        """The pool's pages of a NextToken-paged list, fetched as they are read."""
        page: dict[str, str] = {}
        while True:
            answer = self._call(
                operation,
                functools.partial(
                    call,
                    UserPoolId=self._settings.user_pool_id,
                    Limit=_PAGE_LIMIT,
                    **params,
                    **page,
                ),
                known,
            )
            yield answer
            next_token = answer.get("NextToken")
            if not next_token:
                return
            page = {"NextToken": next_token}

    def list_users(
        self, filter_: str | None, limit: int, pagination_token: str | None
    ) -> ListUsersResponseTypeDef:
        """ListUsers: one page, every attribute of each user."""
        page: dict[str, Any] = {"Limit": limit}
        if filter_ is not None:
            page["Filter"] = filter_
        if pagination_token is not None:
            page["PaginationToken"] = pagination_token
        return self._call(
            "ListUsers",
            lambda: self.client.list_users(UserPoolId=self._settings.user_pool_id, **page),
            {"InvalidParameterException": errors.InvalidListQuery},
        )

    def admin_create_user(
        self, username: str, attributes: Mapping[str, str], temporary_password: str | None
    ) -> AdminCreateUserResponseTypeDef:
        """AdminCreateUser: Cognito emails the invitation, with the temporary password
        (its own unless one is given); the user then answers NEW_PASSWORD_REQUIRED.
        The email counts as verified: the user can only finish with what was sent
        there."""
        extra: dict[str, Any] = {}
        if temporary_password is not None:
            extra["TemporaryPassword"] = temporary_password
        return self._call(
            "AdminCreateUser",
            lambda: self.client.admin_create_user(
                UserPoolId=self._settings.user_pool_id,
                Username=username,
                UserAttributes=_attribute_list(
                    {**attributes, "email": username, "email_verified": "true"}
                ),
                DesiredDeliveryMediums=["EMAIL"],
                **extra,
            ),
            {
                "UsernameExistsException": errors.UsernameExists,
                "InvalidPasswordException": errors.InvalidPassword,
                "InvalidParameterException": errors.InvalidAttributes,
            },
        )

    def admin_disable_user(self, username: str) -> None:
        self._call(
            "AdminDisableUser",
            lambda: self.client.admin_disable_user(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            self._ADMIN_ERRORS,
        )

    def admin_enable_user(self, username: str) -> None:
        self._call(
            "AdminEnableUser",
            lambda: self.client.admin_enable_user(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            self._ADMIN_ERRORS,
        )

    def admin_delete_user(self, username: str) -> None:
        self._call(
            "AdminDeleteUser",
            lambda: self.client.admin_delete_user(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            self._ADMIN_ERRORS,
        )

    def admin_add_user_to_group(self, username: str, group: str) -> None:
        self._call(
            "AdminAddUserToGroup",
            lambda: self.client.admin_add_user_to_group(
                UserPoolId=self._settings.user_pool_id, Username=username, GroupName=group
            ),
            self._GROUP_ERRORS,
        )

    def admin_remove_user_from_group(self, username: str, group: str) -> None:
        self._call(
            "AdminRemoveUserFromGroup",
            lambda: self.client.admin_remove_user_from_group(
                UserPoolId=self._settings.user_pool_id, Username=username, GroupName=group
            ),
            self._GROUP_ERRORS,
        )

    def admin_user_global_sign_out(self, username: str) -> None:
        self._call(
            "AdminUserGlobalSignOut",
            lambda: self.client.admin_user_global_sign_out(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            self._ADMIN_ERRORS,
        )

    def admin_reset_user_password(self, username: str) -> None:
        """AdminResetUserPassword: the password stops working, and Cognito emails a
        code for /password/confirm."""
        self._call(
            "AdminResetUserPassword",
            lambda: self.client.admin_reset_user_password(
                UserPoolId=self._settings.user_pool_id, Username=username
            ),
            {
                **self._ADMIN_ERRORS,
                # "User is disabled.", "User password cannot be reset in the current
                # state.", or no verified email or phone to send the code to.
                "NotAuthorizedException": errors.UserStateConflict,
                "InvalidParameterException": errors.UserStateConflict,
            },
        )


# The most a page of AdminListGroupsForUser or ListUsersInGroup may hold.
_PAGE_LIMIT = 60


def _token_or_session(access_token: str | None, session: str | None) -> dict[str, str]:
    """How a TOTP call is authorized: the access token, or a login challenge's session."""
    if session is not None:
        return {"Session": session}
    assert access_token is not None, "either a signed-in user or a login in progress"
    return {"AccessToken": access_token}


def _totp_errors(session: str | None) -> ErrorMap:
    # A refused session is a login to start again; a refused token, a session ended.
    refused = errors.SessionEnded if session is None else errors.SessionExpired
    return {"NotAuthorizedException": refused, "UserNotFoundException": refused}


def _attribute_list(attributes: Mapping[str, str]) -> list[AttributeTypeTypeDef]:
    return [{"Name": name, "Value": value} for name, value in attributes.items()]


class _Hidden(Exception):
    """An answer that must not reach the caller as such (see _call_hiding)."""


class _Detail(Exception):
    """Carries what went wrong into the log only, never into a response."""

    def __init__(self, operation: str, cause: Exception) -> None:
        super().__init__(f"{operation}: {type(cause).__name__}: {cause}")


def _translate(operation: str, exc: Any, known: ErrorMap, hidden: frozenset[str]) -> NoReturn:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    # For the operator, even where the answer hides it; with no name and none of
    # Cognito's wording, which is not ours to vouch for.
    if code in _LIMITS:
        logger.warning("Cognito limited %s (%s)", operation, code)
    elif code == "NotAuthorizedException" and _LOCKED_OUT.search(message):
        logger.warning("Cognito refused %s: password attempts exceeded (lockout)", operation)
    if code in hidden:
        raise _Hidden from None
    if code in known:
        error = known[code]
        raise (error(message) if error.cognito_worded else error()) from None
    if code in _LIMITS:
        raise _LIMITS[code]() from None
    raise errors.ServiceUnavailable() from _Detail(operation, Exception(f"{code}: {message}"))


# --- account ---

# Calls made with the caller's access token: a signed-out session, or a user deleted
# since the token was issued, is a session that has ended.
_SIGNED_IN: dict[str, type[errors.ApiError]] = {
    "NotAuthorizedException": errors.SessionEnded,
    "UserNotFoundException": errors.SessionEnded,
}
# Registering a passkey (botocore's model lists each error for both operations but
# WebAuthnChallengeNotFoundException and the mismatches, which only completion has).
# WebAuthnConfigurationMissingException is the operator's (no relying party): a 503.
_PASSKEY_ERRORS: dict[str, type[errors.ApiError]] = {
    **_SIGNED_IN,
    "WebAuthnNotEnabledException": errors.PasskeysNotEnabled,
    "LimitExceededException": errors.TooManyPasskeys,
    "PasswordResetRequiredException": errors.PasswordResetRequired,
    "WebAuthnChallengeNotFoundException": errors.PasskeyRegistrationExpired,
    "WebAuthnRelyingPartyMismatchException": errors.PasskeyRefused,
    "WebAuthnOriginNotAllowedException": errors.PasskeyRefused,
    "WebAuthnClientMismatchException": errors.PasskeyRefused,
    "WebAuthnCredentialNotSupportedException": errors.PasskeyRefused,
    "InvalidParameterException": errors.PasskeyRefused,
}

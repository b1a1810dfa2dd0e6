"""Every route of the service, one method each, over `requests`.

Retries are urllib3's: a 429 is retried (POST included: a throttled request was not
processed) after the Retry-After the service sends, unless that is longer than
`max_wait`, in which case the 429 is raised at once as `Throttled`. Nothing else is
retried: the other routes change state, and a 503 may come after Cognito acted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import msgspec
import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from cognito_auth_client.errors import (
    ServerError,
    ServiceUnreachable,
    error_from_answer,
)
from cognito_auth_client.models import (
    AdminUser,
    Attribute,
    Challenge,
    MfaPreference,
    MfaSettings,
    PasskeyPage,
    RenewedTokens,
    SignUpResult,
    Tokens,
    TotpSetup,
    Updated,
    UserPage,
)

# (connect, read) seconds for every call. API Gateway gives up on a request at 29 s.
DEFAULT_TIMEOUT = (5.0, 30.0)
# The longest Retry-After the client waits out by itself, and how many times.
DEFAULT_MAX_WAIT = 10.0
DEFAULT_RETRIES = 2
# The challenges `answer_challenge` answers, and the body field that carries the answer.
# WEB_AUTHN is answered with a credential only a browser's WebAuthn can make, and
# SELECT_CHALLENGE by `login_start` again, with the factor chosen.
ANSWER_FIELDS = {
    "NEW_PASSWORD_REQUIRED": "new_password",
    "SOFTWARE_TOKEN_MFA": "code",
    "SMS_MFA": "code",
    "EMAIL_OTP": "code",
    "SMS_OTP": "code",
}

T = TypeVar("T")


class BoundedRetry(Retry):
    """urllib3's Retry, waiting as Retry-After says but at most `max_wait` seconds: an
    answer that asks for longer, or does not say, ends the retries at once (urllib3
    would sleep as long as it is told, up to six hours). `sleep` is injectable so that
    tests need not wait."""

    # urllib3 would also retry a 503 or 413 that carries Retry-After.
    RETRY_AFTER_STATUS_CODES = frozenset({429})

    def __init__(
        self,
        *args: Any,
        max_wait: float = DEFAULT_MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.sleeper = sleep

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.max_wait = self.max_wait
        retry.sleeper = self.sleeper
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Self:
        if response is not None and error is None:
            try:
                wait = self.get_retry_after(response)
            except InvalidHeader:
                wait = None
            if wait is None or wait > self.max_wait:
                # With raise_on_status off, urllib3 hands this answer back to the caller.
                raise MaxRetryError(_pool, url or "", ResponseError("Retry-After beyond bound"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        wait = self.get_retry_after(response)
        if wait:
            self.sleeper(wait)
            return True
        return False


class RawToken(AuthBase):
    """The token as API Gateway's Cognito authorizer wants it: the JWT alone, no
    "Bearer". Passed as `auth` on every call, with or without a token, so that
    requests never puts credentials from ~/.netrc in its place."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.token is not None:
            request.headers["Authorization"] = self.token
        return request


class Client:
    """The service's routes, stateless: tokens are arguments. See `Session` for a
    client that keeps them fresh.

    Every method raises an `ApiError` subclass for anything but success (see
    `cognito_auth_client.errors`)."""

    def __init__(
        self,
        api_url: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_wait: float = DEFAULT_MAX_WAIT,
        retries: int = DEFAULT_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {api_url!r}")
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        retry = BoundedRetry(
            total=retries,
            status=retries,
            connect=0,
            # False, not 0: urllib3 then raises the timeout itself, which requests
            # reports as a timeout (0 would make it a connection error).
            read=False,
            other=0,
            status_forcelist={429},
            allowed_methods={"GET", "POST"},
            respect_retry_after_header=True,
            raise_on_status=False,
            max_wait=max_wait,
            sleep=sleep,
        )
        self._http = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._http.headers["Accept"] = "application/json"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
    ) -> tuple[Any, str | None]:
        """Send `body` to `path` (as JSON, for a POST); the envelope's `data` and
        `message` on success."""
        url = self.api_url + path
        try:
            response = self._http.request(
                method,
                url,
                json=dict(body or {}) if method == "POST" else None,
                params=dict(params or {}),
                auth=RawToken(token),
                headers=dict(headers or {}),
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise ServiceUnreachable(f"No answer from {url} in time") from None
        except requests.ConnectionError:
            raise ServiceUnreachable(f"Cannot connect to {url}") from None
        except requests.RequestException:
            raise ServiceUnreachable(f"The answer from {url} could not be read") from None
        try:
            document: Any = response.json()
        except ValueError:
            document = None
        if response.status_code >= 400:
            raise error_from_answer(response.status_code, document, response.headers)
        if not (isinstance(document, dict) and document.get("success") is True):
            raise ServerError(
                "The answer is not the service's envelope",
                response.status_code,
                response.headers.get("X-Request-Id"),
            )
        message = document.get("message")
        return document.get("data"), message if isinstance(message, str) else None

    def _typed(self, kind: type[T], data: Any) -> T:
        try:
            return msgspec.convert(data, kind)
        except msgspec.ValidationError as exc:
            raise ServerError(f"Unexpected answer from the service: {exc}") from None

    def _message(
        self,
        path: str,
        body: Mapping[str, Any],
        token: str | None = None,
        method: str = "POST",
    ) -> str:
        _, message = self.call(path, body, token=token, method=method)
        return message or ""

    def _tokens_or_challenge(self, data: Any) -> Tokens | Challenge:
        if isinstance(data, dict) and "challenge_name" in data:
            return self._typed(Challenge, data)
        return self._typed(Tokens, data)

    def login(self, username: str, password: str) -> Tokens | Challenge:
        """Tokens, or a challenge to answer with `answer_challenge`."""
        data, _ = self.call("/login", {"username": username, "password": password})
        return self._tokens_or_challenge(data)

    def login_start(
        self, username: str, challenge: str | None = None, password: str | None = None
    ) -> Tokens | Challenge:
        """Choice-based sign-in. Without `challenge`: SELECT_CHALLENGE, whose
        `available_challenges` are the factors the service offers (the same for every
        name). With one: "EMAIL_OTP" or "SMS_OTP" sends a code (answer it with
        `answer_challenge`), "PASSWORD" with `password` answers as `login` does,
        "WEB_AUTHN" asks for a passkey (a browser's)."""
        body = {"username": username}
        if challenge is not None:
            body["challenge"] = challenge
        if password is not None:
            body["password"] = password
        data, _ = self.call("/login/start", body)
        return self._tokens_or_challenge(data)

    def answer_challenge(
        self, username: str, challenge: Challenge, answer: str
    ) -> Tokens | Challenge:
        """`answer` is the new password for NEW_PASSWORD_REQUIRED, else the code (MFA,
        or the one-time code of EMAIL_OTP and SMS_OTP). Any other challenge is a
        ValueError, raised before anything is sent."""
        field = ANSWER_FIELDS.get(challenge.challenge_name)
        if field is None:
            raise ValueError(
                f"{challenge.challenge_name} is not answered here: answer_challenge takes "
                + ", ".join(ANSWER_FIELDS)
            )
        body = {
            "username": username,
            "challenge_name": challenge.challenge_name,
            "session": challenge.session,
            field: answer,
        }
        data, _ = self.call("/login/challenge", body)
        return self._tokens_or_challenge(data)

    def renew(self, username: str, refresh_token: str) -> RenewedTokens:
        """New id and access tokens; `username` as typed at login."""
        data, _ = self.call(
            "/user/renew_refresh_token", {"username": username, "refresh_token": refresh_token}
        )
        return self._typed(RenewedTokens, data)

    def sign_up(
        self, username: str, password: str, *, email: str | None = None, name: str | None = None
    ) -> SignUpResult:
        body = {"username": username, "password": password}
        if email is not None:
            body["email"] = email
        if name is not None:
            body["name"] = name
        data, message = self.call("/signup", body)
        return self._typed(SignUpResult, {**(data or {}), "message": message or ""})

    def confirm_sign_up(self, username: str, code: str) -> str:
        return self._message("/signup/confirm", {"username": username, "code": code})

    def resend_code(self, username: str) -> str:
        return self._message("/signup/resend-code", {"username": username})

    def forgot_password(self, username: str) -> str:
        return self._message("/password/forgot", {"username": username})

    def reset_password(self, username: str, code: str, password: str) -> str:
        """Set a new password with the code `forgot_password` sent."""
        return self._message(
            "/password/confirm", {"username": username, "code": code, "password": password}
        )

    def user_attributes(
        self, id_token: str, *, username: str | None = None, fresh: bool = False
    ) -> list[Attribute]:
        """The caller's attributes (another user's for the admin group); `fresh`
        reads them from Cognito rather than from the id token."""
        body = {} if username is None else {"username": username}
        headers = {"Cache-Control": "no-cache"} if fresh else None
        data, _ = self.call("/user/test-user", body, token=id_token, headers=headers)
        return self._typed(list[Attribute], data)

    def change_password(self, access_token: str, previous: str, proposed: str) -> str:
        return self._message(
            "/user/change-password",
            {"previous_password": previous, "proposed_password": proposed},
            access_token,
        )

    def update_attributes(self, access_token: str, attributes: Mapping[str, str]) -> list[str]:
        """The names of the attributes changed."""
        return self.set_attributes(access_token, attributes).updated

    def set_attributes(self, access_token: str, attributes: Mapping[str, str]) -> Updated:
        """The attributes changed, and where the codes for those waiting for one went."""
        data, _ = self.call(
            "/user/attributes", {"attributes": dict(attributes)}, token=access_token
        )
        return self._typed(Updated, data)

    def logout(self, access_token: str, refresh_token: str | None = None) -> str:
        """Sign out everywhere (every refresh token of the user stops working), or,
        given this session's `refresh_token`, of this session alone."""
        body = {} if refresh_token is None else {"refresh_token": refresh_token}
        return self._message("/logout", body, access_token)

    def totp_setup(self, access_token: str) -> TotpSetup:
        """Start setting up an authenticator app; nothing changes until `totp_verify`."""
        data, _ = self.call("/user/mfa/totp/setup", token=access_token)
        return self._typed(TotpSetup, data)

    def totp_verify(
        self, access_token: str, code: str, *, device_name: str | None = None
    ) -> MfaPreference:
        """Check a first code from the app: from then on every login asks for one."""
        body = {"code": code}
        if device_name is not None:
            body["device_name"] = device_name
        data, _ = self.call("/user/mfa/totp/verify", body, token=access_token)
        return self._typed(MfaPreference, data)

    def mfa_settings(self, access_token: str) -> MfaSettings:
        data, _ = self.call("/user/mfa", token=access_token, method="GET")
        return self._typed(MfaSettings, data)

    def set_mfa_preference(self, access_token: str, totp: str) -> MfaPreference:
        """`totp`: "preferred", "enabled" or "disabled"."""
        data, _ = self.call("/user/mfa", {"totp": totp}, token=access_token)
        return self._typed(MfaPreference, data)

    def verify_attribute(self, access_token: str, attribute: str, code: str) -> str:
        """Verify an attribute (a new email) with the code sent to it."""
        return self._message(
            "/user/attributes/verify", {"attribute": attribute, "code": code}, access_token
        )

    def resend_verification(self, access_token: str, attribute: str) -> str:
        """Send the attribute's verification code again; the service says not where."""
        return self._message(
            "/user/attributes/verify/resend", {"attribute": attribute}, access_token
        )

    def delete_account(self, access_token: str, password: str) -> str:
        """Delete the caller's account for good."""
        return self._message("/user/delete", {"password": password}, access_token)

    def passkeys(
        self, access_token: str, *, limit: int | None = None, next_token: str | None = None
    ) -> PasskeyPage:
        """A page of the caller's passkeys (`limit` 1-20; the service's default is 20)."""
        params = {
            name: str(value)
            for name, value in (("limit", limit), ("next_token", next_token))
            if value is not None
        }
        data, _ = self.call("/user/passkeys", token=access_token, method="GET", params=params)
        return self._typed(PasskeyPage, data)

    def delete_passkey(self, access_token: str, credential_id: str) -> str:
        """Delete one of the caller's passkeys: it no longer signs in."""
        # Percent-encoded whole, as admin usernames are: an id is base64url, and a "/"
        # in a mistyped one stays in the id.
        return self._message(
            f"/user/passkeys/{quote(credential_id, safe='')}", {}, access_token, method="DELETE"
        )

    def admin_list_users(
        self,
        access_token: str,
        *,
        filter: str | None = None,
        limit: int | None = None,
        pagination_token: str | None = None,
    ) -> UserPage:
        """A page of users (admin group only); `filter` in Cognito's syntax."""
        params = {
            name: str(value)
            for name, value in (
                ("filter", filter),
                ("limit", limit),
                ("pagination_token", pagination_token),
            )
            if value is not None
        }
        data, _ = self.call("/admin/users", token=access_token, method="GET", params=params)
        return self._typed(UserPage, data)

    def admin_invite(
        self,
        access_token: str,
        email: str,
        *,
        attributes: Mapping[str, str] | None = None,
        temporary_password: str | None = None,
    ) -> AdminUser:
        """Create a user, who is emailed a temporary password (admin group only)."""
        body: dict[str, Any] = {"username": email}
        if attributes:
            body["attributes"] = dict(attributes)
        if temporary_password is not None:
            body["temporary_password"] = temporary_password
        data, _ = self.call("/admin/users", body, token=access_token)
        return self._typed(AdminUser, data)

    def admin_disable(self, access_token: str, username: str) -> str:
        return self._message(f"{_user_path(username)}/disable", {}, access_token)

    def admin_enable(self, access_token: str, username: str) -> str:
        return self._message(f"{_user_path(username)}/enable", {}, access_token)

    def admin_delete(self, access_token: str, username: str) -> str:
        return self._message(_user_path(username), {}, access_token, method="DELETE")

    def admin_add_to_group(self, access_token: str, username: str, group: str) -> str:
        return self._message(f"{_user_path(username)}/groups", {"group": group}, access_token)

    def admin_remove_from_group(self, access_token: str, username: str, group: str) -> str:
        return self._message(
            f"{_user_path(username)}/groups/{quote(group, safe='')}",
            {},
            access_token,
            method="DELETE",
        )

    def admin_sign_out(self, access_token: str, username: str) -> str:
        """Sign a user out everywhere (admin group only)."""
        return self._message(f"{_user_path(username)}/sign-out", {}, access_token)

    def admin_reset_password(self, access_token: str, username: str) -> str:
        """Make a user's password stop working; they are emailed a code to set a new one."""
        return self._message(f"{_user_path(username)}/reset-password", {}, access_token)


def _user_path(username: str) -> str:
    # Percent-encoded whole: an email may hold "/", "?", "#" or "+".
    return f"/admin/users/{quote(username, safe='')}"

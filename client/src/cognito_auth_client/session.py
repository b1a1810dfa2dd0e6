"""A logged-in session that keeps its tokens valid.

It renews the id and access tokens when they are within `margin` seconds of
expiry, once however many threads ask at the same time, and after a 401 from the
gateway it renews once and retries once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Literal, NamedTuple, TypeVar

import jwt

from cognito_auth_client.client import Client
from cognito_auth_client.errors import Unauthorized
from cognito_auth_client.models import (
    AdminUser,
    Attribute,
    MfaPreference,
    MfaSettings,
    PasskeyPage,
    SessionState,
    Tokens,
    TotpSetup,
    Updated,
    UserPage,
)

DEFAULT_MARGIN = 60.0

T = TypeVar("T")
TokenUse = Literal["id", "access"]


def expiry(token: str) -> float | None:
    """The token's `exp`, read without verifying the token: the service verifies
    it, the client only needs to know when to renew. None when there is none."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return float(exp) if isinstance(exp, int | float) else None


class _Current(NamedTuple):
    state: SessionState
    # The earlier expiry of the id and access tokens; None if neither says.
    expires_at: float | None


def _current(state: SessionState) -> _Current:
    known = [e for e in (expiry(state.id_token), expiry(state.access_token)) if e is not None]
    return _Current(state, min(known) if known else None)


class Session:
    """Calls that need a token, with renewal. Thread-safe.

    `on_renew` is called with the new state after each renewal (the CLI stores it);
    `clock` returns the time as `time.time` does (tests move it)."""

    def __init__(
        self,
        client: Client,
        state: SessionState,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        on_renew: Callable[[SessionState], None] | None = None,
    ) -> None:
        self.client = client
        self.margin = margin
        self._clock = clock
        self._on_renew = on_renew
        self._lock = threading.Lock()
        self._current = _current(state)

    @classmethod
    def from_login(
        cls,
        client: Client,
        username: str,
        tokens: Tokens,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        on_renew: Callable[[SessionState], None] | None = None,
    ) -> Session:
        """A session for the tokens `client.login` (or a challenge) answered;
        `username` as typed at login, which renewal needs."""
        state = SessionState(
            api_url=client.api_url,
            username=username,
            id_token=tokens.id_token,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
        )
        return cls(client, state, margin=margin, clock=clock, on_renew=on_renew)

    @property
    def state(self) -> SessionState:
        return self._current.state

    @property
    def expires_at(self) -> float | None:
        """When the first of the id and access tokens expires (seconds since the epoch)."""
        return self._current.expires_at

    def renew(self) -> SessionState:
        """Renew now, whatever the expiry."""
        with self._lock:
            return self._renew(self._current).state

    def attributes(self, *, username: str | None = None, fresh: bool = False) -> list[Attribute]:
        return self._authorized(
            "id", lambda token: self.client.user_attributes(token, username=username, fresh=fresh)
        )

    def change_password(self, previous: str, proposed: str) -> str:
        return self._authorized(
            "access", lambda token: self.client.change_password(token, previous, proposed)
        )

    def update_attributes(self, attributes: Mapping[str, str]) -> list[str]:
        return self._authorized(
            "access", lambda token: self.client.update_attributes(token, attributes)
        )

    def set_attributes(self, attributes: Mapping[str, str]) -> Updated:
        return self._authorized(
            "access", lambda token: self.client.set_attributes(token, attributes)
        )

    def logout(self) -> str:
        """Sign out everywhere."""
        return self._authorized("access", self.client.logout)

    def logout_this_device(self) -> str:
        """Revoke this session's refresh token alone; the user's other sessions go on."""
        return self._authorized(
            "access", lambda token: self.client.logout(token, self.state.refresh_token)
        )

    def totp_setup(self) -> TotpSetup:
        return self._authorized("access", self.client.totp_setup)

    def totp_verify(self, code: str, *, device_name: str | None = None) -> MfaPreference:
        return self._authorized(
            "access", lambda token: self.client.totp_verify(token, code, device_name=device_name)
        )

    def mfa_settings(self) -> MfaSettings:
        return self._authorized("access", self.client.mfa_settings)

    def set_mfa_preference(self, totp: str) -> MfaPreference:
        return self._authorized("access", lambda token: self.client.set_mfa_preference(token, totp))

    def verify_attribute(self, attribute: str, code: str) -> str:
        return self._authorized(
            "access", lambda token: self.client.verify_attribute(token, attribute, code)
        )

    def resend_verification(self, attribute: str) -> str:
        return self._authorized(
            "access", lambda token: self.client.resend_verification(token, attribute)
        )

    def delete_account(self, password: str) -> str:
        return self._authorized("access", lambda token: self.client.delete_account(token, password))

    def passkeys(self, *, limit: int | None = None, next_token: str | None = None) -> PasskeyPage:
        return self._authorized(
            "access",
            lambda token: self.client.passkeys(token, limit=limit, next_token=next_token),
        )

    def delete_passkey(self, credential_id: str) -> str:
        return self._authorized(
            "access", lambda token: self.client.delete_passkey(token, credential_id)
        )

    def admin_list_users(
        self,
        *,
        filter: str | None = None,
        limit: int | None = None,
        pagination_token: str | None = None,
    ) -> UserPage:
        return self._authorized(
            "access",
            lambda token: self.client.admin_list_users(
                token, filter=filter, limit=limit, pagination_token=pagination_token
            ),
        )

    def admin_invite(
        self,
        email: str,
        *,
        attributes: Mapping[str, str] | None = None,
        temporary_password: str | None = None,
    ) -> AdminUser:
        return self._authorized(
            "access",
            lambda token: self.client.admin_invite(
                token, email, attributes=attributes, temporary_password=temporary_password
            ),
        )

    def admin(self, action: Callable[[str, str], str], username: str) -> str:
        """One of the client's admin calls on a user (`client.admin_disable`, ...)."""
        return self._authorized("access", lambda token: action(token, username))

    def admin_group(self, action: Callable[[str, str, str], str], username: str, group: str) -> str:
        """`client.admin_add_to_group` or `client.admin_remove_from_group`."""
        return self._authorized("access", lambda token: action(token, username, group))

    def _authorized(self, use: TokenUse, call: Callable[[str], T]) -> T:
        sent = self._fresh()
        try:
            return call(_token(sent.state, use))
        except Unauthorized:
            # The gateway refused the token (expired early, clock skew): renew once,
            # unless another thread already has since this one sent it, and retry once.
            # The service's own 401s (a wrong previous password) are not retried.
            return call(_token(self._renewed_since(sent).state, use))

    def _fresh(self) -> _Current:
        current = self._current
        if not self._due(current):
            return current
        with self._lock:
            # Whoever held the lock before may have renewed already.
            current = self._current
            return self._renew(current) if self._due(current) else current

    def _due(self, current: _Current) -> bool:
        return current.expires_at is not None and (
            self._clock() >= current.expires_at - self.margin
        )

    def _renewed_since(self, sent: _Current) -> _Current:
        with self._lock:
            current = self._current
            return self._renew(current) if current is sent else current

    def _renew(self, stale: _Current) -> _Current:
        """Called with the lock held."""
        state = stale.state
        renewed = _current(state.renewed(self.client.renew(state.username, state.refresh_token)))
        self._current = renewed
        if self._on_renew is not None:
            self._on_renew(renewed.state)
        return renewed


def _token(state: SessionState, use: TokenUse) -> str:
    return state.id_token if use == "id" else state.access_token

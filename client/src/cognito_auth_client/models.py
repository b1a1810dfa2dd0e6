"""What the service answers, as typed values.

Tokens never appear in a repr: results get printed and logged by callers.
"""

from __future__ import annotations

import msgspec


class RenewedTokens(msgspec.Struct, frozen=True):
    """`POST /user/renew_refresh_token`: new id and access tokens, and the refresh
    token that replaces the one sent when the service rotates them (None if not)."""

    id_token: str
    access_token: str
    expires_in: int
    # As Cognito answers it ("Bearer"); the service wants the raw token all the same.
    token_type: str
    refresh_token: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(expires_in={self.expires_in}, tokens=<hidden>)"


class Tokens(RenewedTokens, frozen=True):
    """A successful login: id, access and refresh tokens."""

    refresh_token: str


class Challenge(msgspec.Struct, frozen=True):
    """A login that needs one more answer (a new password, an MFA code, a one-time
    code). SELECT_CHALLENGE (from `/login/start` without a challenge) has no session:
    it is answered by `login_start` again, with one of `available_challenges`."""

    challenge_name: str
    session: str | None
    parameters: dict[str, str] = {}
    available_challenges: list[str] = []

    def __repr__(self) -> str:
        return f"Challenge(challenge_name={self.challenge_name!r}, session=<hidden>)"


class Attribute(msgspec.Struct, frozen=True, rename={"name": "Name", "value": "Value"}):
    """One of a user's attributes, as Cognito lists them."""

    name: str
    value: str


class SignUpResult(msgspec.Struct, frozen=True):
    """`POST /signup`: whether the account is already confirmed, and where the code went."""

    user_confirmed: bool
    destination: str | None
    message: str


class CodeDelivery(msgspec.Struct, frozen=True):
    """Where a verification code went (the destination masked)."""

    attribute: str
    destination: str
    delivery_medium: str


class Updated(msgspec.Struct, frozen=True):
    """`POST /user/attributes`: the names of the attributes changed now, and those
    (a new email) whose new value waits for the code sent to it."""

    updated: list[str]
    pending_verification: list[CodeDelivery] = []


class TotpSetup(msgspec.Struct, frozen=True):
    """`POST /user/mfa/totp/setup`: the authenticator app's key, as text, link and QR code."""

    secret: str
    uri: str
    qr_svg: str

    def __repr__(self) -> str:
        return "TotpSetup(secret=<hidden>)"


class MfaPreference(msgspec.Struct, frozen=True):
    """The authenticator app's setting: "preferred", "enabled" or "disabled"."""

    totp: str


class MfaSettings(MfaPreference, frozen=True):
    """`GET /user/mfa`: the factors asked for at login, and the preferred one."""

    enabled: list[str]
    preferred: str | None


class AdminUser(msgspec.Struct, frozen=True):
    """A user as the admin API lists them; `username` is Cognito's internal name,
    the admin routes take the email."""

    username: str
    attributes: dict[str, str]
    enabled: bool | None
    status: str | None
    created: str | None
    modified: str | None


class UserPage(msgspec.Struct, frozen=True):
    """`GET /admin/users`: a page of users; `pagination_token` asks for the next."""

    users: list[AdminUser]
    pagination_token: str | None


class Passkey(msgspec.Struct, frozen=True):
    """One of the caller's passkeys; `id` is what `delete_passkey` takes, `created`
    ISO 8601 (UTC)."""

    id: str
    name: str | None
    relying_party_id: str | None
    # "platform" or "cross-platform".
    attachment: str | None
    transports: list[str]
    created: str | None


class PasskeyPage(msgspec.Struct, frozen=True):
    """`GET /user/passkeys`: a page of passkeys; `next_token` asks for the next."""

    passkeys: list[Passkey]
    next_token: str | None


class SessionState(msgspec.Struct, frozen=True):
    """A logged-in session as stored between CLI runs: the API it belongs to, the
    username as typed at login (renewal needs it) and the tokens."""

    api_url: str
    username: str
    id_token: str
    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return f"SessionState(api_url={self.api_url!r}, username={self.username!r})"

    def renewed(self, tokens: RenewedTokens) -> SessionState:
        return msgspec.structs.replace(
            self,
            id_token=tokens.id_token,
            access_token=tokens.access_token,
            # Rotated: the one sent works only for the service's grace period now.
            refresh_token=tokens.refresh_token or self.refresh_token,
        )

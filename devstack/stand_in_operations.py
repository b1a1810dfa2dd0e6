"""Cognito operations that moto (5.2.5) lacks or answers unlike AWS, added to the
local stand-in: ResendConfirmationCode, DeleteUser, RevokeToken,
GetUserAttributeVerificationCode, VerifyUserAttribute, and UpdateUserAttributes as
AWS runs it for attributes that need verification; SignUp, ConfirmSignUp,
ForgotPassword and ConfirmForgotPassword with six-digit codes that are checked (moto
makes none at sign-up, confirms with any code, and resets with any code not shaped
like its own); names compared as a pool with `UsernameConfiguration: CaseSensitive
false` compares them (moto has no such option); and, from
devstack/stand_in_sign_in.py, the sign-in lockout and the lifetime of challenge
sessions; from devstack/stand_in_refresh.py, GetTokensFromRefreshToken and
refresh-token rotation. Operator code for `make run` and the tests: never deployed.

`install()` adds them to moto's Cognito response handler, which both the in-process
`mock_aws` and moto's server dispatch every request to; each works on the backend the
request names, as moto's own operations do. Behaviour follows AWS's API reference:
request and response shapes, error codes. Where a code is made, the stand-in has no
mailbox to send it to, so it answers it in the response header CODES_HEADER (a JSON
list of {"attribute", "to", "code"}; a reset code in moto's own CODE_HEADER), which AWS
never sends; the service's stand-in gateway logs it on the local stage.

With CaseSensitive false, Cognito finds a user by any case of their name or sign-in
email, and refuses a second account (UsernameExistsException) or an email change
(AliasExistsException) whose address differs from another user's in case only. It
keeps the address as it was given, as here.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from moto.cognitoidp import models
from moto.cognitoidp.exceptions import (
    AliasExistsException,
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
    cognitoidp_backends,
    find_account_region_by_value,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from chalicelib.attributes import masked_email
from chalicelib.cognito_gateway import secret_hash
from chalicelib.stand_in import CODE_HEADER, CODES_HEADER
from devstack import stand_in_sign_in, stand_in_webauthn

# The attributes Cognito verifies with a code, and how it sends one to each.
VERIFIED_BY_CODE = {"email": "EMAIL", "phone_number": "SMS"}
# RevokeToken's pattern for Token, from AWS's API reference.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-_=.]+")
_lock = threading.Lock()


@dataclass
class _Verification:
    """A user's open verifications: the code sent for each attribute, and the value
    each pending change will take once verified (AttributesRequireVerificationBeforeUpdate)."""

    codes: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    # The code that confirms a sign-up, until it does.
    confirmation: str | None = None


# Kept beside moto's users, not in them: they go when the user does.
_verifications: WeakKeyDictionary[CognitoIdpUser, _Verification] = WeakKeyDictionary()


@dataclass(frozen=True)
class _Sent:
    """A code the stand-in made, and the address it would have gone to."""

    attribute: str
    to: str
    code: str


def _new_code() -> str:
    # Six digits, as Cognito's default messages send.
    return f"{secrets.randbelow(10**6):06d}"


def _masked(attribute: str, value: str) -> str:
    if attribute == "email":
        return masked_email(value)
    # A phone number as Cognito masks it: its last four digits (+*******1234).
    return "+" + "*" * max(len(value) - 5, 0) + value[-4:]


def _delivery(attribute: str, value: str) -> dict[str, str]:
    """CodeDeliveryDetailsType for a code sent to `value`."""
    return {
        "Destination": _masked(attribute, value),
        "DeliveryMedium": VERIFIED_BY_CODE[attribute],
        "AttributeName": attribute,
    }


def _claims(jwt: str) -> dict[str, Any]:
    """A moto token's payload, unverified: moto made it, and only reads it back."""
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _signed_in(
    backend: CognitoIdpBackend, access_token: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
    """The pool and user of a live access token; NotAuthorizedException otherwise."""
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            user = pool._get_user(pool.access_tokens[access_token][1])
            if user is None:
                raise UserNotFoundError("User does not exist.")
            return pool, user
    raise NotAuthorizedError("Invalid Access Token")


def _client(
    backend: CognitoIdpBackend, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool, pool.clients[client_id]
    raise ResourceNotFoundError(client_id)


def _secret_hash_ok(client: CognitoIdpUserPoolClient, username: str, given: str | None) -> bool:
    """moto's SECRET_HASH check, looked up where moto's own operations call it:
    devstack/stand_in_secrets.py replaces it there with one that accepts every
    current secret of a client during a rotation."""
    check: Callable[[str, str, str, str | None], bool] = models.check_secret_hash  # type: ignore[attr-defined]
    try:
        return check(client.secret, client.id, username, given)
    except NotAuthorizedError:
        return False


def _sessions_of(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> Callable[[str], bool]:
    """Whether a name that moto keeps a token under is this user's: moto keys tokens
    by the name typed at sign-in (an email, the internal name)."""
    names: dict[str, bool] = {}

    def owns(name: str) -> bool:
        if name not in names:
            names[name] = pool._get_user(name) is user
        return names[name]

    return owns


def _case_insensitive(pool: CognitoIdpUserPool) -> bool:
    configuration = pool.extended_config.get("UsernameConfiguration") or {}
    return configuration.get("CaseSensitive") is False


def _name_key(pool: CognitoIdpUserPool, name: str) -> str:
    """A name as the pool compares it."""
    return name.casefold() if _case_insensitive(pool) else name


_moto_get_user = CognitoIdpUserPool._get_user


def _get_user(self: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
    """moto's user lookup (by a sign-in attribute, then by username), in any case
    where the pool is not case-sensitive."""
    if not isinstance(username, str) or not _case_insensitive(self):
        return _moto_get_user(self, username)
    wanted = username.casefold()
    signs_in_by = self.extended_config.get("UsernameAttributes") or []
    for user in self.users.values():
        for attribute in signs_in_by:
            value = user.attribute_lookup.get(attribute)
            if value is not None and value.casefold() == wanted:
                return user
    exact = self.users.get(username)
    if exact is not None:
        return exact
    return next((u for name, u in self.users.items() if name.casefold() == wanted), None)


def _verify_email_unused(pool: CognitoIdpUserPool, email: str, user: CognitoIdpUser) -> None:
    """AliasExistsException if another user signs in with `email`, compared as the
    pool compares names (moto's own check compares exactly, and counts the user)."""
    if "email" not in pool.extended_config.get("UsernameAttributes", []):
        return
    wanted = _name_key(pool, email)
    for other in pool.users.values():
        held = other.attribute_lookup.get("email")
        if other is not user and held is not None and _name_key(pool, held) == wanted:
            raise AliasExistsException()


def _rename_sessions(pool: CognitoIdpUserPool, old: str, new: str) -> None:
    """After a sign-in email changes, the user's tokens kept under the old one (in
    whatever case it was typed): moto would look the user up by it again on refresh,
    and fail."""
    old_key = _name_key(pool, old)
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is not None and _name_key(pool, entry[1]) == old_key:
            pool.refresh_tokens[token] = (entry[0], new, entry[2])
    for token, (client_id, name) in list(pool.access_tokens.items()):
        if _name_key(pool, name) == old_key:
            pool.access_tokens[token] = (client_id, new)


def _set_attributes(pool: CognitoIdpUserPool, user: CognitoIdpUser, values: dict[str, str]) -> None:
    old_email = user.attribute_lookup.get("email")
    user.update_attributes([{"Name": name, "Value": value} for name, value in values.items()])
    sign_in_by_email = "email" in pool.extended_config.get("UsernameAttributes", [])
    if sign_in_by_email and old_email and values.get("email", old_email) != old_email:
        _rename_sessions(pool, old_email, values["email"])


def _send_code(user: CognitoIdpUser, attribute: str, value: str) -> _Sent:
    sent = _Sent(attribute, value, _new_code())
    _verifications.setdefault(user, _Verification()).codes[attribute] = sent.code
    return sent


def _confirmation_code(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> _Sent | None:
    """A new sign-up code, sent to the first auto-verified attribute the user has (the
    one before is void); None if there is none to send it to."""
    for attribute in pool.extended_config.get("AutoVerifiedAttributes", []):
        value = user.attribute_lookup.get(attribute)
        if value:
            sent = _Sent(attribute, value, _new_code())
            _verifications.setdefault(user, _Verification()).confirmation = sent.code
            return sent
    return None


def _matches(code: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(code.encode(), expected.encode())


# The operations, on the backend a request names.


def sign_up(
    backend: CognitoIdpBackend,
    client_id: str,
    username: str,
    password: str,
    attributes: list[dict[str, str]],
) -> tuple[dict[str, Any], _Sent | None]:
    """moto's SignUp, with a code sent to an unconfirmed user, at the address stored,
    and answered with that address. (With email as the username attribute, AWS refuses
    an email attribute other than the username; moto, and so the stand-in, stores the
    username and ignores the other address: see docs/local-stack.md.)"""
    pool, _ = _client(backend, client_id)
    user, details = backend.sign_up(client_id, username, password, attributes)
    answer: dict[str, Any] = {
        "UserConfirmed": user.status == UserStatus.CONFIRMED,
        "UserSub": user.id,
    }
    sent = _confirmation_code(pool, user) if user.status == UserStatus.UNCONFIRMED else None
    if sent is not None:
        answer["CodeDeliveryDetails"] = _delivery(sent.attribute, sent.to)
    elif details:
        answer["CodeDeliveryDetails"] = details
    return answer, sent


def confirm_sign_up(
    backend: CognitoIdpBackend, client_id: str, given_hash: str | None, username: str, code: str
) -> None:
    """As AWS: the code sent must match (moto takes any), and a confirmed user is not
    confirmed again (moto answers 200)."""
    pool, client = _client(backend, client_id)
    if client.generate_secret and not _secret_hash_ok(client, username, given_hash):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("Username/client id combination not found.")
    if user.status == UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    verification = _verifications.get(user, _Verification())
    if not _matches(code, verification.confirmation):
        raise CodeMismatchException("Invalid verification code provided, please try again.")
    user.status = UserStatus.CONFIRMED
    verification.confirmation = None


def forgot_password(
    backend: CognitoIdpBackend, client_id: str, username: str
) -> tuple[str | None, dict[str, Any]]:
    """moto's ForgotPassword with a six-digit code, as Cognito sends, in place of
    moto's `moto-confirmation-code:<digits>`."""
    made, answer = backend.forgot_password(client_id, username)
    if made is None:
        return None, answer
    pool, _ = _client(backend, client_id)
    user = pool._get_user(username)
    user.confirmation_code = _new_code()
    return user.confirmation_code, answer


def confirm_forgot_password(
    backend: CognitoIdpBackend, client_id: str, username: str, password: str, code: str
) -> None:
    """moto's ConfirmForgotPassword, only with the code last sent: moto accepts any
    code not shaped like its own."""
    pool = next((p for p in backend.user_pools.values() if client_id in p.clients), None)
    user = pool._get_user(username) if pool is not None else None
    if user is not None and not _matches(code, user.confirmation_code):
        raise CodeMismatchException("Invalid verification code provided, please try again.")
    # An unknown client or user: moto's own refusal.
    backend.confirm_forgot_password(client_id, username, password, code)


def resend_confirmation_code(
    backend: CognitoIdpBackend, client_id: str, given_hash: str | None, username: str
) -> tuple[dict[str, str], _Sent | None]:
    pool, client = _client(backend, client_id)
    if client.generate_secret and not _secret_hash_ok(client, username, given_hash):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
    user = pool._get_user(username)
    if user is None:
        if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
            # AWS then answers as if it had sent a code.
            return _delivery("email", username), None
        raise UserNotFoundError("Username/client id combination not found.")
    if user.status != UserStatus.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    sent = _confirmation_code(pool, user)
    if sent is not None:
        return _delivery(sent.attribute, sent.to), sent
    raise InvalidParameterException(
        "Cannot resend codes. Auto verification not turned on or no verified attribute "
        "to send a code to."
    )


def delete_user(backend: CognitoIdpBackend, access_token: str) -> None:
    pool, user = _signed_in(backend, access_token)
    owns = _sessions_of(pool, user)
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is not None and owns(entry[1]):
            pool.refresh_tokens[token] = None
    for token, (_, name) in list(pool.access_tokens.items()):
        if owns(name):
            del pool.access_tokens[token]
    backend.admin_delete_user(pool.id, user.username)


def revoke_token(
    backend: CognitoIdpBackend, token: str, client_id: str, client_secret: str | None
) -> None:
    if not _TOKEN_PATTERN.fullmatch(token):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'token' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+"
        )
    try:
        pool, client = _client(backend, client_id)
    except ResourceNotFoundError:
        raise JsonRESTError("UnauthorizedException", "Invalid client id") from None
    if client.generate_secret and (
        client_secret is None
        # Whether it is one of the client's current secrets: a hash made with it checks.
        or not _secret_hash_ok(client, "", secret_hash("", client.id, client_secret))
    ):
        raise JsonRESTError("UnauthorizedException", "Client authentication failed")
    if not client.extended_config.get("EnableTokenRevocation"):
        raise JsonRESTError(
            "UnsupportedOperationException", "Token revocation is disabled for this client"
        )
    if token in pool.access_tokens or token in pool.id_tokens:
        raise JsonRESTError("UnsupportedTokenTypeException", "Only refresh tokens can be revoked")
    entry = pool.refresh_tokens.get(token)
    # An unknown or already revoked token is no error (RFC 7009, as AWS answers).
    if entry is None or entry[0] != client_id:
        return
    pool.refresh_tokens[token] = None
    # And every access and id token issued with it.
    for issued in (pool.access_tokens, pool.id_tokens):
        for jwt in list(issued):
            if _claims(jwt).get("origin_jti") == entry[2]:
                del issued[jwt]


def update_user_attributes(
    backend: CognitoIdpBackend, access_token: str, attributes: list[dict[str, str]]
) -> tuple[list[dict[str, str]], list[_Sent]]:
    """As AWS: a new email or phone number waits for its code when the pool says
    AttributesRequireVerificationBeforeUpdate (the old one still signs in until then),
    else it changes at once and is unverified; either way an auto-verified attribute
    gets a code."""
    pool, user = _signed_in(backend, access_token)
    values = {a["Name"]: a["Value"] for a in attributes}
    settings = pool.extended_config
    before_update = settings.get("UserAttributeUpdateSettings", {}).get(
        "AttributesRequireVerificationBeforeUpdate", []
    )
    deliveries: list[dict[str, str]] = []
    sent: list[_Sent] = []
    for attribute in VERIFIED_BY_CODE:
        value = values.get(attribute)
        if value is None:
            continue
        if value == user.attribute_lookup.get(attribute):
            del values[attribute]
            continue
        if attribute == "email":
            _verify_email_unused(pool, value, user)
        if attribute in before_update:
            _verifications.setdefault(user, _Verification()).pending[attribute] = values.pop(
                attribute
            )
        else:
            values[f"{attribute}_verified"] = "false"
        if attribute in settings.get("AutoVerifiedAttributes", []):
            deliveries.append(_delivery(attribute, value))
            sent.append(_send_code(user, attribute, value))
    if values:
        _set_attributes(pool, user, values)
    return deliveries, sent


def _verifiable(attribute: str) -> None:
    if attribute not in VERIFIED_BY_CODE:
        raise InvalidParameterException(f"Attribute {attribute} cannot be verified with a code.")


def get_user_attribute_verification_code(
    backend: CognitoIdpBackend, access_token: str, attribute: str
) -> tuple[dict[str, str], _Sent]:
    """A code for the attribute's pending value if it has one, else its current value."""
    _, user = _signed_in(backend, access_token)
    _verifiable(attribute)
    verification = _verifications.get(user, _Verification())
    value = verification.pending.get(attribute) or user.attribute_lookup.get(attribute)
    if not value:
        raise InvalidParameterException(f"The user has no {attribute} to verify.")
    return _delivery(attribute, value), _send_code(user, attribute, value)


def verify_user_attribute(
    backend: CognitoIdpBackend, access_token: str, attribute: str, code: str
) -> None:
    pool, user = _signed_in(backend, access_token)
    _verifiable(attribute)
    verification = _verifications.get(user, _Verification())
    if not _matches(code, verification.codes.get(attribute)):
        raise CodeMismatchException("Invalid verification code provided, please try again.")
    values = {f"{attribute}_verified": "true"}
    pending = verification.pending.get(attribute)
    if pending is not None:
        if attribute == "email":
            _verify_email_unused(pool, pending, user)
        values[attribute] = pending
    _set_attributes(pool, user, values)
    verification.codes.pop(attribute)
    verification.pending.pop(attribute, None)


# The response handler's side: read the request, find its backend, answer.


def _backend_by(response: CognitoIdpResponse, key: str, value: str) -> CognitoIdpBackend:
    # Public operations carry no signature, so moto's server cannot tell their region
    # from the request: found by the client id or token instead, as moto's own are.
    account, region = find_account_region_by_value(
        key, value, fallback=(response.current_account, response.region)
    )
    backend: CognitoIdpBackend = cognitoidp_backends[account][region]
    return backend


def _with_codes(response: CognitoIdpResponse, sent: list[_Sent]) -> None:
    if sent:
        response.response_headers[CODES_HEADER] = json.dumps(
            [{"attribute": each.attribute, "to": each.to, "code": each.code} for each in sent]
        )


def _sign_up(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    answer, sent = sign_up(
        _backend_by(self, "client_id", client_id),
        client_id,
        self._get_param("Username"),
        self._get_param("Password"),
        self._get_param("UserAttributes", []),
    )
    _with_codes(self, [sent] if sent else [])
    return ActionResult(answer)


def _confirm_sign_up(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    confirm_sign_up(
        _backend_by(self, "client_id", client_id),
        client_id,
        self._get_param("SecretHash"),
        self._get_param("Username"),
        self._get_param("ConfirmationCode"),
    )
    return EmptyResult()


def _forgot_password(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    code, answer = forgot_password(
        _backend_by(self, "client_id", client_id), client_id, self._get_param("Username")
    )
    if code is not None:
        self.response_headers[CODE_HEADER] = code
    return ActionResult(answer)


def _confirm_forgot_password(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    confirm_forgot_password(
        _backend_by(self, "client_id", client_id),
        client_id,
        self._get_param("Username"),
        self._get_param("Password"),
        self._get_param("ConfirmationCode"),
    )
    return EmptyResult()


def _resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    details, sent = resend_confirmation_code(
        _backend_by(self, "client_id", client_id),
        client_id,
        self._get_param("SecretHash"),
        self._get_param("Username"),
    )
    _with_codes(self, [sent] if sent else [])
    return ActionResult({"CodeDeliveryDetails": details})


def _delete_user(self: CognitoIdpResponse) -> ActionResult:
    token = self._get_param("AccessToken")
    delete_user(_backend_by(self, "access_token", token), token)
    return EmptyResult()


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    revoke_token(
        _backend_by(self, "client_id", client_id),
        self._get_param("Token"),
        client_id,
        self._get_param("ClientSecret"),
    )
    return EmptyResult()


def _update_user_attributes(self: CognitoIdpResponse) -> ActionResult:
    token = self._get_param("AccessToken")
    deliveries, sent = update_user_attributes(
        _backend_by(self, "access_token", token), token, self._get_param("UserAttributes")
    )
    _with_codes(self, sent)
    return ActionResult({"CodeDeliveryDetailsList": deliveries})


def _get_user_attribute_verification_code(self: CognitoIdpResponse) -> ActionResult:
    token = self._get_param("AccessToken")
    details, sent = get_user_attribute_verification_code(
        _backend_by(self, "access_token", token), token, self._get_param("AttributeName")
    )
    _with_codes(self, [sent])
    return ActionResult({"CodeDeliveryDetails": details})


def _verify_user_attribute(self: CognitoIdpResponse) -> ActionResult:
    token = self._get_param("AccessToken")
    verify_user_attribute(
        _backend_by(self, "access_token", token),
        token,
        self._get_param("AttributeName"),
        self._get_param("Code"),
    )
    return EmptyResult()


# moto dispatches an action to the handler's method of the same name in snake case.
_HANDLERS: dict[str, Callable[[CognitoIdpResponse], ActionResult]] = {
    "sign_up": _sign_up,
    "confirm_sign_up": _confirm_sign_up,
    "forgot_password": _forgot_password,
    "confirm_forgot_password": _confirm_forgot_password,
    "resend_confirmation_code": _resend_confirmation_code,
    "delete_user": _delete_user,
    "revoke_token": _revoke_token,
    "update_user_attributes": _update_user_attributes,
    "get_user_attribute_verification_code": _get_user_attribute_verification_code,
    "verify_user_attribute": _verify_user_attribute,
}


def install() -> None:
    """Adds the operations to moto's Cognito response handler, its user lookup that
    heeds the pool's case setting, and the sign-in limits; a second call changes
    nothing. Whatever serves moto in this process (mock_aws, moto's server) has them."""
    with _lock:
        for name, handler in _HANDLERS.items():
            if getattr(CognitoIdpResponse, name, None) is not handler:
                setattr(CognitoIdpResponse, name, handler)
        CognitoIdpUserPool._get_user = _get_user  # type: ignore[method-assign,assignment]
        stand_in_sign_in.install()
        stand_in_webauthn.install()
        # Here, not at the top: they are built on this module's helpers.
        from devstack import stand_in_refresh, stand_in_user_auth

        stand_in_refresh.install()
        stand_in_user_auth.install()

"""Passkeys (WebAuthn) in the local Cognito stand-in: the four operations moto (5.2.5)
lacks, StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials
and DeleteWebAuthnCredential; the pool's WebAuthnConfiguration, which moto's
SetUserPoolMfaConfig and GetUserPoolMfaConfig drop; and the functions the choice-based
sign-in (USER_AUTH) calls to offer and check a passkey: `has_passkey`,
`request_options`, `verify_assertion`, `factor_configuration`. Operator code for
`make run` and the tests, never deployed (the deployed function only relays JSON);
devstack/stand_in_operations.py's `install()` installs it. Registration and assertion
are verified with py_webauthn, as a relying party verifies them.

As AWS's API reference and developer guide describe it:
- Passkeys are enabled where the pool's Policies.SignInPolicy.AllowedFirstAuthFactors
  holds WEB_AUTHN; else StartWebAuthnRegistration and CompleteWebAuthnRegistration answer
  WebAuthnNotEnabledException. List and Delete work whatever the pool says (their model
  lists neither error), so a user can still see and remove passkeys.
- WebAuthnConfiguration: UserVerification defaults to preferred, FactorConfiguration to
  SINGLE_FACTOR. With no RelyingPartyId (and the stand-in has no managed-login domain to
  default to), StartWebAuthnRegistration answers WebAuthnConfigurationMissingException.
- Keys: ES256 and RS256; attestation is not enforced ("none" is asked for).
- Each user can register up to 20 passkeys (MAX_PASSKEYS): LimitExceededException.
- A registration is completed with the access token of the app client that started it
  (WebAuthnClientMismatchException otherwise).

Decisions where AWS documents nothing (each is a possible divergence):
- Allowed origins: https://<RP ID> or any subdomain of it, on any port, and
  http://localhost on any port where the RP ID is localhost; any other origin answers
  WebAuthnOriginNotAllowedException.
- Checks in this order: a challenge outstanding (WebAuthnChallengeNotFoundException, also
  when it is past its timeout, or when the credential answers another challenge), the
  origin, the RP ID hash (WebAuthnRelyingPartyMismatchException), user verification
  where the pool requires it (WebAuthnCredentialNotSupportedException: the authenticator
  cannot verify its user), then py_webauthn's whole verification; a credential that is
  not a RegistrationResponseJSON, or fails that verification, answers
  InvalidParameterException, as does a credential id already registered in the pool.
- One challenge per user and ceremony, live for TIMEOUT_MS (3 minutes, as Cognito's
  default AuthSessionValidity); a new start replaces it; a registration's is consumed by
  its success, an assertion's by any attempt.
- FriendlyCredentialName, which AWS derives from the authenticator: "Platform
  authenticator", "Security key" or "Passkey", from authenticatorAttachment.
- rp.name is the pool's name; user.id is the user's sub, user.name the sign-in email
  where the pool signs in by email (else the username), user.displayName the `name`
  attribute where there is one.
- ListWebAuthnCredentials: in registration order; MaxResults absent or 0 means 20;
  NextToken is the id of the next credential (anything else: InvalidParameterException).
- SetUserPoolMfaConfig without MfaConfiguration changes no MFA setting (moto refuses it);
  without WebAuthnConfiguration it keeps the one set before; a WebAuthnConfiguration
  replaces the whole of the one before, absent members taking their defaults.
- The pool's tier (UserPoolTier) is not checked: AWS needs Essentials or Plus.
- verify_assertion refuses with NotAuthorizedException and a fixed message
  (ASSERTION_REFUSED): AWS does not document its message.

Credentials are kept beside moto's user objects (they go when the user goes, and a user
is in one pool), configurations beside its pool objects.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from devstack import stand_in_operations, stand_in_sign_in

MAX_PASSKEYS = 20
# ListWebAuthnCredentials' MaxResults, from the model (WebAuthnCredentialsQueryLimitType).
MAX_RESULTS = 20
TIMEOUT_MS = 180_000
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
USER_VERIFICATION = ("required", "preferred")
FACTOR_CONFIGURATIONS = ("SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION")
ASSERTION_REFUSED = "Incorrect passkey credential."
# What parsing a credential someone sent may raise, besides py_webauthn's own.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError)

_lock = threading.Lock()


class _Refusal(JsonRESTError):
    """An error of AWS's that moto has no class for: its __type is the class's name."""

    text = ""

    def __init__(self) -> None:
        super().__init__(type(self).__name__, self.text)


class WebAuthnNotEnabledException(_Refusal):
    text = "Passkeys are not enabled for this user pool."


class WebAuthnConfigurationMissingException(_Refusal):
    text = "The user pool has no relying party ID for passkeys."


class WebAuthnChallengeNotFoundException(_Refusal):
    text = "No passkey registration is in progress, or it has expired."


class WebAuthnClientMismatchException(_Refusal):
    text = "The passkey registration was started by another app client."


class WebAuthnOriginNotAllowedException(_Refusal):
    text = "The passkey credential's origin is not allowed for this relying party."


class WebAuthnRelyingPartyMismatchException(_Refusal):
    text = "The passkey credential is for another relying party."


class WebAuthnCredentialNotSupportedException(_Refusal):
    text = "The user pool requires a passkey that verifies the user."


class LimitExceededException(_Refusal):
    text = f"A user can register at most {MAX_PASSKEYS} passkeys."


@dataclass(frozen=True)
class _Configuration:
    """A pool's WebAuthnConfiguration, with AWS's defaults."""

    relying_party_id: str | None = None
    user_verification: str = "preferred"
    factor_configuration: str = "SINGLE_FACTOR"

    def answer(self) -> dict[str, str]:
        """As WebAuthnConfigurationType."""
        answer = {
            "UserVerification": self.user_verification,
            "FactorConfiguration": self.factor_configuration,
        }
        if self.relying_party_id is not None:
            answer["RelyingPartyId"] = self.relying_party_id
        return answer


@dataclass
class _Credential:
    credential_id: str
    public_key: bytes
    sign_count: int
    relying_party_id: str
    transports: list[str]
    attachment: str | None
    created: datetime
    friendly_name: str

    def description(self) -> dict[str, Any]:
        """As WebAuthnCredentialDescription."""
        described: dict[str, Any] = {
            "CredentialId": self.credential_id,
            "FriendlyCredentialName": self.friendly_name,
            "RelyingPartyId": self.relying_party_id,
            "AuthenticatorTransports": self.transports,
            "CreatedAt": self.created,
        }
        if self.attachment is not None:
            described["AuthenticatorAttachment"] = self.attachment
        return described


@dataclass(frozen=True)
class _Challenge:
    value: bytes
    relying_party_id: str
    require_user_verification: bool
    expires: float
    # The app client whose access token started a registration.
    client_id: str | None = None

    def live(self) -> bool:
        return stand_in_sign_in.clock() < self.expires


_configurations: WeakKeyDictionary[CognitoIdpUserPool, _Configuration] = WeakKeyDictionary()
_credentials: WeakKeyDictionary[CognitoIdpUser, list[_Credential]] = WeakKeyDictionary()
_registrations: WeakKeyDictionary[CognitoIdpUser, _Challenge] = WeakKeyDictionary()
_assertions: WeakKeyDictionary[CognitoIdpUser, _Challenge] = WeakKeyDictionary()


def _configuration(pool: CognitoIdpUserPool) -> _Configuration:
    return _configurations.get(pool, _Configuration())


def _enabled(pool: CognitoIdpUserPool) -> bool:
    policies = pool.extended_config.get("Policies") or {}
    factors = (policies.get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or []
    return "WEB_AUTHN" in factors


def _challenge(
    configuration: _Configuration, value: bytes, client_id: str | None = None
) -> _Challenge:
    """A ceremony's challenge, checked against the pool's settings as they were when the
    ceremony started."""
    return _Challenge(
        value,
        str(configuration.relying_party_id),
        require_user_verification=configuration.user_verification == "required",
        expires=stand_in_sign_in.clock() + TIMEOUT_MS / 1000,
        client_id=client_id,
    )


def _origin_allowed(origin: str, relying_party_id: str) -> bool:
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return False
    host = parts.hostname or ""
    on_domain = host == relying_party_id or host.endswith("." + relying_party_id)
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and host == "localhost")
    return on_domain and scheme_ok and parts.path == "" and not parts.query


def _friendly_name(attachment: str | None) -> str:
    return {"platform": "Platform authenticator", "cross-platform": "Security key"}.get(
        attachment or "", "Passkey"
    )


def _user_name(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str:
    email = user.attribute_lookup.get("email")
    if email and "email" in pool.extended_config.get("UsernameAttributes", []):
        return str(email)
    return str(user.username)


def _descriptors(credentials: list[_Credential]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(credential.credential_id),
            transports=[AuthenticatorTransport(each) for each in credential.transports],
        )
        for credential in credentials
    ]


# For the choice-based sign-in (devstack/stand_in_user_auth.py).


def relying_party_id(pool: CognitoIdpUserPool) -> str | None:
    """The pool's relying-party ID, if it has one."""
    return _configuration(pool).relying_party_id


def factor_configuration(pool: CognitoIdpUserPool) -> str:
    """The pool's WebAuthnConfiguration.FactorConfiguration: SINGLE_FACTOR, or
    MULTI_FACTOR_WITH_USER_VERIFICATION (a passkey with user verification satisfies MFA)."""
    return _configuration(pool).factor_configuration


def has_passkey(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Whether the user can sign in with a passkey: the pool allows WEB_AUTHN, has a
    relying party ID, and the user registered a passkey for that RP ID (one for an RP
    ID since changed no longer signs in: AWS has users register again)."""
    relying_party_id = _configuration(pool).relying_party_id
    return (
        _enabled(pool)
        and relying_party_id is not None
        and any(c.relying_party_id == relying_party_id for c in _credentials.get(user, []))
    )


def request_options(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str:
    """The WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS, a JSON string
    (PublicKeyCredentialRequestOptionsJSON: challenge, rpId, allowCredentials of the
    user's passkeys, userVerification from the pool, timeout). Its challenge, the user's
    only one, waits for verify_assertion. Only where has_passkey: else
    NotAuthorizedException (ASSERTION_REFUSED)."""
    if not has_passkey(pool, user):
        raise NotAuthorizedError(ASSERTION_REFUSED)
    configuration = _configuration(pool)
    relying_party_id = str(configuration.relying_party_id)
    usable = [c for c in _credentials[user] if c.relying_party_id == relying_party_id]
    options = generate_authentication_options(
        rp_id=relying_party_id,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(usable),
        user_verification=UserVerificationRequirement(configuration.user_verification),
    )
    with _lock:
        _assertions[user] = _challenge(configuration, options.challenge)
    return options_to_json(options)


def verify_assertion(pool: CognitoIdpUserPool, user: CognitoIdpUser, credential_json: str) -> bool:
    """Checks the answer to request_options' challenge (an AuthenticationResponseJSON,
    as a string): the challenge, origin, RP ID hash, signature of one of the user's
    passkeys, user handle, a sign count that grows where it is not zero, and user
    verification where the pool requires it. Consumes the challenge whatever the outcome
    and records the new sign count. Returns whether the authenticator verified the user
    (the UV flag), which MULTI_FACTOR_WITH_USER_VERIFICATION counts as MFA. Any failure:
    NotAuthorizedException with ASSERTION_REFUSED, never py_webauthn's own words."""
    with _lock:
        challenge = _assertions.pop(user, None)
        if challenge is None or not challenge.live():
            raise NotAuthorizedError(ASSERTION_REFUSED)
        try:
            parsed = parse_authentication_credential_json(credential_json)
            stored = next(
                (
                    c
                    for c in _credentials.get(user, [])
                    if c.credential_id == parsed.id
                    and c.relying_party_id == challenge.relying_party_id
                ),
                None,
            )
            handle = parsed.response.user_handle
            origin = parse_client_data_json(parsed.response.client_data_json).origin
            if (
                stored is None
                or (handle is not None and handle != str(user.id).encode())
                or not _origin_allowed(origin, challenge.relying_party_id)
            ):
                raise NotAuthorizedError(ASSERTION_REFUSED)
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge.value,
                expected_rp_id=challenge.relying_party_id,
                expected_origin=origin,
                credential_public_key=stored.public_key,
                credential_current_sign_count=stored.sign_count,
                require_user_verification=challenge.require_user_verification,
            )
        except _MALFORMED:
            raise NotAuthorizedError(ASSERTION_REFUSED) from None
        stored.sign_count = verified.new_sign_count
        return verified.user_verified


# The operations, on the backend a request names.


def _signed_in(
    backend: CognitoIdpBackend, access_token: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str]:
    """The pool, user and app client of a live access token; NotAuthorizedException
    otherwise (UserNotFoundException is not among these operations' errors)."""
    try:
        pool, user = stand_in_operations._signed_in(backend, access_token)
    except UserNotFoundError:
        raise NotAuthorizedError("User does not exist.") from None
    client_id: str = pool.access_tokens[access_token][0]
    return pool, user, client_id


def start_registration(backend: CognitoIdpBackend, access_token: str) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptionsJSON for the signed-in user, whose challenge
    replaces any registration the user had started."""
    pool, user, client_id = _signed_in(backend, access_token)
    if not _enabled(pool):
        raise WebAuthnNotEnabledException()
    configuration = _configuration(pool)
    if configuration.relying_party_id is None:
        raise WebAuthnConfigurationMissingException()
    held = _credentials.get(user, [])
    if len(held) >= MAX_PASSKEYS:
        raise LimitExceededException()
    name = _user_name(pool, user)
    options = generate_registration_options(
        rp_id=configuration.relying_party_id,
        rp_name=pool.name,
        user_id=str(user.id).encode(),
        user_name=name,
        user_display_name=user.attribute_lookup.get("name") or name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement(configuration.user_verification),
        ),
        exclude_credentials=_descriptors(
            [c for c in held if c.relying_party_id == configuration.relying_party_id]
        ),
        supported_pub_key_algs=ALGORITHMS,
    )
    with _lock:
        _registrations[user] = _challenge(configuration, options.challenge, client_id)
    created: dict[str, Any] = json.loads(options_to_json(options))
    return created


def complete_registration(backend: CognitoIdpBackend, access_token: str, credential: Any) -> None:
    """Verifies a RegistrationResponseJSON against the user's registration and keeps
    the passkey."""
    pool, user, client_id = _signed_in(backend, access_token)
    if not _enabled(pool):
        raise WebAuthnNotEnabledException()
    with _lock:
        challenge = _registrations.get(user)
        if challenge is None or not challenge.live():
            raise WebAuthnChallengeNotFoundException()
        if challenge.client_id != client_id:
            raise WebAuthnClientMismatchException()
        relying_party_id = challenge.relying_party_id
        if not isinstance(credential, dict):
            # py_webauthn would parse a JSON string too; AWS's Credential is the object.
            raise InvalidParameterException("The credential is not a RegistrationResponseJSON.")
        try:
            parsed = parse_registration_credential_json(credential)
            client_data = parse_client_data_json(parsed.response.client_data_json)
            authenticator = parse_attestation_object(parsed.response.attestation_object).auth_data
        except _MALFORMED:
            raise InvalidParameterException(
                "The credential is not a RegistrationResponseJSON."
            ) from None
        if client_data.challenge != challenge.value:
            raise WebAuthnChallengeNotFoundException()
        if not _origin_allowed(client_data.origin, relying_party_id):
            raise WebAuthnOriginNotAllowedException()
        if authenticator.rp_id_hash != hashlib.sha256(relying_party_id.encode()).digest():
            raise WebAuthnRelyingPartyMismatchException()
        if challenge.require_user_verification and not authenticator.flags.uv:
            raise WebAuthnCredentialNotSupportedException()
        try:
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=challenge.value,
                expected_rp_id=relying_party_id,
                expected_origin=client_data.origin,
                require_user_verification=challenge.require_user_verification,
                supported_pub_key_algs=ALGORITHMS,
            )
        except _MALFORMED:
            raise InvalidParameterException(
                "The passkey credential could not be verified."
            ) from None
        credential_id = bytes_to_base64url(verified.credential_id)
        in_pool = (c for held in _credentials_in(pool) for c in held)
        if any(c.credential_id == credential_id for c in in_pool):
            raise InvalidParameterException("The passkey is already registered.")
        held = _credentials.setdefault(user, [])
        if len(held) >= MAX_PASSKEYS:
            raise LimitExceededException()
        attachment = parsed.authenticator_attachment
        held.append(
            _Credential(
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                relying_party_id=relying_party_id,
                transports=[each.value for each in parsed.response.transports or []],
                attachment=attachment.value if attachment is not None else None,
                created=datetime.now(UTC),
                friendly_name=_friendly_name(attachment.value if attachment else None),
            )
        )
        del _registrations[user]


def _credentials_in(pool: CognitoIdpUserPool) -> list[list[_Credential]]:
    return [_credentials[user] for user in pool.users.values() if user in _credentials]


def list_credentials(
    backend: CognitoIdpBackend, access_token: str, next_token: str | None, max_results: int | None
) -> dict[str, Any]:
    _, user, _ = _signed_in(backend, access_token)
    if max_results is not None and not 0 <= max_results <= MAX_RESULTS:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value between 0 and {MAX_RESULTS}"
        )
    held = _credentials.get(user, [])
    ids = [c.credential_id for c in held]
    if next_token is not None and next_token not in ids:
        raise InvalidParameterException("Invalid pagination token.")
    start = ids.index(next_token) if next_token is not None else 0
    end = start + (max_results or MAX_RESULTS)
    answer: dict[str, Any] = {"Credentials": [c.description() for c in held[start:end]]}
    if end < len(held):
        answer["NextToken"] = held[end].credential_id
    return answer


def delete_credential(backend: CognitoIdpBackend, access_token: str, credential_id: str) -> None:
    _, user, _ = _signed_in(backend, access_token)
    with _lock:
        held = _credentials.get(user, [])
        found = next((c for c in held if c.credential_id == credential_id), None)
        if found is None:
            raise ResourceNotFoundError("The passkey does not exist.")
        held.remove(found)


def _parsed_configuration(given: Any) -> _Configuration:
    if not isinstance(given, dict):
        raise InvalidParameterException("WebAuthnConfiguration must be a structure.")
    configuration = _Configuration(
        relying_party_id=given.get("RelyingPartyId"),
        user_verification=given.get("UserVerification", "preferred"),
        factor_configuration=given.get("FactorConfiguration", "SINGLE_FACTOR"),
    )
    if configuration.user_verification not in USER_VERIFICATION:
        raise InvalidParameterException(
            "UserVerification must be one of: " + ", ".join(USER_VERIFICATION)
        )
    if configuration.factor_configuration not in FACTOR_CONFIGURATIONS:
        raise InvalidParameterException(
            "FactorConfiguration must be one of: " + ", ".join(FACTOR_CONFIGURATIONS)
        )
    return configuration


# The response handler's side.

_moto_set_user_pool_mfa_config = CognitoIdpResponse.set_user_pool_mfa_config
_moto_get_user_pool_mfa_config = CognitoIdpResponse.get_user_pool_mfa_config


def _set_user_pool_mfa_config(self: CognitoIdpResponse) -> ActionResult:
    """moto's SetUserPoolMfaConfig, keeping the WebAuthnConfiguration; one without
    MfaConfiguration changes no MFA setting (moto's refuses it)."""
    pool_id = self._get_param("UserPoolId")
    pool = self.backend.describe_user_pool(pool_id)
    given = self._get_param("WebAuthnConfiguration")
    configuration = _configuration(pool) if given is None else _parsed_configuration(given)
    if self._get_param("MfaConfiguration") is None:
        answer: dict[str, Any] = self.backend.get_user_pool_mfa_config(pool_id)
    else:
        answer = cast("dict[str, Any]", _moto_set_user_pool_mfa_config(self).result)
    _configurations[pool] = configuration
    return ActionResult({**answer, "WebAuthnConfiguration": configuration.answer()})


def _get_user_pool_mfa_config(self: CognitoIdpResponse) -> ActionResult:
    answer = cast("dict[str, Any]", _moto_get_user_pool_mfa_config(self).result)
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    return ActionResult({**answer, "WebAuthnConfiguration": _configuration(pool).answer()})


def _backend(response: CognitoIdpResponse) -> tuple[CognitoIdpBackend, str]:
    token: str = response._get_param("AccessToken")
    return stand_in_operations._backend_by(response, "access_token", token), token


def _start_web_authn_registration(self: CognitoIdpResponse) -> ActionResult:
    options = start_registration(*_backend(self))
    return ActionResult({"CredentialCreationOptions": options})


def _complete_web_authn_registration(self: CognitoIdpResponse) -> ActionResult:
    complete_registration(*_backend(self), self._get_param("Credential"))
    return EmptyResult()


def _list_web_authn_credentials(self: CognitoIdpResponse) -> ActionResult:
    return ActionResult(
        list_credentials(
            *_backend(self), self._get_param("NextToken"), self._get_param("MaxResults")
        )
    )


def _delete_web_authn_credential(self: CognitoIdpResponse) -> ActionResult:
    delete_credential(*_backend(self), self._get_param("CredentialId"))
    return EmptyResult()


# moto dispatches an action to the handler's method of the same name in snake case.
_HANDLERS: dict[str, Callable[[CognitoIdpResponse], ActionResult]] = {
    "set_user_pool_mfa_config": _set_user_pool_mfa_config,
    "get_user_pool_mfa_config": _get_user_pool_mfa_config,
    "start_web_authn_registration": _start_web_authn_registration,
    "complete_web_authn_registration": _complete_web_authn_registration,
    "list_web_authn_credentials": _list_web_authn_credentials,
    "delete_web_authn_credential": _delete_web_authn_credential,
}


def install() -> None:
    """Adds the operations to moto's Cognito response handler; a second call changes
    nothing (moto's MFA configuration handlers were taken once, at import)."""
    with _lock:
        for name, handler in _HANDLERS.items():
            if getattr(CognitoIdpResponse, name, None) is not handler:
                setattr(CognitoIdpResponse, name, handler)

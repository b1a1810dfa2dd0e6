"""Choice-based sign-in (InitiateAuth with AuthFlow USER_AUTH) and one-time codes in
the local Cognito stand-in, with GetUserAuthFactors: moto (5.2.5) has none of them
(its AuthFlow enum lacks USER_AUTH). Operator code for `make run` and the tests,
never deployed; devstack/stand_in_operations.py's `install()` installs it.

As botocore's cognito-idp model (InitiateAuth's AuthParameters, RespondToAuthChallenge's
ChallengeResponses, GetUserAuthFactors) and AWS's developer guide ("Authentication
flows", "Managing user existence error responses") describe it:

- InitiateAuth USER_AUTH takes USERNAME, SECRET_HASH (the client has a secret) and an
  optional PREFERRED_CHALLENGE; the app client must allow ALLOW_USER_AUTH, else
  InvalidParameterException "USER_AUTH flow not enabled for this client" (AWS's
  refusal of a flow the client does not allow, worded for this flow).
- The first factors are the pool's `Policies.SignInPolicy.AllowedFirstAuthFactors`
  (moto stores Policies as CreateUserPool / UpdateUserPool give them; none given:
  PASSWORD alone, which AWS requires in the list). Each is offered to a user who can
  use it (`FACTORS`): PASSWORD to a user with a password, EMAIL_OTP to one with a
  verified email, SMS_OTP to one with a verified phone_number, WEB_AUTHN to one with
  a passkey (`has_passkey`).
  One-time codes are no first factor for a user with MFA activated (the rule of
  AWS's passwordless sign-in as the project's notes record it: a code would stand in
  for both factors), nor in a pool that requires MFA (botocore's
  WebAuthnMfaSettingsType: only a passkey, and only with passkey MFA on, "is
  available when MFA is required"; codes have no such setting).
- Without PREFERRED_CHALLENGE a known user is answered SELECT_CHALLENGE with a Session
  and the top-level AvailableChallenges; the choice is RespondToAuthChallenge
  SELECT_CHALLENGE with ANSWER (and PASSWORD, which completes it, when the answer is
  PASSWORD). With a preference the user can use, that challenge straight away; a
  password given with PREFERRED_CHALLENGE PASSWORD is checked at once. A preference
  the user cannot use falls back to SELECT_CHALLENGE: AWS documents no refusal of it,
  and a refusal would tell which factors a user has.
- EMAIL_OTP / SMS_OTP send a code and answer that challenge with
  CODE_DELIVERY_DELIVERY_MEDIUM and CODE_DELIVERY_DESTINATION (masked); it is answered
  with EMAIL_OTP_CODE / SMS_OTP_CODE. A wrong code is CodeMismatchException and the
  session stays usable (AWS documents no limit on tries within a session); only the
  last code sent for a session works, and it lives as long as the session.
- A password (PASSWORD, given at once, after SELECT_CHALLENGE or as the PASSWORD
  challenge) is checked by moto's USER_PASSWORD_AUTH as devstack/stand_in_sign_in.py
  wraps it: the same lockout counting, then tokens, NEW_PASSWORD_REQUIRED or the MFA
  challenge moto answers after a password.
- A name no user has: under PreventUserExistenceErrors ENABLED, AWS answers a
  challenge type chosen at random from those the pool permits (passkey, one-time
  code or password; "Managing user existence error responses"), where a known user
  gets SELECT_CHALLENGE: here too, so the service above has to mask the difference.
  That challenge never succeeds (a password is "Incorrect username or password.", a
  code a mismatch) and nothing is sent. Otherwise UserNotFoundException.

Sessions are moto's (so devstack/stand_in_sign_in.py times them: AuthSessionValidity,
then "Invalid session for the user, session is expired."), each challenge a new one.
Codes go, for want of a mailbox, in the response header CODES_HEADER as
devstack/stand_in_operations.py sends its own.

Where the stand-in still differs from AWS: no PASSWORD_SRP (moto never checks an SRP
proof); USER_AUTH in AdminInitiateAuth is not added. WEB_AUTHN's passkey is offered
and checked by devstack/stand_in_webauthn.py; a user with MFA may use one only where
the pool's FactorConfiguration is MULTI_FACTOR_WITH_USER_VERIFICATION, and only one
that verified its user.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    UserStatus,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from devstack import stand_in_webauthn
from devstack.stand_in_operations import (
    _backend_by,
    _client,
    _delivery,
    _matches,
    _secret_hash_ok,
    _Sent,
    _signed_in,
    _with_codes,
)
from devstack.stand_in_sign_in import _handed_out, _live, _session_seconds

USER_AUTH = "USER_AUTH"
SELECT_CHALLENGE = "SELECT_CHALLENGE"
# The length of the one-time codes AWS sends for passwordless sign-in (MFA and
# verification codes have six).
OTP_DIGITS = 8
INCORRECT = "Incorrect username or password."
INVALID_CODE = "Invalid code or auth state for the user."
INVALID_SESSION = "Invalid session for the user."
# AWS's default sign-in policy: passwords only.
_DEFAULT_FIRST_FACTORS = ("PASSWORD",)
_lock = threading.Lock()


@dataclass
class Attempt:
    """A USER_AUTH sign-in between its challenges."""

    pool: CognitoIdpUserPool
    client_id: str
    # As typed: moto keeps the tokens it issues under it.
    username: str
    # None for a name no user has (PreventUserExistenceErrors' random challenge).
    user: CognitoIdpUser | None
    challenge: str
    available: tuple[str, ...] = ()
    # The last code sent for this session; None where none was (no code matches).
    code: str | None = None


@dataclass(frozen=True)
class Factor:
    """A first factor of USER_AUTH: whether a user can use it, how its challenge starts
    (its ChallengeParameters, and the code sent, if any), and how an answer is checked
    (the sign-in's next answer: tokens or a further challenge; raises if refused)."""

    available: Callable[[CognitoIdpUserPool, CognitoIdpUser], bool]
    start: Callable[[Attempt], tuple[dict[str, str], _Sent | None]]
    answer: Callable[[CognitoIdpBackend, Attempt, dict[str, str]], dict[str, Any]]


# The sessions this module handed out, per backend, beside moto's own.
_attempts: WeakKeyDictionary[CognitoIdpBackend, dict[str, Attempt]] = WeakKeyDictionary()


def _new_otp() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def _has_mfa(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    return pool.mfa_config == "ON" or user.software_token_mfa_enabled or user.sms_mfa_enabled


def _verified(user: CognitoIdpUser, attribute: str) -> bool:
    return bool(user.attribute_lookup.get(attribute)) and (
        user.attribute_lookup.get(f"{attribute}_verified") == "true"
    )


# PASSWORD


def _no_parameters(attempt: Attempt) -> tuple[dict[str, str], _Sent | None]:
    return {}, None


def _check_password(
    backend: CognitoIdpBackend, attempt: Attempt, responses: dict[str, str]
) -> dict[str, Any]:
    password = responses.get("PASSWORD")
    if not password:
        raise InvalidParameterException("Missing required parameter PASSWORD")
    if attempt.user is None:
        raise NotAuthorizedError(INCORRECT)
    # The class's method, as devstack/stand_in_sign_in.py wraps it: its lockout counts
    # this attempt, and it times the session of any challenge moto answers next.
    answer: dict[str, Any] = backend.initiate_auth(
        attempt.client_id,
        "USER_PASSWORD_AUTH",
        {"USERNAME": attempt.username, "PASSWORD": password},
    )
    return answer


# EMAIL_OTP, SMS_OTP


def _made_up(attribute: str, username: str) -> str:
    """An address for a name no user has: the name itself where it is an email."""
    if attribute == "email":
        return username if "@" in username else f"{secrets.token_hex(4)}@example.com"
    return f"+1555{secrets.randbelow(10**7):07d}"


def _code_by(attribute: str) -> Callable[[Attempt], tuple[dict[str, str], _Sent | None]]:
    def start(attempt: Attempt) -> tuple[dict[str, str], _Sent | None]:
        if attempt.user is None:
            # Nothing is sent to a name no user has; the destination is made up.
            to = _made_up(attribute, attempt.username)
            sent = None
        else:
            to = attempt.user.attribute_lookup[attribute]
            sent = _Sent(attribute, to, _new_otp())
            attempt.code = sent.code
        delivery = _delivery(attribute, to)
        parameters = {
            "CODE_DELIVERY_DELIVERY_MEDIUM": delivery["DeliveryMedium"],
            "CODE_DELIVERY_DESTINATION": delivery["Destination"],
        }
        return parameters, sent

    return start


def _code_answer(
    key: str,
) -> Callable[[CognitoIdpBackend, Attempt, dict[str, str]], dict[str, Any]]:
    def answer(
        backend: CognitoIdpBackend, attempt: Attempt, responses: dict[str, str]
    ) -> dict[str, Any]:
        if not _matches(responses.get(key) or "", attempt.code):
            raise CodeMismatchException(INVALID_CODE)
        client = attempt.pool.clients[attempt.client_id]
        return backend._log_user_in(attempt.pool, client, attempt.username)

    return answer


# WEB_AUTHN: devstack/stand_in_webauthn.py offers and checks the passkey. A user with
# MFA may sign in with one only where the pool's FactorConfiguration is
# MULTI_FACTOR_WITH_USER_VERIFICATION, and then only with a passkey that verified its
# user (AWS's "Passkey MFA": such a passkey is both factors); else, as one-time codes,
# a passkey is no first factor for them.
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
PASSKEY_NOT_ENOUGH = "A passkey without user verification does not satisfy MFA."


def has_passkey(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Whether WEB_AUTHN is a first factor this user can use."""
    if not stand_in_webauthn.has_passkey(pool, user):
        return False
    return not _has_mfa(pool, user) or stand_in_webauthn.factor_configuration(pool) == MULTI_FACTOR


def start_passkey(attempt: Attempt) -> tuple[dict[str, str], _Sent | None]:
    """The WEB_AUTHN challenge's parameters: CREDENTIAL_REQUEST_OPTIONS, as JSON."""
    if attempt.user is None or not has_passkey(attempt.pool, attempt.user):
        # A name no user has: options with a challenge nobody can answer.
        options = {
            "challenge": secrets.token_urlsafe(32),
            "rpId": stand_in_webauthn.relying_party_id(attempt.pool) or "localhost",
            "timeout": stand_in_webauthn.TIMEOUT_MS,
            "allowCredentials": [],
            "userVerification": "preferred",
        }
        return {"CREDENTIAL_REQUEST_OPTIONS": json.dumps(options)}, None
    options_json = stand_in_webauthn.request_options(attempt.pool, attempt.user)
    return {"CREDENTIAL_REQUEST_OPTIONS": options_json}, None


def check_passkey(
    backend: CognitoIdpBackend, attempt: Attempt, responses: dict[str, str]
) -> dict[str, Any]:
    """Checks CREDENTIAL (an AuthenticationResponseJSON) and signs in."""
    credential = responses.get("CREDENTIAL")
    if not credential:
        raise InvalidParameterException("Missing required parameter CREDENTIAL")
    if attempt.user is None or not has_passkey(attempt.pool, attempt.user):
        raise NotAuthorizedError(stand_in_webauthn.ASSERTION_REFUSED)
    verified = stand_in_webauthn.verify_assertion(attempt.pool, attempt.user, credential)
    if _has_mfa(attempt.pool, attempt.user) and not verified:
        raise NotAuthorizedError(PASSKEY_NOT_ENOUGH)
    client = attempt.pool.clients[attempt.client_id]
    return backend._log_user_in(attempt.pool, client, attempt.username)


FACTORS: dict[str, Factor] = {
    "PASSWORD": Factor(lambda _, user: bool(user.password), _no_parameters, _check_password),
    "EMAIL_OTP": Factor(
        lambda pool, user: _verified(user, "email") and not _has_mfa(pool, user),
        _code_by("email"),
        _code_answer("EMAIL_OTP_CODE"),
    ),
    "SMS_OTP": Factor(
        lambda pool, user: _verified(user, "phone_number") and not _has_mfa(pool, user),
        _code_by("phone_number"),
        _code_answer("SMS_OTP_CODE"),
    ),
    "WEB_AUTHN": Factor(has_passkey, start_passkey, check_passkey),
}


def allowed_first_factors(pool: CognitoIdpUserPool) -> list[str]:
    """The pool's AllowedFirstAuthFactors that the stand-in knows, in the pool's order."""
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    listed = policy.get("AllowedFirstAuthFactors") or _DEFAULT_FIRST_FACTORS
    return [factor for factor in listed if factor in FACTORS]


def available_factors(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> list[str]:
    """The first factors the pool allows that this user can use."""
    return [f for f in allowed_first_factors(pool) if FACTORS[f].available(pool, user)]


# Sessions


def _open(backend: CognitoIdpBackend, attempt: Attempt) -> str:
    """A new session for the attempt, held where moto holds its own, so that
    devstack/stand_in_sign_in.py times it."""
    session = str(uuid.uuid4())
    with _lock:
        backend.sessions[session] = (attempt.username, attempt.pool)
        _attempts.setdefault(backend, {})[session] = attempt
    return session


def _close(backend: CognitoIdpBackend, session: str) -> None:
    with _lock:
        backend.sessions.pop(session, None)
        _attempts.get(backend, {}).pop(session, None)


def _attempt_of(backend: CognitoIdpBackend, session: str | None) -> Attempt | None:
    with _lock:
        return _attempts.get(backend, {}).get(session) if session else None


def _challenge(
    backend: CognitoIdpBackend, attempt: Attempt, name: str
) -> tuple[dict[str, Any], list[_Sent]]:
    attempt.challenge = name
    parameters, sent = FACTORS[name].start(attempt)
    session = _open(backend, attempt)
    answer = {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}
    _handed_out(backend, answer, _session_seconds(attempt.pool, attempt.client_id))
    return answer, [sent] if sent else []


def _select_challenge(
    backend: CognitoIdpBackend, attempt: Attempt
) -> tuple[dict[str, Any], list[_Sent]]:
    attempt.challenge = SELECT_CHALLENGE
    session = _open(backend, attempt)
    answer = {
        "ChallengeName": SELECT_CHALLENGE,
        "ChallengeParameters": {},
        "Session": session,
        "AvailableChallenges": list(attempt.available),
    }
    _handed_out(backend, answer, _session_seconds(attempt.pool, attempt.client_id))
    return answer, []


# The operations, on the backend a request names.


def initiate_user_auth(
    backend: CognitoIdpBackend, client_id: str, parameters: dict[str, str]
) -> tuple[dict[str, Any], list[_Sent]]:
    """InitiateAuth with AuthFlow USER_AUTH: its answer, and the codes it sent."""
    pool, client = _client(backend, client_id)
    if "ALLOW_USER_AUTH" not in (client.extended_config.get("ExplicitAuthFlows") or []):
        raise InvalidParameterException("USER_AUTH flow not enabled for this client")
    username = parameters.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    if client.generate_secret and not _secret_hash_ok(
        client, username, parameters.get("SECRET_HASH")
    ):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
    preferred = parameters.get("PREFERRED_CHALLENGE")
    user = pool._get_user(username)
    if user is None:
        if client.extended_config.get("PreventUserExistenceErrors") != "ENABLED":
            raise UserNotFoundError("User does not exist.")
        choices = allowed_first_factors(pool)
        name = preferred if preferred in choices else secrets.choice(choices or ["PASSWORD"])
        return _challenge(backend, Attempt(pool, client_id, username, None, name), name)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    available = tuple(available_factors(pool, user))
    attempt = Attempt(pool, client_id, username, user, SELECT_CHALLENGE, available)
    if preferred not in available:
        return _select_challenge(backend, attempt)
    if preferred == "PASSWORD" and "PASSWORD" in parameters:
        return _check_password(backend, attempt, parameters), []
    return _challenge(backend, attempt, preferred)


def respond_to_user_auth(
    backend: CognitoIdpBackend,
    attempt: Attempt,
    session: str,
    client_id: str,
    challenge_name: str,
    responses: dict[str, str],
) -> tuple[dict[str, Any], list[_Sent]]:
    """RespondToAuthChallenge to a session this module handed out."""
    _live(backend, session)
    pool = attempt.pool
    client = pool.clients.get(client_id)
    username = responses.get("USERNAME")
    if client is None or client_id != attempt.client_id or not username:
        raise NotAuthorizedError(INVALID_SESSION)
    if client.generate_secret and not _secret_hash_ok(
        client, username, responses.get("SECRET_HASH")
    ):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
    same = (
        pool._get_user(username) is attempt.user
        if attempt.user is not None
        else username == attempt.username
    )
    if not same:
        raise NotAuthorizedError(INVALID_SESSION)
    if challenge_name != attempt.challenge:
        raise InvalidParameterException(
            f"The session is for the {attempt.challenge} challenge, not {challenge_name}"
        )
    if challenge_name == SELECT_CHALLENGE:
        chosen = responses.get("ANSWER")
        if chosen not in attempt.available:
            raise InvalidParameterException(f"Challenge {chosen} is not available for the user")
        if chosen != "PASSWORD":
            _close(backend, session)
            return _challenge(backend, attempt, chosen)
    # SELECT_CHALLENGE answered PASSWORD completes with the password given with it.
    factor = "PASSWORD" if challenge_name == SELECT_CHALLENGE else challenge_name
    answer = FACTORS[factor].answer(backend, attempt, responses)
    _close(backend, session)
    return answer, []


def get_user_auth_factors(backend: CognitoIdpBackend, access_token: str) -> dict[str, Any]:
    """GetUserAuthFactors: the user's MFA settings, and the first factors USER_AUTH
    offers them (with SOFTWARE_TOKEN, an MFA factor only, when their authenticator app
    is activated)."""
    pool, user = _signed_in(backend, access_token)
    mfa = [
        name
        for name, on in (
            ("SMS_MFA", user.sms_mfa_enabled),
            ("SOFTWARE_TOKEN_MFA", user.software_token_mfa_enabled),
        )
        if on
    ]
    configured = available_factors(pool, user)
    if user.software_token_mfa_enabled:
        configured.append("SOFTWARE_TOKEN")
    answer: dict[str, Any] = {
        "Username": user.username,
        "UserMFASettingList": mfa,
        "ConfiguredUserAuthFactors": configured,
    }
    if user.preferred_mfa_setting:
        answer["PreferredMfaSetting"] = user.preferred_mfa_setting
    return answer


# The response handler's side.

_moto_initiate_auth = CognitoIdpResponse.initiate_auth
_moto_respond_to_auth_challenge = CognitoIdpResponse.respond_to_auth_challenge


def _initiate_auth(self: CognitoIdpResponse) -> ActionResult:
    if self._get_param("AuthFlow") != USER_AUTH:
        return _moto_initiate_auth(self)
    client_id = self._get_param("ClientId")
    answer, sent = initiate_user_auth(
        _backend_by(self, "client_id", client_id), client_id, self._get_param("AuthParameters")
    )
    _with_codes(self, sent)
    return ActionResult(answer)


def _respond_to_auth_challenge(self: CognitoIdpResponse) -> ActionResult:
    client_id = self._get_param("ClientId")
    session = self._get_param("Session")
    backend = _backend_by(self, "client_id", client_id)
    attempt = _attempt_of(backend, session)
    if attempt is None:
        return _moto_respond_to_auth_challenge(self)
    answer, sent = respond_to_user_auth(
        backend,
        attempt,
        session,
        client_id,
        self._get_param("ChallengeName"),
        self._get_param("ChallengeResponses") or {},
    )
    _with_codes(self, sent)
    return ActionResult(answer)


def _get_user_auth_factors(self: CognitoIdpResponse) -> ActionResult:
    token = self._get_param("AccessToken")
    return ActionResult(get_user_auth_factors(_backend_by(self, "access_token", token), token))


_HANDLERS: dict[str, Callable[[CognitoIdpResponse], ActionResult]] = {
    "initiate_auth": _initiate_auth,
    "respond_to_auth_challenge": _respond_to_auth_challenge,
    "get_user_auth_factors": _get_user_auth_factors,
}


def install() -> None:
    """Adds USER_AUTH to moto's InitiateAuth and RespondToAuthChallenge handlers (every
    other flow and session still goes to moto's) and GetUserAuthFactors; a second call
    changes nothing."""
    with _lock:
        for name, handler in _HANDLERS.items():
            if getattr(CognitoIdpResponse, name, None) is not handler:
                setattr(CognitoIdpResponse, name, handler)

"""The limits Cognito sets on signing in, which moto (5.2.5) lacks: the lockout after
repeated wrong passwords, and the lifetime of a login's challenge sessions. Operator
code for `make run` and the tests, never deployed; devstack/stand_in_operations.py's
`install()` installs it.

Lockout, as AWS's authentication-flow guide documents it: after five failed sign-in
attempts Cognito locks the user out for one second, and each further failure doubles
the lockout, up to about 15 minutes (900 s here). Attempts during a lockout, right
password or wrong, answer NotAuthorizedException "Password attempts exceeded", do not
count and do not lengthen it; the time left is not given. AWS does not say what ends
the count: here a right password outside a lockout resets it. It is counted per user,
on USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH (moto's SRP
flow never checks the password, so it has no failures to count). A name no user has
is never locked out: AWS documents lockout for users only, and the service answers a
lockout as any refused sign-in anyway.

Challenge sessions: every Session a login hands out (InitiateAuth,
RespondToAuthChallenge, AssociateSoftwareToken, VerifySoftwareToken) lives for the
app client's AuthSessionValidity (minutes; moto's default 3, as Cognito's); once
past it, NotAuthorizedException "Invalid session for the user, session is expired."
Cognito documents no limit on wrong codes within a session, so none is set here.

`clock` is the time both read: tests replace it to move time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_MAX_SECONDS = 900
PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded"
SESSION_EXPIRED = "Invalid session for the user, session is expired."
# The password flows that compare a password (AuthFlow: the name its parameter has).
_PASSWORD_FLOWS = {
    "USER_PASSWORD_AUTH": "PASSWORD",
    "ADMIN_USER_PASSWORD_AUTH": "PASSWORD",
    "ADMIN_NO_SRP_AUTH": "PASSWORD",
}

# Seconds, monotonic: what the lockout and the sessions measure time by.
clock: Callable[[], float] = time.monotonic

_lock = threading.Lock()


@dataclass
class _Attempts:
    failures: int = 0
    locked_until: float = float("-inf")


# Beside moto's users, not in them: they go when the user does.
_attempts: WeakKeyDictionary[CognitoIdpUser, _Attempts] = WeakKeyDictionary()


@dataclass
class _Session:
    expires: float
    # The validity it was handed out with, which the next session of its flow keeps
    # where the call names no client (AssociateSoftwareToken, VerifySoftwareToken).
    seconds: float


# The sessions handed out, per backend (moto keeps them on the backend, by value).
_sessions: WeakKeyDictionary[CognitoIdpBackend, dict[str, _Session]] = WeakKeyDictionary()


def lockout_seconds(failures: int) -> float:
    """How long the failure numbered `failures` locks the user out (0: not at all)."""
    if failures < LOCKOUT_AFTER_FAILURES:
        return 0
    return float(min(2 ** (failures - LOCKOUT_AFTER_FAILURES), LOCKOUT_MAX_SECONDS))


def _count_attempt(user: CognitoIdpUser, password: str | None) -> None:
    """Before moto compares the password: refuses during a lockout, else counts."""
    with _lock:
        attempts = _attempts.setdefault(user, _Attempts())
        now = clock()
        if now < attempts.locked_until:
            raise NotAuthorizedError(PASSWORD_ATTEMPTS_EXCEEDED)
        if password == user.password:
            attempts.failures = 0
            return
        attempts.failures += 1
        if attempts.failures >= LOCKOUT_AFTER_FAILURES:
            attempts.locked_until = now + lockout_seconds(attempts.failures)


def _pool_of_client(backend: CognitoIdpBackend, client_id: str) -> CognitoIdpUserPool | None:
    return next((p for p in backend.user_pools.values() if client_id in p.clients), None)


def _session_seconds(pool: CognitoIdpUserPool | None, client_id: str) -> float | None:
    if pool is None:
        return None
    minutes = pool.clients[client_id].extended_config.get("AuthSessionValidity", 3)
    return float(minutes) * 60


def _handed_out(backend: CognitoIdpBackend, answer: Any, seconds: float | None) -> None:
    """Starts the lifetime of the session an answer hands out. moto hands the same
    value on from step to step where AWS makes a new one: each starts afresh."""
    session = answer.get("Session") if isinstance(answer, dict) else None
    if not session or seconds is None:
        return
    with _lock:
        held = _sessions.setdefault(backend, {})
        # Forget those moto no longer holds (finished or replaced): no unbounded growth.
        for gone in [s for s in held if s not in backend.sessions]:
            del held[gone]
        held[session] = _Session(clock() + seconds, seconds)


def _live(backend: CognitoIdpBackend, session: str | None) -> float | None:
    """Refuses an expired session; returns its validity, None if none was handed out."""
    if not session:
        return None
    with _lock:
        held = _sessions.get(backend, {}).get(session)
        if held is None:
            return None
        if clock() >= held.expires:
            raise NotAuthorizedError(SESSION_EXPIRED)
        return held.seconds


def _initiate_auth(
    moto: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, parameters: dict[str, str]
    ) -> dict[str, Any]:
        pool = _pool_of_client(self, client_id)
        _guard_password(pool, auth_flow, parameters)
        answer = moto(self, client_id, auth_flow, parameters)
        _handed_out(self, answer, _session_seconds(pool, client_id))
        return answer

    return initiate_auth


def _admin_initiate_auth(
    moto: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def admin_initiate_auth(
        self: CognitoIdpBackend,
        user_pool_id: str,
        client_id: str,
        auth_flow: str,
        parameters: dict[str, str],
    ) -> dict[str, Any]:
        pool = self.user_pools.get(user_pool_id)
        if pool is not None and client_id in pool.clients:
            _guard_password(pool, auth_flow, parameters)
        answer = moto(self, user_pool_id, client_id, auth_flow, parameters)
        _handed_out(self, answer, _session_seconds(pool, client_id))
        return answer

    return admin_initiate_auth


def _guard_password(
    pool: CognitoIdpUserPool | None, auth_flow: str, parameters: dict[str, str] | None
) -> None:
    key = _PASSWORD_FLOWS.get(auth_flow)
    if pool is None or key is None or not parameters:
        return
    name = parameters.get("USERNAME")
    user = pool._get_user(name) if name else None
    # moto refuses unknown and disabled users before any password is compared.
    if user is not None and user.enabled:
        _count_attempt(user, parameters.get(key))


def _respond_to_auth_challenge(
    moto: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def respond_to_auth_challenge(
        self: CognitoIdpBackend,
        session: str,
        client_id: str,
        challenge_name: str,
        responses: dict[str, str],
    ) -> dict[str, Any]:
        # moto reads PASSWORD_VERIFIER's session from the secret block it handed out.
        given = (
            (responses or {}).get("PASSWORD_CLAIM_SECRET_BLOCK")
            if challenge_name == "PASSWORD_VERIFIER"
            else session
        )
        _live(self, given)
        answer = moto(self, session, client_id, challenge_name, responses)
        _handed_out(self, answer, _session_seconds(_pool_of_client(self, client_id), client_id))
        return answer

    return respond_to_auth_challenge


def _associate_software_token(
    moto: Callable[..., dict[str, str]],
) -> Callable[..., dict[str, str]]:
    def associate_software_token(
        self: CognitoIdpBackend, access_token: str, session: str
    ) -> dict[str, str]:
        seconds = _live(self, session)
        answer = moto(self, access_token, session)
        _handed_out(self, answer, seconds)
        return answer

    return associate_software_token


def _verify_software_token(
    moto: Callable[..., dict[str, str]],
) -> Callable[..., dict[str, str]]:
    def verify_software_token(
        self: CognitoIdpBackend, access_token: str, session: str, code: str, device: str
    ) -> dict[str, str]:
        seconds = _live(self, session)
        answer = moto(self, access_token, session, code, device)
        # Only a session's verification hands one on (an access token's starts none).
        _handed_out(self, answer, seconds)
        return answer

    return verify_software_token


_WRAPPERS: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "initiate_auth": _initiate_auth,
    "admin_initiate_auth": _admin_initiate_auth,
    "respond_to_auth_challenge": _respond_to_auth_challenge,
    "associate_software_token": _associate_software_token,
    "verify_software_token": _verify_software_token,
}
# moto's own methods, taken once: installing again wraps them, not the wrappers.
_MOTO = {name: getattr(CognitoIdpBackend, name) for name in _WRAPPERS}


def install() -> None:
    """Wraps moto's backend methods (the in-process mock_aws and moto's server both
    call them); a second call changes nothing."""
    for name, wrap in _WRAPPERS.items():
        if getattr(CognitoIdpBackend, name) is _MOTO[name]:
            setattr(CognitoIdpBackend, name, wrap(_MOTO[name]))

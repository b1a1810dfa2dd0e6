"""The service's own errors. Each knows its HTTP status, its public message and its
`code`: the stable, snake_case name a client matches (docs/errors.md), which never
changes when a message is reworded.

They derive from ChaliceUnhandledError because Chalice re-raises exactly that type
out of the view, so the one error middleware (chalicelib.responses) can turn every
one of them into a response.
"""

from __future__ import annotations

from chalice.app import ChaliceUnhandledError


class ApiError(ChaliceUnhandledError):
    status_code = 500
    code = "internal_error"
    default_message = "Internal server error"
    # When set, Cognito's own wording is the public message (e.g. password policy).
    cognito_worded = False

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(ApiError):
    status_code = 400
    code = "invalid_request"
    default_message = "Bad request"


class InvalidCode(ApiError):
    """A verification code is proof the user holds, as a password is: a wrong or
    expired one is refused as a wrong password is (401). A 400 would call a well-formed
    request malformed."""

    status_code = 401
    code = "code_mismatch"
    default_message = "Invalid Verification code"


class ExpiredCode(InvalidCode):
    code = "code_expired"
    default_message = "The verification code has expired, please request a new one"


class InvalidPassword(BadRequest):
    code = "weak_password"
    default_message = "The password does not conform to the password policy"
    cognito_worded = True


class InvalidAttributes(BadRequest):
    code = "invalid_attributes"
    default_message = "An attribute value is invalid"


class TokenTooLarge(BadRequest):
    """A write of attributes that would make the user's id token longer than a request
    to API Gateway can carry (chalicelib/token_budget.py): refused before any change."""

    code = "token_too_large"
    default_message = (
        "These attributes would make the sign-in tokens too large to send: shorten or remove some"
    )


class InvalidInput(BadRequest):
    code = "invalid_parameter"
    default_message = "A value is not in the form Cognito accepts"


class InvalidSignUp(BadRequest):
    code = "invalid_sign_up"
    default_message = "The sign-up details are invalid"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"
    default_message = "Request body is too large"


class InvalidCredentials(ApiError):
    status_code = 401
    code = "invalid_credentials"
    default_message = "The username or password is incorrect"


class InvalidRefreshToken(ApiError):
    status_code = 401
    code = "invalid_refresh_token"
    default_message = (
        "Invalid refresh token or username is incorrect or Refresh Token has been revoked"
    )


class RefreshTokenReused(ApiError):
    status_code = 401
    code = "refresh_token_reused"
    default_message = (
        "This refresh token was replaced by a newer one and no longer works: "
        "use the newest, or log in again"
    )


class FactorNotOffered(ApiError):
    status_code = 400
    code = "factor_not_offered"
    default_message = "This service does not offer that way of signing in"


class PasskeysNotEnabled(ApiError):
    status_code = 400
    code = "passkeys_not_enabled"
    default_message = "Passkeys are not enabled on this service"


class PasskeyRegistrationExpired(ApiError):
    status_code = 400
    code = "passkey_registration_expired"
    default_message = "No passkey registration is under way: start one again"


class PasskeyRefused(ApiError):
    status_code = 400
    code = "passkey_refused"
    default_message = (
        "The passkey was refused: it was made for another site or origin, or without "
        "the user verification this service requires"
    )


class TooManyPasskeys(ApiError):
    status_code = 409
    code = "too_many_passkeys"
    default_message = "This account has as many passkeys as it may have: delete one first"


class PasskeyNotFound(ApiError):
    status_code = 404
    code = "passkey_not_found"
    default_message = "No such passkey"


class SessionExpired(ApiError):
    status_code = 401
    code = "session_expired"
    default_message = "The session has expired, please log in again"


class WrongPreviousPassword(ApiError):
    status_code = 401
    code = "wrong_previous_password"
    default_message = "The previous password is incorrect or the session has ended"


class SessionEnded(ApiError):
    status_code = 401
    code = "session_ended"
    default_message = "The session has ended, please log in again"


class UserNotConfirmed(ApiError):
    status_code = 403
    code = "user_not_confirmed"
    default_message = "User is not confirmed"


class PasswordResetRequired(ApiError):
    status_code = 403
    code = "password_reset_required"
    default_message = "Password reset required for this user"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"
    default_message = "You are not allowed to access this resource"


class NotFound(ApiError):
    status_code = 404
    code = "user_not_found"
    default_message = "Invalid username"


class UsernameExists(ApiError):
    status_code = 409
    code = "username_exists"
    default_message = "This username already exists"


class UserAlreadyConfirmed(ApiError):
    status_code = 409
    code = "already_confirmed"
    default_message = "User is already confirmed"


class TooManyRequests(ApiError):
    """Cognito's request-rate quotas (TooManyRequestsException), which count per
    second: a retry a second later may pass."""

    status_code = 429
    code = "throttled"
    default_message = "Too many requests, please retry later"
    # Seconds. Cognito never says how long a limit lasts: each class estimates it
    # (docs/security.md, "Brute force").
    retry_after = 1

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, {"Retry-After": str(self.retry_after)})


class TooManyAttempts(TooManyRequests):
    """Cognito's TooManyFailedAttemptsException: too many wrong codes for one account.
    It gives no time; 15 minutes is the longest lockout AWS documents for an
    account's failed attempts (sign-in's back-off)."""

    code = "too_many_attempts"
    default_message = "Too many failed attempts, please retry later"
    retry_after = 900


class LimitExceeded(TooManyRequests):
    """Cognito's LimitExceededException ("Attempt limit exceeded, please try after some
    time"): too many codes asked for, or password changes tried, for one account. AWS
    counts those per hour and gives no time; 15 minutes, as for failed attempts."""

    code = "limit_exceeded"
    default_message = "Attempt limit exceeded, please retry later"
    retry_after = 900


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "service_unavailable"
    default_message = "The service is temporarily unavailable, please retry later"
    # A failed key-set fetch answers 503 at once for this long; other causes (Cognito,
    # Secrets Manager) are tried again on the next request.
    retry_after = 5

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, {"Retry-After": str(self.retry_after)})


class GatewayUnauthorized(ApiError):
    """What API Gateway's Cognito authorizer answers; its body is not our envelope.

    `reason` names the check that failed (`token_verification.Reason`), for the log
    only: the response says no more than the gateway's does.
    """

    status_code = 401
    default_message = "Unauthorized"

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class TokenExpired(GatewayUnauthorized):
    default_message = "The incoming token has expired"

    def __init__(self) -> None:
        super().__init__("expired")


# --- mfa ---


class TotpAlreadySetUp(ApiError):
    status_code = 409
    code = "totp_already_set_up"
    # Associating a second app would turn the first one off at once (Cognito then
    # signs the user in with the password alone until the new one is verified).
    default_message = (
        "An authenticator app is already set up; turn it off (POST /user/mfa) "
        "before setting up another"
    )


class MfaPreferenceRefused(ApiError):
    """A well-formed preference that the account's state (no app verified yet) or the
    pool (MFA required) does not allow: a conflict, not a malformed request."""

    status_code = 409
    code = "mfa_preference_refused"
    default_message = (
        "Cognito refused this MFA preference: an authenticator app must be set up "
        "before it is turned on, and MFA cannot be turned off where the pool requires it"
    )


# --- account ---


class WrongPassword(ApiError):
    status_code = 401
    code = "wrong_password"
    default_message = "The password is incorrect"


class AddressTaken(ApiError):
    """Answered only to a caller who holds the verification code sent to the address:
    anyone else is told the same as when a code was sent (no enumeration)."""

    status_code = 409
    code = "email_exists"
    default_message = "An account with this email already exists"


class NotARefreshToken(BadRequest):
    code = "not_a_refresh_token"
    default_message = "refresh_token is not a refresh token"


# --- admin ---


class NoSuchUser(NotFound):
    default_message = "No such user"


class NoSuchGroup(NotFound):
    code = "group_not_found"
    default_message = "No such group"


class InvalidPaginationToken(BadRequest):
    code = "invalid_pagination_token"
    default_message = "pagination_token is invalid or has expired"


class InvalidListQuery(BadRequest):
    """Cognito refused a filter or pagination token that passed our checks; its
    wording says which (admins only see it)."""

    code = "invalid_list_query"
    default_message = "The filter or pagination_token is invalid"
    cognito_worded = True


class UserStateConflict(ApiError):
    """The user's state does not allow the action (a password reset for a disabled
    user, or one without a verified address); Cognito's wording says which."""

    status_code = 409
    code = "user_state_conflict"
    default_message = "The user's state does not allow this action"
    cognito_worded = True


class SelfAction(ApiError):
    """An admin's own account is not theirs to lock: another admin disables,
    deletes or demotes them, so that a slip or a stolen session cannot lock the
    team out."""

    status_code = 409
    code = "self_action"
    default_message = "Admins cannot disable, delete or remove themselves from the admin group"


class LastAdmin(ApiError):
    """The pool would be left without an enabled admin; only AWS's console or CLI
    could then appoint one."""

    status_code = 409
    code = "last_admin"
    default_message = (
        "The last enabled member of the admin group cannot be removed, disabled or deleted"
    )


# The codes of answers no error class stands for: Chalice's own (a method the path
# does not have, a body not sent as JSON, an unexpected failure), and API Gateway's
# gateway responses, which deploy/template.json writes as the envelope.
CHALICE_CODES = {
    405: "method_not_allowed",
    415: "unsupported_media_type",
    500: ApiError.code,
}
# DEFAULT_4XX: whatever else API Gateway refuses itself (an unknown path, a body over
# its limit); `chalice local` answers its own refusals with it too.
REQUEST_REFUSED = "request_refused"
# DEFAULT_5XX: the function failed or timed out before answering (502, 504).
GATEWAY_ERROR = "gateway_error"
# AWS WAF's custom response to an address over a rate rule on the credential routes
# (chalicelib/rate_limits.py); `make run` answers it too.
RATE_LIMITED = "rate_limited"

"""Cognito as the local stand-in (moto) runs it: every difference from AWS that the
service has to bridge, in one place. The composition root uses this gateway when
COGNITO_DIALECT is `moto` (`make run`, the tests); AWS never sees it.

Where moto answers differently from AWS, the stand-in is made to answer as AWS
does, so that the local stack tells newcomers the truth about the deployed one.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib import errors
from chalicelib.cognito_gateway import CognitoGateway, ErrorMap

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_cognito_idp.type_defs import (
        AdminCreateUserResponseTypeDef,
        AssociateSoftwareTokenResponseTypeDef,
        ForgotPasswordResponseTypeDef,
        GetUserAttributeVerificationCodeResponseTypeDef,
        InitiateAuthResponseTypeDef,
        ResendConfirmationCodeResponseTypeDef,
        RespondToAuthChallengeResponseTypeDef,
        SignUpResponseTypeDef,
        UpdateUserAttributesResponseTypeDef,
    )

logger = logging.getLogger(__name__)

R = TypeVar("R")

# moto hands the reset code it made back in this response header, for want of a
# mailbox (devstack/stand_in_operations.py makes the code six digits, and checks it).
CODE_HEADER = "x-moto-forgot-password-confirmation-code"
# The operations devstack/stand_in_operations.py adds hand the codes they make back the
# same way, as a JSON list of {"attribute", "to" (where it would have gone), "code"}.
CODES_HEADER = "x-stand-in-codes"

# Error codes moto uses where AWS uses others: ResourceNotFoundException (from AWS, a
# misconfigured pool) for an unknown user or session.
_ERRORS: dict[str, ErrorMap] = {
    "ConfirmForgotPassword": {"ResourceNotFoundException": errors.InvalidCode},
    "RespondToAuthChallenge": {"ResourceNotFoundException": errors.SessionExpired},
    "VerifySoftwareToken": {"ResourceNotFoundException": errors.SessionExpired},
    # moto's paginator refuses a token it did not make with its own error code.
    "ListUsers": {"InvalidToken": errors.InvalidPaginationToken},
}


class StandInGateway(CognitoGateway):
    def _hashed_name(self, username: str, known: ErrorMap) -> str:
        # moto checks a challenge's SECRET_HASH over the name typed at sign-in, not
        # the internal one.
        return username

    def sign_up(
        self, username: str, password: str, attributes: dict[str, str]
    ) -> SignUpResponseTypeDef:
        answer = super().sign_up(username, password, attributes)
        self._log_codes(answer, lambda sent: f"sign-up confirmation code for {username}")
        return answer

    def resend_confirmation_code(
        self, username: str
    ) -> ResendConfirmationCodeResponseTypeDef | None:
        answer = super().resend_confirmation_code(username)
        self._log_codes(answer, lambda sent: f"sign-up confirmation code for {username}")
        return answer

    def user_auth(
        self, username: str, preferred: str, password: str | None
    ) -> InitiateAuthResponseTypeDef:
        answer = super().user_auth(username, preferred, password)
        self._log_codes(answer, lambda sent: f"sign-in code for {username}")
        return answer

    def forgot_password(self, username: str) -> ForgotPasswordResponseTypeDef | None:
        answer = super().forgot_password(username)
        code = (
            answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(CODE_HEADER)
            if answer is not None
            else None
        )
        # None for an unknown user. A code is logged on the local stage only, where
        # there is no mailbox: never where logs are kept.
        if code and self._settings.stage == "local":
            logger.info("local stage: password reset code for %s: %s", username, code)
        return answer

    def update_attributes(
        self, access_token: str, attributes: dict[str, str]
    ) -> UpdateUserAttributesResponseTypeDef:
        answer = super().update_attributes(access_token, attributes)
        self._log_codes(answer, _verification_code)
        return answer

    def attribute_verification_code(
        self, access_token: str, attribute: str
    ) -> GetUserAttributeVerificationCodeResponseTypeDef:
        answer = super().attribute_verification_code(access_token, attribute)
        self._log_codes(answer, _verification_code)
        return answer

    def _log_codes(self, answer: Mapping[str, Any] | None, what: Callable[[Any], str]) -> None:
        """Logs the codes the stand-in made (devstack/stand_in_operations.py), on the
        local stage only, where there is no mailbox: never where logs are kept."""
        if answer is None or self._settings.stage != "local":
            return
        raw = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(CODES_HEADER)
        for sent in json.loads(raw) if raw else []:
            logger.info("local stage: %s: %s", what(sent), sent["code"])

    def _call(
        self,
        operation: str,
        call: Callable[[], R],
        known: ErrorMap,
        hidden: frozenset[str] = frozenset(),
    ) -> R:
        return super()._call(operation, call, {**known, **_ERRORS.get(operation, {})}, hidden)

    # --- admin ---

    def admin_create_user(
        self, username: str, attributes: Mapping[str, str], temporary_password: str | None
    ) -> AdminCreateUserResponseTypeDef:
        # AWS makes a temporary password when none is given and emails it; moto
        # makes none, and its user could never sign in. The stand-in makes one,
        # within the pool's policy, and (for want of a mailbox) logs it on the local
        # stage only.
        if temporary_password is None:
            temporary_password = f"Tmp-{secrets.token_urlsafe(12)}-9aZ"
            if self._settings.stage == "local":
                logger.info(
                    "local stage: temporary password for %s: %s", username, temporary_password
                )
        return super().admin_create_user(username, attributes, temporary_password)

    def admin_reset_user_password(self, username: str) -> None:
        # AWS emails the user a code for ConfirmForgotPassword; moto sends none. The
        # stand-in asks for one as ForgotPassword would, which the local stage logs.
        super().admin_reset_user_password(username)
        self.forgot_password(username)

    # --- mfa ---

    def respond_to_challenge(
        self,
        username: str,
        challenge_name: str,
        session: str,
        answers: dict[str, str],
        refusals: ErrorMap | None = None,
    ) -> RespondToAuthChallengeResponseTypeDef:
        answer = super().respond_to_challenge(username, challenge_name, session, answers, refusals)
        parameters = answer.get("ChallengeParameters", {})
        can_set_up = parameters.get("MFAS_CAN_SETUP")
        # The factors an MFA_SETUP can set up: moto writes the list as Python prints
        # it ("['SOFTWARE_TOKEN_MFA']"), AWS as JSON ('["SOFTWARE_TOKEN_MFA"]').
        if can_set_up is not None:
            factors = re.findall(r"[A-Z_]+", can_set_up)
            answer["ChallengeParameters"] = {**parameters, "MFAS_CAN_SETUP": json.dumps(factors)}
        return answer

    def associate_software_token(
        self, *, access_token: str | None = None, session: str | None = None
    ) -> AssociateSoftwareTokenResponseTypeDef:
        answer = super().associate_software_token(access_token=access_token, session=session)
        answer["SecretCode"] = widened_secret(answer["SecretCode"])
        return answer


# AWS's TOTP secrets are 160-bit keys (32 base32 characters).
AWS_SECRET_BYTES = 20


def widened_secret(secret: str) -> str:
    """moto's one TOTP secret as a 160-bit key that yields the same codes.

    moto hands every user the same 56-bit key, under RFC 4226's 128-bit minimum:
    pyotp (since 2.10) and strict authenticator apps refuse it. HMAC pads a key
    shorter than its block with zero bytes, so the key padded with zero bytes to
    AWS's length gives the very codes moto checks, in the form AWS answers."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    return base64.b32encode(key.ljust(AWS_SECRET_BYTES, b"\0")).decode("ascii")


def _verification_code(sent: Mapping[str, str]) -> str:
    return f"{sent['attribute']} verification code for {sent['to']}"

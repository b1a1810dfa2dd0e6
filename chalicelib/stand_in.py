"""Cognito as the local stand-in (moto) runs it: every difference from AWS that the
service has to bridge, in one place. The composition root uses this gateway when
COGNITO_DIALECT is `moto` (`make run`, the tests); AWS never sees it.

Where moto answers differently from AWS, the stand-in is made to answer as AWS
does, so that the local stack tells newcomers the truth about the deployed one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from chalicelib import errors
from chalicelib.cognito_gateway import CognitoGateway, ErrorMap

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_cognito_idp.type_defs import (
        AdminCreateUserResponseTypeDef,
        ForgotPasswordResponseTypeDef,
        SignUpResponseTypeDef,
    )

logger = logging.getLogger(__name__)

R = TypeVar("R")

# moto makes reset codes of this shape, checks only codes of this shape, and accepts
# any other code, which would let anyone reset any password on the local stack.
CODE_PREFIX = "moto-confirmation-code:"
# ...and hands the code it made back in this response header, for want of a mailbox.
CODE_HEADER = "x-moto-forgot-password-confirmation-code"

# Error codes moto uses where AWS uses others: ResourceNotFoundException (from AWS, a
# misconfigured pool) for an unknown user or session, and ExpiredCodeException for
# every wrong reset code (moto never expires one).
_ERRORS: dict[str, ErrorMap] = {
    "ConfirmForgotPassword": {
        "ResourceNotFoundException": errors.InvalidCode,
        "ExpiredCodeException": errors.InvalidCode,
    },
    "RespondToAuthChallenge": {"ResourceNotFoundException": errors.SessionExpired},
    # moto's paginator refuses a token it did not make with its own error code.
    "ListUsers": {"InvalidToken": errors.InvalidPaginationToken},
}


class StandInGateway(CognitoGateway):
    def _hashed_name(self, username: str, known: ErrorMap) -> str:
        # moto checks SECRET_HASH on refresh over the name typed at sign-in, not
        # the internal one.
        return username

    def sign_up(
        self, username: str, password: str, attributes: dict[str, str]
    ) -> SignUpResponseTypeDef:
        answer = super().sign_up(username, password, attributes)
        # moto names a fixed masked phone number; AWS names the masked email the
        # code went to.
        answer["CodeDeliveryDetails"] = {
            "Destination": masked_email(attributes["email"]),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
        return answer

    def confirm_sign_up(self, username: str, code: str) -> None:
        # moto confirms a confirmed user again with a 200; AWS refuses ("User cannot
        # be confirmed. Current status is CONFIRMED").
        user = self._admin_get_user(username, {"UserNotFoundException": errors.InvalidCode})
        if user["UserStatus"] == "CONFIRMED":
            raise errors.UserAlreadyConfirmed()
        super().confirm_sign_up(username, code)

    def resend_confirmation_code(self, username: str) -> None:
        # moto has no ResendConfirmationCode (its server answers 500), and it
        # accepts any sign-up code anyway.
        logger.info("stand-in: no code resent; any code confirms a sign-up")

    def forgot_password(self, username: str) -> ForgotPasswordResponseTypeDef | None:
        answer = super().forgot_password(username)
        code = (
            answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(CODE_HEADER)
            if answer is not None
            else None
        )
        # For an unknown user moto still sends the header, saying "None". A code is
        # logged on the local stage only, where there is no mailbox: never where
        # logs are kept.
        if code and code.startswith(CODE_PREFIX) and self._settings.stage == "local":
            logger.info("local stage: password reset code for %s: %s", username, code)
        return answer

    def confirm_forgot_password(self, username: str, code: str, password: str) -> None:
        if not code.startswith(CODE_PREFIX):
            raise errors.InvalidCode()
        super().confirm_forgot_password(username, code, password)

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


def masked_email(email: str) -> str:
    """An address as Cognito masks it in CodeDeliveryDetails: the first character of
    the name and of the domain, and the top-level domain (a***@e***.com)."""
    name, _, domain = email.partition("@")
    host, dot, top = domain.rpartition(".")
    if not host:
        host, dot, top = domain, "", ""
    return f"{name[:1]}***@{host[:1]}***{dot}{top}"

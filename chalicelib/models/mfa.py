"""The authenticator app and MFA preferences (chalicelib/routes/mfa.py, and the
login-time setup in chalicelib/routes/session.py)."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import msgspec

from chalicelib.models.fields import Session, Username
from chalicelib.validation import RequestModel, Rule

# Cognito's UserCode: exactly six digits (VerifySoftwareToken, the TOTP challenge).
TotpCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6), Rule(r"^[0-9]{6}$")]
# A name for the user's own eyes (FriendlyDeviceName), shown in the login challenge.
DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
# What POST /user/mfa sets, in Amplify's words (updateMFAPreference): `enabled` asks
# for a code at every login, `preferred` also makes it the factor Cognito picks when
# the user has several.
TotpPreference = Literal["preferred", "enabled", "disabled"]


class TotpVerifyRequest(RequestModel, frozen=True):
    code: TotpCode
    device_name: DeviceName | None = None


class LoginTotpSetupRequest(RequestModel, frozen=True):
    username: Username
    session: Session


class LoginTotpVerifyRequest(RequestModel, frozen=True):
    username: Username
    session: Session
    code: TotpCode
    device_name: DeviceName | None = None


class MfaPreferenceRequest(RequestModel, frozen=True):
    totp: TotpPreference


class TotpSetup(TypedDict):
    secret: Annotated[str, msgspec.Meta(description="The app's key, base32, for typing in by hand")]
    uri: Annotated[
        str,
        msgspec.Meta(
            description="otpauth://totp/<issuer>:<email>?secret=...&issuer=<issuer>, "
            "for apps that take a link"
        ),
    ]
    qr_svg: Annotated[str, msgspec.Meta(description="The URI as a QR code, an SVG document")]


class LoginTotpSetup(TotpSetup):
    session: Annotated[str, msgspec.Meta(description="Send it to /login/mfa/totp/verify")]


class MfaPreference(TypedDict):
    totp: TotpPreference


class MfaSettings(TypedDict):
    enabled: Annotated[
        list[str],
        msgspec.Meta(description="The factors Cognito asks for at login (SOFTWARE_TOKEN_MFA)"),
    ]
    preferred: Annotated[
        str | None, msgspec.Meta(description="The factor Cognito picks among several, if any")
    ]
    totp: Annotated[TotpPreference, msgspec.Meta(description="As POST /user/mfa sets it")]

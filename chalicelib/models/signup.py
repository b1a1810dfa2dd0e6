"""Signing up and resetting a password (chalicelib/routes/signup.py)."""

from __future__ import annotations

from typing import Annotated, TypedDict

import msgspec

from chalicelib.models.fields import Code, Email, Name, NewPassword, SignUpUsername, Username
from chalicelib.validation import RequestModel


class SignUpRequest(RequestModel, frozen=True):
    username: SignUpUsername
    password: NewPassword
    email: Email | None = None
    name: Name | None = None


class ConfirmSignUpRequest(RequestModel, frozen=True):
    username: Username
    code: Code


class UsernameRequest(RequestModel, frozen=True):
    username: Username


class ConfirmForgotPasswordRequest(RequestModel, frozen=True):
    username: Username
    code: Code
    password: NewPassword


class SignUpResult(TypedDict):
    user_confirmed: bool
    destination: Annotated[
        str | None, msgspec.Meta(description="Where the code went, masked (a***@e***.com)")
    ]

"""Authenticator-app codes as the user's app computes them (pyotp), for the tests."""

from __future__ import annotations

import time

import pyotp

# moto accepts a code during its own 30-second step only (AWS allows some clock
# drift): a code is taken from a step with at least this long left, so that it is
# still the current one when the stand-in checks it.
MARGIN_SECONDS = 2.0


def app_code(secret: str, margin: float = MARGIN_SECONDS) -> str:
    """The code the app shows now, as an authenticator app computes it, from a step
    with at least `margin` seconds left (longer for a code typed into a page)."""
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left)
    return totp.now()


def wrong_code(secret: str) -> str:
    """Six digits that are not the app's code now."""
    return f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"

"""Keeps Chalice's local API Gateway from crashing on a malformed Authorization header.

`chalice local` and chalice.test.Client decode the payload of any token sent to a
route with a CognitoUserPoolAuthorizer before the app runs, and a header that is
not a JWT raises inside Chalice (a 500; chalice issues #1479, #1976). Here a payload
that does not decode counts as no claims, the request reaches the app, and the app's
own verification answers the gateway's 401. Lambda packages carry only chalice.app,
so there this is a no-op.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any


def harden() -> None:
    try:
        from chalice.local import LocalGatewayAuthorizer
    except ImportError:
        return
    decode = LocalGatewayAuthorizer._decode_jwt_payload
    if getattr(decode, "hardened", False):
        return

    @functools.wraps(decode)
    def tolerant_decode(self: Any, jwt: str) -> dict[str, Any]:
        try:
            claims = decode(self, jwt)
        except (ValueError, IndexError, TypeError, RecursionError):
            return {}
        return claims if isinstance(claims, dict) else {}

    tolerant_decode.hardened = True  # type: ignore[attr-defined]
    # Chalice then warns on every request that it admits all of them; untrue here.
    warnings.filterwarnings("ignore", message="CognitoUserPoolAuthorizer", category=UserWarning)
    LocalGatewayAuthorizer._decode_jwt_payload = tolerant_decode  # type: ignore[method-assign]

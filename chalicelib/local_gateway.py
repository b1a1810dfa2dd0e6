"""Two repairs to Chalice's local API Gateway (`chalice local`).

`chalice local` and chalice.test.Client decode the payload of any token sent to a
route with a CognitoUserPoolAuthorizer before the app runs, and a header that is
not a JWT raises inside Chalice (a 500; chalice issues #1479, #1976). Here a payload
that does not decode counts as no claims, the request reaches the app, and the app's
own verification answers the gateway's 401.

`chalice local`'s server listens with http.server's accept queue of 5: a burst of
more connections stalls a second on SYN retransmits, and some are reset. It gets
the queue servers usually have.

Lambda packages carry only chalice.app, so there this is a no-op.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

LISTEN_BACKLOG = 128


def harden() -> None:
    try:
        from chalice.local import LocalGatewayAuthorizer, ThreadedHTTPServer
    except ImportError:
        return
    # `chalice local` imports the app before it builds its server from this class.
    ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
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

"""Two repairs to Chalice's local API Gateway (`chalice local`).

`chalice local` and chalice.test.Client decode the payload of any token sent to a
route with a CognitoUserPoolAuthorizer before the app runs, and a header that is
not a JWT raises inside Chalice (a 500; chalice issues #1479, #1976). Here a payload
that does not decode counts as no claims, the request reaches the app, and the app's
own verification answers the gateway's 401.

`chalice local` answers some requests itself, as API Gateway does (403 for a
path it does not know): those answers carry the CORS headers the packaged template
gives API Gateway's gateway responses, for the origins the settings allow, and the
body its DEFAULT_4XX response writes (the envelope, code `request_refused`).

API Gateway hands path parameters to the function URL-decoded
(`/admin/users/ada%40example.com` gives `ada@example.com`); `chalice local` hands
them over as sent. Here they are decoded as API Gateway does.

`chalice local`'s server listens with http.server's accept queue of 5: a burst of
more connections stalls a second on SYN retransmits, and some are reset. It gets
the queue servers usually have.

Lambda packages carry only chalice.app, so there this is a no-op.
"""

from __future__ import annotations

import functools
import json
import warnings
from typing import Any
from urllib.parse import unquote

from chalicelib.cors import answer_headers, with_vary_origin
from chalicelib.errors import REQUEST_REFUSED
from chalicelib.responses import error_envelope

LISTEN_BACKLOG = 128


def harden() -> None:
    try:
        from chalice.local import (
            LocalGateway,
            LocalGatewayAuthorizer,
            LocalGatewayException,
            RouteMatcher,
            ThreadedHTTPServer,
        )
    except ImportError:
        return
    # `chalice local` imports the app before it builds its server from this class.
    ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    decode = LocalGatewayAuthorizer._decode_jwt_payload
    if getattr(decode, "hardened", False):
        return
    handle_request = LocalGateway.handle_request

    @functools.wraps(handle_request)
    def handle_request_with_cors(self: Any, method: str, path: str, headers: Any, body: Any) -> Any:
        try:
            return handle_request(self, method, path, headers, body)
        except LocalGatewayException as error:
            origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
            error.headers.update(answer_headers(origin))
            error.headers["Vary"] = with_vary_origin(error.headers)
            if 400 <= error.CODE < 500 and error.CODE != 401:
                error.body = _as_default_4xx(error.body)
                error.headers["Content-Type"] = "application/json"
            raise

    LocalGateway.handle_request = handle_request_with_cors  # type: ignore[method-assign]

    match_route = RouteMatcher.match_route

    @functools.wraps(match_route)
    def match_route_decoded(self: Any, url: str) -> Any:
        match = match_route(self, url)
        return match._replace(
            captured={name: unquote(value) for name, value in match.captured.items()}
        )

    RouteMatcher.match_route = match_route_decoded  # type: ignore[method-assign]

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


def _as_default_4xx(body: bytes | None) -> bytes:
    """chalice local's own refusal as the template's DEFAULT_4XX gateway response
    renders it (deploy/template.json): its message in the envelope."""
    try:
        original = json.loads(body or b"{}")
    except ValueError:
        original = None
    if not isinstance(original, dict):
        original = {}
    message = original.get("message") or original.get("Message") or "Forbidden"
    return json.dumps(error_envelope(message, REQUEST_REFUSED), separators=(",", ":")).encode()

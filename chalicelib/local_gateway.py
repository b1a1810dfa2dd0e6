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

`chalice local` reads a body by `int(Content-Length)`: `abc` raised (a traceback,
no answer), a terabyte raised MemoryError, 2 GB reserved 2 GB and waited for it,
and a `Transfer-Encoding: chunked` body was read as the next request. Here a
request is answered before its body is read: 400 for a Content-Length that is not
one number of bytes, 413 for one over API Gateway's 10 MB payload limit, 411 for
any Transfer-Encoding (API Gateway documents nothing for chunked request bodies:
411 tells a client exactly what to send instead), each with `Connection: close`.

It also answers as the template's AWS WAF does: an address over a rate rule on the
credential routes (chalicelib/rate_limits.py) gets WAF's 429, counted per socket
peer address before the app runs. LOCAL_RATE_LIMITS=off lifts the rules (the test
suite's stacks sign in hundreds of times from 127.0.0.1); `make run` keeps them.

Lambda packages carry only chalice.app, so there this is a no-op.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Mapping
from email.message import Message
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from chalicelib import rate_limits
from chalicelib.cors import answer_headers, with_vary_origin
from chalicelib.errors import REQUEST_REFUSED
from chalicelib.responses import compact_error_envelope

LISTEN_BACKLOG = 128
# API Gateway's payload quota for REST APIs; the app's own limit is lower
# (validation.MAX_BODY_BYTES) and answered by the app, once the body is read.
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024
RATE_LIMITS = "LOCAL_RATE_LIMITS"


class Refusal(NamedTuple):
    status: int
    message: str


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
    _guard_requests(limiter(os.environ))
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


def limiter(environ: Mapping[str, str]) -> rate_limits.SlidingWindowLimiter | None:
    """The WAF emulation `chalice local` runs with: the template's defaults, or none
    with LOCAL_RATE_LIMITS=off."""
    setting = environ.get(RATE_LIMITS, "on")
    if setting not in ("on", "off"):
        raise ValueError(f"{RATE_LIMITS} must be on or off, not {setting!r}")
    return rate_limits.SlidingWindowLimiter() if setting == "on" else None


def announced_length(headers: Message) -> int | Refusal:
    """The body's length as the request announces it, or the refusal of a request
    whose body cannot be read safely (it never is: the answer closes the connection)."""
    if headers.get("Transfer-Encoding") is not None:
        return Refusal(411, "Send the body with a Content-Length, not a Transfer-Encoding")
    values = {value.strip() for value in headers.get_all("Content-Length", [])}
    if not values:
        return 0
    value = values.pop()
    # int() would take "+5", " 5", "1_0" and other digits than ASCII ones.
    if values or not (value.isascii() and value.isdigit()):
        return Refusal(400, "Content-Length is not a number of bytes")
    digits = value.lstrip("0") or "0"
    if len(digits) > len(str(GATEWAY_MAX_BODY_BYTES)) or int(digits) > GATEWAY_MAX_BODY_BYTES:
        return Refusal(413, "Request Too Long")
    return int(digits)


def _guard_requests(limits: rate_limits.SlidingWindowLimiter | None) -> None:
    """chalice local's request handler answers a body it cannot read and a client
    over a rate rule itself; every other request goes on as before."""
    from chalice.local import ChaliceRequestHandler

    handle = ChaliceRequestHandler._generic_handle

    def send(self: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
        origin = self.headers.get("Origin")
        headers = {"Content-Type": "application/json", **headers, **answer_headers(origin)}
        headers["Vary"] = with_vary_origin(headers)
        self._send_http_response(status, headers, body)

    @functools.wraps(handle)
    def guarded_handle(self: Any) -> None:
        length = announced_length(self.headers)
        if isinstance(length, Refusal):
            body = compact_error_envelope(length.message, REQUEST_REFUSED)
            # The body is left unread: nothing after it on this connection is a request.
            send(self, length.status, body, {"Connection": "close"})
            return
        path = urlsplit(self.path).path
        if limits is not None and not limits.admits(self.client_address[0], self.command, path):
            # Read and dropped, so the connection can carry the client's next request.
            self.rfile.read(length)
            send(self, 429, rate_limits.BLOCKED_BODY, {"Retry-After": rate_limits.RETRY_AFTER})
            return
        handle(self)

    # Its do_* are the original _generic_handle itself, bound when the class was made.
    for method in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
        setattr(ChaliceRequestHandler, f"do_{method}", guarded_handle)


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
    return compact_error_envelope(message, REQUEST_REFUSED)

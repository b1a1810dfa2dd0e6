"""The response envelope, and the one place that maps errors to HTTP responses."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import msgspec
from chalice.app import Request, Response

from chalicelib import logs
from chalicelib.errors import (
    CHALICE_CODES,
    REQUEST_REFUSED,
    ApiError,
    GatewayUnauthorized,
    ServiceUnavailable,
)
from chalicelib.services import services

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


def envelope(message: str | None, *, error: bool, data: Any = None) -> dict[str, Any]:
    return {"message": message, "error": error, "success": not error, "data": data}


def error_envelope(message: str, code: str) -> dict[str, Any]:
    """An error answer: the original design's four keys, and the `code` clients match."""
    return {**envelope(message, error=True), "code": code}


def compact_error_envelope(message: str, code: str) -> bytes:
    """The error envelope as the template's gateway and WAF responses write it, with
    no spaces: the answers made outside the app (chalice local's, WAF's)."""
    return json.dumps(error_envelope(message, code), separators=(",", ":")).encode()


def success(data: Any, message: str | None = "success", status_code: int = 200) -> Response:
    body = envelope(message, error=False, data=data)
    text = _json_text(body)
    return Response(
        body=body if text is None else text,
        status_code=status_code,
        headers=dict(JSON_HEADERS),
    )


_ENCODER = msgspec.json.Encoder()
# Deeper than any answer of ours (an admin's user page nests five levels).
_MAX_DEPTH = 32
# Exactly these types (no subclass: an IntEnum, a str subclass) write alike.
_SCALARS = frozenset({str, int, bool, type(None)})


def _json_text(body: dict[str, Any]) -> str | None:
    """`body` as the very text Chalice's Response.to_dict makes of it (json.dumps,
    compact separators, ASCII escapes), made by msgspec: Python's ASCII escaping
    costs about 10 us for a login's tokens, msgspec's one pass well under 2 us. None
    wherever the two could differ, and Chalice encodes the dict as before: a type
    other than dict with str keys, list, str, int, bool and None (floats, Decimal,
    subclasses, ...), deeper nesting, or a character outside printable ASCII (json
    escapes it as \\uXXXX, msgspec writes it as UTF-8; DEL is printable to msgspec
    only). For printable ASCII, control characters and integers the two write the
    same text (tests/unit/test_responses.py checks every ASCII character)."""
    if not _plain(body, 0):
        return None
    try:
        # Decoding as ASCII is the check that no other character is in it.
        text = _ENCODER.encode(body).decode("ascii")
    except (TypeError, ValueError, OverflowError):  # Unicode{En,De}codeError included
        return None
    return None if "\x7f" in text else text


def _plain(value: Any, depth: int) -> bool:
    # Loops, not all() over generators: this walk runs on every answer.
    kind = type(value)
    if kind in _SCALARS:
        return True
    if depth >= _MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _plain(item, depth + 1)):
                return False
        return True
    if kind is list:
        for item in value:
            if type(item) not in _SCALARS and not _plain(item, depth + 1):
                return False
        return True
    return False


def error_response(err: ApiError) -> Response:
    if isinstance(err, GatewayUnauthorized):
        # Byte for byte what API Gateway's Cognito authorizer sends.
        body: Any = json.dumps({"message": err.message}, separators=(",", ":"))
    else:
        body = error_envelope(err.message, err.code)
    return Response(body=body, status_code=err.status_code, headers={**JSON_HEADERS, **err.headers})


def handle_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: every ApiError becomes its response, and Chalice's own error
    bodies ({"Code", "Message"}: 405, 415, and the 500 for anything unexpected, which
    Chalice has already logged with its traceback) become envelopes. A 500 says
    nothing about its cause. Every log line of the request carries its id, and so
    does the response (X-Request-Id)."""
    context = getattr(event, "lambda_context", None)
    current = getattr(context, "aws_request_id", None) or event.context.get("requestId")
    token = logs.request_id.set(current)
    try:
        response = _respond(event, get_response)
    finally:
        logs.request_id.reset(token)
    if current:
        response.headers["X-Request-Id"] = str(current)
    return response


def _respond(event: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        response = get_response(event)
    except ServiceUnavailable as err:
        services.outage_log().warning(f"answering 503: {err.__cause__ or err}")
        return error_response(ServiceUnavailable())
    except ApiError as err:
        return error_response(err)
    except Exception:
        # Raised outside any view (a middleware): Chalice would answer its own 500
        # body, without the envelope or the request id.
        logger.exception("answering 500: unexpected error")
        return _envelope_of_status(HTTPStatus.INTERNAL_SERVER_ERROR, JSON_HEADERS)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        return _envelope_of_status(HTTPStatus(response.status_code), response.headers)
    return response


def _envelope_of_status(status: HTTPStatus, headers: Mapping[str, str | list[str]]) -> Response:
    # The status's own phrase: Chalice's messages echo request headers back.
    code = CHALICE_CODES.get(status.value, REQUEST_REFUSED if status < 500 else ApiError.code)
    return Response(
        body=error_envelope(status.phrase, code),
        status_code=status.value,
        headers={**headers, **JSON_HEADERS},
    )

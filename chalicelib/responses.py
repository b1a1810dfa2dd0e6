"""The response envelope, and the one place that maps errors to HTTP responses."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

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


def success(data: Any, message: str | None = "success", status_code: int = 200) -> Response:
    return Response(
        body=envelope(message, error=False, data=data),
        status_code=status_code,
        headers=dict(JSON_HEADERS),
    )


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

"""One cold start, in a fresh interpreter: import an app (ours, or the floor) as a
Lambda package holds it, serve one POST /login through its Lambda handler, print
the system-wide monotonic clock, and exit. Run by bench.cold_start."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


class _Context:
    aws_request_id = "cold-start"
    function_name = "cold-start"


def _event(body: dict[str, str]) -> dict[str, Any]:
    """An API Gateway REST proxy event, as Lambda hands the handler."""
    return {
        "resource": "/login",
        "path": "/login",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/login",
            "httpMethod": "POST",
            "path": "/api/login",
            "stage": "api",
            "requestId": "cold-start",
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def main(kind: str, username: str, password: str) -> None:
    # A Lambda package holds chalice.app only; chalice.local is not there.
    sys.modules["chalice.local"] = None  # type: ignore[assignment]
    if kind == "floor":
        from bench.floor_app import app
    else:
        from app import app
    response = app(_event({"username": username, "password": password}), _Context())
    done = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    if response["statusCode"] != 200:
        raise SystemExit(f"{kind}: /login answered {response['statusCode']}: {response['body']}")
    print(done)


if __name__ == "__main__":
    main(*sys.argv[1:4])

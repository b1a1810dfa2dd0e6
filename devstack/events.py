"""API Gateway REST API proxy events, as Lambda hands them to the function.

Standard library only: the bench's cold-start child and the packaged-zip test may
import nothing else before they call the handler.
"""

from __future__ import annotations

import json
import uuid
from typing import Any


def proxy_event(
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    claims: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A proxy event for `method path` with a JSON body; `claims` is what the gateway's
    Cognito authorizer would put in requestContext.authorizer.claims."""
    context: dict[str, Any] = {
        "resourcePath": path,
        "httpMethod": method,
        "path": f"/api{path}",
        "stage": "api",
        "requestId": request_id or str(uuid.uuid4()),
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }

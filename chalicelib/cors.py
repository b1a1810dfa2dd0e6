"""CORS for browser pages on the origins in CORS_ALLOW_ORIGINS, and no other.

Chalice's CORSConfig names one origin, so the app answers CORS itself: every path
has an OPTIONS route (`preflight`, no authorizer), deployed and locally, and one
middleware, outermost, adds the headers to every answer for an allowed origin,
errors included. API Gateway's own answers (its 401s, throttling, unknown routes)
get theirs from the template's gateway responses; `chalice local`'s own, from
local_gateway.

Tokens travel in the Authorization header, never in cookies, so credentialed
requests are not allowed (no Access-Control-Allow-Credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chalice.app import Request, Response, RouteEntry

from chalicelib.services import services
from chalicelib.settings import ConfigurationError

ALLOWED_HEADERS = "Authorization,Content-Type,Cache-Control"
# The headers a page reads besides the CORS-safelisted ones.
EXPOSED_HEADERS = "X-Request-Id,Retry-After"
# Chromium caps a cached preflight at two hours; Firefox would keep it a day.
MAX_AGE_SECONDS = 7200

Middleware = Callable[[Request, Callable[[Request], Response]], Response]


def allowed_origins() -> frozenset[str]:
    try:
        return services.settings().cors_allow_origins
    except ConfigurationError:
        # The answer is already the 503 that names no setting; without settings no
        # origin is known to be allowed.
        return frozenset()


def answer_headers(origin: str | None) -> dict[str, str]:
    """The CORS headers of an answer (not a preflight's) to a request from `origin`."""
    if origin is None or origin not in allowed_origins():
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS}


def preflight_headers(origin: str | None, methods: list[str]) -> dict[str, str]:
    if origin is None or origin not in allowed_origins():
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ",".join(methods),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
    }


def with_vary_origin(headers: Mapping[str, str]) -> str:
    """Vary with Origin added: answers differ by origin, so no cache may share them."""
    vary = ""
    for name, value in headers.items():
        if name.lower() == "vary":
            vary = value
            break
    if vary == "":
        # No answer of ours sets Vary itself: nothing to merge with.
        return "Origin"
    fields = [field.strip() for field in vary.split(",") if field.strip()]
    if "origin" not in {field.lower() for field in fields}:
        fields.append("Origin")
    return ", ".join(fields)


def cors(routes: Mapping[str, Mapping[str, RouteEntry]]) -> Middleware:
    """HTTP middleware, registered outermost: whatever the answer, it carries the
    CORS headers an allowed origin needs, and `Vary: Origin`."""

    def middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
        response = get_response(event)
        origin = event.headers.get("origin")
        if event.method == "OPTIONS":
            path = event.context.get("resourcePath", "")
            methods = sorted(set(routes.get(path, {})) - {"OPTIONS"})
            headers = preflight_headers(origin, methods)
        else:
            headers = answer_headers(origin)
        response.headers.update(headers)
        response.headers["Vary"] = with_vary_origin(response.headers)  # type: ignore[arg-type]
        return response

    return middleware


def preflight(**_path_parameters: str) -> Response:
    """A CORS preflight: the cors middleware adds what the origin is allowed."""
    return Response(body="", status_code=204)

"""Verifies the token of every request to a route guarded by a
CognitoUserPoolAuthorizer, as API Gateway does, before the view runs.

Chalice's local gateway admits any token on such a route, so without this a view
could act on forged claims under `chalice local` or chalice.test.Client. Deployed,
API Gateway has checked the token already and this checks it again
(docs/security.md, "Token verification").
The verified claims replace whatever the gateway put in the request context, so a
view reads them from one place: `claims(request)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import CognitoUserPoolAuthorizer, Request, Response, RouteEntry

from chalicelib import errors
from chalicelib.services import services
from chalicelib.token_verification import Claims, Refused, TokenUse

Middleware = Callable[[Request, Callable[[Request], Response]], Response]

logger = logging.getLogger(__name__)


def cognito_guard(routes: Mapping[str, Mapping[str, RouteEntry]]) -> Middleware:
    def guard(event: Request, get_response: Callable[[Request], Response]) -> Response:
        entry = routes.get(event.context.get("resourcePath", ""), {}).get(event.method)
        authorizer = entry.authorizer if entry is not None else None
        if isinstance(authorizer, CognitoUserPoolAuthorizer):
            # With scopes, the gateway admits access tokens carrying one of them;
            # without, id tokens only.
            scopes = tuple(authorizer.scopes or ())
            token_use: TokenUse = "access" if scopes else "id"
            # Whitespace around a header's value is not part of it (RFC 9110, 5.5):
            # most HTTP servers drop it before the app sees it, not all of them.
            token = (event.headers.get("authorization") or "").strip(" \t")
            event.context["authorizer"] = {
                "claims": authenticate(token, token_use, scopes),
                "token": token,
            }
        return get_response(event)

    return guard


def authenticate(token: str, token_use: TokenUse, scopes: tuple[str, ...]) -> Claims:
    """The verified claims of the raw JWT from the Authorization header, as API
    Gateway reads it; the gateway's own 401 otherwise, with the reason in the log (an
    operator facing "401 for everyone" reads there which check refused them)."""
    try:
        if not token:
            raise Refused("missing")
        return services.verifier().verify(token, token_use, scopes)
    except errors.GatewayUnauthorized as refused:
        logger.info("token refused: %s", refused.reason)
        raise


def claims(request: Request) -> Claims:
    """The verified claims of a guarded route's caller."""
    verified: dict[str, Any] = request.context["authorizer"]["claims"]
    return verified


def verified_token(request: Request) -> str:
    """The very token whose claims were verified: what a view may hand to Cognito."""
    verified: str = request.context["authorizer"]["token"]
    return verified

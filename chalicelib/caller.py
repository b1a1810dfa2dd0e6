"""Who is calling, for the Cognito calls a request makes: the source IP address.

Behind Lambda, Cognito sees Lambda's address, not the user's, so its threat
protection (and its sign-in logs) would see every user at one address. The gateway
hands Cognito the caller's address as UserContextData on each sign-in call instead;
the app client's EnablePropagateAdditionalUserContextData lets Cognito use it.

A request-scoped context variable, set for each request by the middleware below and
reset after it, carries the address from the request to the gateway: the address is
a property of the request, not of what a route asks for, and threading it through
every view and gateway method would change fifteen signatures for one value. Outside
a request (the CLI, the bench) it is None, and the gateway sends no UserContextData.
A ContextVar rather than a thread-local: each thread of `chalice local` starts with
the default, and `reset` restores exactly what the request found.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from chalice.app import Request, Response

source_ip: ContextVar[str | None] = ContextVar("source_ip", default=None)


def remember_source_ip(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: API Gateway's `requestContext.identity.sourceIp` (chalice
    local fills it as well) is the caller's address while the request runs."""
    identity = event.context.get("identity") or {}
    token = source_ip.set(identity.get("sourceIp") or None)
    try:
        return get_response(event)
    finally:
        source_ip.reset(token)

"""One Chalice Blueprint per concern. app.py registers each without a name prefix, so
that a view's name stays its OpenAPI operation id."""

from __future__ import annotations

from chalice.app import Blueprint, Request

from chalicelib.guard import claims, verified_token
from chalicelib.token_verification import Claims
from chalicelib.validation import body_parser, query_parser


class Routes(Blueprint):
    """A concern's Blueprint, and what its views read of the request: `accepts(Model)`
    and `takes_query(Model)` parse the body and the query string into the view's
    first argument; `claims()` and `access_token()` are what cognito_guard verified."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.accepts = body_parser(self.request)
        self.takes_query = query_parser(self.request)

    def request(self) -> Request:
        return self.current_request

    def claims(self) -> Claims:
        return claims(self.request())

    def access_token(self) -> str:
        """The access token that cognito_guard has verified."""
        return verified_token(self.request())

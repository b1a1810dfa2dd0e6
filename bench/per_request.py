"""Row 2: per-request cost in-process. Our routes through the Lambda entry point, as
Lambda calls it (`app(event, context)` with an API Gateway proxy event), against
moto's in-process Cognito, against the bare boto3 calls those routes make, on the
very client our gateway uses (so botocore's configuration is identical), in the
same process. Second lines: the same routes through chalice.test.Client (its local
gateway builds the event, then calls the same entry point), and the original
tutorial's handlers (bench.tutorial_app: a new client per request) through it.

Method: bench.report.median_per_call (rounds of batches, rotated order, median).
The events are built once, as Lambda hands them over built.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from bench.report import Row, median_per_call
from bench.service import ADMIN, PASSWORD, USERNAME, in_process
from chalicelib.cognito_gateway import secret_hash
from chalicelib.services import services
from devstack.events import proxy_event

SECTION = "2. per request (in-process)"
GOAL = 1.05


class _Context:
    """The attributes of Lambda's context object that the service reads."""

    aws_request_id = "per-request"
    function_name = "per-request"


def _claims(token: str) -> dict[str, Any]:
    """What API Gateway's Cognito authorizer puts in the event (unverified here: the
    service verifies the token itself)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return claims


def measure(rounds: int, batch: int) -> list[Row]:
    from app import app
    from bench import tutorial_app

    with in_process() as service:
        http, pool = service.http, service.pool
        tutorial = service.app_client(tutorial_app.app)
        client = services.cognito_client()
        tokens = service.tokens()
        own = {"Authorization": tokens["id_token"]}
        login = {"username": USERNAME, "password": PASSWORD}
        renew = {"username": USERNAME, "refresh_token": tokens["refresh_token"]}
        admin = {"Authorization": service.tokens(ADMIN)["id_token"]}

        def ok(answer: tuple[int, object]) -> None:
            if answer[0] != 200:
                raise RuntimeError(f"bench request failed: {answer}")

        def handler(
            path: str, body: Any, headers: dict[str, str] | None = None
        ) -> Callable[[], None]:
            event = proxy_event(
                path,
                body,
                headers,
                claims=_claims(headers["Authorization"]) if headers else None,
                request_id="per-request",
            )
            context = _Context()

            def call() -> None:
                response = app(event, context)
                ok((response["statusCode"], response["body"]))

            return call

        no_cache = {**own, "Cache-Control": "no-cache"}

        def bare_login() -> None:
            client.initiate_auth(
                ClientId=pool.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": USERNAME,
                    "PASSWORD": PASSWORD,
                    "SECRET_HASH": secret_hash(USERNAME, pool.client_id, pool.client_secret),
                },
            )

        def bare_renew() -> None:
            client.get_tokens_from_refresh_token(
                RefreshToken=tokens["refresh_token"],
                ClientId=pool.client_id,
                ClientSecret=pool.client_secret,
            )

        def bare_admin_get_user() -> None:
            client.admin_get_user(UserPoolId=pool.user_pool_id, Username=USERNAME)

        def bare_admin_read() -> None:
            # The admin read asks the pool for the caller's groups first.
            client.admin_list_groups_for_user(UserPoolId=pool.user_pool_id, Username=USERNAME)
            client.admin_get_user(UserPoolId=pool.user_pool_id, Username=USERNAME)

        times = median_per_call(
            {
                "login": handler("/login", login),
                "renew": handler("/user/renew_refresh_token", renew),
                "profile": handler("/user/test-user", {}, own),
                "profile no-cache": handler("/user/test-user", {}, no_cache),
                "profile admin": handler("/user/test-user", {"username": USERNAME}, admin),
                "client login": lambda: ok(http.post("/login", login)),
                "bare login": bare_login,
                "tutorial login": lambda: ok(tutorial.post("/login", login)),
                "client renew": lambda: ok(http.post("/user/renew_refresh_token", renew)),
                "bare renew": bare_renew,
                "tutorial renew": lambda: ok(tutorial.post("/user/renew_refresh_token", renew)),
                "client profile": lambda: ok(http.post("/user/test-user", {}, own)),
                "client profile no-cache": lambda: ok(http.post("/user/test-user", {}, no_cache)),
                "client profile admin": lambda: ok(
                    http.post("/user/test-user", {"username": USERNAME}, admin)
                ),
                "bare AdminGetUser": bare_admin_get_user,
                "bare admin read": bare_admin_read,
                "tutorial profile": lambda: ok(
                    tutorial.post("/user/test-user", {"username": USERNAME}, own)
                ),
            },
            rounds,
            batch,
        )

    def row(name: str, ours: str, baseline: str, label: str, goal: float | None) -> Row:
        return Row(SECTION, name, times[ours] * 1e6, times[baseline] * 1e6, "us", label, goal)

    bare_get = "bare AdminGetUser (one client)"
    routes = [
        ("/login", "login", "bare login", "bare InitiateAuth (one client)"),
        (
            "/user/renew_refresh_token",
            "renew",
            "bare renew",
            "bare GetTokensFromRefreshToken (one client)",
        ),
        ("/user/test-user, own (from the id token)", "profile", "bare AdminGetUser", bare_get),
        ("/user/test-user, own, no-cache", "profile no-cache", "bare AdminGetUser", bare_get),
        (
            "/user/test-user, admin reads another",
            "profile admin",
            "bare admin read",
            "bare AdminListGroupsForUser + AdminGetUser (one client)",
        ),
    ]
    rows = [
        row(f"{name}, Lambda handler", ours, bare, label, GOAL)
        for name, ours, bare, label in routes
    ]
    rows += [
        row(f"{name}, chalice.test.Client", f"client {ours}", bare, label, None)
        for name, ours, bare, label in routes
    ]
    per_request_client = "tutorial handler, client per request (chalice.test.Client)"
    rows += [
        row(
            f"{name}, chalice.test.Client (vs the tutorial)",
            f"client {ours}",
            f"tutorial {ours}",
            per_request_client,
            None,
        )
        for name, ours, _, _ in routes[:3]
    ]
    return rows

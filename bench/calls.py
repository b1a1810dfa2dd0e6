"""Row 4: Cognito API calls per request, for every route, counted with botocore's
event hooks on the gateway's own client (every call the service makes goes through
it), against moto in-process. Each route is called twice: the first request, then the
same request again (steady state: what caches save shows there).

Counted in both dialects: `moto` (the local stack's) and `aws` (deployed), where
challenge answers resolve the internal name with AdminGetUser, kept ten minutes.
moto has no ResendConfirmationCode: in the aws dialect that one call is answered by
botocore's Stubber instead, and counted the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.stub import Stubber

from bench.report import Row
from bench.service import ADMIN, PASSWORD, USERNAME, Service, in_process
from chalicelib.cognito_gateway import secret_hash
from chalicelib.services import services
from chalicelib.stand_in import CODE_HEADER, CODES_HEADER

SECTION = "4. Cognito calls per request"
# The original tutorial made one Cognito call in each of its handlers.
TUTORIAL_CALLS = 1
NEW_PASSWORD = "Changed-Passw0rd!"


@contextmanager
def _counting(client: Any) -> Iterator[list[str]]:
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    # before-parameter-build reaches every handler (before-call stops at the first
    # that answers, as Stubber's does), and comes once per API call.
    event = "before-parameter-build.cognito-idp"
    client.meta.events.register(event, record, unique_id="bench-calls")
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, unique_id="bench-calls")


Request = tuple[str, dict[str, Any], dict[str, str]]


def _requests(service: Service) -> dict[str, Callable[[], Request]]:
    """Route label -> a function making a fresh, valid request (state changes, such as
    a password that was changed, need new users)."""
    pool, cognito = service.pool, service.cognito
    counter = iter(range(1_000_000))

    def new_user() -> str:
        name = f"user{next(counter)}@example.com"
        cognito.admin_create_user(
            UserPoolId=pool.user_pool_id, Username=name, MessageAction="SUPPRESS"
        )
        cognito.admin_set_user_password(
            UserPoolId=pool.user_pool_id, Username=name, Password=PASSWORD, Permanent=True
        )
        return name

    def invited() -> Request:
        name = f"invited{next(counter)}@example.com"
        cognito.admin_create_user(
            UserPoolId=pool.user_pool_id,
            Username=name,
            TemporaryPassword=PASSWORD,
            MessageAction="SUPPRESS",
        )
        _, answer = service.http.post("/login", {"username": name, "password": PASSWORD})
        body = {
            "username": name,
            "challenge_name": "NEW_PASSWORD_REQUIRED",
            "session": answer["data"]["session"],
            "new_password": NEW_PASSWORD,
        }
        return "/login/challenge", body, {}

    def reset() -> Request:
        name = new_user()
        answer = cognito.forgot_password(
            ClientId=pool.client_id,
            Username=name,
            SecretHash=secret_hash(name, pool.client_id, pool.client_secret),
        )
        code = answer["ResponseMetadata"]["HTTPHeaders"][CODE_HEADER]
        return "/password/confirm", {"username": name, "code": code, "password": NEW_PASSWORD}, {}

    def confirm() -> Request:
        name = f"c{next(counter)}@example.com"
        answer = cognito.sign_up(
            ClientId=pool.client_id,
            Username=name,
            Password=PASSWORD,
            SecretHash=secret_hash(name, pool.client_id, pool.client_secret),
            UserAttributes=[{"Name": "email", "Value": name}],
        )
        sent = json.loads(answer["ResponseMetadata"]["HTTPHeaders"][CODES_HEADER])
        return "/signup/confirm", {"username": name, "code": sent[0]["code"]}, {}

    def with_access(path: str, body: dict[str, Any]) -> Callable[[], Request]:
        def request() -> Request:
            token = service.tokens(new_user())["access_token"]
            return path, body, {"Authorization": token}

        return request

    tokens = service.tokens()
    own = {"Authorization": tokens["id_token"]}
    admin = {"Authorization": service.tokens(ADMIN)["id_token"]}
    signups = iter(range(1_000_000))
    return {
        "/login": lambda: ("/login", {"username": USERNAME, "password": PASSWORD}, {}),
        "/login/challenge (new password)": invited,
        "/user/renew_refresh_token": lambda: (
            "/user/renew_refresh_token",
            {"username": USERNAME, "refresh_token": tokens["refresh_token"]},
            {},
        ),
        "/signup": lambda: (
            "/signup",
            {"username": f"new{next(signups)}@example.com", "password": PASSWORD},
            {},
        ),
        "/signup/confirm": confirm,
        "/signup/resend-code": lambda: ("/signup/resend-code", {"username": USERNAME}, {}),
        "/password/forgot": lambda: ("/password/forgot", {"username": USERNAME}, {}),
        "/password/confirm": reset,
        "/user/test-user, own": lambda: ("/user/test-user", {}, own),
        "/user/test-user, own, Cache-Control: no-cache": lambda: (
            "/user/test-user",
            {},
            {**own, "Cache-Control": "no-cache"},
        ),
        "/user/test-user, admin reads another": lambda: (
            "/user/test-user",
            {"username": USERNAME},
            admin,
        ),
        "/user/change-password": with_access(
            "/user/change-password",
            {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
        ),
        "/user/attributes": with_access("/user/attributes", {"attributes": {"locale": "fr"}}),
        "/logout": with_access("/logout", {}),
    }


def _count(service: Service, make: Callable[[], Request], stubbed: bool) -> tuple[int, int, str]:
    """(calls of the first request, calls of the same request again, operations)."""
    counts: list[int] = []
    operations: list[str] = []
    for _ in range(2):
        path, body, headers = make()
        with _maybe_stubbed(stubbed) as client, _counting(client) as calls:
            status, answer = service.http.post(path, body, headers)
        if status >= 300:
            raise RuntimeError(f"{path} answered {status}: {answer}")
        counts.append(len(calls))
        operations = operations or calls
    return counts[0], counts[1], "+".join(operations) or "none"


@contextmanager
def _maybe_stubbed(stubbed: bool) -> Iterator[Any]:
    if not stubbed:
        yield services.cognito_client()
        return
    import boto3

    client = boto3.client("cognito-idp", region_name=services.settings().region)
    stubber = Stubber(client)
    stubber.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "b***@e***", "DeliveryMedium": "EMAIL"}},
    )
    real = services.cognito_client()
    services.override(cognito_client=client)
    try:
        with stubber:
            yield client
    finally:
        services.override(cognito_client=real)


def count_all() -> dict[str, dict[str, tuple[int, int, str]]]:
    """Dialect -> route -> (first, steady, operations)."""
    counted: dict[str, dict[str, tuple[int, int, str]]] = {}
    # The stand-in's notes ("no code resent") are not the bench's output.
    quiet = logging.getLogger("chalicelib")
    quiet.setLevel(logging.WARNING)
    try:
        for dialect in ("moto", "aws"):
            with in_process(dialect, email_usernames=dialect == "moto") as service:
                counted[dialect] = {
                    route: _count(
                        service, make, stubbed=dialect == "aws" and route == "/signup/resend-code"
                    )
                    for route, make in _requests(service).items()
                }
    finally:
        quiet.setLevel(logging.NOTSET)
    return counted


def measure() -> tuple[list[Row], dict[str, dict[str, tuple[int, int, str]]]]:
    counted = count_all()
    rows = []
    for route, (first, steady, operations) in counted["aws"].items():
        moto_first, moto_steady, _ = counted["moto"][route]
        notes = [] if first == steady else [f"first request {first}"]
        if (moto_first, moto_steady) != (first, steady):
            notes.append(f"moto dialect {moto_steady}")
        detail = f" ({', '.join(notes)})" if notes else ""
        rows.append(
            Row(
                SECTION,
                f"{route}: {operations}{detail}",
                steady,
                TUTORIAL_CALLS,
                "calls",
                "the tutorial's handler",
                1.0 if route.startswith("/user/test-user, own") else None,
            )
        )
    return rows, counted

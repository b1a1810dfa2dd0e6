"""Row 2: per-request cost in-process. Our routes through chalice.test.Client against
moto's in-process Cognito, against the bare boto3 calls those routes make, on the
very client our gateway uses (so botocore's configuration is identical), in the
same process. A second baseline: the original tutorial's handlers
(bench.tutorial_app: a new client per request), through the same test client.

Method: bench.report.median_per_call (rounds of batches, rotated order, median).
"""

from __future__ import annotations

from bench.report import Row, median_per_call
from bench.service import ADMIN, PASSWORD, USERNAME, in_process
from chalicelib.cognito_gateway import secret_hash
from chalicelib.services import services

SECTION = "2. per request (in-process)"
GOAL = 1.2


def measure(rounds: int, batch: int) -> list[Row]:
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
            client.initiate_auth(
                ClientId=pool.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={
                    "REFRESH_TOKEN": tokens["refresh_token"],
                    "SECRET_HASH": secret_hash(USERNAME, pool.client_id, pool.client_secret),
                },
            )

        def bare_admin_get_user() -> None:
            client.admin_get_user(UserPoolId=pool.user_pool_id, Username=USERNAME)

        times = median_per_call(
            {
                "login": lambda: ok(http.post("/login", login)),
                "bare login": bare_login,
                "tutorial login": lambda: ok(tutorial.post("/login", login)),
                "renew": lambda: ok(http.post("/user/renew_refresh_token", renew)),
                "bare renew": bare_renew,
                "tutorial renew": lambda: ok(tutorial.post("/user/renew_refresh_token", renew)),
                "profile": lambda: ok(http.post("/user/test-user", {}, own)),
                "profile no-cache": lambda: ok(
                    http.post("/user/test-user", {}, {**own, "Cache-Control": "no-cache"})
                ),
                "profile admin": lambda: ok(
                    http.post("/user/test-user", {"username": USERNAME}, admin)
                ),
                "bare AdminGetUser": bare_admin_get_user,
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
    return [
        row("/login", "login", "bare login", "bare InitiateAuth (one client)", GOAL),
        row(
            "/user/renew_refresh_token",
            "renew",
            "bare renew",
            "bare InitiateAuth REFRESH (one client)",
            GOAL,
        ),
        row(
            "/user/test-user, own (from the id token)",
            "profile",
            "bare AdminGetUser",
            bare_get,
            GOAL,
        ),
        row(
            "/user/test-user, own, no-cache",
            "profile no-cache",
            "bare AdminGetUser",
            bare_get,
            GOAL,
        ),
        row(
            "/user/test-user, admin reads another",
            "profile admin",
            "bare AdminGetUser",
            bare_get,
            GOAL,
        ),
        row("/login", "login", "tutorial login", "tutorial handler, client per request", None),
        row(
            "/user/renew_refresh_token",
            "renew",
            "tutorial renew",
            "tutorial handler, client per request",
            None,
        ),
        row(
            "/user/test-user, own (from the id token)",
            "profile",
            "tutorial profile",
            "tutorial handler, client per request",
            None,
        ),
    ]

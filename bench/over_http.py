"""Row 5: over HTTP, through the local stack (moto's server and `chalice local`, as
`make run` starts them), with 1 and 8 concurrent clients, against the bare boto3
calls the routes make, sent to the same moto server from this process with as many
threads (one client each, made beforehand).

Method: for each route, concurrency and variant, `requests` requests split evenly
across the threads; latency per request (p50, p95, nearest rank) and requests per
second over the wall time of the whole batch. Variants alternate per route. Our
requests each open a new connection (see _ours); boto3 keeps its pool. What
`chalice local` costs (a development server, not API Gateway and Lambda) is part of
our side here: it is the wire our layer adds locally.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.report import Row, percentile
from chalicelib.cognito_gateway import secret_hash
from devstack.process import local_stack, stack_client

SECTION = "5. over HTTP (local stack)"
Call = Callable[[], None]


def _run(make_call: Callable[[], Call], clients: int, total: int) -> dict[str, float]:
    """p50 and p95 in ms, and requests per second, for `total` calls over `clients`
    threads; each thread gets its own call (its own session or client)."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    calls = [make_call() for _ in range(clients)]
    for call in calls:
        call()  # warm: connection set up, first-call costs

    def worker(call: Call, count: int) -> None:
        mine = []
        for _ in range(count):
            started = time.perf_counter()
            try:
                call()
            except Exception as exc:  # reported below; a bench must not hide failures
                with lock:
                    errors.append(exc)
                return
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    threads = [
        threading.Thread(target=worker, args=(c, n)) for c, n in zip(calls, shares, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, first: {errors[0]!r}")
    return {
        "p50": percentile(latencies, 0.5) * 1e3,
        "p95": percentile(latencies, 0.95) * 1e3,
        "rps": total / seconds,
    }


def _ours(api: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> Callable[[], Call]:
    def make() -> Call:
        def call() -> None:
            # A new connection per request: on a kept-alive connection, `chalice
            # local`'s server (http.server) meets the client's delayed ACK and every
            # answer waits about 40 ms, whatever the route does.
            response = requests.post(
                api + path, json=body, headers={**headers, "Connection": "close"}, timeout=30
            )
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

        return call

    return make


def measure(requests_per_run: int, concurrency: tuple[int, ...] = (1, 8)) -> list[Row]:
    with tempfile.TemporaryDirectory() as workdir, local_stack(Path(workdir)) as stack:
        return measure_stack(stack, requests_per_run, concurrency)


def measure_stack(
    stack: dict[str, Any], requests_per_run: int, concurrency: tuple[int, ...]
) -> list[Row]:
    api, user, password = stack["api_url"], stack["demo_username"], stack["demo_password"]
    pool_id, client_id = stack["user_pool_id"], stack["client_id"]

    admin = stack_client(stack, "cognito-idp")
    secret = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    hashed = secret_hash(user, client_id, secret)
    tokens = requests.post(
        api + "/login", json={"username": user, "password": password}, timeout=30
    ).json()["data"]

    def bare(operation: str, **parameters: Any) -> Callable[[], Call]:
        def make() -> Call:
            client = stack_client(stack, "cognito-idp")
            method = getattr(client, operation)
            return lambda: method(**parameters)

        return make

    routes: list[tuple[str, Callable[[], Call], Callable[[], Call], str]] = [
        (
            "/login",
            _ours(api, "/login", {"username": user, "password": password}, {}),
            bare(
                "initiate_auth",
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": password, "SECRET_HASH": hashed},
            ),
            "bare InitiateAuth",
        ),
        (
            "/user/renew_refresh_token",
            _ours(
                api,
                "/user/renew_refresh_token",
                {"username": user, "refresh_token": tokens["refresh_token"]},
                {},
            ),
            bare(
                "get_tokens_from_refresh_token",
                RefreshToken=tokens["refresh_token"],
                ClientId=client_id,
                ClientSecret=secret,
            ),
            "bare GetTokensFromRefreshToken",
        ),
        (
            "/user/test-user (own)",
            _ours(api, "/user/test-user", {}, {"Authorization": tokens["id_token"]}),
            bare("admin_get_user", UserPoolId=pool_id, Username=user),
            "bare AdminGetUser",
        ),
    ]
    rows = []
    for clients in concurrency:
        for route, ours, baseline, label in routes:
            measured = _run(ours, clients, requests_per_run)
            floor = _run(baseline, clients, requests_per_run)
            name = f"{route}, {clients} client{'s' if clients > 1 else ''}"
            for metric in ("p50", "p95"):
                rows.append(
                    Row(SECTION, f"{name}, {metric}", measured[metric], floor[metric], "ms", label)
                )
            # Inverted, so that a ratio above 1 means slower, as in every other row.
            rows.append(
                Row(
                    SECTION,
                    f"{name}, 1/throughput",
                    1e3 / measured["rps"],
                    1e3 / floor["rps"],
                    "ms",
                    f"{label} ({floor['rps']:.0f} rps; ours {measured['rps']:.0f} rps)",
                )
            )
    return rows

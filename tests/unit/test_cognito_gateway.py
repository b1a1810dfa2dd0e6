"""The Cognito gateway: exact requests (Stubber), failures mapped to honest statuses,
and one boto3 client per process."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.cognito_gateway import CognitoGateway, create_client
from chalicelib.services import services
from chalicelib.settings import Settings
from chalicelib.token_verification import http_jwks_fetcher
from devstack.harness import Http
from devstack.process import free_port
from tests.conftest import (
    ALICE,
    INTERNAL_ERROR,
    PASSWORD,
    STUB_POOL,
    STUB_TOKENS,
    STUB_TOKENS_ANSWERED,
    UNAVAILABLE,
    mint_token,
    password_auth_request,
    refused,
)

LOGIN = {"username": ALICE, "password": PASSWORD}


def test_login_sends_cognito_user_password_auth_with_the_typed_name_hash(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS divergence: moto ignores SECRET_HASH and UserContextData on
    USER_PASSWORD_AUTH, so only this pinned request proves what AWS receives: the
    caller's address (chalice's local gateway fills sourceIp with 127.0.0.1) beside the
    SECRET_HASH."""
    stubber, api = stubbed
    stubber.add_response(
        "initiate_auth",
        STUB_TOKENS,
        password_auth_request(),
    )

    status, body = api.post("/login", LOGIN)

    assert (status, body["data"]) == (200, STUB_TOKENS_ANSWERED)


@pytest.mark.parametrize("code", ["TooManyRequestsException", "ThrottlingException"])
def test_cognito_throttling_answers_429_with_retry_after(
    stubbed: tuple[Stubber, Http], code: str
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("initiate_auth", code, "Rate exceeded", http_status_code=400)

    response = api.raw_post("/login", LOGIN)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json_body == refused("Too many requests, please retry later", "throttled")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "ResourceNotFoundException",
            "User pool client 4bd3oq2n7sq4ib1hpl6v9vmlfk does not exist.",
        ),
        ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"),
        ("InternalErrorException", "Internal error at arn:aws:cognito-idp:secret-detail"),
    ],
)
def test_unexpected_cognito_errors_answer_503_and_log_the_detail_only(
    stubbed: tuple[Stubber, Http], caplog: pytest.LogCaptureFixture, code: str, message: str
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("initiate_auth", code, message, http_status_code=400)

    with caplog.at_level(logging.WARNING):
        status, body = api.post("/login", LOGIN)

    assert (status, body) == (503, UNAVAILABLE)
    assert code in caplog.text
    assert message in caplog.text


def test_unreachable_cognito_answers_503_and_the_service_keeps_serving(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    working = services.cognito_client()
    settings = Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": STUB_POOL.user_pool_id,
            "COGNITO_CLIENT_ID": STUB_POOL.client_id,
            "COGNITO_CLIENT_SECRET": STUB_POOL.client_secret,
            "COGNITO_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
            "COGNITO_CONNECT_TIMEOUT": "0.2",
            "COGNITO_READ_TIMEOUT": "0.2",
            "COGNITO_MAX_ATTEMPTS": "2",
        }
    )
    services.override(cognito_client=create_client(settings))

    assert api.post("/login", LOGIN) == (503, UNAVAILABLE)
    assert api.post("/login", LOGIN) == (503, UNAVAILABLE)
    stubber.add_response("initiate_auth", {"Session": "s" * 20, "ChallengeName": "SMS_MFA"})
    services.override(cognito_client=working)
    assert api.post("/login", LOGIN)[0] == 200


def test_one_boto3_client_serves_every_request(
    api: Http, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[Any] = []
    real_client: Callable[..., Any] = boto3.session.Session.client

    def counting_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = real_client(self, *args, **kwargs)
        created.append(client)
        return client

    monkeypatch.setattr(boto3.session.Session, "client", counting_client)

    for _ in range(5):
        assert api.post("/login", LOGIN)[0] == 200
        assert api.post("/login", {"username": ALICE, "password": "Wrong-1"})[0] == 401

    assert len(created) == 1
    assert services.cognito_client() is created[0]


def test_the_boto3_client_has_bounded_timeouts_and_retries(api: Http) -> None:
    """What keeps a request from hanging: 1 s connect, 3 s read, 2 attempts."""
    config: Any = services.cognito_client().meta.config

    assert config.connect_timeout == 1.0
    assert config.read_timeout == 3.0
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequestsException", 429),
        ("InternalErrorException", 503),
        ("ForbiddenException", 503),
        ("ResourceNotFoundException", 503),
    ],
)
def test_renewal_maps_cognito_failures(
    stubbed: tuple[Stubber, Http], code: str, status: int
) -> None:
    """GetTokensFromRefreshToken's other errors (botocore's model lists them): a
    Cognito limit is the caller's to wait out; WAF on the pool, or a client the
    settings name wrongly, are the operator's (503, the detail in the log only)."""
    stubber, api = stubbed
    stubber.add_client_error("get_tokens_from_refresh_token", code, "detail")

    answer = api.post("/user/renew_refresh_token", {"username": ALICE, "refresh_token": "t"})

    assert answer[0] == status
    assert "detail" not in str(answer[1])
    assert answer[1]["error"] is True
    assert "detail" not in answer[1]["message"]


@pytest.mark.parametrize(
    ("code", "status", "message", "ours"),
    [
        ("TooManyRequestsException", 429, "Too many requests, please retry later", "throttled"),
        ("InternalErrorException", 503, UNAVAILABLE["message"], "service_unavailable"),
        ("AccessDeniedException", 503, UNAVAILABLE["message"], "service_unavailable"),
    ],
)
def test_private_route_maps_cognito_failures(
    stubbed: tuple[Stubber, Http], code: str, status: int, message: str, ours: str
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("admin_get_user", code, "not for clients")

    answer = api.post(
        "/user/test-user",
        {},
        {"Authorization": mint_token(STUB_POOL), "Cache-Control": "no-cache"},
    )

    assert answer == (status, refused(message, ours))


def test_login_answers_403_when_a_password_reset_is_required(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    stubber.add_client_error("initiate_auth", "PasswordResetRequiredException", "reset")

    assert api.post("/login", LOGIN) == (
        403,
        refused("Password reset required for this user", "password_reset_required"),
    )


def test_an_unexpected_exception_answers_a_500_that_says_nothing(
    stubbed: tuple[Stubber, Http], caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(CognitoGateway):
        def password_auth(self, username: str, password: str) -> Any:
            raise RuntimeError("database password is hunter2")

    _, api = stubbed
    services.override(
        gateway=Broken(services.settings(), services.cognito_client(), services.client_secret())
    )

    with caplog.at_level(logging.ERROR):
        response = api.raw_post("/login", LOGIN)

    assert response.status_code == 500
    assert response.json_body == INTERNAL_ERROR
    assert b"hunter2" not in response.body
    assert b"Traceback" not in response.body
    assert "hunter2" in caplog.text


def test_chalices_own_errors_come_in_the_envelope_without_echoing_the_request(
    stubbed: tuple[Stubber, Http],
) -> None:
    _, api = stubbed

    response = api.raw_post("/login", LOGIN, {"Content-Type": "text/evil-<script>"})

    assert response.status_code == 415
    assert response.json_body == refused("Unsupported Media Type", "unsupported_media_type")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung Cognito."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_a_hung_cognito_answers_503_within_the_configured_bound(
    stubbed: tuple[Stubber, Http], silent_port: int
) -> None:
    """Bound: attempts x (connect + read timeout) + standard-mode backoff (under 1 s
    for the one retry here): 2 x 0.5 s + 1 s. Defaults (1 s, 3 s, 2 attempts):
    about 9 s per Cognito call."""
    _, api = stubbed
    settings = Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": STUB_POOL.user_pool_id,
            "COGNITO_CLIENT_ID": STUB_POOL.client_id,
            "COGNITO_CLIENT_SECRET": STUB_POOL.client_secret,
            "COGNITO_ENDPOINT_URL": f"http://127.0.0.1:{silent_port}",
            "COGNITO_CONNECT_TIMEOUT": "0.5",
            "COGNITO_READ_TIMEOUT": "0.5",
            "COGNITO_MAX_ATTEMPTS": "2",
        }
    )
    services.override(cognito_client=create_client(settings))
    bound = 2 * (0.5 + 0.5) + 1.0

    started = time.monotonic()
    answer = api.post("/login", LOGIN)
    elapsed = time.monotonic() - started

    assert answer == (503, UNAVAILABLE)
    # Not a speed test: a hang would take forever; the margin absorbs a busy machine.
    assert elapsed < 2 * bound, f"took {elapsed:.1f} s"


def test_a_hung_key_set_answers_503_within_its_timeout(
    stubbed: tuple[Stubber, Http], silent_port: int
) -> None:
    _, api = stubbed
    url = f"http://127.0.0.1:{silent_port}/pool/.well-known/jwks.json"
    services.override(jwks_fetcher=http_jwks_fetcher(url, 0.5))

    started = time.monotonic()
    status, _ = api.post("/user/test-user", {}, {"Authorization": mint_token(STUB_POOL)})
    elapsed = time.monotonic() - started

    assert status == 503
    assert elapsed < 0.5 + 2.5, f"took {elapsed:.1f} s"

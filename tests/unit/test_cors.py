"""CORS in-process: the preflight every path answers, and the headers on every answer,
errors included, for the allowed origins only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from app import app
from chalicelib.cors import ALLOWED_HEADERS, EXPOSED_HEADERS, MAX_AGE_SECONDS, with_vary_origin
from chalicelib.settings import ConfigurationError, Settings, cors_origins
from chalicelib.validation import MAX_BODY_BYTES
from devstack.harness import Http, in_process, pool_environment
from devstack.pool import Pool
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD, STUB_POOL, UNCONFIRMED, refused

PAGE = "http://127.0.0.1:3000"
OTHER_PAGE = "https://app.example.com"
STRANGER = "https://evil.example"
ALLOWED = f"{PAGE}, {OTHER_PAGE}"
CORS_HEADERS = {
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "access-control-allow-credentials",
}


@pytest.fixture
def browser_api(pool: Pool, users: dict[str, str]) -> Iterator[Http]:
    with in_process({**pool_environment(pool), "CORS_ALLOW_ORIGINS": ALLOWED}) as http:
        yield http


@pytest.fixture
def stubbed_browser_api() -> Iterator[tuple[Stubber, Http]]:
    client = boto3.client("cognito-idp", region_name=STUB_POOL.user_pool_id.split("_")[0])
    env = {**pool_environment(STUB_POOL, dialect="aws"), "CORS_ALLOW_ORIGINS": ALLOWED}
    with Stubber(client) as stubber, in_process(env, client) as http:
        yield stubber, http


def _headers(response: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


def _cors(response: Any) -> dict[str, str]:
    return {name: value for name, value in _headers(response).items() if name in CORS_HEADERS}


def _options(api: Http, path: str, origin: str) -> Any:
    return api.raw_request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


@pytest.mark.parametrize("path", sorted(app.routes))
def test_every_path_answers_a_preflight_from_an_allowed_origin(
    browser_api: Http, path: str
) -> None:
    response = _options(browser_api, path, PAGE)

    methods = sorted(set(app.routes[path]) - {"OPTIONS"})
    assert response.status_code == 204
    assert _cors(response) == {
        "access-control-allow-origin": PAGE,
        "access-control-allow-methods": ",".join(methods),
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": str(MAX_AGE_SECONDS),
    }
    assert _headers(response)["vary"] == "Origin"


def test_each_allowed_origin_is_answered_with_itself(browser_api: Http) -> None:
    origins = [_cors(_options(browser_api, "/login", origin)) for origin in (PAGE, OTHER_PAGE)]

    assert [cors["access-control-allow-origin"] for cors in origins] == [PAGE, OTHER_PAGE]


@pytest.mark.parametrize("origin", [STRANGER, "null", PAGE + "/", "http://127.0.0.1:3001"])
def test_a_preflight_from_another_origin_gets_no_cors_headers(
    browser_api: Http, origin: str
) -> None:
    response = _options(browser_api, "/login", origin)

    assert response.status_code == 204
    assert _cors(response) == {}
    assert _headers(response)["vary"] == "Origin"


def _post(api: Http, path: str, origin: str, **kwargs: Any) -> Any:
    headers = {"Origin": origin, **kwargs.pop("headers", {})}
    return api.raw_post(path, headers=headers, **kwargs)


ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400 bad body": ("/login", {"raw": b'{"username": 1}'}),
    "401 wrong password": ("/login", {"body": {"username": ALICE, "password": "Wr0ng-pass!"}}),
    "401 no token": ("/user/test-user", {}),
    "401 bad token": ("/user/test-user", {"headers": {"Authorization": "not-a-jwt"}}),
    "403 not confirmed": ("/login", {"body": {"username": UNCONFIRMED, "password": PASSWORD}}),
    "413 too large": ("/login", {"raw": b"{" + b" " * MAX_BODY_BYTES + b"}"}),
    "415 not json": ("/login", {"raw": b"x", "headers": {"Content-Type": "text/plain"}}),
    "200 success": ("/login", {"body": {"username": ALICE, "password": PASSWORD}}),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_every_answer_to_an_allowed_origin_carries_cors_headers(
    browser_api: Http, case: str
) -> None:
    path, request = ERRORS[case]
    response = _post(browser_api, path, OTHER_PAGE, **request)

    assert response.status_code == int(case.split()[0])
    assert _cors(response) == {
        "access-control-allow-origin": OTHER_PAGE,
        "access-control-expose-headers": EXPOSED_HEADERS,
    }
    assert _headers(response)["vary"] == "Origin"


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_no_answer_to_another_origin_carries_cors_headers(browser_api: Http, case: str) -> None:
    path, request = ERRORS[case]
    response = _post(browser_api, path, STRANGER, **request)

    assert response.status_code == int(case.split()[0])
    assert _cors(response) == {}


def test_the_403_and_404_of_reading_another_user_carry_cors_headers(
    browser_api: Http, login: Any
) -> None:
    def read(reader: str, username: str) -> Any:
        token = login(reader)["id_token"]
        body = {"username": username}
        return _post(
            browser_api, "/user/test-user", PAGE, body=body, headers={"Authorization": token}
        )

    forbidden, missing = read(ALICE, BOB), read(ADMIN, "nobody@example.com")

    assert (forbidden.status_code, missing.status_code) == (403, 404)
    assert _cors(forbidden)["access-control-allow-origin"] == PAGE
    assert _cors(missing)["access-control-allow-origin"] == PAGE


@pytest.mark.parametrize(
    ("code", "status"), [("TooManyRequestsException", 429), ("InternalErrorException", 503)]
)
def test_throttling_and_outages_carry_cors_headers_and_expose_retry_after(
    stubbed_browser_api: tuple[Stubber, Http], code: str, status: int
) -> None:
    stubber, api = stubbed_browser_api
    stubber.add_client_error("initiate_auth", code, "detail", http_status_code=400)

    response = _post(api, "/login", PAGE, body={"username": ALICE, "password": PASSWORD})

    assert response.status_code == status
    assert _cors(response)["access-control-allow-origin"] == PAGE
    assert "Retry-After" in _cors(response)["access-control-expose-headers"].split(",")
    assert "retry-after" in _headers(response)


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        ("TooManyFailedAttemptsException", "too_many_attempts"),
        ("LimitExceededException", "limit_exceeded"),
    ],
)
def test_cognitos_limits_per_account_carry_cors_headers_and_expose_retry_after(
    stubbed_browser_api: tuple[Stubber, Http], code: str, ours: str
) -> None:
    stubber, api = stubbed_browser_api
    stubber.add_client_error("confirm_sign_up", code, "detail", http_status_code=400)

    response = _post(api, "/signup/confirm", PAGE, body={"username": ALICE, "code": "123456"})

    assert (response.status_code, response.json_body["code"]) == (429, ours)
    assert _cors(response)["access-control-allow-origin"] == PAGE
    assert "Retry-After" in _cors(response)["access-control-expose-headers"].split(",")
    assert _headers(response)["retry-after"] == "900"


def test_the_local_gateways_own_answers_carry_cors_headers(browser_api: Http) -> None:
    """`chalice local` answers an unknown path itself, as API Gateway does (403)."""
    allowed = _post(browser_api, "/no-such-route", PAGE, body={})
    stranger = _post(browser_api, "/no-such-route", STRANGER, body={})

    assert allowed.status_code == stranger.status_code == 403
    assert _cors(allowed)["access-control-allow-origin"] == PAGE
    assert _cors(stranger) == {}


def test_the_local_gateways_own_refusal_is_the_templates_default_4xx_envelope(
    browser_api: Http,
) -> None:
    """As deploy/template.json's DEFAULT_4XX renders API Gateway's answer for a path it
    does not know: the envelope, its message, and the code `request_refused`."""
    answer = _post(browser_api, "/no-such-route", PAGE, body={})

    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.body) == refused("Missing Authentication Token", "request_refused")


def test_without_allowed_origins_no_answer_carries_cors_headers(pool: Pool) -> None:
    with in_process(pool_environment(pool)) as api:
        preflight = _options(api, "/login", PAGE)
        answer = _post(api, "/login", PAGE, body={"username": ALICE, "password": "x"})

    assert (_cors(preflight), _cors(answer)) == ({}, {})


def test_the_origin_list_is_read_from_a_comma_separated_setting() -> None:
    raw = " http://localhost:3000 ,https://App.Example.com,, "

    assert cors_origins(raw) == {"http://localhost:3000", "https://app.example.com"}


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("*", "must not contain '*'"),
        ("https://app.example.com,*", "must not contain '*'"),
        ("https://*.example.com", "must not contain '*'"),
        ("https://app.example.com/", "'https://app.example.com/' is not an origin"),
        ("app.example.com", "'app.example.com' is not an origin"),
        ("null", "'null' is not an origin"),
        ("file://", "'file://' is not an origin"),
    ],
)
def test_a_wildcard_or_a_non_origin_is_refused_at_start(raw: str, complaint: str) -> None:
    env = {**pool_environment(STUB_POOL, dialect="aws"), "CORS_ALLOW_ORIGINS": raw}

    with pytest.raises(ConfigurationError, match="CORS_ALLOW_ORIGINS") as refused:
        Settings.from_env(env)

    assert complaint in str(refused.value)


@pytest.mark.parametrize(
    ("headers", "vary"),
    [
        ({}, "Origin"),
        ({"Content-Type": "application/json"}, "Origin"),
        ({"Vary": ""}, "Origin"),
        ({"Vary": " , "}, "Origin"),
        ({"vary": "Accept-Encoding"}, "Accept-Encoding, Origin"),
        ({"VARY": " accept ,, ORIGIN "}, "accept, ORIGIN"),
        ({"Vary": "Origin", "vary": "Accept"}, "Origin"),
    ],
)
def test_vary_gets_origin_once_whatever_it_held(headers: dict[str, str], vary: str) -> None:
    assert with_vary_origin(headers) == vary

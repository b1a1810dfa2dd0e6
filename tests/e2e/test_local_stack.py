"""End to end: the local stack over real HTTP."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.process import free_port, local_stack
from tests.stack_support import sign_in

pytestmark = pytest.mark.e2e

UNAUTHORIZED = b'{"message":"Unauthorized"}'


def _post(url: str, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(url, json=body, headers=headers, timeout=30)


def _login(stack: dict[str, Any]) -> dict[str, Any]:
    """The demo user's tokens."""
    return sign_in(stack, stack["demo_username"], stack["demo_password"])


def test_login_private_route_renew_and_private_route_again(stack: dict[str, Any]) -> None:
    api = stack["api_url"]
    tokens = _login(stack)

    first = _post(api + "/user/test-user", {}, {"Authorization": tokens["id_token"]})
    assert first.status_code == 200
    assert first.json()["message"] is None
    attributes = {a["Name"]: a["Value"] for a in first.json()["data"]}
    assert attributes["email"] == stack["demo_username"]

    renewed = _post(
        api + "/user/renew_refresh_token",
        {"username": stack["demo_username"], "refresh_token": tokens["refresh_token"]},
    )
    assert renewed.status_code == 200, renewed.text
    new_id_token = renewed.json()["data"]["id_token"]
    assert new_id_token != tokens["id_token"]

    again = _post(api + "/user/test-user", {}, {"Authorization": new_id_token})
    assert again.status_code == 200
    assert again.json()["data"] == first.json()["data"]


def _forged(token: str) -> str:
    _header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    return f"{unsigned}.{forged}."


@pytest.mark.parametrize("case", ["no token", "not a JWT", "forged unsigned", "tampered", "access"])
def test_private_route_answers_the_gateways_401(stack: dict[str, Any], case: str) -> None:
    tokens = _login(stack)
    header, _payload, signature = tokens["id_token"].split(".")
    authorization = {
        "no token": None,
        "not a JWT": "garbage",
        "forged unsigned": _forged(tokens["id_token"]),
        "tampered": ".".join([header, _forged(tokens["id_token"]).split(".")[1], signature]),
        "access": tokens["access_token"],
    }[case]
    headers = {} if authorization is None else {"Authorization": authorization}

    response = _post(stack["api_url"] + "/user/test-user", {}, headers)

    assert response.status_code == 401
    assert response.content == UNAUTHORIZED


def test_stack_description_has_no_client_secret(stack: dict[str, Any], client_secret: str) -> None:
    public = {k: v for k, v in stack.items() if k != "log_file"}
    assert set(public) == {
        "api_url",
        "web_url",
        "cognito_endpoint",
        "region",
        "user_pool_id",
        "client_id",
        "demo_username",
        "demo_password",
        "pid",
        "chalice_pid",
        "watchdog_pid",
    }
    assert client_secret not in json.dumps(public)


def test_the_stack_logs_no_token_or_secret(stack: dict[str, Any], client_secret: str) -> None:
    tokens = _login(stack)
    _post(stack["api_url"] + "/user/test-user", {}, {"Authorization": tokens["id_token"]})
    _post(
        stack["api_url"] + "/user/renew_refresh_token",
        {"username": stack["demo_username"], "refresh_token": tokens["refresh_token"]},
    )
    log = Path(stack["log_file"]).read_text()

    for secret in (
        tokens["id_token"],
        tokens["refresh_token"],
        tokens["access_token"],
        client_secret,
    ):
        assert secret not in log
    assert stack["demo_password"] in log  # the banner prints the demo credentials, by design


def test_stack_stops_everything_and_starts_again_on_the_same_ports(tmp_path: Path) -> None:
    port, cognito_port = free_port(), free_port()
    for attempt in ("first", "second"):
        with local_stack(tmp_path / attempt, port, cognito_port) as state:
            _login(state)
        for used in (port, cognito_port):
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", used)) != 0, f"port {used} still open"


def _cors(response: requests.Response) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


def test_the_page_origin_gets_preflights_and_cors_headers_on_errors_over_http(
    stack: dict[str, Any],
) -> None:
    """What a browser on the page's origin needs from `chalice local`: the preflight,
    and the headers on the gateway's 401, an envelope error and the local gateway's
    own 403; a page on any other origin gets none of them."""
    api, page = stack["api_url"], stack["web_url"]
    preflight = requests.options(
        api + "/user/test-user",
        headers={
            "Origin": page,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=30,
    )
    answers = [
        _post(api + "/user/test-user", headers={"Origin": page}),
        _post(
            api + "/login", {"username": "nobody@example.com", "password": "x"}, {"Origin": page}
        ),
        _post(api + "/no-such-route", headers={"Origin": page}),
    ]
    stranger = _post(api + "/user/test-user", headers={"Origin": "https://evil.example"})

    assert preflight.status_code == 204
    assert _cors(preflight) == {
        "access-control-allow-origin": page,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "Authorization,Content-Type,Cache-Control",
        "access-control-max-age": "7200",
    }
    assert [answer.status_code for answer in answers] == [401, 401, 403]
    for answer in answers:
        assert _cors(answer) == {
            "access-control-allow-origin": page,
            "access-control-expose-headers": "X-Request-Id,Retry-After",
        }
    assert stranger.status_code == 401
    assert _cors(stranger) == {}


def test_the_page_is_served_on_its_own_origin_and_knows_where_the_api_is(
    stack: dict[str, Any],
) -> None:
    page = requests.get(stack["web_url"] + "/", timeout=30)
    config = requests.get(stack["web_url"] + "/config.js", timeout=30)

    assert stack["web_url"] != stack["api_url"]
    assert page.status_code == 200
    assert "<form" in page.text
    assert config.text == f"window.COGNITO_AUTH_API_URL = {json.dumps(stack['api_url'])};\n"

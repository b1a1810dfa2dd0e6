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

pytestmark = pytest.mark.e2e

UNAUTHORIZED = b'{"message":"Unauthorized"}'


def _post(url: str, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(url, json=body, headers=headers, timeout=30)


def _login(stack: dict[str, Any]) -> dict[str, Any]:
    response = _post(
        stack["api_url"] + "/login",
        {"username": stack["demo_username"], "password": stack["demo_password"]},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()["data"]
    return tokens


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
        "cognito_endpoint",
        "region",
        "user_pool_id",
        "client_id",
        "demo_username",
        "demo_password",
        "pid",
        "chalice_pid",
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

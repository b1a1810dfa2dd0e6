"""The attack matrix (tests/attack_matrix.py) over HTTP against `chalice local` on the
embedded stand-in: every row's status and exact body, and the refusal the server
logs, read from what the stack's log gained during the row's request."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from devstack.pool import ADMIN_GROUP, Pool, create_confirmed_user
from tests.attack_matrix import (
    MATRIX,
    LazyTokens,
    SharedChecks,
    Target,
    answer,
    assert_answer,
    large_users,
)
from tests.conftest import mint_token

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Matrix-Passw0rd"


@pytest.fixture(scope="module")
def target(stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient) -> Target:
    pool_id = stack["user_pool_id"]
    names = {who: f"{who}-matrix@example.com" for who in ("alice", "bob", "admin")}
    for who, name in names.items():
        groups = [ADMIN_GROUP] if who == "admin" else []
        create_confirmed_user(stack_cognito, pool_id, name, PASSWORD, who.title(), groups)

    address = urlsplit(stack["api_url"])

    def post(path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        # http.client, not requests: it sends headers requests refuses (blank ones).
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request(
                "POST",
                path,
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", **headers},
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def login(name: str) -> dict[str, Any]:
        status, body = post("/login", {"username": name, "password": PASSWORD}, {})
        assert status == 200, body
        tokens: dict[str, Any] = json.loads(body)["data"]
        return tokens

    large_names, later = large_users(stack_cognito, pool_id, PASSWORD, login)
    pool = Pool(pool_id, stack["client_id"], "")
    region = stack["region"]
    return Target(
        post=post,
        mint=lambda key=None, headers=None, **claims: mint_token(pool, key, headers, **claims),
        client_id=stack["client_id"],
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        names={**names, **large_names},
        password=PASSWORD,
        tokens=LazyTokens({who: login(name) for who, name in names.items()}, later),
    )


@pytest.mark.parametrize("row", list(MATRIX))
def test_every_row_gets_the_gateways_answer_over_http(
    target: Target, stack: dict[str, Any], row: str
) -> None:
    case = MATRIX[row]
    log: Path = stack["log_file"]
    logged_before = log.stat().st_size

    status, body, token = answer(target, case)

    assert_answer(case, status, body, token)
    with log.open("rb") as lines:
        lines.seek(logged_before)
        refusals = [
            json.loads(line)["message"]
            for line in lines
            if line.startswith(b"{") and b"token refused" in line
        ]
    assert refusals == ([f"token refused: {case.reason}"] if case.reason else [])


class TestOverHttp(SharedChecks):
    """The checks every target must pass, against this module's target."""

"""The attack matrix of tests/unit/test_attack_matrix.py, over HTTP against
`chalice local` on the embedded stand-in: the same tests, another `target`."""

from __future__ import annotations

import http.client
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from devstack.pool import ADMIN_GROUP, Pool, create_confirmed_user
from tests.conftest import mint_token
from tests.unit.test_attack_matrix import (
    Target,
    test_a_forged_admin_claim_reads_nobody,
    test_a_user_never_reads_another_user,
    test_a_well_formed_token_passes_where_the_matrix_fails,
    test_hostile_token_gets_the_gateways_exact_answer,
    test_the_admin_group_reads_another_user,
    test_unknown_user_and_wrong_secret_get_identical_answers,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

__all__ = [
    "test_a_forged_admin_claim_reads_nobody",
    "test_a_user_never_reads_another_user",
    "test_a_well_formed_token_passes_where_the_matrix_fails",
    "test_hostile_token_gets_the_gateways_exact_answer",
    "test_the_admin_group_reads_another_user",
    "test_unknown_user_and_wrong_secret_get_identical_answers",
]

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

    pool = Pool(pool_id, stack["client_id"], "")
    region = stack["region"]
    return Target(
        post=post,
        mint=lambda key=None, headers=None, **claims: mint_token(pool, key, headers, **claims),
        client_id=stack["client_id"],
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        names=names,
        password=PASSWORD,
        tokens={who: login(name) for who, name in names.items()},
    )

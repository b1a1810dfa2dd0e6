"""The attack matrix (tests/attack_matrix.py) in-process, through chalice.test.Client
on an in-process moto pool: every row gets API Gateway's exact answer, and the
service logs why it refused the token (`token refused: <reason>` at INFO from
chalicelib.guard) or, for an accepted token, logs no refusal. Also object-level
authorization and user enumeration, which the HTTP run repeats."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from devstack.pool import Pool
from tests.attack_matrix import (
    ID_ROUTE,
    MATRIX,
    LazyTokens,
    SharedChecks,
    Target,
    answer,
    assert_answer,
    attributes,
    large_users,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

GUARD = "chalicelib.guard"


@pytest.fixture
def target(
    target: Target,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    login: Callable[[str], dict[str, Any]],
) -> Target:
    """tests/conftest.py's target, with the large users of the matrix."""
    names, later = large_users(cognito, pool.user_pool_id, target.password, login)
    return replace(target, names={**target.names, **names}, tokens=LazyTokens(target.tokens, later))


@pytest.mark.parametrize("row", list(MATRIX))
def test_every_row_gets_the_gateways_answer_and_its_logged_reason(
    target: Target, row: str, caplog: pytest.LogCaptureFixture
) -> None:
    case = MATRIX[row]

    with caplog.at_level(logging.INFO, logger=GUARD):
        status, body, token = answer(target, case)

    assert_answer(case, status, body, token)
    refusals = [
        record.getMessage()
        for record in caplog.records
        if record.name == GUARD
        and record.levelno == logging.INFO
        and record.getMessage().startswith("token refused")
    ]
    assert refusals == ([f"token refused: {case.reason}"] if case.reason else [])


@pytest.mark.parametrize("issued_ahead", [0, 30])
def test_a_minted_token_differs_from_the_matrix_in_one_respect_only(
    target: Target, users: dict[str, str], issued_ahead: int
) -> None:
    """Control for the minted cases: a token minted the same way, but valid, opens
    the route; a clock up to a minute behind Cognito's is tolerated for iat/nbf."""
    now = int(time.time())
    sub = users[target.names["alice"]]
    token = target.mint(
        **{
            "sub": sub,
            "cognito:username": sub,
            "cognito:groups": ["readers"],
            "iat": now + issued_ahead,
            "nbf": now + issued_ahead,
        }
    )

    status, body = target.post(ID_ROUTE, {}, {"Authorization": token})

    assert status == 200
    assert attributes(body)["email"] == target.names["alice"]


class TestInProcess(SharedChecks):
    """The checks every target must pass, against this module's target."""

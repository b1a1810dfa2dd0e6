"""Schemathesis against the live local stack, from the service's own OpenAPI
document, with and without valid tokens. Bounded here (FUZZ_EXAMPLES per
operation, 10 by default); `make fuzz` runs it longer.

The outcome checked on every response: no 5xx, the status and body as the
document says, and so every error in the envelope or API Gateway's 401."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
ACCESS = "CognitoAccessToken"
FUZZ_USER = "fuzz@example.com"
FUZZ_PASSWORD = "Fuzz-Passw0rd-1"
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="session")
def api_schema(stack: dict[str, Any]) -> Any:
    # 413 (body over the size limit) is a rejection too.
    config = schemathesis.Config.from_dict(
        {
            "checks": {
                "negative_data_rejection": {
                    "expected-statuses": ["400", "401", "403", "404", "409", "413", "415"]
                }
            }
        }
    )
    return schemathesis.openapi.from_url(stack["api_url"] + "/openapi.json", config=config)


@pytest.fixture(scope="session")
def fuzz_tokens(stack: dict[str, Any]) -> dict[str, str]:
    """A user of its own, so that whatever the fuzzer does cannot disturb other tests."""
    api = stack["api_url"]
    body = {"username": FUZZ_USER, "password": FUZZ_PASSWORD}
    requests.post(api + "/signup", json=body, timeout=30)
    requests.post(api + "/signup/confirm", json={"username": FUZZ_USER, "code": "1"}, timeout=30)
    response = requests.post(api + "/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()["data"]
    return tokens


def _operations(api_schema: Any) -> list[Any]:
    # /logout last: after it, the fuzz user's access token opens nothing.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    return sorted(operations, key=lambda operation: operation.path == "/logout")


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    # schemathesis' own pytest plugin does not run on pytest 9 yet: drive its
    # strategies with Hypothesis directly, with valid and with invalid data.
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(mode))
        @FUZZ_SETTINGS
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        run()


def _token_for(operation: Any, tokens: dict[str, str]) -> dict[str, str]:
    security = operation.definition.raw.get("security", [])
    scheme = next(iter(security[0]), None) if security else None
    if scheme is None:
        return {}
    return {"Authorization": tokens["access_token" if scheme == ACCESS else "id_token"]}


def test_every_route_without_a_token(api_schema: Any) -> None:
    operations = _operations(api_schema)
    from app import app

    # schemathesis leaves out the operation that serves the document itself.
    assert {o.path for o in operations} == set(app.routes) - {"/openapi.json"}
    for operation in operations:
        _fuzz(operation, {})


def test_every_route_with_valid_tokens(api_schema: Any, fuzz_tokens: dict[str, str]) -> None:
    for operation in _operations(api_schema):
        _fuzz(operation, _token_for(operation, fuzz_tokens))

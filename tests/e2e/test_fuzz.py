"""schemathesis, as a team would run it against the service, over HTTP against the
live local stack, from the service's own OpenAPI document: every check it has
(`--checks all`: valid data accepted, invalid data refused, every status, header and
body as the document says, no 5xx, undeclared methods refused, tokens not ignored)
in every phase, without tokens, then with an id token on the id-token route and an
access token on the scoped routes.

Bounded here (FUZZ_EXAMPLES examples per operation in the fuzzing phase, 10 by
default); `make fuzz` runs it longer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.local import ChaliceRequestHandler
from schemathesis.config import SchemathesisWarning

from chalicelib.openapi import ACCESS_TOKEN_SCHEME, ID_TOKEN_SCHEME
from tests.stack_support import sign_up_code

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SEED = "20261127"
FUZZ_USER = "fuzz@example.com"
FUZZ_PASSWORD = "Fuzz-Passw0rd-1"

# The methods schemathesis sends where the document declares none (its coverage phase).
UNDECLARED_METHODS = ("get", "put", "post", "delete", "options", "patch", "trace", "query")
# The one exclusion. `chalice local` serves the API with Python's http.server, which
# answers 501 text/html to a method it has no handler for (TRACE, QUERY) before the app
# sees the request. API Gateway serves none of them (a REST API takes GET, POST, PUT,
# PATCH, DELETE, HEAD and OPTIONS), so the deployed service never answers them at all:
# schemathesis does not send them. Every other check runs on every request.
NOT_SERVED_LOCALLY = tuple(
    method
    for method in UNDECLARED_METHODS
    if not hasattr(ChaliceRequestHandler, f"do_{method.upper()}")
)
# Rejections that the negative check does not count by default: a body over the size
# limit is refused too.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]

GUARDED = (
    "/user/test-user",
    "/user/change-password",
    "/user/attributes",
    "/user/mfa/totp/setup",
    "/user/mfa/totp/verify",
    "/user/mfa",
    "/user/attributes/verify",
    "/user/attributes/verify/resend",
    "/user/delete",
)
# Any warning fails a run too (a token refused throughout, a regex it could not read, ...),
# but the share of valid requests the server accepts: a random previous password is
# never the right one.
WARNINGS = [str(w) for w in SchemathesisWarning if w != SchemathesisWarning.LOW_VALID_RATE]


def _toml(tables: dict[str, dict[str, Any]]) -> str:
    # JSON spells strings, booleans and arrays of them as TOML does.
    return "".join(
        f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())
        for name, table in tables.items()
    )


def _schemathesis(
    stack: dict[str, Any],
    workdir: Path,
    paths: str,
    tokens: dict[str, str] | None = None,
) -> None:
    """`schemathesis run` on the operations whose path matches `paths`; fails with
    its report (tokens and passwords filtered out) unless every check passed."""
    tables: dict[str, dict[str, Any]] = {
        # Never sign up and log in on its own: the runs without tokens stay without.
        "auth": {"auto-signup": False},
        "phases.coverage": {
            "unexpected-methods": [m for m in UNDECLARED_METHODS if m not in NOT_SERVED_LOCALLY]
        },
        "checks.negative_data_rejection": {"expected-statuses": [*REJECTIONS, "5xx"]},
        # Without tokens, every request to a guarded operation is refused: what that run checks.
        "warnings": {
            "fail-on": [w for w in WARNINGS if tokens or w != SchemathesisWarning.MISSING_AUTH]
        },
    }
    environment = dict(os.environ)
    for scheme, token in (tokens or {}).items():
        # From the environment, so that no token is written to disk.
        tables[f"auth.openapi.{scheme}"] = {"api_key": f"${{FUZZ_{scheme.upper()}}}"}
        environment[f"FUZZ_{scheme.upper()}"] = token
    config = workdir / "schemathesis.toml"
    config.write_text(_toml(tables))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            stack["api_url"] + "/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            SEED,
            # One worker: Hypothesis parses schemathesis' source (ast.parse) to describe
            # the filters it puts on path and query parameters, and on Python 3.11.7 two
            # threads parsing at once can corrupt the parser's shared recursion counter
            # (SystemError "AST constructor recursion depth mismatch", CPython gh-106905):
            # with two workers, one run in two failed so once the admin routes' parameters
            # came.
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--include-path-regex",
            paths,
        ],
        capture_output=True,
        text=True,
        env=environment,
        # It keeps a cache where it runs: not in the repository.
        cwd=workdir,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def fuzz_tokens(stack: dict[str, Any]) -> dict[str, str]:
    """A user of its own, so that whatever the fuzzer does cannot disturb other tests."""
    api = stack["api_url"]
    body = {"username": FUZZ_USER, "password": FUZZ_PASSWORD}
    requests.post(api + "/signup", json=body, timeout=30)
    code = sign_up_code(Path(stack["log_file"]), FUZZ_USER)
    requests.post(api + "/signup/confirm", json={"username": FUZZ_USER, "code": code}, timeout=30)
    response = requests.post(api + "/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()["data"]
    return tokens


def test_the_methods_left_out_are_the_ones_chalice_local_answers_501(
    stack: dict[str, Any],
) -> None:
    answers = {
        method: requests.request(method.upper(), stack["api_url"] + "/login", timeout=30)
        for method in NOT_SERVED_LOCALLY
    }

    assert sorted(answers) == ["query", "trace"]
    assert {method: answer.status_code for method, answer in answers.items()} == {
        "query": 501,
        "trace": 501,
    }
    assert {answer.headers["Content-Type"].split(";")[0] for answer in answers.values()} == {
        "text/html"
    }


def test_every_operation_without_a_token(stack: dict[str, Any], tmp_path: Path) -> None:
    _schemathesis(stack, tmp_path, ".*")


def test_the_guarded_operations_with_the_token_each_takes(
    stack: dict[str, Any], fuzz_tokens: dict[str, str], tmp_path: Path
) -> None:
    tokens = {
        ID_TOKEN_SCHEME: fuzz_tokens["id_token"],
        ACCESS_TOKEN_SCHEME: fuzz_tokens["access_token"],
    }

    _schemathesis(stack, tmp_path, "^(" + "|".join(GUARDED) + ")$", tokens)


def test_logout_with_an_access_token(
    stack: dict[str, Any], fuzz_tokens: dict[str, str], tmp_path: Path
) -> None:
    # Apart, and last: signing out ends the session the other operations' token opens.
    _schemathesis(stack, tmp_path, "^/logout$", {ACCESS_TOKEN_SCHEME: fuzz_tokens["access_token"]})

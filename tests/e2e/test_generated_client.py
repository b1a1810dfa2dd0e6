"""A client generated from the committed openapi.json with openapi-python-client, as a
team that does not use ours would make one, against the local stack: it signs up,
logs in, reads the profile and renews, and every answer comes back as a typed model
(attrs classes), never a dict."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

from devstack.openapi import TARGET
from tests.stack_support import sign_up_code

pytestmark = pytest.mark.e2e

PACKAGE = "generated_client"
USERNAME = "generated@example.com"
PASSWORD = "Gener4ted-Client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, importable for as long as the module's tests run."""
    workdir = tmp_path_factory.mktemp("generated")
    config = workdir / "config.json"
    # No formatting hooks: the code is only imported here.
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(TARGET),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(workdir / PACKAGE),
            # A document a generator has to guess about is not one a team can trust.
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        cwd=workdir,
    )
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _endpoint(name: str) -> Any:
    """The generated module of one operation (its sync, sync_detailed, ...)."""
    return importlib.import_module(f"{PACKAGE}.api.default.{name}")


def test_a_generated_client_signs_up_logs_in_reads_the_profile_and_renews(
    generated: ModuleType, stack: dict[str, Any]
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")

    with generated.Client(base_url=stack["api_url"]) as client:
        signed_up = _endpoint("signup").sync(
            client=client, body=models.SignUpRequest(username=USERNAME, password=PASSWORD)
        )
        confirmed = _endpoint("signup_confirm").sync(
            client=client,
            body=models.ConfirmSignUpRequest(
                username=USERNAME, code=sign_up_code(Path(stack["log_file"]), USERNAME)
            ),
        )
        logged_in = _endpoint("login").sync(
            client=client, body=models.LoginRequest(username=USERNAME, password=PASSWORD)
        )
        tokens = logged_in.data
        renewed = _endpoint("renew_refresh_token").sync(
            client=client,
            body=models.RenewRequest(username=USERNAME, refresh_token=tokens.refresh_token),
        )
    # The generated AuthenticatedClient puts "Bearer " before the token unless told not to.
    with generated.AuthenticatedClient(
        base_url=stack["api_url"], token=tokens.id_token, prefix=""
    ) as session:
        profile = _endpoint("test_user").sync(client=session)

    assert isinstance(signed_up, models.SignUpResultAnswer)
    assert isinstance(signed_up.data, models.SignUpResult)
    assert signed_up.data.user_confirmed is False
    assert isinstance(confirmed, models.MessageAnswer)
    assert isinstance(logged_in, models.TokensOrChallengeAnswer)
    assert isinstance(tokens, models.Tokens)
    assert attrs.has(type(tokens))
    assert (tokens.token_type, tokens.expires_in) == ("Bearer", 3600)
    assert isinstance(profile, models.AttributeListAnswer)
    assert all(isinstance(attribute, models.Attribute) for attribute in profile.data)
    assert ("email", USERNAME) in {(a.name, a.value) for a in profile.data}
    assert isinstance(renewed, models.RenewedTokensAnswer)
    assert isinstance(renewed.data, models.RenewedTokens)
    assert renewed.data.id_token != tokens.id_token


def test_a_generated_client_left_on_its_bearer_prefix_gets_the_gateways_401(
    generated: ModuleType, stack: dict[str, Any]
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    demo = models.LoginRequest(username=stack["demo_username"], password=stack["demo_password"])
    with generated.Client(base_url=stack["api_url"]) as client:
        tokens = _endpoint("login").sync(client=client, body=demo).data

    with generated.AuthenticatedClient(base_url=stack["api_url"], token=tokens.id_token) as bearer:
        answer = _endpoint("test_user").sync_detailed(client=bearer)

    assert answer.status_code == 401
    assert isinstance(answer.parsed, models.GatewayUnauthorized)
    assert answer.parsed.message == "Unauthorized"

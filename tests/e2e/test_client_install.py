"""End to end: the client installed from the working tree into a fresh venv outside
the repository, on its own dependencies alone, logs in to the local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devstack.environment import ROOT
from devstack.pool import create_confirmed_user
from tests.client_support import Shell

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

CLIENT = ROOT / "client"
# The service's packages: none may come along with the client.
SERVICE_PACKAGES = {"chalice", "boto3", "botocore", "moto", "joserfc"}
PASSWORD = "Install-Passw0rd!"
# Creating the venv and installing from the package index take seconds, not minutes.
INSTALL_TIMEOUT = 180


class Venv(Shell):
    """A venv of its own, and commands run in `cwd` with nothing of the repository's
    environment (its venv, its sources) on their path; a command's first word names
    a program of the venv."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COGNITO_AUTH_API_URL"}
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["XDG_CONFIG_HOME"] = str(cwd / "config")
        super().__init__(cwd, env)

    def argv(self, args: tuple[str, ...]) -> list[str]:
        return [str(self.bin / args[0]), *args[1:]]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    outside = tmp_path_factory.mktemp("client-install")
    assert not outside.resolve().is_relative_to(ROOT)
    subprocess.run(
        [sys.executable, "-m", "venv", str(outside / "venv")], check=True, timeout=INSTALL_TIMEOUT
    )
    venv = Venv(outside / "venv", outside)
    pip = ("python", "-m", "pip", "--disable-pip-version-check")
    venv.ok(*pip, "install", "--quiet", str(CLIENT), timeout=INSTALL_TIMEOUT)
    return venv


def test_the_client_installs_without_the_services_packages(installed: Venv) -> None:
    listed = json.loads(installed.ok("python", "-m", "pip", "list", "--format=json"))
    names = {package["name"].lower().replace("_", "-") for package in listed}

    assert "cognito-auth-client" in names
    assert not names & SERVICE_PACKAGES
    # A copy in the venv, typed, not the working tree's sources.
    location = installed.ok(
        "python", "-c", "import cognito_auth_client; print(cognito_auth_client.__file__)"
    )
    package = Path(location.strip()).parent
    assert package.is_relative_to(installed.root)
    assert (package / "py.typed").is_file()


def test_the_console_script_answers_help_and_the_packages_version(installed: Venv) -> None:
    version = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["version"]

    assert installed.ok("cognito-auth", "--help").startswith("usage: cognito-auth ")
    assert installed.ok("cognito-auth", "--version") == f"cognito-auth {version}\n"


def test_the_installed_cli_logs_in_to_the_local_stack(
    installed: Venv, stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = f"installed-{os.getpid()}@example.com"
    create_confirmed_user(stack_cognito, stack["user_pool_id"], user, PASSWORD)

    out = installed.ok(
        "cognito-auth",
        "--api-url",
        stack["api_url"],
        "login",
        user,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    assert out == f"Logged in as {user}\n"
    whoami = json.loads(
        installed.ok("cognito-auth", "--api-url", stack["api_url"], "--json", "whoami")
    )
    assert whoami["attributes"]["email"] == user

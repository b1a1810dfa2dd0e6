"""End to end: the CLI as a subprocess, and a Session object, against the local
stack over HTTP."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cognito_auth_client import (
    Client,
    InvalidCredentials,
    RenewedTokens,
    Session,
    SessionState,
    TokenExpired,
    Tokens,
)
from devstack.pool import ADMIN_GROUP, Pool, create_confirmed_user
from tests.client_support import CLI_TIMEOUT, Shell
from tests.conftest import Clock, mint_token
from tests.mfa_support import app_code
from tests.stack_support import logged, reset_code, sign_up_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Cli-Passw0rd!"
NEW_PASSWORD = "Cli-Changed-Passw0rd!"


class Terminal(Shell):
    """A directory where `make run` wrote .local/stack.json, and a user whose
    configuration directory is XDG_CONFIG_HOME, running the CLI."""

    def __init__(self, tmp_path: Path, stack: dict[str, Any]) -> None:
        cwd = tmp_path / "repo"
        (cwd / ".local").mkdir(parents=True)
        described = {name: value for name, value in stack.items() if name != "log_file"}
        (cwd / ".local" / "stack.json").write_text(json.dumps(described))
        self.config = tmp_path / "config"
        self.token_file = self.config / "cognito-auth-client" / "session.json"
        env = {**os.environ, "XDG_CONFIG_HOME": str(self.config)}
        env.pop("COGNITO_AUTH_API_URL", None)
        super().__init__(cwd, env)

    def argv(self, args: tuple[str, ...]) -> list[str]:
        return [sys.executable, "-m", "cognito_auth_client", *args]

    def stored(self) -> SessionState:
        state = json.loads(self.token_file.read_text())
        return SessionState(**state)


@pytest.fixture
def terminal(tmp_path: Path, stack: dict[str, Any]) -> Terminal:
    return Terminal(tmp_path, stack)


def _unique(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}@example.com"


def test_cli_signs_up_logs_in_edits_renews_and_signs_out(
    terminal: Terminal, stack: dict[str, Any]
) -> None:
    user = _unique("cli")
    signed_up = terminal.ok("signup", user, "--name", "Lee", "--password-stdin", stdin=PASSWORD)
    assert "Please confirm your signup" in signed_up
    refused = terminal.run("login", user, "--password-stdin", stdin=PASSWORD)
    assert refused.returncode == 3
    assert refused.stderr.startswith("error: User is not confirmed (HTTP 403, request id ")
    terminal.ok("confirm", user, sign_up_code(Path(stack["log_file"]), user))

    assert (
        terminal.ok("login", user, "--password-stdin", stdin=PASSWORD) == f"Logged in as {user}\n"
    )
    assert stat.S_IMODE(terminal.token_file.stat().st_mode) == 0o600
    profile = json.loads(terminal.ok("--json", "whoami"))["attributes"]
    assert (profile["email"], profile["name"]) == (user, "Lee")

    assert terminal.ok("set-attribute", "name", "Leona") == "Updated: name\n"
    before = terminal.stored()
    terminal.ok("renew")
    after = terminal.stored()
    assert after.id_token != before.id_token
    # Rotated: the file keeps the new refresh token, and the next renewal sends it.
    assert after.refresh_token != before.refresh_token
    # The profile answers from the id token: the renewed one has the new name.
    assert json.loads(terminal.ok("--json", "whoami"))["attributes"]["name"] == "Leona"
    # Tokens within the margin of expiry (an hour, here) are renewed, and stored.
    terminal.ok("--margin", "3600", "whoami")
    assert terminal.stored().id_token != after.id_token

    terminal.ok("passwd", "--password-stdin", stdin=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert terminal.ok("logout") == "Signed out everywhere\n"

    assert not terminal.token_file.exists()
    assert terminal.run("whoami").returncode == 3
    with Client(stack["api_url"]) as client:
        # Signed out everywhere: the refresh token no longer works.
        with pytest.raises(InvalidCredentials):
            client.renew(user, after.refresh_token)
        # And the password is the new one.
        with pytest.raises(InvalidCredentials):
            client.login(user, PASSWORD)
        assert isinstance(client.login(user, NEW_PASSWORD), Tokens)


def test_cli_resets_a_forgotten_password(terminal: Terminal, stack: dict[str, Any]) -> None:
    user = _unique("cli-forgot")
    terminal.ok("signup", user, "--password-stdin", stdin=PASSWORD)
    terminal.ok("confirm", user, sign_up_code(Path(stack["log_file"]), user))

    terminal.ok("forgot", user)
    code = reset_code(Path(stack["log_file"]), user)
    terminal.ok("reset", user, code, "--password-stdin", stdin=NEW_PASSWORD)

    assert terminal.run("login", user, "--password-stdin", stdin=PASSWORD).returncode == 3
    terminal.ok("login", user, "--password-stdin", stdin=NEW_PASSWORD)


def test_cli_changes_email_turns_on_mfa_signs_out_one_device_and_deletes_the_account(
    tmp_path: Path, terminal: Terminal, stack: dict[str, Any]
) -> None:
    old = _unique("cli-mover")
    new = old.replace("cli-mover", "cli-moved")
    terminal.ok("signup", old, "--password-stdin", stdin=PASSWORD)
    terminal.ok("confirm", old, sign_up_code(Path(stack["log_file"]), old))
    terminal.ok("login", old, "--password-stdin", stdin=PASSWORD)

    pending = json.loads(terminal.ok("--json", "set-attribute", f"email={new}"))
    assert [item["attribute"] for item in pending["pending_verification"]] == ["email"]
    code = logged(
        Path(stack["log_file"]), rf"email verification code for {re.escape(new)}: (\d{{6}})"
    )
    assert terminal.ok("verify-attribute", "email", code) == "email has been verified\n"
    assert terminal.run("login", old, "--password-stdin", stdin=PASSWORD).returncode == 3
    terminal.ok("login", new, "--password-stdin", stdin=PASSWORD)

    setup = json.loads(terminal.ok("--json", "mfa", "setup"))
    assert setup["uri"].startswith("otpauth://totp/")
    terminal.ok("mfa", "verify", app_code(setup["secret"]))
    assert json.loads(terminal.ok("--json", "mfa", "status"))["enabled"] == ["SOFTWARE_TOKEN_MFA"]

    # Two devices: the laptop logs in with the password and a code from the app.
    laptop = Terminal(tmp_path / "laptop", stack)
    answers = f"{PASSWORD}\n{app_code(setup['secret'])}\n"
    assert laptop.ok("login", new, "--password-stdin", stdin=answers) == f"Logged in as {new}\n"
    phone = terminal.stored()
    assert terminal.ok("logout", "--this-device") == "Signed out of this session\n"
    assert not terminal.token_file.exists()
    with Client(stack["api_url"]) as client:
        with pytest.raises(InvalidCredentials):
            client.renew(new, phone.refresh_token)
        assert isinstance(client.renew(new, laptop.stored().refresh_token), RenewedTokens)

    refused = laptop.run("delete-account", "--password-stdin", stdin="Not-the-Passw0rd!")
    assert refused.returncode == 3
    assert laptop.token_file.exists()
    assert laptop.ok("delete-account", "--password-stdin", stdin=PASSWORD) == (
        "Your account has been deleted\n"
    )
    assert not laptop.token_file.exists()
    assert laptop.run("login", new, "--password-stdin", stdin=PASSWORD).returncode == 3


def sign_in_code(log_file: Path, username: str) -> str:
    """The last one-time sign-in code (EMAIL_OTP, SMS_OTP) the local stage logged for
    the user. Here, not in tests/stack_support.py, which this change does not own."""
    return logged(log_file, rf"sign-in code for {re.escape(username)}: (\d{{8}})\b")


def test_cli_logs_in_with_a_code_sent_by_email(
    terminal: Terminal, stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = _unique("cli-otp")
    create_confirmed_user(stack_cognito, stack["user_pool_id"], user, PASSWORD)
    argv = terminal.argv(("login", user, "--passwordless", "email", "--password-stdin"))
    with subprocess.Popen(
        argv,
        cwd=terminal.cwd,
        env=terminal.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as login:
        # The code is made when the CLI starts the sign-in, and it waits for it: typed
        # as a user types what the mail says.
        try:
            code = sign_in_code(Path(stack["log_file"]), user)
        except AssertionError:
            # Ends the CLI's standard input: it stops at the prompt, or has said why not.
            _, err = login.communicate(timeout=CLI_TIMEOUT)
            raise AssertionError(f"no sign-in code logged; the CLI said: {err}") from None
        out, err = login.communicate(code + "\n", timeout=CLI_TIMEOUT)

    assert (login.returncode, out) == (0, f"Logged in as {user}\n"), err
    assert code not in out + err
    assert json.loads(terminal.ok("--json", "whoami"))["attributes"]["email"] == user
    before = terminal.stored()
    terminal.ok("renew")
    assert terminal.stored().refresh_token != before.refresh_token


def test_cli_lists_no_passkeys_and_refuses_to_delete_an_unknown_one(
    terminal: Terminal, stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    user = _unique("cli-passkeys")
    create_confirmed_user(stack_cognito, stack["user_pool_id"], user, PASSWORD)
    terminal.ok("login", user, "--password-stdin", stdin=PASSWORD)

    assert terminal.ok("passkeys") == "No passkeys\n"
    assert json.loads(terminal.ok("--json", "passkeys")) == {"passkeys": [], "next_token": None}
    refused = terminal.run("passkeys", "delete", "bm8tc3VjaC1wYXNza2V5")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: No such passkey (HTTP 404, request id ")


def test_cli_administrator_invites_finds_disables_and_removes_a_user(
    terminal: Terminal, stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient
) -> None:
    """Enable and regrouping are the same call shape, covered over the mocked transport:
    this stays within the CLI tests' time budget."""
    pool_id = stack["user_pool_id"]
    admin, invited = _unique("cli-admin"), _unique("cli-invited")
    create_confirmed_user(stack_cognito, pool_id, admin, PASSWORD, groups=[ADMIN_GROUP])
    terminal.ok("login", admin, "--password-stdin", stdin=PASSWORD)

    made = json.loads(terminal.ok("--json", "admin", "invite", invited, "--name", "Ivy"))
    assert (made["attributes"]["name"], made["status"]) == ("Ivy", "FORCE_CHANGE_PASSWORD")
    page = json.loads(terminal.ok("--json", "admin", "users", "--filter", f'email = "{invited}"'))
    assert [user["username"] for user in page["users"]] == [made["username"]]
    terminal.ok("admin", "disable", invited)
    assert not stack_cognito.admin_get_user(UserPoolId=pool_id, Username=invited)["Enabled"]
    assert terminal.ok("admin", "delete", invited) == "User deleted\n"
    with pytest.raises(stack_cognito.exceptions.UserNotFoundException):
        stack_cognito.admin_get_user(UserPoolId=pool_id, Username=invited)


def test_session_survives_its_tokens_expiring_mid_run(stack: dict[str, Any]) -> None:
    """An hour passes on the session's clock: the next call renews first, and works."""
    user = stack["demo_username"]
    clock = Clock(time.time())
    renewals: list[SessionState] = []
    with Client(stack["api_url"]) as client:
        tokens = client.login(user, stack["demo_password"])
        assert isinstance(tokens, Tokens)
        session = Session.from_login(client, user, tokens, clock=clock, on_renew=renewals.append)
        assert session.attributes()
        assert renewals == []
        assert session.expires_at is not None

        clock.now = session.expires_at - session.margin + 1
        attributes = session.attributes()

    assert {attribute.name: attribute.value for attribute in attributes}["email"] == user
    assert len(renewals) == 1
    assert session.state.id_token != tokens.id_token


def test_session_renews_and_retries_when_the_gateway_says_expired(
    stack: dict[str, Any],
) -> None:
    """The token expired though the client's clock said not (clock skew): the
    gateway's 401 makes the session renew once and retry."""
    user = stack["demo_username"]
    expired_at = time.time() - 60
    pool = Pool(stack["user_pool_id"], stack["client_id"], "")
    expired = mint_token(pool, exp=int(expired_at), iat=int(expired_at) - 3600, email=user)
    renewals: list[SessionState] = []
    with Client(stack["api_url"]) as client:
        tokens = client.login(user, stack["demo_password"])
        assert isinstance(tokens, Tokens)
        with pytest.raises(TokenExpired):
            client.user_attributes(expired)
        state = SessionState(
            client.api_url, user, expired, tokens.access_token, tokens.refresh_token
        )
        session = Session(client, state, clock=lambda: expired_at - 3600, on_renew=renewals.append)

        attributes = session.attributes()

    assert {attribute.name: attribute.value for attribute in attributes}["email"] == user
    assert len(renewals) == 1

"""The CLI over a mocked transport: exit codes, output, where the API is found,
the token file's life."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from requests import PreparedRequest

import cognito_auth_client
from cognito_auth_client.cli import main
from cognito_auth_client.storage import TokenFile, default_path
from tests.client_support import API, envelope, error_envelope, tokens

DIST = "cognito-auth-client"
USER = "alice@example.com"
PASSWORD = "Passw0rd!"


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, and the XDG config directory."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path / "config"


def cli(home: Path, *argv: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    environ = {"XDG_CONFIG_HOME": str(home), **(env or {})}
    try:
        code = main(list(argv), environ=environ, stdin=io.StringIO(stdin), out=out, err=err)
    except SystemExit as exit:
        code = int(exit.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def store(home: Path) -> TokenFile:
    return TokenFile(default_path({"XDG_CONFIG_HOME": str(home)}))


def logged_in(home: Path, mocked: responses.RequestsMock) -> dict[str, Any]:
    data = tokens(time.time() + 3600)
    mocked.post(f"{API}/login", json=envelope(data))
    assert cli(home, "--api-url", API, "login", USER, "--password-stdin", stdin=PASSWORD).code == 0
    return data


def test_login_stores_the_tokens_and_prints_none(
    mocked: responses.RequestsMock, home: Path
) -> None:
    data = tokens(time.time() + 3600)
    mocked.post(f"{API}/login", json=envelope(data))

    run = cli(home, "--api-url", API, "login", USER, "--password-stdin", stdin=PASSWORD + "\n")

    assert (run.code, run.out) == (0, f"Logged in as {USER}\n")
    assert json.loads(mocked.calls[0].request.body or b"") == {
        "username": USER,
        "password": PASSWORD,
    }
    state = store(home).load()
    assert state is not None
    assert (state.username, state.api_url, state.refresh_token) == (USER, API, "refresh-1")
    for secret in (data["id_token"], data["access_token"], PASSWORD):
        assert secret not in run.out + run.err


def test_login_answers_a_new_password_challenge_from_stdin(
    mocked: responses.RequestsMock, home: Path
) -> None:
    challenge = {"challenge_name": "NEW_PASSWORD_REQUIRED", "session": "s" * 40, "parameters": {}}
    mocked.post(f"{API}/login", json=envelope(challenge))
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(time.time() + 3600)))

    run = cli(
        home, "--api-url", API, "login", USER, "--password-stdin", stdin="Temp-1\nNew-Passw0rd\n"
    )

    assert run.code == 0
    assert json.loads(mocked.calls[1].request.body or b"")["new_password"] == "New-Passw0rd"


def test_a_challenge_the_client_cannot_answer_is_an_authentication_failure(
    mocked: responses.RequestsMock, home: Path
) -> None:
    challenge = {"challenge_name": "MFA_SETUP", "session": "s" * 40, "parameters": {}}
    mocked.post(f"{API}/login", json=envelope(challenge))

    run = cli(home, "--api-url", API, "login", USER, "--password-stdin", stdin=PASSWORD)

    assert run.code == 3
    assert "MFA_SETUP" in run.err


def test_wrong_password_exits_3_with_the_message_and_request_id(
    mocked: responses.RequestsMock, home: Path
) -> None:
    mocked.post(
        f"{API}/login",
        status=401,
        json=error_envelope("The username or password is incorrect", "invalid_credentials"),
        headers={"X-Request-Id": "req-5"},
    )

    run = cli(home, "--api-url", API, "login", USER, "--password-stdin", stdin="wrong")

    assert run.code == 3
    assert run.err == "error: The username or password is incorrect (HTTP 401, request id req-5)\n"
    assert not store(home).path.exists()


def test_json_errors_are_machine_readable(mocked: responses.RequestsMock, home: Path) -> None:
    mocked.post(
        f"{API}/password/forgot",
        status=429,
        json=error_envelope("Too many requests, please retry later", "throttled"),
        headers={"X-Request-Id": "req-6", "Retry-After": "60"},
    )

    run = cli(home, "--api-url", API, "--json", "forgot", USER)

    assert run.code == 4
    assert json.loads(run.err) == {
        "error": {
            "type": "Throttled",
            "message": "Too many requests, please retry later",
            "status": 429,
            "code": "throttled",
            "request_id": "req-6",
            "retry_after": 60.0,
        }
    }


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, error_envelope("code is required", "invalid_request"), 1),
        (409, error_envelope("User is already confirmed", "already_confirmed"), 1),
        (403, error_envelope("User is not confirmed", "user_not_confirmed"), 3),
        (500, error_envelope("Internal Server Error", "internal_error"), 4),
        (503, error_envelope("The service is temporarily unavailable", "service_unavailable"), 4),
    ],
)
def test_exit_codes_tell_refusals_authentication_and_service_failures_apart(
    mocked: responses.RequestsMock, home: Path, status: int, body: dict[str, Any], code: int
) -> None:
    mocked.post(f"{API}/signup/confirm", status=status, json=body)

    run = cli(home, "--api-url", API, "confirm", USER, "123456")

    assert run.code == code
    assert body["message"] in run.err


def test_an_unreachable_service_exits_4(home: Path) -> None:
    from devstack.process import free_port

    run = cli(home, "--api-url", f"http://127.0.0.1:{free_port()}", "forgot", USER)

    assert run.code == 4
    assert "Cannot connect" in run.err


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-url", API],
        ["--api-url", API, "login"],
        ["--api-url", API, "frobnicate"],
        ["--api-url", "not-a-url", "forgot", USER],
        ["forgot", USER],
        ["--api-url", API, "--timeout", "0", "forgot", USER],
        ["--api-url", API, "--timeout", "soon", "forgot", USER],
        ["--api-url", API, "--margin", "-1", "whoami"],
        ["--api-url", API, "--margin", "nan", "whoami"],
        ["--api-url", API, "login", USER, "--passwordless", "pigeon"],
        ["--api-url", API, "passkeys", "add"],
        ["--api-url", API, "passkeys", "delete"],
    ],
)
def test_usage_errors_exit_2(home: Path, argv: list[str]) -> None:
    assert cli(home, *argv).code == 2


def test_stdin_that_ends_before_the_password_is_a_usage_error(home: Path) -> None:
    run = cli(home, "--api-url", API, "login", USER, "--password-stdin", stdin="")

    assert run.code == 2
    assert "standard input ended" in run.err


def one_time_code_challenge(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """/login/start as the service answers a request for a one-time code: the
    challenge named (whether or not the name has an account)."""
    factor = json.loads(request.body or b"")["challenge"]
    challenge = {"challenge_name": factor, "session": "s-otp", "parameters": {}}
    return 200, {}, json.dumps(envelope(challenge))


@pytest.mark.parametrize(("typed", "factor"), [("email", "EMAIL_OTP"), ("sms", "SMS_OTP")])
def test_login_passwordless_asks_for_the_code_sent_and_stores_the_tokens(
    mocked: responses.RequestsMock, home: Path, typed: str, factor: str
) -> None:
    data = tokens(time.time() + 3600)
    mocked.add_callback("POST", f"{API}/login/start", callback=one_time_code_challenge)
    mocked.post(f"{API}/login/challenge", json=envelope(data))

    run = cli(
        home,
        "--api-url",
        API,
        "login",
        USER,
        "--passwordless",
        typed,
        "--password-stdin",
        stdin="12345678\n",
    )

    assert (run.code, run.out) == (0, f"Logged in as {USER}\n")
    assert [(call.request.url, json.loads(call.request.body or b"")) for call in mocked.calls] == [
        (f"{API}/login/start", {"username": USER, "challenge": factor}),
        (
            f"{API}/login/challenge",
            {"username": USER, "challenge_name": factor, "session": "s-otp", "code": "12345678"},
        ),
    ]
    state = store(home).load()
    assert state is not None
    assert (state.username, state.access_token) == (USER, data["access_token"])


def test_login_passwordless_asks_at_the_terminal_as_for_an_mfa_code(
    mocked: responses.RequestsMock, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mocked.add_callback("POST", f"{API}/login/start", callback=one_time_code_challenge)
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(time.time() + 3600)))
    asked: list[str] = []

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return "12345678"

    monkeypatch.setattr("getpass.getpass", getpass)

    run = cli(home, "--api-url", API, "login", USER, "--passwordless", "email")

    assert (run.code, asked) == (0, ["Sign-in code sent by email: "])


def test_login_passwordless_with_a_wrong_code_exits_3_and_stores_nothing(
    mocked: responses.RequestsMock, home: Path
) -> None:
    mocked.add_callback("POST", f"{API}/login/start", callback=one_time_code_challenge)
    mocked.post(
        f"{API}/login/challenge",
        status=401,
        json=error_envelope("Invalid code received for user", "code_mismatch"),
    )

    run = cli(
        home,
        "--api-url",
        API,
        "login",
        USER,
        "--passwordless",
        "email",
        "--password-stdin",
        stdin="00000000\n",
    )

    assert run.code == 3
    assert "Invalid code received for user (HTTP 401" in run.err
    assert not store(home).path.exists()


# Every prompt the CLI asks, and what is typed before standard input ends at it.
PROMPTS = {
    "login": (["login", USER], [], "Password:"),
    "signup": (["signup", USER], [], "Password:"),
    "signup, password again": (["signup", USER], [PASSWORD], "Again:"),
    "reset": (["reset", USER, "c0de"], [], "New password:"),
    "login, authenticator code": (
        ["login", USER],
        [PASSWORD],
        "Code from your authenticator app:",
    ),
    "login --passwordless email, the code": (
        ["login", USER, "--passwordless", "email"],
        [],
        "Sign-in code sent by email:",
    ),
    "login --passwordless sms, the code": (
        ["login", USER, "--passwordless", "sms"],
        [],
        "Sign-in code sent by SMS:",
    ),
    "passwd": (["passwd"], [], "Current password:"),
    "passwd, new password": (["passwd"], [PASSWORD], "New password:"),
    "delete-account": (["delete-account"], [], "Password:"),
}


@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_stdin_that_ends_at_a_prompt_exits_2_with_a_message(
    mocked: responses.RequestsMock, home: Path, monkeypatch: pytest.MonkeyPatch, prompt: str
) -> None:
    argv, typed, ended_at = PROMPTS[prompt]
    logged_in(home, mocked)
    challenge = {"challenge_name": "SOFTWARE_TOKEN_MFA", "session": "s-1", "parameters": {}}
    mocked.post(f"{API}/login", json=envelope(challenge))
    mocked.add_callback("POST", f"{API}/login/start", callback=one_time_code_challenge)
    answers = iter(typed)

    def getpass(asked: str) -> str:
        # What getpass raises when its input (the terminal, or stdin without one) ends.
        answer = next(answers, None)
        if answer is None:
            raise EOFError
        return answer

    monkeypatch.setattr("getpass.getpass", getpass)

    run = cli(home, "--api-url", API, *argv)

    assert run.code == 2
    assert run.err.endswith(f"error: standard input ended before the answer to {ended_at!r}\n")


def test_a_password_prompt_without_a_terminal_on_empty_stdin_exits_2_without_a_traceback(
    tmp_path: Path,
) -> None:
    """`cognito-auth login USER < /dev/null` where there is no terminal (a script, CI):
    getpass falls back to standard input, which has ended."""
    source = Path(cognito_auth_client.__file__).parents[1]  # this test's client, not another
    environ = {"PATH": os.environ["PATH"], "PYTHONPATH": str(source), "HOME": str(tmp_path)}

    run = subprocess.run(
        [sys.executable, "-m", "cognito_auth_client", "--api-url", API, "login", USER],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        timeout=60,
        check=False,
    )

    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "standard input ended before the answer to 'Password:'" in run.stderr


def test_ctrl_c_at_the_password_prompt_exits_130_without_a_traceback(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)

    run = cli(home, "--api-url", API, "login", USER)

    assert (run.code, run.err) == (130, "\n")


def test_commands_that_need_a_session_exit_3_when_not_logged_in(home: Path) -> None:
    run = cli(home, "--api-url", API, "whoami")

    assert run.code == 3
    assert "Not logged in: run `cognito-auth login USERNAME`" in run.err


def test_the_hint_names_the_command_the_way_it_was_called(home: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    environ = {"XDG_CONFIG_HOME": str(home)}

    code = main(["--api-url", API, "whoami"], environ=environ, out=out, err=err, prog="python -m x")

    assert code == 3
    assert "run `python -m x login USERNAME`" in err.getvalue()


def test_version_is_the_installed_distributions_and_needs_no_api_url(home: Path) -> None:
    run = cli(home, "--version")

    assert (run.code, run.out) == (0, f"cognito-auth {importlib.metadata.version(DIST)}\n")


def test_a_session_of_another_api_is_not_used(mocked: responses.RequestsMock, home: Path) -> None:
    logged_in(home, mocked)

    run = cli(home, "--api-url", "http://elsewhere.test", "whoami")

    assert run.code == 3
    assert f"The stored session is for {API}" in run.err


def test_whoami_prints_the_attributes(mocked: responses.RequestsMock, home: Path) -> None:
    data = logged_in(home, mocked)
    attributes = [{"Name": "email", "Value": USER}, {"Name": "name", "Value": "Alice"}]
    mocked.post(f"{API}/user/test-user", json=envelope(attributes, None))

    text = cli(home, "--api-url", API, "whoami")
    machine = cli(home, "--api-url", API, "--json", "whoami")

    assert (text.code, text.out) == (0, f"email: {USER}\nname: Alice\n")
    assert json.loads(machine.out) == {"attributes": {"email": USER, "name": "Alice"}}
    assert mocked.calls[-1].request.headers["Authorization"] == data["id_token"]


def test_renew_stores_the_new_tokens(mocked: responses.RequestsMock, home: Path) -> None:
    logged_in(home, mocked)
    renewed = tokens(time.time() + 7200, refresh=None, serial=2)
    mocked.post(f"{API}/user/renew_refresh_token", json=envelope(renewed))

    run = cli(home, "--api-url", API, "--json", "renew")

    assert run.code == 0
    assert set(json.loads(run.out)) == {"expires_at"}
    state = store(home).load()
    assert state is not None
    assert (state.id_token, state.refresh_token) == (renewed["id_token"], "refresh-1")


def test_an_insecure_token_file_is_refused_with_exit_1(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    store(home).path.chmod(0o644)

    run = cli(home, "--api-url", API, "whoami")

    assert run.code == 1
    assert "are too open" in run.err


def test_logout_signs_out_and_deletes_the_token_file(
    mocked: responses.RequestsMock, home: Path
) -> None:
    data = logged_in(home, mocked)
    mocked.post(f"{API}/logout", json=envelope(None, "Signed out everywhere"))

    run = cli(home, "--api-url", API, "logout")

    assert (run.code, run.out) == (0, "Signed out everywhere\n")
    assert mocked.calls[-1].request.headers["Authorization"] == data["access_token"]
    assert not store(home).path.exists()


def test_logout_of_a_session_that_has_ended_still_deletes_the_file(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(f"{API}/logout", status=401, json={"message": "Unauthorized"})
    mocked.post(
        f"{API}/user/renew_refresh_token",
        status=401,
        json=error_envelope(
            "Invalid refresh token or username is incorrect", "invalid_refresh_token"
        ),
    )

    run = cli(home, "--api-url", API, "logout")

    assert (run.code, run.out) == (0, "The session had already ended\n")
    assert not store(home).path.exists()


def test_logout_keeps_the_file_when_the_service_fails(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(
        f"{API}/logout", status=503, json=error_envelope("unavailable", "service_unavailable")
    )

    assert cli(home, "--api-url", API, "logout").code == 4
    assert store(home).path.exists()


def test_passwd_set_attribute_and_reset_send_what_was_typed(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(f"{API}/user/change-password", json=envelope(None, "changed"))
    mocked.post(f"{API}/user/attributes", json=envelope({"updated": ["name"]}, "updated"))
    mocked.post(f"{API}/password/confirm", json=envelope(None, "reset"))

    passwd = cli(home, "--api-url", API, "passwd", "--password-stdin", stdin="Old-1\nNew-2\n")
    attribute = cli(home, "--api-url", API, "set-attribute", "name", "Al")
    reset = cli(home, "--api-url", API, "reset", USER, "c0de", "--password-stdin", stdin="New-3")

    assert (passwd.code, attribute.code, attribute.out, reset.code) == (0, 0, "Updated: name\n", 0)
    assert [json.loads(call.request.body or b"") for call in mocked.calls[1:]] == [
        {"previous_password": "Old-1", "proposed_password": "New-2"},
        {"attributes": {"name": "Al"}},
        {"username": USER, "code": "c0de", "password": "New-3"},
    ]


def test_signup_and_resend_code(mocked: responses.RequestsMock, home: Path) -> None:
    mocked.post(
        f"{API}/signup",
        status=201,
        json=envelope({"user_confirmed": False, "destination": "a***@e***.com"}, "Confirm"),
    )
    mocked.post(f"{API}/signup/resend-code", json=envelope(None, "Sent if it exists"))

    signup = cli(
        home, "--api-url", API, "signup", USER, "--name", "Al", "--password-stdin", stdin=PASSWORD
    )
    resend = cli(home, "--api-url", API, "resend-code", USER)

    assert (signup.code, signup.out) == (0, "Confirm (code sent to a***@e***.com)\n")
    assert (resend.code, resend.out) == (0, "Sent if it exists\n")
    assert json.loads(mocked.calls[0].request.body or b"") == {
        "username": USER,
        "password": PASSWORD,
        "name": "Al",
    }


def test_the_api_url_comes_from_the_local_stack_file_in_a_parent_directory(
    mocked: responses.RequestsMock, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path.cwd()
    (root / ".local").mkdir()
    (root / ".local" / "stack.json").write_text(json.dumps({"api_url": API}))
    (root / "sub" / "dir").mkdir(parents=True)
    monkeypatch.chdir(root / "sub" / "dir")
    mocked.post(f"{API}/password/forgot", json=envelope(None, "check"))

    run = cli(home, "forgot", USER, env={"COGNITO_AUTH_API_URL": "http://other.test"})

    assert (run.code, run.out) == (0, "check\n")


def test_the_api_url_comes_from_the_environment_without_a_stack_file(
    mocked: responses.RequestsMock, home: Path
) -> None:
    mocked.post(f"{API}/password/forgot", json=envelope(None, "check"))

    run = cli(home, "forgot", USER, env={"COGNITO_AUTH_API_URL": API})

    assert (run.code, run.out) == (0, "check\n")


def test_logout_this_device_revokes_only_this_refresh_token(
    mocked: responses.RequestsMock, home: Path
) -> None:
    data = logged_in(home, mocked)
    mocked.post(f"{API}/logout", json=envelope(None, "Signed out of this session"))

    run = cli(home, "--api-url", API, "logout", "--this-device")

    assert (run.code, run.out) == (0, "Signed out of this session\n")
    assert json.loads(mocked.calls[-1].request.body or b"") == {
        "refresh_token": data["refresh_token"]
    }
    assert not store(home).path.exists()


def test_delete_account_sends_the_password_and_deletes_the_token_file(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(f"{API}/user/delete", json=envelope(None, "Your account has been deleted"))

    run = cli(home, "--api-url", API, "delete-account", "--password-stdin", stdin=PASSWORD)

    assert (run.code, run.out) == (0, "Your account has been deleted\n")
    assert json.loads(mocked.calls[-1].request.body or b"") == {"password": PASSWORD}
    assert not store(home).path.exists()


def test_delete_account_with_a_wrong_password_keeps_the_token_file(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(
        f"{API}/user/delete",
        status=401,
        json=error_envelope("Incorrect password", "wrong_password"),
    )

    run = cli(home, "--api-url", API, "delete-account", "--password-stdin", stdin="wrong")

    assert run.code == 3
    assert "Incorrect password" in run.err
    assert store(home).path.exists()


def test_set_attribute_email_tells_where_the_code_went(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    pending = {"attribute": "email", "destination": "n***@e***.com", "delivery_medium": "EMAIL"}
    mocked.post(
        f"{API}/user/attributes",
        json=envelope({"updated": [], "pending_verification": [pending]}),
    )

    run = cli(home, "--api-url", API, "set-attribute", "email=new@example.com")

    assert run.code == 0
    assert (
        run.out == "Code sent to n***@e***.com to verify email: run verify-attribute email CODE\n"
    )
    assert json.loads(mocked.calls[-1].request.body or b"") == {
        "attributes": {"email": "new@example.com"}
    }


def test_mfa_setup_prints_the_secret_and_writes_the_qr_code(
    mocked: responses.RequestsMock, home: Path, tmp_path: Path
) -> None:
    logged_in(home, mocked)
    data = {"secret": "JBSWY3DPEHPK3PXP", "uri": "otpauth://totp/x", "qr_svg": "<svg>qr</svg>"}
    mocked.post(f"{API}/user/mfa/totp/setup", json=envelope(data))
    qr = tmp_path / "qr.svg"

    run = cli(home, "--api-url", API, "--json", "mfa", "setup", "--qr", str(qr))

    assert run.code == 0
    assert json.loads(run.out) == {"secret": "JBSWY3DPEHPK3PXP", "uri": "otpauth://totp/x"}
    assert qr.read_text() == "<svg>qr</svg>"


@pytest.mark.parametrize("existing", [None, 0o644], ids=["new file", "a wider file there"])
def test_mfa_setup_writes_the_qr_code_readable_by_its_owner_only(
    mocked: responses.RequestsMock,
    home: Path,
    tmp_path: Path,
    existing: int | None,
) -> None:
    """The QR code holds the TOTP secret, as the token file holds the tokens: 0600 from
    its creation on, whatever the umask, and never written into a file that others
    can read (or already hold open): one found there is replaced, not reused."""
    logged_in(home, mocked)
    data = {"secret": "JBSWY3DPEHPK3PXP", "uri": "otpauth://totp/x", "qr_svg": "<svg>qr</svg>"}
    mocked.post(f"{API}/user/mfa/totp/setup", json=envelope(data))
    qr = tmp_path / "qr.svg"
    if existing is not None:
        qr.write_text("an older picture")
        qr.chmod(existing)
    before = qr.stat().st_ino if existing is not None else None
    umask = os.umask(0o022)  # the usual one, under which a plain write gives 0644
    try:
        run = cli(home, "--api-url", API, "mfa", "setup", "--qr", str(qr))
    finally:
        os.umask(umask)

    assert run.code == 0
    assert qr.read_text() == "<svg>qr</svg>"
    assert stat.S_IMODE(qr.stat().st_mode) == 0o600
    assert qr.stat().st_ino != before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".qr")] == []


def test_mfa_off_sets_the_preference_to_disabled(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.post(f"{API}/user/mfa", json=envelope({"totp": "disabled"}))

    run = cli(home, "--api-url", API, "mfa", "off")

    assert (run.code, run.out) == (0, "Authenticator app: disabled\n")
    assert json.loads(mocked.calls[-1].request.body or b"") == {"totp": "disabled"}


def test_login_answers_the_authenticator_app_challenge(
    mocked: responses.RequestsMock, home: Path
) -> None:
    challenge = {"challenge_name": "SOFTWARE_TOKEN_MFA", "session": "s-1", "parameters": {}}
    mocked.post(f"{API}/login", json=envelope(challenge))
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(time.time() + 3600)))

    run = cli(
        home, "--api-url", API, "login", USER, "--password-stdin", stdin=f"{PASSWORD}\n123456\n"
    )

    assert run.code == 0
    assert json.loads(mocked.calls[-1].request.body or b"")["code"] == "123456"
    assert store(home).path.exists()


def test_admin_users_lists_a_page_and_points_to_the_next(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    user = {
        "username": "sub-1",
        "attributes": {"email": "bob@example.com"},
        "enabled": False,
        "status": "CONFIRMED",
        "created": None,
        "modified": None,
    }
    mocked.get(f"{API}/admin/users", json=envelope({"users": [user], "pagination_token": "p2"}))

    run = cli(home, "--api-url", API, "admin", "users", "--limit", "1", "--filter", 'email ^= "b"')

    assert run.code == 0
    assert run.out == "bob@example.com\tCONFIRMED\tdisabled\nMore: --next p2\n"


def test_admin_refused_outside_the_admin_group_exits_3(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.add(
        "DELETE",
        f"{API}/admin/users/bob%40example.com",
        status=403,
        json=error_envelope("Forbidden", "forbidden"),
    )

    run = cli(home, "--api-url", API, "admin", "delete", "bob@example.com")

    assert run.code == 3
    assert "Forbidden (HTTP 403" in run.err


def test_admin_remove_group_encodes_user_and_group(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.add(
        "DELETE",
        f"{API}/admin/users/bob%40example.com/groups/editors",
        json=envelope(None, "User removed from the group"),
    )

    run = cli(
        home, "--api-url", API, "--json", "admin", "remove-group", "bob@example.com", "editors"
    )

    assert (run.code, json.loads(run.out)) == (0, {"message": "User removed from the group"})


PASSKEY = {
    "id": "Y3JlZC0x",
    "name": "iCloud Keychain",
    "relying_party_id": "example.com",
    "attachment": "platform",
    "transports": ["internal"],
    "created": "2026-01-01T00:00:00+00:00",
}


def test_passkeys_lists_them_and_points_to_the_next_page(
    mocked: responses.RequestsMock, home: Path
) -> None:
    data = logged_in(home, mocked)
    page = {"passkeys": [PASSKEY], "next_token": "n2"}
    mocked.get(f"{API}/user/passkeys", json=envelope(page))

    text = cli(home, "--api-url", API, "passkeys", "--limit", "1")
    machine = cli(home, "--api-url", API, "--json", "passkeys", "--next", "n1")

    assert (text.code, text.out) == (
        0,
        "Y3JlZC0x\tiCloud Keychain\t2026-01-01T00:00:00+00:00\nMore: --next n2\n",
    )
    assert (machine.code, json.loads(machine.out)) == (0, page)
    assert [call.request.url for call in mocked.calls[1:]] == [
        f"{API}/user/passkeys?limit=1",
        f"{API}/user/passkeys?next_token=n1",
    ]
    assert mocked.calls[-1].request.headers["Authorization"] == data["access_token"]


def test_passkeys_says_when_there_are_none(mocked: responses.RequestsMock, home: Path) -> None:
    logged_in(home, mocked)
    mocked.get(f"{API}/user/passkeys", json=envelope({"passkeys": [], "next_token": None}))

    run = cli(home, "--api-url", API, "passkeys")

    assert (run.code, run.out) == (0, "No passkeys\n")


def test_passkeys_delete_deletes_the_one_named(mocked: responses.RequestsMock, home: Path) -> None:
    data = logged_in(home, mocked)
    mocked.delete(f"{API}/user/passkeys/Y3JlZC0x", json=envelope(None, "Passkey deleted"))

    run = cli(home, "--api-url", API, "--json", "passkeys", "delete", "Y3JlZC0x")

    assert (run.code, json.loads(run.out)) == (0, {"message": "Passkey deleted"})
    assert mocked.calls[-1].request.method == "DELETE"
    assert mocked.calls[-1].request.headers["Authorization"] == data["access_token"]


def test_passkeys_delete_of_an_unknown_id_exits_1_with_the_404(
    mocked: responses.RequestsMock, home: Path
) -> None:
    logged_in(home, mocked)
    mocked.delete(
        f"{API}/user/passkeys/bm9uZQ",
        status=404,
        json=error_envelope("No such passkey", "passkey_not_found"),
        headers={"X-Request-Id": "req-9"},
    )

    run = cli(home, "--api-url", API, "passkeys", "delete", "bm9uZQ")

    assert run.code == 1
    assert run.err == "error: No such passkey (HTTP 404, request id req-9)\n"


def test_passkeys_need_a_session(home: Path) -> None:
    run = cli(home, "--api-url", API, "passkeys")

    assert run.code == 3
    assert "Not logged in" in run.err


def test_passkeys_help_says_adding_one_needs_the_browser_page(home: Path) -> None:
    run = cli(home, "--api-url", API, "passkeys", "--help")

    flat = " ".join(run.out.split())
    assert run.code == 0
    assert "adding a passkey needs a browser: use the browser page (docs/browser-page.md;" in flat
    assert "http://localhost:3000" in flat


def test_help_lists_passkeys_and_says_adding_one_needs_a_browser(home: Path) -> None:
    run = cli(home, "--api-url", API, "--help")

    flat = " ".join(run.out.split())  # as argparse wraps it for the terminal's width
    assert run.code == 0
    assert "passkeys list the passkeys or delete one (adding one needs a browser)" in flat

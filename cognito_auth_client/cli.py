"""`python -m cognito_auth_client`: the service from a terminal or a script.

Exit codes: 0 success; 1 any other failure (a refused request, a conflict, an
insecure token file); 2 usage error; 3 authentication failure (wrong credentials,
not logged in, unauthorized, expired, forbidden, not confirmed); 4 service failure
(5xx, throttled, unreachable); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cognito_auth_client.client import DEFAULT_TIMEOUT, Client
from cognito_auth_client.errors import (
    ApiError,
    AuthenticationError,
    ClientError,
    NotLoggedIn,
    RetryLater,
    ServiceError,
)
from cognito_auth_client.models import Challenge, Tokens
from cognito_auth_client.session import DEFAULT_MARGIN, Session
from cognito_auth_client.storage import TokenFile, default_path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTHENTICATION = 3
EXIT_SERVICE = 4
# As shells report a command that SIGINT ended.
EXIT_INTERRUPTED = 130

API_URL_VARIABLE = "COGNITO_AUTH_API_URL"
# What `make run` writes, relative to the repository it runs in.
STACK_FILE = Path(".local") / "stack.json"
# A login that asks more than this many questions in a row is refused.
MAX_CHALLENGES = 5
ANSWERABLE = {
    "NEW_PASSWORD_REQUIRED": "New password: ",
    "SOFTWARE_TOKEN_MFA": "Code from your authenticator app: ",
    "SMS_MFA": "Code sent by SMS: ",
}


class UsageError(Exception):
    """The command line cannot be carried out as given (exit 2)."""


def resolve_api_url(explicit: str | None, cwd: Path, environ: Mapping[str, str]) -> str | None:
    """--api-url; else the running local stack's URL, from `.local/stack.json` in
    the current directory or the nearest parent that has one; else the variable."""
    if explicit:
        return explicit
    for directory in (cwd, *cwd.parents):
        candidate = directory / STACK_FILE
        if candidate.is_file():
            try:
                url = json.loads(candidate.read_text())["api_url"]
            except (OSError, ValueError, KeyError, TypeError):
                break
            if isinstance(url, str):
                return url
            break
    return environ.get(API_URL_VARIABLE) or None


class Secrets:
    """Passwords and codes: typed without echo, or one per line of standard input
    (`--password-stdin`, for scripts)."""

    def __init__(self, from_stdin: bool, stdin: TextIO) -> None:
        self.from_stdin = from_stdin
        self.stdin = stdin

    def ask(self, prompt: str) -> str:
        if not self.from_stdin:
            return getpass.getpass(prompt)
        line = self.stdin.readline()
        if not line:
            raise UsageError(f"standard input ended before the answer to {prompt.strip()!r}")
        return line.rstrip("\r\n")

    def new_password(self, prompt: str) -> str:
        password = self.ask(prompt)
        if not self.from_stdin and self.ask("Again: ") != password:
            raise UsageError("the two passwords differ")
        return password


class Command:
    """What every command gets: its arguments, the API, the token file, output."""

    def __init__(
        self,
        args: argparse.Namespace,
        client: Client,
        store: TokenFile,
        secrets: Secrets,
        out: TextIO,
        clock: Callable[[], float],
    ) -> None:
        self.args = args
        self.client = client
        self.store = store
        self.secrets = secrets
        self.out = out
        self.clock = clock

    def say(self, text: str, machine: Mapping[str, Any]) -> None:
        print(json.dumps(machine) if self.args.json else text, file=self.out)

    def session(self) -> Session:
        state = self.store.load()
        if state is None:
            raise NotLoggedIn("Not logged in: run `python -m cognito_auth_client login USERNAME`")
        if state.api_url != self.client.api_url:
            raise NotLoggedIn(
                f"The stored session is for {state.api_url}, not {self.client.api_url}: "
                "log in to this one"
            )
        return Session(
            self.client, state, margin=self.args.margin, clock=self.clock, on_renew=self.store.save
        )


def _valid_until(session: Session) -> dict[str, Any]:
    if session.expires_at is None:
        return {"expires_at": None}
    return {"expires_at": datetime.fromtimestamp(session.expires_at, UTC).isoformat()}


def signup(cmd: Command) -> None:
    password = cmd.secrets.new_password("Password: ")
    result = cmd.client.sign_up(
        cmd.args.username, password, email=cmd.args.email, name=cmd.args.name
    )
    where = f" (code sent to {result.destination})" if result.destination else ""
    cmd.say(
        f"{result.message}{where}",
        {
            "message": result.message,
            "user_confirmed": result.user_confirmed,
            "destination": result.destination,
        },
    )


def confirm(cmd: Command) -> None:
    message = cmd.client.confirm_sign_up(cmd.args.username, cmd.args.code)
    cmd.say(message, {"message": message})


def resend_code(cmd: Command) -> None:
    message = cmd.client.resend_code(cmd.args.username)
    cmd.say(message, {"message": message})


def login(cmd: Command) -> None:
    username = cmd.args.username
    answer = cmd.client.login(username, cmd.secrets.ask("Password: "))
    for _ in range(MAX_CHALLENGES):
        if isinstance(answer, Tokens):
            break
        answer = cmd.client.answer_challenge(username, answer, _challenge_answer(cmd, answer))
    if not isinstance(answer, Tokens):
        raise AuthenticationError(f"The login asked more than {MAX_CHALLENGES} questions")
    session = Session.from_login(cmd.client, username, answer, clock=cmd.clock)
    cmd.store.save(session.state)
    cmd.say(
        f"Logged in as {username}",
        {"username": username, "api_url": cmd.client.api_url, **_valid_until(session)},
    )


def _challenge_answer(cmd: Command, challenge: Challenge) -> str:
    prompt = ANSWERABLE.get(challenge.challenge_name)
    if prompt is None:
        raise AuthenticationError(
            f"The login asks for {challenge.challenge_name}, which this client cannot answer"
        )
    if challenge.challenge_name == "NEW_PASSWORD_REQUIRED":
        return cmd.secrets.new_password(prompt)
    return cmd.secrets.ask(prompt)


def whoami(cmd: Command) -> None:
    attributes = cmd.session().attributes(username=cmd.args.user, fresh=cmd.args.fresh)
    cmd.say(
        "\n".join(f"{attribute.name}: {attribute.value}" for attribute in attributes),
        {"attributes": {attribute.name: attribute.value for attribute in attributes}},
    )


def renew(cmd: Command) -> None:
    session = cmd.session()
    session.renew()
    until = _valid_until(session)
    cmd.say(f"Tokens renewed, valid until {until['expires_at']}", until)


def passwd(cmd: Command) -> None:
    session = cmd.session()
    previous = cmd.secrets.ask("Current password: ")
    message = session.change_password(previous, cmd.secrets.new_password("New password: "))
    cmd.say(message, {"message": message})


def forgot(cmd: Command) -> None:
    message = cmd.client.forgot_password(cmd.args.username)
    cmd.say(message, {"message": message})


def reset(cmd: Command) -> None:
    password = cmd.secrets.new_password("New password: ")
    message = cmd.client.reset_password(cmd.args.username, cmd.args.code, password)
    cmd.say(message, {"message": message})


def set_attribute(cmd: Command) -> None:
    updated = cmd.session().update_attributes({cmd.args.name: cmd.args.value})
    cmd.say(f"Updated: {', '.join(updated)}", {"updated": updated})


def logout(cmd: Command) -> None:
    session = cmd.session()
    try:
        message = session.logout()
    except AuthenticationError:
        # The tokens no longer work (the refresh token was revoked): nothing is left
        # to sign out, and the file is of no use.
        message = "The session had already ended"
    cmd.store.delete()
    cmd.say(message, {"message": message})


def _seconds(allow_zero: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        # NaN fails both comparisons.
        if not (value > 0 or (allow_zero and value == 0)) or math.isinf(value):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of seconds {'>= 0' if allow_zero else '> 0'}"
            )
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_auth_client",
        description="A client of cognito-auth-api. Tokens are kept in "
        "$XDG_CONFIG_HOME/cognito-auth-client/session.json (mode 0600).",
        epilog="Exit codes: 0 success, 1 other failure, 2 usage error, "
        "3 authentication failure, 4 service failure, 130 interrupted.",
    )
    parser.add_argument(
        "--api-url",
        help=f"the service (default: the local stack's {STACK_FILE} in this directory or "
        f"a parent, then ${API_URL_VARIABLE})",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--timeout",
        type=_seconds(allow_zero=False),
        default=DEFAULT_TIMEOUT[1],
        help="seconds to wait for each answer (default: %(default)s)",
    )
    parser.add_argument(
        "--margin",
        type=_seconds(allow_zero=True),
        default=DEFAULT_MARGIN,
        help="renew tokens this many seconds before they expire (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, run: Callable[[Command], None], help: str, secrets: bool = False
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        if secrets:
            sub.add_argument(
                "--password-stdin",
                action="store_true",
                help="read passwords and codes from standard input, one per line",
            )
        return sub

    sub = command("signup", signup, "create an account", secrets=True)
    sub.add_argument("username")
    sub.add_argument("--email", help="default: the username")
    sub.add_argument("--name")
    sub = command("confirm", confirm, "confirm an account with the code it was sent")
    sub.add_argument("username")
    sub.add_argument("code")
    sub = command("resend-code", resend_code, "send the sign-up code again")
    sub.add_argument("username")
    sub = command("login", login, "log in and store the tokens", secrets=True)
    sub.add_argument("username")
    sub = command("whoami", whoami, "the attributes of the logged-in user")
    sub.add_argument("--user", help="another user's (members of the admin group only)")
    sub.add_argument(
        "--fresh", action="store_true", help="read them from Cognito, not from the id token"
    )
    command("renew", renew, "renew the id and access tokens now")
    command("passwd", passwd, "change the password", secrets=True)
    sub = command("forgot", forgot, "send a password reset code")
    sub.add_argument("username")
    sub = command("reset", reset, "set a new password with the reset code", secrets=True)
    sub.add_argument("username")
    sub.add_argument("code")
    sub = command("set-attribute", set_attribute, "change one profile attribute")
    sub.add_argument("name")
    sub.add_argument("value")
    command("logout", logout, "sign out everywhere and delete the stored tokens")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Callable[[], float] = time.time,
) -> int:
    # argparse writes its usage errors to sys.stderr.
    with contextlib.redirect_stderr(err):
        return _main(argv, environ, stdin, out, err, clock)


def _main(
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    clock: Callable[[], float],
) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    api_url = resolve_api_url(args.api_url, Path.cwd(), environ)
    if api_url is None:
        parser.error(f"no API URL: pass --api-url, run `make run` here, or set {API_URL_VARIABLE}")
    try:
        client = Client(api_url, timeout=(min(args.timeout, DEFAULT_TIMEOUT[0]), args.timeout))
    except ValueError as exc:
        parser.error(str(exc))
    secrets = Secrets(getattr(args, "password_stdin", False), stdin)
    with client:
        try:
            args.run(Command(args, client, TokenFile(default_path(environ)), secrets, out, clock))
        except UsageError as exc:
            parser.error(str(exc))
        except ClientError as exc:
            _report(exc, args.json, err)
            return _exit_code(exc)
        except KeyboardInterrupt:
            print(file=err)
            return EXIT_INTERRUPTED
    return EXIT_OK


def _exit_code(exc: ClientError) -> int:
    if isinstance(exc, AuthenticationError | NotLoggedIn):
        return EXIT_AUTHENTICATION
    if isinstance(exc, ServiceError):
        return EXIT_SERVICE
    return EXIT_FAILED


def _report(exc: ClientError, as_json: bool, err: TextIO) -> None:
    if not as_json:
        print(f"error: {exc}", file=err)
        return
    report: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ApiError):
        report.update(message=exc.message, status=exc.status, request_id=exc.request_id)
    if isinstance(exc, RetryLater):
        report["retry_after"] = exc.retry_after
    print(json.dumps({"error": report}), file=err)

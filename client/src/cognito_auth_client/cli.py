"""`cognito-auth` (or `python -m cognito_auth_client`): the service from a terminal
or a script.

Exit codes: 0 success; 1 any other failure (a refused request, a conflict, an
insecure token file); 2 usage error; 3 authentication failure (wrong credentials,
not logged in, unauthorized, expired, forbidden, not confirmed); 4 service failure
(5xx, throttled, unreachable); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib.metadata
import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeAlias

from cognito_auth_client.client import DEFAULT_TIMEOUT, Client
from cognito_auth_client.errors import (
    ApiError,
    AuthenticationError,
    ClientError,
    NotLoggedIn,
    RetryLater,
    ServiceError,
)
from cognito_auth_client.models import AdminUser, Challenge, MfaPreference, Tokens
from cognito_auth_client.session import DEFAULT_MARGIN, Session
from cognito_auth_client.storage import TokenFile, default_path, write_private

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTHENTICATION = 3
EXIT_SERVICE = 4
# As shells report a command that SIGINT ended.
EXIT_INTERRUPTED = 130

DISTRIBUTION = "cognito-auth-client"
API_URL_VARIABLE = "COGNITO_AUTH_API_URL"
# What `make run` writes, relative to the repository it runs in.
STACK_FILE = Path(".local") / "stack.json"
# A login that asks more than this many questions in a row is refused.
MAX_CHALLENGES = 5
ANSWERABLE = {
    "NEW_PASSWORD_REQUIRED": "New password: ",
    "SOFTWARE_TOKEN_MFA": "Code from your authenticator app: ",
    "SMS_MFA": "Code sent by SMS: ",
    "EMAIL_OTP": "Sign-in code sent by email: ",
    "SMS_OTP": "Sign-in code sent by SMS: ",
}
# `login --passwordless`: the one-time code's first factor, by where it is sent.
PASSWORDLESS = {"email": "EMAIL_OTP", "sms": "SMS_OTP"}
# Where passkeys are added: registration needs a browser's WebAuthn.
PASSKEY_PAGE = (
    "adding a passkey needs a browser: use the browser page (docs/browser-page.md; "
    "`make run` serves it, open it as http://localhost:3000, since browsers refuse "
    "127.0.0.1 for passkeys)"
)


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


def _ended_at(prompt: str) -> UsageError:
    return UsageError(f"standard input ended before the answer to {prompt.strip()!r}")


class Secrets:
    """Passwords and codes: typed without echo, or one per line of standard input
    (`--password-stdin`, for scripts)."""

    def __init__(self, from_stdin: bool, stdin: TextIO) -> None:
        self.from_stdin = from_stdin
        self.stdin = stdin

    def ask(self, prompt: str) -> str:
        if not self.from_stdin:
            try:
                return getpass.getpass(prompt)
            except EOFError:
                # Ctrl-D at the terminal, or, with none, the end of standard input.
                raise _ended_at(prompt) from None
        line = self.stdin.readline()
        if not line:
            raise _ended_at(prompt)
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
            raise NotLoggedIn(f"Not logged in: run `{self.args.prog} login USERNAME`")
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
    answer = (
        cmd.client.login_start(username, PASSWORDLESS[cmd.args.passwordless])
        if cmd.args.passwordless is not None
        else cmd.client.login(username, cmd.secrets.ask("Password: "))
    )
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
    name, value = cmd.args.name, cmd.args.value
    if value is None:
        name, equals, value = name.partition("=")
        if not equals:
            raise UsageError("give the value: set-attribute NAME VALUE, or NAME=VALUE")
    result = cmd.session().set_attributes({name: value})
    lines = [f"Updated: {', '.join(result.updated)}"] if result.updated else []
    lines += [
        f"Code sent to {pending.destination} to verify {pending.attribute}: "
        f"run verify-attribute {pending.attribute} CODE"
        for pending in result.pending_verification
    ]
    cmd.say(
        "\n".join(lines),
        {
            "updated": result.updated,
            "pending_verification": [
                {
                    "attribute": pending.attribute,
                    "destination": pending.destination,
                    "delivery_medium": pending.delivery_medium,
                }
                for pending in result.pending_verification
            ],
        },
    )


def verify_attribute(cmd: Command) -> None:
    message = cmd.session().verify_attribute(cmd.args.attribute, cmd.args.code)
    cmd.say(message, {"message": message})


def resend_verification(cmd: Command) -> None:
    message = cmd.session().resend_verification(cmd.args.attribute)
    cmd.say(message, {"message": message})


def delete_account(cmd: Command) -> None:
    session = cmd.session()
    message = session.delete_account(cmd.secrets.ask("Password: "))
    cmd.store.delete()
    cmd.say(message, {"message": message})


def mfa_setup(cmd: Command) -> None:
    setup = cmd.session().totp_setup()
    if cmd.args.qr is not None:
        try:
            # It holds the secret: as private as the token file.
            write_private(cmd.args.qr, setup.qr_svg.encode())
        except OSError as exc:
            raise UsageError(f"cannot write {cmd.args.qr}: {exc.strerror}") from None
    # The secret is shown on purpose: the user asked for it, to type into their app.
    cmd.say(
        f"Secret: {setup.secret}\nURI: {setup.uri}\n"
        "Add it to your authenticator app, then run `mfa verify CODE`",
        {"secret": setup.secret, "uri": setup.uri},
    )


def _said_preference(cmd: Command, preference: MfaPreference) -> None:
    cmd.say(f"Authenticator app: {preference.totp}", {"totp": preference.totp})


def mfa_verify(cmd: Command) -> None:
    _said_preference(
        cmd, cmd.session().totp_verify(cmd.args.code, device_name=cmd.args.device_name)
    )


def mfa_status(cmd: Command) -> None:
    settings = cmd.session().mfa_settings()
    cmd.say(
        f"Authenticator app: {settings.totp}\n"
        f"Asked at login: {', '.join(settings.enabled) or 'nothing'}\n"
        f"Preferred: {settings.preferred or 'none'}",
        {"totp": settings.totp, "enabled": settings.enabled, "preferred": settings.preferred},
    )


MFA_PREFERENCES = {"off": "disabled", "on": "enabled", "prefer": "preferred"}


def mfa_preference(cmd: Command) -> None:
    _said_preference(cmd, cmd.session().set_mfa_preference(MFA_PREFERENCES[cmd.args.mfa_command]))


def _user(user: AdminUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "attributes": user.attributes,
        "enabled": user.enabled,
        "status": user.status,
        "created": user.created,
        "modified": user.modified,
    }


def admin_users(cmd: Command) -> None:
    page = cmd.session().admin_list_users(
        filter=cmd.args.filter, limit=cmd.args.limit, pagination_token=cmd.args.next
    )
    lines = [
        f"{user.attributes.get('email', user.username)}\t{user.status}\t"
        f"{'enabled' if user.enabled else 'disabled'}"
        for user in page.users
    ]
    if page.pagination_token is not None:
        lines.append(f"More: --next {page.pagination_token}")
    cmd.say(
        "\n".join(lines),
        {"users": [_user(user) for user in page.users], "pagination_token": page.pagination_token},
    )


def admin_invite(cmd: Command) -> None:
    attributes = {"name": cmd.args.name} if cmd.args.name is not None else None
    user = cmd.session().admin_invite(cmd.args.email, attributes=attributes)
    cmd.say(f"Invited {cmd.args.email} ({user.status})", _user(user))


ADMIN_ACTIONS: dict[str, Callable[[Client], Callable[[str, str], str]]] = {
    "disable": lambda client: client.admin_disable,
    "enable": lambda client: client.admin_enable,
    "delete": lambda client: client.admin_delete,
    "sign-out": lambda client: client.admin_sign_out,
    "reset-password": lambda client: client.admin_reset_password,
}


def admin_user_action(cmd: Command) -> None:
    action = ADMIN_ACTIONS[cmd.args.admin_command](cmd.client)
    message = cmd.session().admin(action, cmd.args.user)
    cmd.say(message, {"message": message})


def admin_group(cmd: Command) -> None:
    client = cmd.client
    action = (
        client.admin_add_to_group
        if cmd.args.admin_command == "add-group"
        else client.admin_remove_from_group
    )
    message = cmd.session().admin_group(action, cmd.args.user, cmd.args.group)
    cmd.say(message, {"message": message})


def passkeys(cmd: Command) -> None:
    page = cmd.session().passkeys(limit=cmd.args.limit, next_token=cmd.args.next)
    lines = [
        f"{passkey.id}\t{passkey.name or '-'}\t{passkey.created or '-'}"
        for passkey in page.passkeys
    ] or ["No passkeys"]
    if page.next_token is not None:
        lines.append(f"More: --next {page.next_token}")
    cmd.say(
        "\n".join(lines),
        {
            "passkeys": [
                {
                    "id": passkey.id,
                    "name": passkey.name,
                    "relying_party_id": passkey.relying_party_id,
                    "attachment": passkey.attachment,
                    "transports": passkey.transports,
                    "created": passkey.created,
                }
                for passkey in page.passkeys
            ],
            "next_token": page.next_token,
        },
    )


def passkey_delete(cmd: Command) -> None:
    message = cmd.session().delete_passkey(cmd.args.id)
    cmd.say(message, {"message": message})


def logout(cmd: Command) -> None:
    session = cmd.session()
    try:
        message = session.logout_this_device() if cmd.args.this_device else session.logout()
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


def _version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        # Run from a source tree on sys.path, not installed: there is no metadata to read.
        return "unknown (not installed)"


# A string: argparse's action class is not subscriptable at run time.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A client of cognito-auth-api. Tokens are kept in "
        "$XDG_CONFIG_HOME/cognito-auth-client/session.json (mode 0600).",
        epilog="Exit codes: 0 success, 1 other failure, 2 usage error, "
        "3 authentication failure, 4 service failure, 130 interrupted.",
    )
    _add_options(parser, prog)
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In this order: it is the order `--help` lists them in.
    _add_sign_up_and_login(top)
    _add_session_commands(top)
    _add_password_reset(top)
    _add_account_commands(top)
    _add_mfa_commands(top)
    _add_passkey_commands(top)
    _add_admin_commands(top)
    return parser


def _add_options(parser: argparse.ArgumentParser, prog: str) -> None:
    parser.add_argument(
        "--api-url",
        help=f"the service (default: the local stack's {STACK_FILE} in this directory or "
        f"a parent, then ${API_URL_VARIABLE})",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
    # For the hints that name a command to run.
    parser.set_defaults(prog=prog)


def _command(
    commands: Commands,
    name: str,
    run: Callable[[Command], None],
    help: str,
    *,
    secrets: bool = False,
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


def _add_sign_up_and_login(top: Commands) -> None:
    sub = _command(top, "signup", signup, "create an account", secrets=True)
    sub.add_argument("username")
    sub.add_argument("--email", help="default: the username")
    sub.add_argument("--name")
    sub = _command(top, "confirm", confirm, "confirm an account with the code it was sent")
    sub.add_argument("username")
    sub.add_argument("code")
    sub = _command(top, "resend-code", resend_code, "send the sign-up code again")
    sub.add_argument("username")
    sub = _command(top, "login", login, "log in and store the tokens", secrets=True)
    sub.add_argument("username")
    sub.add_argument(
        "--passwordless",
        choices=list(PASSWORDLESS),
        help="no password: sign in with a one-time code sent by email or SMS, asked for "
        "as MFA codes are",
    )


def _add_session_commands(top: Commands) -> None:
    sub = _command(top, "whoami", whoami, "the attributes of the logged-in user")
    sub.add_argument("--user", help="another user's (members of the admin group only)")
    sub.add_argument(
        "--fresh", action="store_true", help="read them from Cognito, not from the id token"
    )
    _command(top, "renew", renew, "renew the id and access tokens now")
    _command(top, "passwd", passwd, "change the password", secrets=True)


def _add_password_reset(top: Commands) -> None:
    sub = _command(top, "forgot", forgot, "send a password reset code")
    sub.add_argument("username")
    sub = _command(top, "reset", reset, "set a new password with the reset code", secrets=True)
    sub.add_argument("username")
    sub.add_argument("code")


def _add_account_commands(top: Commands) -> None:
    sub = _command(top, "set-attribute", set_attribute, "change one profile attribute")
    sub.add_argument("name", help="NAME, or NAME=VALUE")
    sub.add_argument("value", nargs="?")
    sub = _command(top, "verify-attribute", verify_attribute, "verify a new email with its code")
    sub.add_argument("attribute", choices=["email"])
    sub.add_argument("code")
    sub = _command(
        top, "resend-verification", resend_verification, "send the verification code again"
    )
    sub.add_argument("attribute", choices=["email"])
    _command(
        top,
        "delete-account",
        delete_account,
        "delete the account for good and the stored tokens",
        secrets=True,
    )
    sub = _command(top, "logout", logout, "sign out everywhere and delete the stored tokens")
    sub.add_argument(
        "--this-device",
        action="store_true",
        help="end this session only (revoke its refresh token); others go on",
    )


def _add_mfa_commands(top: Commands) -> None:
    mfa = top.add_parser("mfa", help="authenticator-app MFA", description="authenticator-app MFA")
    commands = mfa.add_subparsers(dest="mfa_command", required=True, metavar="MFA_COMMAND")
    sub = _command(commands, "setup", mfa_setup, "start: print the app's secret and URI")
    sub.add_argument("--qr", type=Path, metavar="FILE", help="write the QR code (SVG) to FILE")
    sub = _command(commands, "verify", mfa_verify, "turn the app on with a first code")
    sub.add_argument("code")
    sub.add_argument("--device-name", help="a name for the app, shown at login")
    _command(commands, "status", mfa_status, "which factors are on")
    for name, help in (
        ("off", "log in with the password alone"),
        ("on", "ask for a code at every login"),
        ("prefer", "ask for a code at every login, and prefer the app"),
    ):
        _command(commands, name, mfa_preference, help)


def _add_passkey_commands(top: Commands) -> None:
    sub = _command(
        top, "passkeys", passkeys, "list the passkeys or delete one (adding one needs a browser)"
    )
    sub.description = (
        f"The account's passkeys: list them (the default) or delete one; {PASSKEY_PAGE}."
    )
    sub.add_argument("--limit", type=int, help="passkeys per page, 1-20")
    sub.add_argument("--next", metavar="TOKEN", help="the page the previous one pointed to")
    commands = sub.add_subparsers(
        dest="passkeys_command", required=False, metavar="PASSKEYS_COMMAND"
    )
    delete = _command(commands, "delete", passkey_delete, "delete a passkey: it no longer signs in")
    delete.add_argument("id", help="the passkey's id, as `passkeys` lists it")


def _add_admin_commands(top: Commands) -> None:
    admin = top.add_parser(
        "admin", help="manage users (admin group only)", description="manage users"
    )
    commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ADMIN_COMMAND")
    sub = _command(commands, "users", admin_users, "list users, a page at a time")
    sub.add_argument("--filter", help='Cognito\'s syntax: email ^= "ali", status = "Disabled"')
    sub.add_argument("--limit", type=int, help="users per page, 1-60")
    sub.add_argument("--next", metavar="TOKEN", help="the page the previous one pointed to")
    sub = _command(commands, "invite", admin_invite, "create a user, emailed a temporary password")
    sub.add_argument("email")
    sub.add_argument("--name")
    for name, help in (
        ("disable", "stop a user signing in"),
        ("enable", "let a disabled user sign in again"),
        ("delete", "delete a user for good"),
        ("sign-out", "sign a user out everywhere"),
        ("reset-password", "make a user set a new password with an emailed code"),
    ):
        sub = _command(commands, name, admin_user_action, help)
        sub.add_argument("user", help="the user's email")
    for name, help in (
        ("add-group", "add a user to a group"),
        ("remove-group", "remove a user from a group"),
    ):
        sub = _command(commands, name, admin_group, help)
        sub.add_argument("user", help="the user's email")
        sub.add_argument("group")


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Callable[[], float] = time.time,
    prog: str = "cognito-auth",
) -> int:
    """The CLI; `prog` is how the user called it, for usage and hints."""
    # argparse writes its usage errors to sys.stderr, and --version to sys.stdout.
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        return _main(argv, environ, stdin, out, err, clock, prog)


def _main(
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    clock: Callable[[], float],
    prog: str,
) -> int:
    parser = _parser(prog)
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
        report.update(
            message=exc.message, status=exc.status, code=exc.code, request_id=exc.request_id
        )
    if isinstance(exc, RetryLater):
        report["retry_after"] = exc.retry_after
    print(json.dumps({"error": report}), file=err)

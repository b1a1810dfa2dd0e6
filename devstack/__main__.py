"""`make run`: the service on 127.0.0.1, in front of an embedded Cognito stand-in.

Starts moto's server, creates the pool, its app client, the admin group and a demo
user, then serves the API with `chalice local --stage local`, and the browser page
(web/) on an origin of its own that the API allows, until Ctrl-C, SIGTERM or SIGHUP,
and stops everything it started. With COGNITO_USER_POOL_ID,
COGNITO_CLIENT_ID and COGNITO_CLIENT_SECRET set, it uses that pool instead.

Once the API answers it writes STACK_FILE (.local/stack.json: where everything
is, who owns it; never the client secret) and, next to it, stack.env (mode 0600:
the variables a second `chalice local --stage local` needs against the same
stand-in, secret included). Both go when it stops, and when it is killed
(devstack.watchdog removes them).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from devstack import stand_in_secrets
from devstack.environment import FAKE_CREDENTIALS, MOTO_CHECKS_TOTP, REGION, ROOT
from devstack.pool import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    LOCAL_RP_ID,
    LOCAL_SIGN_IN_FACTORS,
    create_confirmed_user,
    create_pool,
)
from devstack.process import PORT_IN_USE, REFUSED, env_file_for
from devstack.web import PageServer

HOST = "127.0.0.1"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
READY_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1
PR_GET_PDEATHSIG = 2


class Stop(Exception):
    """A stop signal came; raised where the main flow checks for one."""


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP only take note, they never raise: an exception
    raised from a handler lands wherever the main thread happens to be, clean-up
    included, and GNU make forwards SIGTERM to a child the terminal signalled too.
    The main flow checks at points where stopping is safe."""

    def __init__(self) -> None:
        self.requested = False
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, self._note)

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True

    def check(self) -> None:
        if self.requested:
            raise Stop


class PortInUse(Exception):
    """A port this stack needs cannot be bound."""


def _bound_socket(port: int) -> socket.socket:
    """A socket bound to HOST:port (0: any free port), with the reuse rule servers use."""
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"{HOST}:{port}: {exc.strerror}") from exc
    return sock


def _owner_alive(stack_file: Path) -> int | None:
    """The pid of a live process that owns stack_file, if there is one."""
    try:
        pid = int(json.loads(stack_file.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid():
        return None
    try:
        # A pid the kernel reused for another program is no owner of ours.
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        # No /proc (not Linux): whether the pid is alive is all that can be told.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, and someone else's
        return pid
    return pid if b"devstack" in command else None


class StandIn:
    """moto's server in this process, on a socket bound before anything waits on it:
    moto's own ThreadedMotoServer binds in its thread and, when that fails, waits
    forever for a ready signal that never comes."""

    def __init__(self, port: int) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from devstack import stand_in_operations

        stand_in_operations.install()
        stand_in_secrets.install()
        sock = _bound_socket(port)
        with sock:
            sock.listen(128)
            self._server = make_server(
                HOST,
                port,
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=sock.fileno(),  # werkzeug serves a duplicate of it
            )
        self.port: int = self._server.server_address[1]
        self.endpoint = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def _populate(stand_in: StandIn) -> dict[str, str]:
    """A fresh pool in the stand-in; returns the environment `chalice local` needs."""
    import boto3

    client = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=stand_in.endpoint,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    pool = create_pool(client)
    create_confirmed_user(client, pool.user_pool_id, DEMO_USERNAME, DEMO_PASSWORD, name="Demo User")
    return {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_CLIENT_SECRET": pool.client_secret,
        "COGNITO_ENDPOINT_URL": stand_in.endpoint,
        # Where moto differs from AWS: see COGNITO_DIALECT in README.md.
        "COGNITO_DIALECT": "moto",
        # Every first factor the stand-in's pool allows, passkeys on the page's host.
        "SIGN_IN_FACTORS": ",".join(LOCAL_SIGN_IN_FACTORS),
        "PASSKEY_RP_ID": LOCAL_RP_ID,
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
    }


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, if this system has one that knows PR_SET_PDEATHSIG."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    current = ctypes.c_int()
    return prctl if prctl(PR_GET_PDEATHSIG, ctypes.byref(current), 0, 0, 0) == 0 else None


def _die_with(parent: int, prctl: Callable[..., int]) -> Callable[[], None]:
    """A preexec_fn: the child gets SIGTERM when the thread that forked it exits
    (here the main thread, so: when this process does, even by SIGKILL)."""

    def preexec() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
        # The parent may have died between fork and prctl: then no signal comes.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class Chalice:
    """`chalice local` as a child that cannot outlive this process."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        argv = [str(Path(sys.executable).parent / "chalice"), "local", "--stage", "local"]
        argv += ["--host", HOST, "--port", str(port), "--no-autoreload"]
        prctl = _prctl()
        # Its own process group: a signal to ours (Ctrl-C, make's SIGTERM) reaches
        # only us, and we stop it once, in order, instead of racing it.
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=None if prctl is None else _die_with(os.getpid(), prctl),
        )
        # Where it does not, the watchdog stops it.
        self.dies_with_us = prctl is not None

    def wait_until_ready(self, port: int, timeout: float, stop: StopSignals) -> None:
        """Until the app itself answers HTTP, not merely the port accepting."""
        url = f"http://{HOST}:{port}/openapi.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stop.check()
            if self.process.poll() is not None:
                # Taken since the bind test (its error is above): a clash, not a bug.
                _bound_socket(port).close()
                raise SystemExit(
                    f"chalice local exited with status {self.process.returncode} before it "
                    f"answered on {HOST}:{port} (its error is above)"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise SystemExit(f"chalice local did not answer on {HOST}:{port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Watchdog:
    """devstack.watchdog beside this process, to clean up after it if it is killed:
    it removes the stack's files (stack.env holds the stand-in's secret) and, where
    chalice has no parent-death signal, stops chalice. Only this process writes to
    its standard input, so it sees end of file when this process is gone, however
    it went. A session of its own: signals meant for the stack do not reach it."""

    def __init__(self, stack_file: Path, chalice: Chalice) -> None:
        argv = [sys.executable, "-m", "devstack.watchdog", str(os.getpid())]
        argv.append(str(stack_file.absolute()))  # it runs in ROOT, perhaps not here
        if not chalice.dies_with_us:
            argv.append(str(chalice.process.pid))
        read, self._pipe = os.pipe()
        with os.fdopen(read, "rb") as stdin:
            self.process = subprocess.Popen(argv, cwd=ROOT, stdin=stdin, start_new_session=True)

    def stop(self) -> None:
        """Before anything else stops: a stop in order needs no clean-up after it, and
        a watchdog woken now could signal a chalice group already reaped."""
        self.process.kill()
        self.process.wait()
        os.close(self._pipe)


def _write_whole(path: Path, text: str, mode: int) -> None:
    """Written whole or not at all (a reader polls for it), with exactly `mode`."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), mode)  # the umask may have taken bits away
        file.write(text)
    partial.replace(path)


def _env_file_text(env: dict[str, str]) -> str:
    lines = [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
    return (
        "# Written by `make run`; gone when it stops. Holds the client secret.\n"
        + "\n".join(lines)
        + "\n"
    )


def _banner(state: dict[str, Any]) -> str:
    api = state["api_url"]
    user, password = state["demo_username"], state["demo_password"]
    login = json.dumps({"username": user, "password": password})
    return f"""
cognito-auth-api is running on {api} (Cognito: {state["cognito_endpoint"]})
  the browser page: {state["web_url"]} (localhost: passkeys refuse 127.0.0.1)
  user pool {state["user_pool_id"]}, app client {state["client_id"]}
  demo user: {user} / {password}
  stack description: {state["stack_file"]}{state["env_line"]}

Try it (needs jq):
  TOKENS=$(curl -s -X POST {api}/login -H 'Content-Type: application/json' -d '{login}')
  curl -s -X POST {api}/user/test-user -H "Authorization: $(echo "$TOKENS" | jq -r .data.id_token)"
  REFRESH=$(echo "$TOKENS" | jq -r .data.refresh_token)
  curl -s -X POST {api}/user/renew_refresh_token -H 'Content-Type: application/json' \\
    -d "{{\\"username\\": \\"{user}\\", \\"refresh_token\\": \\"$REFRESH\\"}}"

Verification codes (there is no mailbox locally) appear below:
  "local stage: password reset code for <user>: <code>",
  "local stage: sign-up confirmation code for <user>: <code>" (after a resend; the
  stand-in accepts any sign-up confirmation code),
  "local stage: sign-in code for <user>: <code>" (a one-time code by email or SMS), and
  "local stage: email verification code for <new address>: <code>".
  Authenticator-app codes are checked; the stand-in gives every user the same secret.

Ctrl-C stops everything.
"""


class Refused(Exception):
    """The settings cannot work; the message says which and why."""


@dataclass(frozen=True)
class Config:
    """What `make run` was asked for, from its environment."""

    port: int
    cognito_port: int
    web_port: int
    stack_file: Path
    # With a pool of one's own there is no stand-in, so no COGNITO_PORT to clash with.
    real_pool: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        return cls(
            port=int(environ.get("PORT", "8000")),
            cognito_port=int(environ.get("COGNITO_PORT", "9229")),
            web_port=int(environ.get("WEB_PORT", "3000")),
            stack_file=Path(environ.get("STACK_FILE", ROOT / ".local" / "stack.json")),
            real_pool=environ.get("COGNITO_USER_POOL_ID") or None,
        )

    @property
    def env_file(self) -> Path:
        return env_file_for(self.stack_file)


def _own_origins(config: Config, environ: Mapping[str, str]) -> frozenset[str]:
    """The origins of the developer's own pages, besides ours, once the ports are
    known to fit together."""
    if config.port == 0:
        raise Refused("PORT must name a port (chalice local cannot report one it picked)")
    if not config.real_pool and config.port == config.cognito_port:
        raise Refused(f"PORT and COGNITO_PORT are both {config.port}; give them different ports")
    if config.web_port == config.port:
        raise Refused(f"PORT and WEB_PORT are both {config.port}; give them different ports")
    from chalicelib.settings import CORS_ORIGINS, ConfigurationError, cors_origins

    try:
        return cors_origins(environ.get(CORS_ORIGINS, ""))
    except ConfigurationError as exc:
        raise Refused(str(exc)) from None


def _claim_stack_file(config: Config) -> None:
    owner = _owner_alive(config.stack_file)
    if owner is not None:
        raise Refused(
            f"{config.stack_file} belongs to a stack that is still running (pid {owner}); "
            "stop it first, or give this one another STACK_FILE"
        )
    # Whatever is there now was left by a process that is gone.
    config.stack_file.unlink(missing_ok=True)
    config.env_file.unlink(missing_ok=True)


@dataclass
class Cognito:
    """The pool the API runs against, and the environment `chalice local` needs for it
    (empty with a pool of one's own: the caller's environment has it)."""

    env: dict[str, str]
    endpoint: str
    region: str
    user_pool_id: str
    client_id: str
    demo_username: str
    demo_password: str


def _real_pool(user_pool_id: str) -> Cognito:
    from chalicelib.settings import Settings

    settings = Settings.from_env()  # fails here, with the variable's name
    return Cognito(
        env={},
        endpoint=settings.endpoint_url or f"https://cognito-idp.{settings.region}.amazonaws.com",
        region=settings.region,
        user_pool_id=user_pool_id,
        client_id=settings.client_id,
        demo_username=os.environ.get("DEMO_USERNAME", "<your user>"),
        demo_password=os.environ.get("DEMO_PASSWORD", "<your password>"),
    )


@dataclass
class Started:
    """What this run started, for the clean-up to stop, last started first."""

    stand_in: StandIn | None = None
    page: PageServer | None = None
    chalice: Chalice | None = None
    watchdog: Watchdog | None = None

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.chalice is not None:
            self.chalice.stop()
        if self.page is not None:
            self.page.stop()
        if self.stand_in is not None:
            self.stand_in.stop()


def _stand_in_pool(port: int, started: Started) -> Cognito:
    # moto reads it at every call, in this process, which serves the stand-in.
    os.environ.update(MOTO_CHECKS_TOTP)
    stand_in = started.stand_in = StandIn(port)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    env = _populate(stand_in)
    return Cognito(
        env=env,
        endpoint=stand_in.endpoint,
        region=REGION,
        user_pool_id=env["COGNITO_USER_POOL_ID"],
        client_id=env["COGNITO_CLIENT_ID"],
        demo_username=DEMO_USERNAME,
        demo_password=DEMO_PASSWORD,
    )


def _page(port: int, api_url: str) -> PageServer:
    try:
        return PageServer(HOST, port, api_url)
    except OSError as exc:
        raise PortInUse(f"{HOST}:{port}: {exc.strerror}") from exc


def _publish(config: Config, cognito: Cognito, state: dict[str, Any]) -> None:
    """stack.env (when there is an environment to give), then stack.json, then the banner."""
    config.stack_file.parent.mkdir(parents=True, exist_ok=True)
    env_line = ""
    if cognito.env:
        # Before stack.json: whoever waits for that finds this one too.
        _write_whole(config.env_file, _env_file_text(cognito.env), 0o600)
        env_line = f"\n  environment for another chalice local: {config.env_file}"
    # 0600: with a real pool it names that pool's demo password.
    _write_whole(config.stack_file, json.dumps(state, indent=2) + "\n", 0o600)
    print(_banner({**state, "stack_file": config.stack_file, "env_line": env_line}), flush=True)


def _run(config: Config, own_origins: frozenset[str], stop: StopSignals, started: Started) -> int:
    """Start everything, publish where it is, and serve until a stop signal (0) or
    until chalice exits by itself (1)."""
    from chalicelib.settings import CORS_ORIGINS

    # A bind test, so that a taken PORT fails before the set-up: chalice itself
    # binds it only after importing the app.
    _bound_socket(config.port).close()
    if config.real_pool:
        cognito = _real_pool(config.real_pool)
    else:
        cognito = _stand_in_pool(config.cognito_port, started)
    stop.check()
    api_url = f"http://{HOST}:{config.port}"
    page = started.page = _page(config.web_port, api_url)
    cognito.env[CORS_ORIGINS] = ",".join(sorted({*own_origins, *page.origins}))
    chalice = started.chalice = Chalice(config.port, cognito.env)
    # Before any file it is to remove is written.
    watchdog = started.watchdog = Watchdog(config.stack_file, chalice)
    chalice.wait_until_ready(config.port, READY_TIMEOUT, stop)
    _publish(
        config,
        cognito,
        {
            "api_url": api_url,
            "web_url": page.url,
            "cognito_endpoint": cognito.endpoint,
            "region": cognito.region,
            "user_pool_id": cognito.user_pool_id,
            "client_id": cognito.client_id,
            "demo_username": cognito.demo_username,
            "demo_password": cognito.demo_password,
            "pid": os.getpid(),
            "chalice_pid": chalice.process.pid,
            "watchdog_pid": watchdog.process.pid,
        },
    )
    while chalice.process.poll() is None:
        stop.check()
        time.sleep(0.1)
    print(f"chalice local exited with status {chalice.process.returncode}", file=sys.stderr)
    return 1


def main() -> int:
    config = Config.from_env(os.environ)
    try:
        own_origins = _own_origins(config, os.environ)
        _claim_stack_file(config)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return REFUSED
    stop = StopSignals()
    started = Started()
    try:
        return _run(config, own_origins, stop, started)
    except PortInUse as exc:
        print(f"cannot listen on {exc}; set PORT / COGNITO_PORT / WEB_PORT", file=sys.stderr)
        return PORT_IN_USE
    except Stop:
        return 0
    finally:
        # No signal can cut this short: the handlers only take note.
        config.stack_file.unlink(missing_ok=True)
        config.env_file.unlink(missing_ok=True)
        started.stop()


if __name__ == "__main__":
    sys.exit(main())

"""`make run`: the service on 127.0.0.1, in front of an embedded Cognito stand-in.

Starts moto's server, creates the pool, its app client, the admin group and a demo
user, then serves the API with `chalice local --stage local`, and the browser page
(web/) on an origin of its own that the API allows, until Ctrl-C, SIGTERM or SIGHUP,
and stops everything it started. With COGNITO_USER_POOL_ID,
COGNITO_CLIENT_ID and COGNITO_CLIENT_SECRET set, it uses that pool instead.

Once the API answers it writes STACK_FILE (.local/stack.json: where everything
is, who owns it; never the client secret) and, next to it, stack.env (mode 0600:
the variables a second `chalice local --stage local` needs against the same
stand-in, secret included). Both go when it stops.
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
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from devstack import stand_in_secrets
from devstack.environment import FAKE_CREDENTIALS, REGION, ROOT
from devstack.pool import DEMO_PASSWORD, DEMO_USERNAME, create_confirmed_user, create_pool
from devstack.process import PORT_IN_USE, REFUSED, env_file_for
from devstack.web import PageServer

HOST = "127.0.0.1"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
READY_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1
PR_GET_PDEATHSIG = 2
# Runs beside `chalice local` where prctl is missing: its stdin is a pipe whose
# only writer is this process, so EOF means we are gone, however we went.
WATCHER = (
    "import os, signal, sys; sys.stdin.buffer.read(); os.killpg(int(sys.argv[1]), signal.SIGTERM)"
)


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
        self._watcher: subprocess.Popen[bytes] | None = None
        self._watch_pipe: int | None = None
        if prctl is None:
            read, self._watch_pipe = os.pipe()
            with os.fdopen(read, "rb") as stdin:
                self._watcher = subprocess.Popen(
                    [sys.executable, "-c", WATCHER, str(self.process.pid)],
                    stdin=stdin,
                    start_new_session=True,
                )

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
        if self._watcher is not None:
            self._watcher.kill()
            self._watcher.wait()
        if self._watch_pipe is not None:
            os.close(self._watch_pipe)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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
  the browser page: {state["web_url"]}
  user pool {state["user_pool_id"]}, app client {state["client_id"]}
  demo user: {user} / {password}
  stack description: {state["stack_file"]}{state["env_line"]}

Try it (needs jq):
  TOKENS=$(curl -s -X POST {api}/login -H 'Content-Type: application/json' -d '{login}')
  curl -s -X POST {api}/user/test-user -H "Authorization: $(echo "$TOKENS" | jq -r .data.id_token)"
  REFRESH=$(echo "$TOKENS" | jq -r .data.refresh_token)
  curl -s -X POST {api}/user/renew_refresh_token -H 'Content-Type: application/json' \\
    -d "{{\\"username\\": \\"{user}\\", \\"refresh_token\\": \\"$REFRESH\\"}}"

Verification codes (there is no mailbox locally):
  password reset codes appear below, as "local stage: password reset code for <user>: <code>";
  the stand-in accepts any sign-up confirmation code (and so resends none).

Ctrl-C stops everything.
"""


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    cognito_port = int(os.environ.get("COGNITO_PORT", "9229"))
    web_port = int(os.environ.get("WEB_PORT", "3000"))
    stack_file = Path(os.environ.get("STACK_FILE", ROOT / ".local" / "stack.json"))
    env_file = env_file_for(stack_file)
    real_pool = os.environ.get("COGNITO_USER_POOL_ID")

    if port == 0:
        print("PORT must name a port (chalice local cannot report one it picked)", file=sys.stderr)
        return REFUSED
    if not real_pool and port == cognito_port:
        print(f"PORT and COGNITO_PORT are both {port}; give them different ports", file=sys.stderr)
        return REFUSED
    if web_port == port:
        print(f"PORT and WEB_PORT are both {port}; give them different ports", file=sys.stderr)
        return REFUSED
    from chalicelib.settings import CORS_ORIGINS, ConfigurationError, cors_origins

    try:
        # Origins of the developer's own pages, besides ours.
        own_origins = cors_origins(os.environ.get(CORS_ORIGINS, ""))
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return REFUSED
    owner = _owner_alive(stack_file)
    if owner is not None:
        print(
            f"{stack_file} belongs to a stack that is still running (pid {owner}); stop it "
            "first, or give this one another STACK_FILE",
            file=sys.stderr,
        )
        return REFUSED
    # Whatever is there now was left by a process that is gone.
    stack_file.unlink(missing_ok=True)
    env_file.unlink(missing_ok=True)

    stop = StopSignals()
    stand_in: StandIn | None = None
    page: PageServer | None = None
    chalice: Chalice | None = None
    try:
        # A bind test, so that a taken PORT fails before the set-up: chalice itself
        # binds it only after importing the app.
        _bound_socket(port).close()
        if real_pool:
            from chalicelib.settings import Settings

            settings = Settings.from_env()  # fails here, with the variable's name
            env: dict[str, str] = {}
            endpoint = (
                settings.endpoint_url or f"https://cognito-idp.{settings.region}.amazonaws.com"
            )
            demo = {
                "username": os.environ.get("DEMO_USERNAME", "<your user>"),
                "password": os.environ.get("DEMO_PASSWORD", "<your password>"),
            }
            pool_id, client_id, region = real_pool, settings.client_id, settings.region
        else:
            stand_in = StandIn(cognito_port)
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            env = _populate(stand_in)
            endpoint = stand_in.endpoint
            demo = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
            pool_id, client_id, region = (
                env["COGNITO_USER_POOL_ID"],
                env["COGNITO_CLIENT_ID"],
                REGION,
            )

        stop.check()
        api_url = f"http://{HOST}:{port}"
        try:
            page = PageServer(HOST, web_port, api_url)
        except OSError as exc:
            raise PortInUse(f"{HOST}:{web_port}: {exc.strerror}") from exc
        env[CORS_ORIGINS] = ",".join(sorted({*own_origins, *page.origins}))
        chalice = Chalice(port, env)
        chalice.wait_until_ready(port, READY_TIMEOUT, stop)
        state = {
            "api_url": api_url,
            "web_url": page.url,
            "cognito_endpoint": endpoint,
            "region": region,
            "user_pool_id": pool_id,
            "client_id": client_id,
            "demo_username": demo["username"],
            "demo_password": demo["password"],
            "pid": os.getpid(),
            "chalice_pid": chalice.process.pid,
        }
        stack_file.parent.mkdir(parents=True, exist_ok=True)
        env_line = ""
        if env:
            # Before stack.json: whoever waits for that finds this one too.
            _write_whole(env_file, _env_file_text(env), 0o600)
            env_line = f"\n  environment for another chalice local: {env_file}"
        # 0600: with a real pool it names that pool's demo password.
        _write_whole(stack_file, json.dumps(state, indent=2) + "\n", 0o600)
        print(_banner({**state, "stack_file": stack_file, "env_line": env_line}), flush=True)
        while chalice.process.poll() is None:
            stop.check()
            time.sleep(0.1)
        print(f"chalice local exited with status {chalice.process.returncode}", file=sys.stderr)
        return 1
    except PortInUse as exc:
        print(f"cannot listen on {exc}; set PORT / COGNITO_PORT / WEB_PORT", file=sys.stderr)
        return PORT_IN_USE
    except Stop:
        return 0
    finally:
        # No signal can cut this short: the handlers only take note.
        stack_file.unlink(missing_ok=True)
        env_file.unlink(missing_ok=True)
        if chalice is not None:
            chalice.stop()
        if page is not None:
            page.stop()
        if stand_in is not None:
            stand_in.stop()


if __name__ == "__main__":
    sys.exit(main())

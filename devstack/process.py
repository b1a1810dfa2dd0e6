"""The local stack as a child process, started and stopped as a user would
(`python -m devstack`, then SIGTERM): for the end-to-end tests and `make load`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from devstack.environment import FAKE_CREDENTIALS, ROOT

START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
# `python -m devstack`'s exit statuses when it does not start.
REFUSED = 2
PORT_IN_USE = 3
# Picked ports can be taken by someone else before the stack binds them.
PORT_ATTEMPTS = 3


def env_file_for(stack_file: Path) -> Path:
    """Where the stack writes the environment for another `chalice local`."""
    return stack_file.with_name("stack.env")


def stack_client(state: dict[str, Any], service: str) -> Any:
    """A boto3 client of the stack's stand-in (moto serves every AWS service), with
    the fake credentials it accepts."""
    import boto3

    # Typed as Any: boto3-stubs types a client only for a literal service name.
    session: Any = boto3.session.Session()
    return session.client(
        service,
        region_name=state["region"],
        endpoint_url=state["cognito_endpoint"],
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class StackDidNotStart(RuntimeError):
    def __init__(self, returncode: int | None, log: str) -> None:
        super().__init__(f"local stack did not start ({returncode}):\n{log}")
        self.returncode = returncode


def start_stack(
    stack_file: Path, port: int, cognito_port: int, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """`python -m devstack` in its own process group, as a terminal would run it
    (COGNITO_PORT and WEB_PORT 0: any free port, read back from stack.json), with the
    rate rules lifted: the tests, `make load` and the bench sign in from one address
    far more often than the rules let one client (docs/local-stack.md)."""
    env = {
        **os.environ,
        "PORT": str(port),
        "COGNITO_PORT": str(cognito_port),
        "WEB_PORT": "0",
        "STACK_FILE": str(stack_file),
        "LOCAL_RATE_LIMITS": "off",
    }
    for name in (
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_ID",
        "COGNITO_CLIENT_SECRET",
        "CORS_ALLOW_ORIGINS",
    ):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        process_group=0,
    )


def _description_by(stack_file: Path, pid: int) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(stack_file.read_text())
    except (OSError, ValueError):
        return None
    return state if state.get("pid") == pid else None


def wait_until_ready(
    process: subprocess.Popen[bytes], stack_file: Path, log_path: Path
) -> dict[str, Any]:
    """The stack description, once this stack has written it (atomically, when the
    API answers: a stack.json left by a killed stack names another pid);
    StackDidNotStart if the stack exits or never gets there."""
    deadline = time.monotonic() + START_TIMEOUT
    while (state := _description_by(stack_file, process.pid)) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise StackDidNotStart(process.poll(), log_path.read_text())
        time.sleep(0.1)
    return state


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # devstack's whole group; chalice local, in a group of its own, dies with
        # devstack (its parent-death signal).
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _start(
    workdir: Path, port: int | None, cognito_port: int | None
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    stack_file, log_path = workdir / "stack.json", workdir / "stack.log"
    with log_path.open("wb") as log:
        process = start_stack(stack_file, port or free_port(), cognito_port or 0, log)
    try:
        return process, wait_until_ready(process, stack_file, log_path)
    except BaseException:  # a stack that did not start, or a Ctrl-C while it starts
        stop_stack(process)
        raise


def launch(
    workdir: Path, port: int | None = None, cognito_port: int | None = None
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """A started stack and its description, its stack.json and stack.log in workdir;
    the caller stops it. Ports not given are picked here; a clash is retried."""
    workdir.mkdir(parents=True, exist_ok=True)
    # Only a port picked here can be picked again (COGNITO_PORT 0 never clashes).
    retries = PORT_ATTEMPTS - 1 if port is None else 0
    for _ in range(retries):
        try:
            return _start(workdir, port, cognito_port)
        except StackDidNotStart as exc:
            if exc.returncode != PORT_IN_USE:
                raise
    return _start(workdir, port, cognito_port)


@contextmanager
def local_stack(
    workdir: Path, port: int | None = None, cognito_port: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yields the stack description (.local/stack.json's keys, plus `log_file`)."""
    process, state = launch(workdir, port, cognito_port)
    state["log_file"] = workdir / "stack.log"
    try:
        yield state
    finally:
        stop_stack(process)
    if process.returncode != 0 or (workdir / "stack.json").exists():
        raise RuntimeError(
            f"local stack did not stop cleanly ({process.returncode}):\n"
            + state["log_file"].read_text()
        )

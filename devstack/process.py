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
from typing import Any

from devstack.environment import FAKE_CREDENTIALS, ROOT

START_TIMEOUT = 90.0


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


@contextmanager
def local_stack(
    workdir: Path, port: int | None = None, cognito_port: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yields the stack description (.local/stack.json's keys, plus `log_file`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    stack_file = workdir / "stack.json"
    log_path = workdir / "stack.log"
    env = {
        **os.environ,
        "PORT": str(port or free_port()),
        "COGNITO_PORT": str(cognito_port or free_port()),
        "STACK_FILE": str(stack_file),
    }
    for name in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_CLIENT_SECRET"):
        env.pop(name, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not stack_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("local stack did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            state: dict[str, Any] = json.loads(stack_file.read_text())
            state["log_file"] = log_path
            yield state
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if process.returncode != 0 or stack_file.exists():
        raise RuntimeError(
            f"local stack did not stop cleanly ({process.returncode}):\n" + log_path.read_text()
        )

"""The real local stack (moto's server + `chalice local`) on free ports."""

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

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def local_stack(
    tmp_path: Path, port: int | None = None, cognito_port: int | None = None
) -> Iterator[dict[str, Any]]:
    """`make run`'s program, started and stopped as a user would (SIGTERM)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    stack_file = tmp_path / "stack.json"
    env = {
        **os.environ,
        "PORT": str(port or free_port()),
        "COGNITO_PORT": str(cognito_port or free_port()),
        "STACK_FILE": str(stack_file),
    }
    for name in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_CLIENT_SECRET"):
        env.pop(name, None)
    log = (tmp_path / "stack.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not stack_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "local stack did not start:\n" + (tmp_path / "stack.log").read_text()
                )
            time.sleep(0.1)
        state: dict[str, Any] = json.loads(stack_file.read_text())
        state["log_file"] = tmp_path / "stack.log"
        yield state
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    assert process.returncode == 0, (tmp_path / "stack.log").read_text()
    assert not stack_file.exists()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with local_stack(tmp_path_factory.mktemp("stack")) as state:
        yield state

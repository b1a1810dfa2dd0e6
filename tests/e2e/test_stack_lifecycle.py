"""End to end: `python -m devstack` (what `make run` runs) cannot be left half alive:
signals, a SIGKILL, a stale or live stack.json, taken ports and connection bursts."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from devstack.environment import ROOT
from devstack.process import (
    PORT_IN_USE,
    STOP_TIMEOUT,
    env_file_for,
    free_port,
    launch,
    local_stack,
)
from tests.stack_support import chalice_local_beside

pytestmark = pytest.mark.e2e

# Bounds on waiting for something to happen; never what a test asserts.
FAILS_WITHIN = 60.0
FREED_WITHIN = 10.0
CONNECTED_WITHIN = 5.0


def _ports(state: dict[str, Any]) -> list[int]:
    return [int(urlsplit(state[key]).port or 0) for key in ("api_url", "cognito_endpoint")]


def _port_free(port: int) -> bool:
    """Bindable as a server binds it (so a socket merely in TIME_WAIT does not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _alive(pid: int) -> bool:
    """Running: a zombie (ended, not yet reaped by whoever adopted it) is not."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state follows the command name, which is in parentheses and may hold spaces.
    return stat_line.rpartition(")")[2].split()[0] != "Z"


def _login(api_url: str, state: dict[str, Any]) -> requests.Response:
    return requests.post(
        api_url + "/login",
        json={"username": state["demo_username"], "password": state["demo_password"]},
        timeout=30,
    )


@contextmanager
def _launched(
    workdir: Path, port: int | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, Any]]]:
    process, state = launch(workdir, port)
    try:
        yield process, state
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _run_devstack(
    stack_file: Path, port: int, cognito_port: int
) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COGNITO_")},
        "PORT": str(port),
        "COGNITO_PORT": str(cognito_port),
        "STACK_FILE": str(stack_file),
    }
    return subprocess.run(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=FAILS_WITHIN,
        check=False,
    )


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_two_sigterms_to_the_process_group_stop_everything_cleanly(
    tmp_path: Path, attempt: int
) -> None:
    with _launched(tmp_path) as (process, state):
        # What GNU make does on SIGTERM: the child gets the group's and make's own.
        os.killpg(process.pid, signal.SIGTERM)
        time.sleep(0.05)
        os.killpg(process.pid, signal.SIGTERM)
        status = process.wait(timeout=STOP_TIMEOUT)

    log = (tmp_path / "stack.log").read_text()
    assert status == 0, log
    assert not _alive(state["chalice_pid"])
    assert [port for port in _ports(state) if not _port_free(port)] == []
    assert not (tmp_path / "stack.json").exists()
    assert not (tmp_path / "stack.env").exists()
    assert "Traceback" not in log


def _left_behind(state: dict[str, Any], workdir: Path) -> list[str]:
    """What a stopped stack still has: live processes, bound ports, files."""
    return (
        [f"pid {state[key]}" for key in ("chalice_pid", "watchdog_pid") if _alive(state[key])]
        + [f"port {port}" for port in _ports(state) if not _port_free(port)]
        + [name for name in ("stack.json", "stack.env") if (workdir / name).exists()]
    )


def test_sigkill_leaves_no_process_port_or_file_and_a_stale_stack_file_is_replaced(
    tmp_path: Path,
) -> None:
    with _launched(tmp_path) as (process, state):
        process.kill()
        process.wait()
    # Its watchdog (a child that outlives it) removes stack.env, which holds the
    # stand-in's client secret, and stack.json; chalice gets its parent-death signal.
    deadline = time.monotonic() + FREED_WITHIN
    while _left_behind(state, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _left_behind(state, tmp_path) == [], (tmp_path / "stack.log").read_text()

    # What a stack whose watchdog died with it (kill -9 of both) leaves.
    stale = tmp_path / "stack.json"
    stale.write_text(json.dumps({key: state[key] for key in ("pid", "api_url")}))
    env_file_for(stale).write_text("export COGNITO_CLIENT_SECRET=stale\n")
    ports = _ports(state)
    with local_stack(tmp_path, port=ports[0]) as again:
        assert again["pid"] != state["pid"]
        assert _login(again["api_url"], again).status_code == 200


def test_a_second_stack_refuses_a_stack_file_whose_owner_is_alive(tmp_path: Path) -> None:
    with local_stack(tmp_path) as first:
        stack_file = tmp_path / "stack.json"
        description = stack_file.read_text()

        second = _run_devstack(stack_file, free_port(), 0)

        assert second.returncode != 0
        assert f"{stack_file} belongs to a stack that is still running" in second.stderr
        assert f"pid {first['pid']}" in second.stderr
        assert stack_file.read_text() == description
        assert env_file_for(stack_file).exists()
        assert _login(first["api_url"], first).status_code == 200


def test_port_equal_to_cognito_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    port = free_port()

    result = _run_devstack(tmp_path / "stack.json", port, port)

    assert result.returncode != 0
    assert f"PORT and COGNITO_PORT are both {port}" in result.stderr
    assert not (tmp_path / "stack.json").exists()


@pytest.mark.parametrize("taken", ["PORT", "COGNITO_PORT"])
@pytest.mark.parametrize("listening", [True, False], ids=["listening", "bound only"])
def test_a_taken_port_fails_fast_with_its_number(
    tmp_path: Path, taken: str, listening: bool
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        if listening:
            holder.listen()
        held = holder.getsockname()[1]
        other = free_port()
        port, cognito_port = (held, other) if taken == "PORT" else (other, held)

        result = _run_devstack(tmp_path / "stack.json", port, cognito_port)

    assert result.returncode == PORT_IN_USE
    assert f"cannot listen on 127.0.0.1:{held}" in result.stderr
    assert not (tmp_path / "stack.json").exists()


def test_stack_env_is_private_and_runs_another_chalice_local_against_the_stand_in(
    stack: dict[str, Any],
) -> None:
    stack_file = Path(stack["log_file"]).with_name("stack.json")
    env_file = env_file_for(stack_file)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    # It names a real pool's demo password when run against one.
    assert stat.S_IMODE(stack_file.stat().st_mode) == 0o600
    with chalice_local_beside(stack) as api_url:
        response = _login(api_url, stack)

    assert response.status_code == 200, response.text
    assert set(response.json()["data"]) >= {"id_token", "access_token", "refresh_token"}


def _connected(sockets: list[socket.socket]) -> list[socket.socket]:
    """Those of `sockets` (non-blocking, connecting) whose handshake completes in time."""
    pending, done = list(sockets), []
    deadline = time.monotonic() + CONNECTED_WITHIN
    while pending and time.monotonic() < deadline:
        _, writable, _ = select.select([], pending, [], deadline - time.monotonic())
        for sock in writable:
            pending.remove(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(sock)
    return done


def _status_line(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(30)
    sock.sendall(b"GET /openapi.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    with sock.makefile("rb") as answer:
        return answer.readline()


def test_a_burst_of_forty_connections_is_queued_and_every_one_answered(
    stack: dict[str, Any],
) -> None:
    address = ("127.0.0.1", _ports(stack)[0])
    sockets = [socket.socket() for _ in range(40)]
    try:
        # A server busy elsewhere: only its accept queue holds the burst meanwhile.
        os.kill(stack["chalice_pid"], signal.SIGSTOP)
        try:
            for sock in sockets:
                sock.setblocking(False)
                sock.connect_ex(address)
            connected = _connected(sockets)
        finally:
            os.kill(stack["chalice_pid"], signal.SIGCONT)
        assert len(connected) == 40

        statuses = [_status_line(sock).split()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()

    assert statuses == [b"200"] * 40

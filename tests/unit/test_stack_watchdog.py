"""devstack.watchdog, what `make run` leaves beside itself: once its owner is gone
(end of file on its standard input), it stops chalice's group where no parent-death
signal could be set, and removes the stack's files, never another stack's.
tests/e2e/test_stack_lifecycle.py kills a real stack with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.environment import ROOT
from devstack.process import env_file_for
from devstack.watchdog import remove_stack_files

OWNER = 4242


def _stack_files(workdir: Path, description: str | None) -> Path:
    stack_file = workdir / "stack.json"
    if description is not None:
        stack_file.write_text(description)
    env_file_for(stack_file).write_text("export COGNITO_CLIENT_SECRET=secret\n")
    return stack_file


def test_once_its_owner_is_gone_it_stops_the_group_and_removes_the_files(
    tmp_path: Path,
) -> None:
    stack_file = _stack_files(tmp_path, json.dumps({"pid": os.getpid()}))
    chalice = subprocess.Popen(["sleep", "60"], process_group=0)
    argv = [sys.executable, "-m", "devstack.watchdog", str(os.getpid()), str(stack_file)]
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stdin:
        watchdog = subprocess.Popen([*argv, str(chalice.pid)], cwd=ROOT, stdin=stdin)
    try:
        # This test is the owner: its end of the pipe closing is the owner's death.
        os.close(write)
        assert watchdog.wait(timeout=30) == 0
        assert chalice.wait(timeout=10) == -signal.SIGTERM
    finally:
        for process in (watchdog, chalice):
            if process.poll() is None:
                process.kill()
                process.wait()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("description", "removed"),
    [
        (json.dumps({"pid": OWNER}), True),
        # Killed after stack.env was written, before stack.json was.
        (None, True),
        # A stack started since has claimed the name.
        (json.dumps({"pid": OWNER + 1}), False),
        ("not a stack description", False),
    ],
    ids=["the owner's", "only stack.env", "another stack's", "unreadable"],
)
def test_only_the_owners_files_are_removed(
    tmp_path: Path, description: str | None, removed: bool
) -> None:
    stack_file = _stack_files(tmp_path, description)
    before = sorted(path.name for path in tmp_path.iterdir())

    remove_stack_files(stack_file, OWNER)

    assert sorted(path.name for path in tmp_path.iterdir()) == ([] if removed else before)

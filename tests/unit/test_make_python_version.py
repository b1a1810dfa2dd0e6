"""`make` checks PYTHON3's version before it builds a venv, and makes again whole a
venv that another interpreter made. Run against a copy of the Makefile, in a
directory of its own, with stand-in interpreters: nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.environment import ROOT


def stand_in(path: Path, version: str, calls: Path) -> Path:
    """An interpreter that answers queries as Python `version` would (the query runs
    on this interpreter, with the version changed), makes a "venv" of stand-ins
    with `-m venv DIR`, and records every other command in `calls` (pip's)."""
    path.write_text(f"""#!{sys.executable}
import os, sys

VERSION = {version!r}
args = sys.argv[1:]
if args in (["--version"], ["-V"]):
    print("Python", VERSION)
elif args[:1] == ["-c"]:
    sys.argv = ["-c", *args[2:]]
    sys.version_info = (*map(int, VERSION.split(".")), "final", 0)
    sys.version = VERSION + " (stand-in)"
    exec(compile(args[1], "<string>", "exec"), {{"__name__": "__main__"}})
else:
    with open({str(calls)!r}, "a") as calls:
        print(*args, file=calls)
    if args[:2] == ["-m", "venv"]:
        os.makedirs(os.path.join(args[2], "bin"))
        os.symlink(os.path.abspath(__file__), os.path.join(args[2], "bin", "python"))
""")
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The Makefile, and the files its venv depends on (empty)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("requirements.txt", "requirements-dev.txt", "client/pyproject.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    return tmp_path


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_older_python_is_named_with_the_version_needed_and_no_venv_is_made(
    project: Path,
) -> None:
    calls = project / "calls"
    python = stand_in(project / "python3.10", "3.10.12", calls)

    done = make(project, "unit", f"PYTHON3={python}")

    assert done.returncode != 0
    assert (
        f"PYTHON3={python} is Python 3.10.12; cognito-auth-api needs Python 3.11 or newer"
        in done.stderr
    )
    assert not calls.exists()
    assert not (project / ".venv").exists()


def test_an_interpreter_that_cannot_be_run_is_named(project: Path) -> None:
    missing = project / "no-such-python"

    done = make(project, "unit", f"PYTHON3={missing}")

    assert done.returncode != 0
    assert f"cannot run PYTHON3={missing}; cognito-auth-api needs Python 3.11" in done.stderr
    assert not (project / ".venv").exists()


def test_a_venv_another_interpreter_made_is_made_again_whole(project: Path) -> None:
    left = project / ".venv"
    left.mkdir()
    # What a 3.10 leaves: a finished venv, or one whose pip install failed.
    (left / ".python-3.10.12").touch()
    (left / ".ready").touch()
    (left / "lib" / "python3.10").mkdir(parents=True)
    calls = project / "calls"
    python = stand_in(project / "python3.12", "3.12.1", calls)

    done = make(project, ".venv/.ready", f"PYTHON3={python}")

    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in left.iterdir()) == [".python-3.12.1", ".ready", "bin"]
    assert calls.read_text().splitlines() == [
        "-m venv .venv",
        "-m pip install --quiet --disable-pip-version-check -r requirements-dev.txt",
    ]
    # Made by this interpreter: the next make leaves it as it is.
    calls.unlink()
    assert make(project, ".venv/.ready", f"PYTHON3={python}").returncode == 0
    assert not calls.exists()

"""`make` checks PYTHON3's version before it builds a venv, and makes again whole a
venv that another interpreter made. Run against a copy of the Makefile, in a
directory of its own, with empty requirements: nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.environment import ROOT

# Answers what it is asked as Python 3.10.12 would, by running the query on this
# interpreter with the version changed; refuses anything else (making a venv), which a
# Makefile that checks first never asks.
STAND_IN = f"""#!{sys.executable}
import sys

if sys.argv[1:] in (["--version"], ["-V"]):
    print("Python 3.10.12")
    sys.exit(0)
if len(sys.argv) > 2 and sys.argv[1] == "-c":
    code = sys.argv[2]
    sys.argv = ["-c", *sys.argv[3:]]
    sys.version_info = (3, 10, 12, "final", 0)
    sys.version = "3.10.12 (stand-in)"
    exec(compile(code, "<string>", "exec"), {{"__name__": "__main__"}})
    sys.exit(0)
sys.exit("the 3.10 stand-in was asked to run: " + " ".join(sys.argv[1:]))
"""
VERSION = ".".join(str(part) for part in sys.version_info[:3])


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
        timeout=120,
        check=False,
    )


def test_an_older_python_is_named_with_the_version_needed_and_no_venv_is_made(
    project: Path,
) -> None:
    stand_in = project / "python3.10"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)

    done = make(project, "unit", f"PYTHON3={stand_in}")

    assert done.returncode != 0
    assert (
        f"PYTHON3={stand_in} is Python 3.10.12; cognito-auth-api needs Python 3.11 or newer"
        in done.stderr
    )
    assert "stand-in was asked" not in done.stderr
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
    # As a 3.10 build that failed in pip leaves it, or a finished one of another version.
    (left / ".python-3.10.12").touch()
    (left / ".ready").touch()
    (left / "lib" / "python3.10").mkdir(parents=True)

    done = make(project, ".venv/.ready", f"PYTHON3={sys.executable}")

    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in left.glob(".python-*")) == [f".python-{VERSION}"]
    assert not (left / "lib" / "python3.10").exists()
    reported = subprocess.run(
        [str(left / "bin" / "python"), "--version"], capture_output=True, text=True, check=True
    )
    assert reported.stdout == f"Python {VERSION}\n"
    # Made by this interpreter: the next make leaves it as it is.
    (left / "kept").touch()
    assert make(project, ".venv/.ready", f"PYTHON3={sys.executable}").returncode == 0
    assert (left / "kept").exists()

"""The code as Lambda's Python runtime holds it: the deployment zip unpacked into a
read-only directory, and beside it only what the runtime adds (boto3 and what it
needs). For the cold-start row (bench.cold_start) and the packaged-zip test.

Lambda's code directory is read-only: when the zip holds no bytecode, every cold
start compiles every module it imports and fails to cache the result. Here the
directories are made read-only for the user running the bench; root ignores
permission bits, so for root they are also made immutable (chattr +i), and
`Layout.check_untouched` tells whether anything was written anyway.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import py_compile
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.package import package

FLOOR_APP = Path(__file__).with_name("floor_app.py")
# The bytes after a .pyc's magic number (PEP 552).
_HASH_BASED, _CHECK_SOURCE = 0b01, 0b10


def lambda_runtime(target: Path) -> Path:
    """What Lambda's Python runtime adds to a function's zip: boto3 and what it needs,
    linked from this environment (and nothing else from it)."""
    target.mkdir()
    pending, seen = ["boto3"], set()
    while pending:
        dist = importlib.metadata.distribution(pending.pop())
        if dist.metadata["Name"].lower() in seen:
            continue
        seen.add(dist.metadata["Name"].lower())
        pending += [
            re.split(r"[ ;<>=!~\[(]", r)[0] for r in dist.requires or [] if "extra" not in r
        ]
        for top in {file.parts[0] for file in dist.files or []}:
            if top != ".." and not top.endswith(".dist-info") and not (target / top).exists():
                (target / top).symlink_to(Path(str(dist.locate_file(top))))
    return target


@dataclass(frozen=True)
class Layout:
    function: Path  # the unpacked zip: LAMBDA_TASK_ROOT
    floor: Path  # floor_app.py beside the zip's own chalice package
    runtime: Path  # boto3 and its dependencies
    bytecode: bool  # whether the zip holds .pyc files

    def check_untouched(self, before: dict[Path, int]) -> None:
        """Raises if a file appeared in or vanished from the read-only directories
        since `before` (a snapshot): a child wrote bytecode that Lambda could not."""
        after = self.snapshot()
        if after != before:
            changed = sorted(str(path) for path in set(after) ^ set(before))
            raise RuntimeError(f"the read-only code directories changed: {changed[:5]}")

    def snapshot(self) -> dict[Path, int]:
        return {
            path: path.stat().st_size
            for top in (self.function, self.floor)
            for path in top.rglob("*")
            if path.is_file()
        }


def _invalidation_mode(pyc: Path) -> py_compile.PycInvalidationMode:
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    if not flags & _HASH_BASED:
        return py_compile.PycInvalidationMode.TIMESTAMP
    if flags & _CHECK_SOURCE:
        return py_compile.PycInvalidationMode.CHECKED_HASH
    return py_compile.PycInvalidationMode.UNCHECKED_HASH


def floor_directory(function: Path, target: Path) -> None:
    """floor_app.py and the zip's chalice package (bytecode included), the floor's
    source compiled the way the zip's app.py is, when it is."""
    target.mkdir()
    shutil.copytree(function / "chalice", target / "chalice")
    source = str(shutil.copy(FLOOR_APP, target / FLOOR_APP.name))
    app_pyc = Path(importlib.util.cache_from_source(str(function / "app.py")))
    if app_pyc.exists():
        py_compile.compile(
            source,
            cfile=importlib.util.cache_from_source(source),
            doraise=True,
            invalidation_mode=_invalidation_mode(app_pyc),
        )


def _chmod(top: Path, writable: bool) -> None:
    write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [top, *top.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~write)


def _chattr(top: Path, immutable: bool) -> None:
    """Root ignores permission bits, not the immutable attribute."""
    if os.geteuid() != 0:
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        raise RuntimeError("running as root, the bench needs chattr to make code read-only")
    flag = "+i" if immutable else "-i"
    done = subprocess.run(
        [chattr, "-R", flag, str(top)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 and immutable:
        raise RuntimeError(
            "root ignores read-only permissions, and `chattr +i` failed "
            f"({done.stderr.strip()}): run the bench as another user"
        )


@contextmanager
def lambda_layout(stage: str = "dev") -> Iterator[Layout]:
    """The stage's deployment zip (built once, by deploy.package), unpacked read-only,
    with the floor's directory and the runtime's boto3; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-lambda-") as work:
        root = Path(work)
        package(stage, root / "package")
        function = root / "function"
        with zipfile.ZipFile(root / "package" / "deployment.zip") as archive:
            archive.extractall(function)
            bytecode = any(name.endswith(".pyc") for name in archive.namelist())
        floor_directory(function, root / "floor")
        layout = Layout(function, root / "floor", lambda_runtime(root / "runtime"), bytecode)
        read_only = (layout.function, layout.floor)
        try:
            for top in read_only:
                _chmod(top, writable=False)
                _chattr(top, immutable=True)
            yield layout
        finally:
            for top in read_only:
                _chattr(top, immutable=False)
                _chmod(top, writable=True)

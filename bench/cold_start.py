"""Row 1: cold start. A fresh interpreter, from nothing to the app imported and its
first /login answered, against the floor (bench.floor_app), both reaching the same
Cognito stand-in (moto's server, started here once) over HTTP, the same way.

Method: the parent reads the system-wide monotonic clock just before spawning the
child; the child reads it again right after its handler returned (bench.cold_child);
a sample is the difference, so it covers exec, interpreter start-up, imports, the
client's creation, and the request. Interpreter shut-down is left out. Floor and ours
alternate, starting with each in turn, so the machine's noise falls on both alike.

The import-time share of each dependency the service adds is read with
`python -X importtime` from runs of the same child: the dependencies are found in
chalicelib's own import statements, not listed by hand.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.report import Row
from devstack.environment import ROOT
from devstack.pool import create_confirmed_user, create_pool
from devstack.process import free_port

SECTION = "1. cold start"
GOAL = 1.15
USERNAME = "cold@example.com"
PASSWORD = "Cold-Start-1!"
# Installed with boto3 on every Lambda runtime, or ours: not dependencies we add.
_NOT_ADDED = frozenset({"boto3", "botocore", "chalice", "chalicelib", "mypy_boto3_cognito_idp"})
# Besides the third-party packages: request validation (the models, pydantic
# within), the settings, and everything the app imports, for scale.
OUR_MODULES = ("chalicelib.models", "chalicelib.settings", "app")
_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


@contextmanager
def stand_in() -> Iterator[dict[str, str]]:
    """moto's server on a free port with a pool and one confirmed user; yields the
    environment a child needs (the service's settings, fake credentials)."""
    import boto3
    from moto.server import ThreadedMotoServer

    fake = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        pool = create_pool(client)
        create_confirmed_user(client, pool.user_pool_id, USERNAME, PASSWORD)
        yield {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_"))},
            **fake,
            "COGNITO_USER_POOL_ID": pool.user_pool_id,
            "COGNITO_CLIENT_ID": pool.client_id,
            "COGNITO_CLIENT_SECRET": pool.client_secret,
            "COGNITO_ENDPOINT_URL": endpoint,
            "COGNITO_DIALECT": "moto",
            # As on Lambda: the service reads its settings at import.
            "AWS_LAMBDA_FUNCTION_NAME": "cold-start",
        }
    finally:
        server.stop()


def _child(kind: str, env: dict[str, str], importtime: bool = False) -> tuple[float, str]:
    """Seconds from spawn to the first answer, and the child's stderr."""
    flags = ["-X", "importtime"] if importtime else []
    command = [sys.executable, *flags, "-m", "bench.cold_child", kind, USERNAME, PASSWORD]
    started = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold start child ({kind}) failed:\n{done.stdout}\n{done.stderr}")
    return (int(done.stdout.strip()) - started) / 1e9, done.stderr


def added_dependencies() -> list[str]:
    """Third-party top-level packages that chalicelib imports, anywhere in its code
    (a lazy import inside a function may be paid before the first answer; one under
    `if TYPE_CHECKING:` never is)."""
    found: set[str] = set()
    for path in sorted((ROOT / "chalicelib").glob("*.py")):
        tree = ast.parse(path.read_text())
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for child in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in _NOT_ADDED:
                    found.add(top)
    return sorted(found)


def _cumulative_us(stderr: str) -> dict[str, tuple[int, int]]:
    """Module -> (cumulative import microseconds, nesting depth), from -X importtime."""
    times: dict[str, tuple[int, int]] = {}
    for match in _IMPORTTIME.finditer(stderr):
        times.setdefault(match.group(4), (int(match.group(2)), len(match.group(3))))
    return times


def _outermost(stderr: str, modules: list[str]) -> list[str]:
    """The modules not imported from within another of them (pydantic_core is
    imported by pydantic, and counted there)."""
    lines = [(len(m.group(3)), m.group(4)) for m in _IMPORTTIME.finditer(stderr)]
    nested: set[str] = set()
    for index, (depth, name) in enumerate(lines):
        if name not in modules:
            continue
        # -X importtime prints a module after everything it imported: its importers
        # follow it, each less indented than the last.
        level = depth
        for later_depth, later in lines[index + 1 :]:
            if later_depth < level:
                level = later_depth
                if later in modules:
                    nested.add(name)
                    break
    return [module for module in modules if module not in nested]


def measure(pairs: int, importtime_runs: int) -> list[Row]:
    with stand_in() as env:
        _child("floor", env)  # warm the page cache and write bytecode for both
        _child("ours", env)
        samples: dict[str, list[float]] = {"floor": [], "ours": []}
        for index in range(pairs):
            order = ("floor", "ours") if index % 2 == 0 else ("ours", "floor")
            for kind in order:
                samples[kind].append(_child(kind, env)[0])
        shares: dict[str, list[float]] = {}
        modules: list[str] = []
        for _ in range(importtime_runs):
            seconds, stderr = _child("ours", env, importtime=True)
            if not modules:
                modules = [*_outermost(stderr, added_dependencies()), *OUR_MODULES]
            imported = _cumulative_us(stderr)
            for module in modules:
                cumulative = imported.get(module, (0, 0))[0]
                shares.setdefault(module, []).append(cumulative / 1e6 / seconds)
    floor = statistics.median(samples["floor"])
    ours = statistics.median(samples["ours"])
    rows = [
        Row(
            SECTION,
            "import app + first /login (Lambda handler)",
            ours * 1e3,
            floor * 1e3,
            "ms",
            "bare Chalice + boto3 client, same /login",
            GOAL,
        )
    ]
    for module in modules:
        share = statistics.median(shares[module])
        rows.append(
            Row(
                SECTION,
                f"  of which import {module}",
                share * ours * 1e3,
                ours * 1e3,
                "ms",
                "our cold start (share: -X importtime)",
            )
        )
    return rows

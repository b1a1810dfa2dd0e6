"""Row 1: cold start. A fresh interpreter, from nothing to the app imported and its
first /login answered, against the floor (bench.floor_app), both reaching the same
Cognito stand-in (moto's server, started here once) over HTTP, the same way.

Two layouts. As Lambda runs the code (bench.lambda_layout): the stage's deployment
zip unpacked into a read-only directory, `python -S` with only that directory and
the runtime's boto3 on the path, no PYTHONDONTWRITEBYTECODE; the floor from a
read-only directory of its own, holding floor_app.py and the zip's chalice package,
compiled as the zip is. And, for comparison, from this repository and its venv.

Method: the parent builds the API Gateway proxy event (devstack.events), reads the
system-wide monotonic clock and spawns the child (bench.cold_child) with the event
as JSON; the child reads the clock again right after its handler returned. A sample
is the difference: exec, interpreter start-up, imports, the client's creation, and
the request. Interpreter shut-down is left out. Floor and ours alternate, starting
with each in turn, so the machine's noise falls on both alike. The child also
reports its peak resident set size after the answer.

The import-time share of each dependency the service adds is read with
`python -X importtime` from runs of the same child in the Lambda layout: the
dependencies are found in chalicelib's own import statements, not listed by hand.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.lambda_layout import Layout, lambda_layout
from bench.report import Row
from devstack.environment import FAKE_CREDENTIALS, OFFLINE_AWS, ROOT
from devstack.events import proxy_event
from devstack.pool import create_confirmed_user, create_pool
from devstack.process import free_port

SECTION = "1. cold start"
MEMORY = "1. peak memory (RSS)"
GOAL = 1.10
MEMORY_GOAL = 1.05
USERNAME = "cold@example.com"
PASSWORD = "Cold-Start-1!"
CHILD = Path(__file__).with_name("cold_child.py")
KINDS = ("floor", "ours")
# Installed with boto3 on every Lambda runtime, or ours: not dependencies we add.
_NOT_ADDED = frozenset({"boto3", "botocore", "chalice", "chalicelib", "mypy_boto3_cognito_idp"})
# Besides the third-party packages: request validation (the machinery, msgspec
# within), the settings, and everything the app imports, for scale.
OUR_MODULES = ("chalicelib.validation", "chalicelib.settings", "app")
_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


@contextmanager
def stand_in() -> Iterator[dict[str, str]]:
    """moto's server on a free port with a pool and one confirmed user; yields the
    environment the service and the floor read (settings, fake credentials)."""
    import boto3
    from moto.server import ThreadedMotoServer

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
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        pool = create_pool(client)
        create_confirmed_user(client, pool.user_pool_id, USERNAME, PASSWORD)
        yield {
            **OFFLINE_AWS,
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


@dataclass(frozen=True)
class Variant:
    """How to start one kind's child in one layout."""

    flags: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    module: str  # the module that holds the app


def lambda_variants(layout: Layout, service: dict[str, str]) -> dict[str, Variant]:
    """Per kind: the child as Lambda's runtime starts a function, nothing inherited
    (PYTHONDONTWRITEBYTECODE included: Python tries to cache bytecode, and fails)."""

    def variant(code: Path, module: str) -> Variant:
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(code),
            "PYTHONPATH": f"{code}:{layout.runtime}",
            **service,
        }
        # -S: no site-packages; -P: not the child script's own directory either.
        return Variant(("-S", "-P"), env, code, module)

    return {"floor": variant(layout.floor, "floor_app"), "ours": variant(layout.function, "app")}


def venv_variants(service: dict[str, str]) -> dict[str, Variant]:
    """Per kind: the child from this repository, with the venv's site-packages."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_"))}
    env = {**inherited, **service, "PYTHONPATH": str(ROOT)}
    return {
        "floor": Variant(("-P",), env, ROOT, "bench.floor_app"),
        "ours": Variant(("-P",), env, ROOT, "app"),
    }


def _child(variant: Variant, event: str, importtime: bool = False) -> tuple[float, float, str]:
    """Seconds from spawn to the first answer, peak RSS in MiB, and the child's stderr."""
    flags = [*variant.flags, *(["-X", "importtime"] if importtime else [])]
    command = [sys.executable, *flags, str(CHILD), variant.module, event]
    started = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    done = subprocess.run(
        command, cwd=variant.cwd, env=variant.env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"cold start child ({variant.module}) failed:\n{done.stdout}\n{done.stderr}"
        )
    answered, peak_kib = done.stdout.split()
    return (int(answered) - started) / 1e9, int(peak_kib) / 1024, done.stderr


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
    """The modules not imported from within another of them (joserfc.jwk is
    imported by joserfc, and counted there)."""
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
    event = json.dumps(
        proxy_event("/login", {"username": USERNAME, "password": PASSWORD}, request_id="cold")
    )
    with stand_in() as service, lambda_layout() as layout:
        layouts = {"lambda": lambda_variants(layout, service), "venv": venv_variants(service)}
        untouched = layout.snapshot()
        for variants in layouts.values():
            for kind in KINDS:  # unmeasured: the page cache, and the venv's bytecode
                _child(variants[kind], event)
        seconds: dict[tuple[str, str], list[float]] = {}
        peaks: dict[tuple[str, str], list[float]] = {}
        for index in range(pairs):
            order = KINDS if index % 2 == 0 else KINDS[::-1]
            for name, variants in layouts.items():
                for kind in order:
                    elapsed, peak, _ = _child(variants[kind], event)
                    seconds.setdefault((name, kind), []).append(elapsed)
                    peaks.setdefault((name, kind), []).append(peak)
        shares: dict[str, list[float]] = {}
        modules: list[str] = []
        for _ in range(importtime_runs):
            elapsed, _, stderr = _child(layouts["lambda"]["ours"], event, importtime=True)
            if not modules:
                modules = [*_outermost(stderr, added_dependencies()), *OUR_MODULES]
            imported = _cumulative_us(stderr)
            for module in modules:
                cumulative = imported.get(module, (0, 0))[0]
                shares.setdefault(module, []).append(cumulative / 1e6 / elapsed)
        layout.check_untouched(untouched)
    time_ms = {key: statistics.median(values) * 1e3 for key, values in seconds.items()}
    peak_mib = {key: statistics.median(values) for key, values in peaks.items()}
    zipped = f"zip {'with' if layout.bytecode else 'without'} .pyc, read-only"
    ours = time_ms["lambda", "ours"]
    rows = [
        Row(
            SECTION,
            f"import app + first /login, Lambda layout ({zipped})",
            ours,
            time_ms["lambda", "floor"],
            "ms",
            "bare Chalice + boto3 client, same layout, same /login",
            GOAL,
        )
    ]
    rows += [
        Row(
            SECTION,
            f"  of which import {module}",
            statistics.median(shares[module]) * ours,
            ours,
            "ms",
            "our cold start (share: -X importtime)",
        )
        for module in modules
    ]
    rows += [
        Row(
            SECTION,
            "import app + first /login, from the venv (bytecode cached)",
            time_ms["venv", "ours"],
            time_ms["venv", "floor"],
            "ms",
            "bare Chalice + boto3 client, same layout, same /login",
        ),
        Row(
            MEMORY,
            f"after the first /login, Lambda layout ({zipped})",
            peak_mib["lambda", "ours"],
            peak_mib["lambda", "floor"],
            "MiB",
            "bare Chalice + boto3 client, same layout",
            MEMORY_GOAL,
        ),
        Row(
            MEMORY,
            "after the first /login, from the venv",
            peak_mib["venv", "ours"],
            peak_mib["venv", "floor"],
            "MiB",
            "bare Chalice + boto3 client, same layout",
        ),
    ]
    return rows

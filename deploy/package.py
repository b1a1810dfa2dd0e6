"""`make package`: a stage's AWS stack as a SAM template plus the deployment zip.

deploy/template.json (and deploy/<stage>.json, when the stage has one) is merged
over the template `chalice package` writes, into build/<stage>/: sam.json and
deployment.zip, ready for `sam deploy` or `aws cloudformation package` + `deploy`.

The zip is built for one Lambda architecture (`make package ARCH=arm64`: chalice
fetches the aarch64 wheels) and ships every module's bytecode for the runtime's
Python, so a cold start compiles nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import py_compile
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from chalice.package import TemplateDeepMerger

from chalicelib.cors import EXPOSED_HEADERS
from devstack.environment import ROOT

TEMPLATE = ROOT / "deploy" / "template.json"
STAGES = ("dev", "prod")
ARCHITECTURES = ("x86_64", "arm64")


def merge_template(stage: str, architecture: str = ARCHITECTURES[0]) -> dict[str, Any]:
    """The CloudFormation that `chalice package --merge-template` adds for a stage;
    its Architecture parameter defaults to the one the zip is built for."""
    template: dict[str, Any] = json.loads(TEMPLATE.read_text())
    template["Parameters"]["Architecture"]["Default"] = architecture
    add_cors_to_gateway_responses(template)
    add_rate_limited_response(template)
    overlay = TEMPLATE.with_name(f"{stage}.json")
    if overlay.exists():
        merged: dict[str, Any] = TemplateDeepMerger().merge(
            json.loads(overlay.read_text()), template
        )
        return merged
    return template


def add_cors_to_gateway_responses(template: dict[str, Any]) -> None:
    """API Gateway's own answers (its 401s, throttling, unknown routes, timeouts)
    never reach the function, so they carry only the headers the template gives
    them: without CORS headers a page would see a CORS failure, not the 401 that
    tells it to renew. They are given when the stack allows any origin. A gateway
    response cannot choose among origins, so it echoes whichever asks."""
    when_allowed = "HasCorsOrigins"
    headers = {
        "Access-Control-Allow-Origin": "method.request.header.Origin",
        "Access-Control-Expose-Headers": f"'{EXPOSED_HEADERS}'",
        "Vary": "'Origin'",
    }
    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    for response in responses.values():
        response["ResponseParameters"]["Headers"].update(
            {
                name: {"Fn::If": [when_allowed, value, {"Ref": "AWS::NoValue"}]}
                for name, value in headers.items()
            }
        )


def add_rate_limited_response(template: dict[str, Any]) -> None:
    """Every rate rule of the web ACL blocks with the same answer: 429, the envelope
    (the ACL's `rate_limited` body), and `Retry-After` set to the counting window, the
    time after which a client that stopped has no request left in it.

    A WAF answer never reaches API Gateway's gateway responses, and its headers are
    fixed strings: it cannot echo `Origin`. It names the first of CorsAllowOrigins (the
    only one when there is one), so that page can read the 429 and its Retry-After;
    the other pages of a longer list see a CORS failure instead."""
    when_allowed = "HasCorsOrigins"
    first_origin = {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "CorsAllowOrigins"}]}]}
    headers: list[dict[str, Any]] = [
        {"Name": "Retry-After", "Value": {"Ref": "RateLimitWindowSeconds"}},
        *(
            {"Fn::If": [when_allowed, {"Name": name, "Value": value}, {"Ref": "AWS::NoValue"}]}
            for name, value in (
                ("Access-Control-Allow-Origin", first_origin),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            )
        ),
    ]
    acl = template["Resources"]["WebACL"]["Properties"]
    (body,) = acl["CustomResponseBodies"]
    for rule in acl["Rules"]:
        if "RateBasedStatement" in rule["Statement"]:
            rule["Action"] = {
                "Block": {
                    "CustomResponse": {
                        "ResponseCode": 429,
                        "CustomResponseBodyKey": body,
                        "ResponseHeaders": headers,
                    }
                }
            }


def runtime_version(sam: dict[str, Any]) -> tuple[int, int]:
    """The Python version of the function's Runtime (`python3.11` -> (3, 11))."""
    runtime = sam["Resources"]["APIHandler"]["Properties"]["Runtime"]
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    if match is None:
        raise SystemExit(f"the function's Runtime {runtime!r} is not a Python runtime")
    return int(match[1]), int(match[2])


def require_interpreter(version: tuple[int, int]) -> None:
    """Bytecode is only valid for the Python that wrote it: refuse any other."""
    if sys.version_info[:2] != version:
        running = ".".join(map(str, sys.version_info[:2]))
        wanted = ".".join(map(str, version))
        raise SystemExit(
            f"the function runs on Python {wanted} but this is Python {running} "
            f"({sys.executable}): package with Python {wanted}, whose bytecode the "
            "runtime can load"
        )


def compile_bytecode(archive: Path) -> None:
    """Rewrites the zip with each .py's bytecode beside it, in __pycache__ under the
    name this interpreter's import system looks for.

    Unchecked-hash pycs: Lambda's code directory is read-only, so a pyc the import
    system rejects is recompiled on every cold start and never written back. A
    timestamp pyc would be judged against the mtime that extraction gives the
    source, which the zip does not control; a checked-hash one would make every
    import read and hash its source. The zip is built once and never edited in
    place, so its sources cannot drift from their bytecode.
    Entries keep their order, timestamps and modes; each pyc takes its source's.
    """
    rewritten = archive.with_name(archive.name + ".tmp")
    with (
        tempfile.TemporaryDirectory() as work,
        zipfile.ZipFile(archive) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename.endswith(".pyc"):
                continue
            data = source.read(info)
            target.writestr(_entry(info.filename, info), data)
            if info.filename.endswith(".py"):
                target.writestr(
                    _entry(importlib.util.cache_from_source(info.filename, optimization=""), info),
                    _bytecode(Path(work), info.filename, data),
                )
    rewritten.replace(archive)


def _entry(name: str, like: zipfile.ZipInfo) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=like.date_time)
    entry.external_attr = like.external_attr
    entry.create_system = like.create_system
    entry.compress_type = like.compress_type
    return entry


def _bytecode(work: Path, name: str, source: bytes) -> bytes:
    path = work / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source)
    compiled = path.with_suffix(".pyc")
    try:
        py_compile.compile(
            str(path),
            cfile=str(compiled),
            # Tracebacks name the module as the zip does; no build directory leaks in.
            dfile=name,
            doraise=True,
            # Lambda runs Python without -O.
            optimize=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except py_compile.PyCompileError as error:
        raise SystemExit(f"{name} in the deployment zip does not compile: {error.msg}") from error
    return compiled.read_bytes()


def package(stage: str, out: Path, architecture: str = ARCHITECTURES[0]) -> Path:
    """Writes the stage's stack to `out`; returns the path of sam.json."""
    if stage not in STAGES:
        raise SystemExit(f"STAGE must be one of {', '.join(STAGES)}, not {stage!r}")
    if architecture not in ARCHITECTURES:
        raise SystemExit(f"ARCH must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}")
    out.mkdir(parents=True, exist_ok=True)
    # The template names its region through AWS::Region; chalice only wants one set.
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ}
    with tempfile.TemporaryDirectory() as work:
        merge = Path(work) / "merge-template.json"
        merge.write_text(json.dumps(merge_template(stage, architecture), indent=2))
        command = ["-m", "deploy.chalice_package", stage, architecture, str(merge), str(out)]
        subprocess.run(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            check=True,
        )
    sam = out / "sam.json"
    require_interpreter(runtime_version(json.loads(sam.read_text())))
    compile_bytecode(out / "deployment.zip")
    return sam


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", nargs="?", default="prod", choices=STAGES)
    parser.add_argument("--arch", default=ARCHITECTURES[0], choices=ARCHITECTURES)
    parser.add_argument("--out", type=Path, help="default: build/<stage>")
    args = parser.parse_args()
    sam = package(args.stage, args.out or ROOT / "build" / args.stage, args.arch)
    print(f"wrote {sam.relative_to(ROOT) if sam.is_relative_to(ROOT) else sam}")


if __name__ == "__main__":
    main()

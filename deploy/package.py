"""`make package`: a stage's AWS stack as a SAM template plus the deployment zip.

deploy/template.json (and deploy/<stage>.json, when the stage has one) is merged
over the template `chalice package` writes, into build/<stage>/: sam.json and
deployment.zip, ready for `sam deploy` or `aws cloudformation package` + `deploy`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from chalice.package import TemplateDeepMerger

from devstack.environment import ROOT

TEMPLATE = ROOT / "deploy" / "template.json"
STAGES = ("dev", "prod")


def merge_template(stage: str) -> dict[str, Any]:
    """The CloudFormation that `chalice package --merge-template` adds for a stage."""
    template: dict[str, Any] = json.loads(TEMPLATE.read_text())
    overlay = TEMPLATE.with_name(f"{stage}.json")
    if overlay.exists():
        merged: dict[str, Any] = TemplateDeepMerger().merge(
            json.loads(overlay.read_text()), template
        )
        return merged
    return template


def package(stage: str, out: Path) -> Path:
    """Writes the stage's stack to `out`; returns the path of sam.json."""
    if stage not in STAGES:
        raise SystemExit(f"STAGE must be one of {', '.join(STAGES)}, not {stage!r}")
    out.mkdir(parents=True, exist_ok=True)
    # The template names its region through AWS::Region; chalice only wants one set.
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ}
    with tempfile.TemporaryDirectory() as work:
        merge = Path(work) / "merge-template.json"
        merge.write_text(json.dumps(merge_template(stage), indent=2))
        chalice = Path(sys.executable).with_name("chalice")
        subprocess.run(
            [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return out / "sam.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", nargs="?", default="prod", choices=STAGES)
    parser.add_argument("--out", type=Path, help="default: build/<stage>")
    args = parser.parse_args()
    sam = package(args.stage, args.out or ROOT / "build" / args.stage)
    print(f"wrote {sam.relative_to(ROOT) if sam.is_relative_to(ROOT) else sam}")


if __name__ == "__main__":
    main()

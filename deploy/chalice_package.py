"""`chalice package` for a chosen Lambda architecture.

chalice 1.34 builds the deployment zip from wheels for arm64 as well as x86_64 (its
`lambda_architecture` setting), but reads that setting only from .chalice/config.json:
its `package` command has no flag for it. This runs the command's own steps with the
architecture as a user-provided parameter, which chalice's config lookup consults
before the file. deploy/package.py runs it as a child process, because loading the
app applies the stage's environment variables to os.environ.

    python -m deploy.chalice_package STAGE ARCHITECTURE MERGE_TEMPLATE OUT
"""

from __future__ import annotations

import argparse
import os

from chalice.cli.factory import CLIFactory
from chalice.deploy.validate import validate_lambda_architecture

from devstack.environment import ROOT


def chalice_package(stage: str, architecture: str, merge_template: str, out: str) -> None:
    # What chalice's CLI sets before any command, so the app can tell it is being packaged.
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"
    os.chdir(ROOT)
    factory = CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(
        stage, user_provided_params={"lambda_architecture": architecture}
    )
    validate_lambda_architecture(config)
    packager = factory.create_app_packager(
        config, factory.create_package_options(), "cloudformation", "json", merge_template
    )
    packager.package_app(config, out, stage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("stage", "architecture", "merge_template", "out"):
        parser.add_argument(name)
    args = parser.parse_args()
    chalice_package(args.stage, args.architecture, args.merge_template, args.out)


if __name__ == "__main__":
    main()

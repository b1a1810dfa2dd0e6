"""`make rotate-secret STACK=<stack name>`: a new app client secret, with no request lost.

The runbook of docs/rotating-secret.md, against a real account:

1. AddUserPoolClientSecret: Cognito generates a second secret; both now verify.
2. PutSecretValue: the new value becomes the Secrets Manager secret's current
   version (the old one stays as AWSPREVIOUS). Should this fail, the new Cognito
   secret is deleted again and the client is as it was.
3. Wait for the function's maximum age (CLIENT_SECRET_MAX_AGE) and a margin for
   calls in flight: by then every process signs with the new value.
4. DeleteUserPoolClientSecret: the old secret stops verifying.

The new value goes from Cognito's answer to Secrets Manager and nowhere else: it is
never printed or logged. It refuses to start when the client already holds two
secrets (an unfinished rotation). Uses the ordinary AWS credential chain; the caller
needs cognito-idp:ListUserPoolClientSecrets, AddUserPoolClientSecret and
DeleteUserPoolClientSecret on the pool, secretsmanager:PutSecretValue on the secret,
and, with --stack, cloudformation:DescribeStacks.

    python -m deploy.rotate_secret --stack NAME [--max-age SECONDS] [--region REGION]
    python -m deploy.rotate_secret --user-pool-id ID --client-id ID --secret-arn ARN
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from chalicelib.settings import DEFAULT_CLIENT_SECRET_MAX_AGE

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

# A Cognito call gives up after about 9 s (docs/routes.md, "On every route"): a request
# that signed with the old value just before its process read the new one is over by then.
IN_FLIGHT_MARGIN = 30.0
INTERRUPTED = 130


class RotationError(Exception):
    """Why the rotation stopped, and in what state it left the client."""


class Interrupted(RotationError):
    """Ctrl-C during the wait: both secrets verify, the old one still to delete."""


@dataclass(frozen=True)
class Target:
    user_pool_id: str
    client_id: str
    secret_arn: str


def rotate(
    cognito: CognitoIdentityProviderClient,
    secrets_manager: SecretsManagerClient,
    target: Target,
    wait: float,
    report: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Runs the four steps; returns the new secret's id. RotationError when a step
    fails, after undoing what would otherwise be left half done."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = {"UserPoolId": target.user_pool_id, "ClientId": target.client_id}
    held = cognito.list_user_pool_client_secrets(**client)["ClientSecrets"]
    if len(held) != 1:
        names = ", ".join(
            f"{s['ClientSecretId']} created {s['ClientSecretCreateDate']:%Y-%m-%d %H:%M:%S %Z}"
            for s in held
        )
        raise RotationError(
            f"app client {target.client_id} holds {len(held)} secrets ({names}): a rotation "
            "is unfinished. Delete the one Secrets Manager does not hold (the older one if "
            "the secret's current version was written after the newer one was added), with "
            "aws cognito-idp delete-user-pool-client-secret, then run this again."
        )
    old = held[0]["ClientSecretId"]

    added = cognito.add_user_pool_client_secret(**client)["ClientSecretDescriptor"]
    new = added["ClientSecretId"]
    report(f"1/4 added secret {new} to app client {target.client_id}; {old} still verifies")
    try:
        secrets_manager.put_secret_value(
            SecretId=target.secret_arn, SecretString=added["ClientSecretValue"]
        )
    except (ClientError, BotoCoreError) as exc:
        _undo(cognito, target, new, f"could not store the new secret in {target.secret_arn}: {exc}")
    report(f"2/4 stored it as the current version of {target.secret_arn}")

    finish = (
        f"aws cognito-idp delete-user-pool-client-secret --user-pool-id "
        f"{target.user_pool_id} --client-id {target.client_id} --client-secret-id {old}"
    )
    report(f"3/4 waiting {wait:.0f} s for every process to read it (Ctrl-C is safe)")
    try:
        sleep(wait)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted while waiting: both secrets verify. To finish, {wait:.0f} s "
            f"after step 2: {finish}"
        ) from None
    try:
        cognito.delete_user_pool_client_secret(**client, ClientSecretId=old)
    except (ClientError, BotoCoreError) as exc:
        raise RotationError(
            f"could not delete the old secret ({exc}): both secrets verify. To finish: {finish}"
        ) from None
    report(f"4/4 deleted the old secret {old}: the rotation is complete")
    return new


def _undo(cognito: CognitoIdentityProviderClient, target: Target, new: str, why: str) -> NoReturn:
    """Deletes the secret just added, and raises RotationError saying why and how it
    left the client."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        cognito.delete_user_pool_client_secret(
            UserPoolId=target.user_pool_id, ClientId=target.client_id, ClientSecretId=new
        )
    except (ClientError, BotoCoreError) as exc:
        raise RotationError(
            f"{why}; deleting the new secret {new} failed too ({exc}): delete it by hand"
        ) from None
    raise RotationError(f"{why}; deleted the new secret {new} again: nothing has changed")


def stack_target(cloudformation: Any, stack: str) -> Target:
    """The pool, client and secret a stack of `make package`'s template made."""
    outputs = {
        output["OutputKey"]: output["OutputValue"]
        for output in cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get(
            "Outputs", []
        )
    }
    try:
        return Target(
            outputs["UserPoolId"], outputs["UserPoolClientId"], outputs["ClientSecretArn"]
        )
    except KeyError as missing:
        raise RotationError(f"stack {stack} has no output {missing}: not this service's") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack", help="the stack `make package`'s template made")
    parser.add_argument("--user-pool-id")
    parser.add_argument("--client-id")
    parser.add_argument("--secret-arn", help="the Secrets Manager secret the function reads")
    parser.add_argument("--region", help="default: the AWS configuration's")
    parser.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_CLIENT_SECRET_MAX_AGE,
        help="the function's CLIENT_SECRET_MAX_AGE in seconds (default: %(default).0f)",
    )
    args = parser.parse_args(argv)
    explicit = (args.user_pool_id, args.client_id, args.secret_arn)
    if not (all(explicit) if args.stack is None else not any(explicit)):
        parser.error("give --stack, or all of --user-pool-id, --client-id and --secret-arn")
    if args.max_age <= 0:
        parser.error("--max-age must be a positive number of seconds")

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session(region_name=args.region)
    try:
        target = (
            stack_target(session.client("cloudformation"), args.stack)
            if args.stack
            else Target(*explicit)
        )
        rotate(
            session.client("cognito-idp"),
            session.client("secretsmanager"),
            target,
            wait=args.max_age + IN_FLIGHT_MARGIN,
        )
    except RotationError as exc:
        print(f"rotate-secret: {exc}", file=sys.stderr)
        return INTERRUPTED if isinstance(exc, Interrupted) else 1
    except (ClientError, BotoCoreError) as exc:
        print(f"rotate-secret: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "rotate-secret: interrupted; see which secrets the app client holds with "
            "aws cognito-idp list-user-pool-client-secrets",
            file=sys.stderr,
        )
        return INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""deploy/rotate_secret.py (`make rotate-secret`): against the stand-in's pool and
moto's Secrets Manager in-process, and, for the exact requests AWS receives,
botocore's Stubber. Nothing waits: the script's sleep is the test's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.stub import Stubber

from deploy.rotate_secret import (
    IN_FLIGHT_MARGIN,
    Interrupted,
    RotationError,
    Target,
    main,
    rotate,
    stack_target,
)
from devstack.pool import Pool, create_confirmed_user
from tests.conftest import ALICE, PASSWORD, STUB_POOL
from tests.rotation_support import renews_with, secret_ids, sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

MAX_AGE = 300.0


@pytest.fixture
def secrets_manager(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
) -> SecretsManagerClient:
    # The stand-in runs inside moto's mock_aws, which serves Secrets Manager as well.
    return boto3.client("secretsmanager")


@pytest.fixture
def target(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], secrets_manager: SecretsManagerClient
) -> Target:
    """The deployed arrangement: the pool's client secret held in Secrets Manager."""
    _, pool = stand_in
    arn = secrets_manager.create_secret(Name="client-secret", SecretString=pool.client_secret)[
        "ARN"
    ]
    return Target(pool.user_pool_id, pool.client_id, arn)


def test_rotation_leaves_one_new_secret_that_secrets_manager_holds(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
    secrets_manager: SecretsManagerClient,
    target: Target,
) -> None:
    cognito, pool = stand_in
    create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD)
    refresh_token = sign_in(cognito, pool, ALICE)["RefreshToken"]
    (old,) = secret_ids(cognito, target)
    lines: list[str] = []
    waits: list[float] = []

    new = rotate(
        cognito, secrets_manager, target, MAX_AGE + IN_FLIGHT_MARGIN, lines.append, waits.append
    )

    value = secrets_manager.get_secret_value(SecretId=target.secret_arn)["SecretString"]
    assert secret_ids(cognito, target) == [new]
    assert new.startswith(f"{pool.client_id}--")
    assert new != old
    assert waits == [MAX_AGE + IN_FLIGHT_MARGIN]
    assert renews_with(cognito, pool, refresh_token, value) == "ok"
    assert renews_with(cognito, pool, refresh_token, pool.client_secret) == (
        f"Unable to verify client secret for client {pool.client_id}"
    )
    assert [line[:4] for line in lines] == ["1/4 ", "2/4 ", "3/4 ", "4/4 "]
    assert value not in "\n".join(lines)
    previous = secrets_manager.get_secret_value(
        SecretId=target.secret_arn, VersionStage="AWSPREVIOUS"
    )
    assert previous["SecretString"] == pool.client_secret


def test_rotation_undoes_the_new_secret_when_secrets_manager_refuses_it(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
    secrets_manager: SecretsManagerClient,
    target: Target,
) -> None:
    cognito, _ = stand_in
    held = secret_ids(cognito, target)
    gone = Target(target.user_pool_id, target.client_id, target.secret_arn + "-gone")

    with pytest.raises(
        RotationError, match=r"deleted the new secret .* again: nothing has changed"
    ):
        rotate(cognito, secrets_manager, gone, MAX_AGE, print, lambda _: None)

    assert secret_ids(cognito, target) == held


def test_rotation_refuses_to_start_while_a_rotation_is_unfinished(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
    secrets_manager: SecretsManagerClient,
    target: Target,
) -> None:
    cognito, _ = stand_in
    cognito.add_user_pool_client_secret(UserPoolId=target.user_pool_id, ClientId=target.client_id)
    held = secret_ids(cognito, target)

    with pytest.raises(RotationError, match=r"holds 2 secrets .*: a rotation is unfinished"):
        rotate(cognito, secrets_manager, target, MAX_AGE, print, lambda _: None)

    assert secret_ids(cognito, target) == held
    value = secrets_manager.get_secret_value(SecretId=target.secret_arn)["SecretString"]
    assert value == stand_in[1].client_secret


def test_ctrl_c_while_waiting_keeps_both_secrets_and_says_how_to_finish(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
    secrets_manager: SecretsManagerClient,
    target: Target,
) -> None:
    cognito, _ = stand_in
    (old,) = secret_ids(cognito, target)

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        rotate(cognito, secrets_manager, target, MAX_AGE, print, interrupted)

    assert len(secret_ids(cognito, target)) == 2
    assert f"--client-id {target.client_id} --client-secret-id {old}" in str(stopped.value)


def test_the_script_sends_aws_exactly_the_runbooks_requests() -> None:
    """AWS divergence: moto has none of the client-secret operations (the stand-in
    adds them), so this pins what AWS receives: no ClientSecret on Add, so that
    Cognito generates it; the value it returns, and only it, to PutSecretValue; the
    old secret's id to Delete."""
    region = STUB_POOL.user_pool_id.split("_")[0]
    cognito = boto3.client("cognito-idp", region_name=region)
    secrets_manager = boto3.client("secretsmanager", region_name=region)
    arn = f"arn:aws:secretsmanager:{region}:123456789012:secret:client-secret-AbCdEf"
    target = Target(STUB_POOL.user_pool_id, STUB_POOL.client_id, arn)
    client = {"UserPoolId": STUB_POOL.user_pool_id, "ClientId": STUB_POOL.client_id}
    old, new = f"{STUB_POOL.client_id}--1700000000000", f"{STUB_POOL.client_id}--1800000000000"
    value = "generatedbycognito0e2f4h6j8k0m2n4p6r8t0v2x4z6b8d0f2"
    created = datetime(2026, 1, 1, tzinfo=UTC)
    waits: list[float] = []

    with Stubber(cognito) as idp, Stubber(secrets_manager) as secrets:
        idp.add_response(
            "list_user_pool_client_secrets",
            {"ClientSecrets": [{"ClientSecretId": old, "ClientSecretCreateDate": created}]},
            client,
        )
        idp.add_response(
            "add_user_pool_client_secret",
            {
                "ClientSecretDescriptor": {
                    "ClientSecretId": new,
                    "ClientSecretValue": value,
                    "ClientSecretCreateDate": created,
                }
            },
            client,
        )
        secrets.add_response(
            "put_secret_value",
            {"ARN": arn, "Name": "client-secret", "VersionId": "a" * 32},
            {"SecretId": arn, "SecretString": value},
        )
        idp.add_response("delete_user_pool_client_secret", {}, {**client, "ClientSecretId": old})

        assert rotate(cognito, secrets_manager, target, 330.0, lambda _: None, waits.append) == new

        idp.assert_no_pending_responses()
        secrets.assert_no_pending_responses()
    assert waits == [330.0]


def test_a_stack_names_its_pool_client_and_secret_in_its_outputs(
    stand_in: tuple[CognitoIdentityProviderClient, Pool], target: Target
) -> None:
    cloudformation = boto3.client("cloudformation")
    outputs = {
        "UserPoolId": target.user_pool_id,
        "UserPoolClientId": target.client_id,
        "ClientSecretArn": target.secret_arn,
    }
    cloudformation.create_stack(
        StackName="cognito-auth-api",
        TemplateBody=json.dumps(
            {
                # A stack needs a resource; the outputs are what the script reads.
                "Resources": {
                    "Placeholder": {
                        "Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "placeholder", "Type": "String", "Value": "-"},
                    }
                },
                "Outputs": {name: {"Value": value} for name, value in outputs.items()},
            }
        ),
    )

    assert stack_target(cloudformation, "cognito-auth-api") == target


def test_the_command_stops_with_a_message_before_changing_anything(
    stand_in: tuple[CognitoIdentityProviderClient, Pool],
    target: Target,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cognito, _ = stand_in
    held = secret_ids(cognito, target)

    missing = main(["--stack", "no-such-stack"])
    no_output = capsys.readouterr().err
    cognito.add_user_pool_client_secret(UserPoolId=target.user_pool_id, ClientId=target.client_id)
    unfinished = main(
        [
            "--user-pool-id",
            target.user_pool_id,
            "--client-id",
            target.client_id,
            "--secret-arn",
            target.secret_arn,
        ]
    )

    assert (missing, unfinished) == (1, 1)
    assert "Stack with id no-such-stack does not exist" in no_output
    assert "a rotation is unfinished" in capsys.readouterr().err
    assert len(secret_ids(cognito, target)) == len(held) + 1


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--stack", "s", "--client-id", "c"],
        ["--user-pool-id", "p", "--client-id", "c"],
        ["--stack", "s", "--max-age", "0"],
    ],
)
def test_the_command_wants_a_stack_or_all_three_ids_and_a_positive_max_age(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err

"""Rotating the app client's secret loses no request: the secret is read again once
it is CLIENT_SECRET_MAX_AGE old, and at once (rationed) when Cognito rejects the
SECRET_HASH made with it; the call is then made once more. In-process moto (Cognito
with the stand-in's secret operations, and Secrets Manager), a clock the tests move
instead of waiting, and botocore's Stubber for AWS's exact exchange."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib import client_secret, sign_in
from chalicelib.client_secret import REREAD_INTERVAL
from chalicelib.models.sign_in import RenewRequest
from chalicelib.services import services
from chalicelib.settings import ConfigurationError, Settings
from deploy.rotate_secret import IN_FLIGHT_MARGIN, Target, rotate
from devstack.harness import Http, pool_environment
from devstack.pool import Pool
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    FROM_CALLER,
    INVALID_CREDENTIALS,
    PASSWORD,
    STUB_HASH_OF_ALICE,
    STUB_POOL,
    STUB_TOKENS,
    STUB_TOKENS_ANSWERED,
    UNAVAILABLE,
    Clock,
)
from tests.rotation_support import refresh_with, secret_ids

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

MAX_AGE = 300.0
# A second secret for STUB_POOL's client, and SECRET_HASH of alice with it, computed
# apart from the code under test:
#   printf '%s' "$USERNAME$CLIENT_ID" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
STUB_NEW_SECRET = "rotatedsecret2bq3m2ue6ofc4a5m0hbe3tm2j1mhhe2bkfph4t0v"
STUB_NEW_HASH_OF_ALICE = "WykyVcIp9U27iFEQ6fbFWB1LEx24tFEeTDdgLl3U9Xw="
# AWS's two wordings of a SECRET_HASH it cannot verify (the second on refresh).
HASH_REJECTIONS = [
    f"Unable to verify secret hash for client {STUB_POOL.client_id}",
    f"SecretHash does not match for the client: {STUB_POOL.client_id}",
]


@dataclass
class Deployed:
    """The app configured as deployed: the secret's ARN, not its value."""

    arn: str
    secrets_manager: SecretsManagerClient
    clock: Clock
    reads: list[str] = field(default_factory=list)


def _deploy(env: dict[str, str], secrets_manager: SecretsManagerClient) -> Deployed:
    """Stores the environment's secret in Secrets Manager and rewires the app to read
    it from there, on a clock of the test's; counts the reads."""
    arn = secrets_manager.create_secret(
        Name="cognito-auth-api-client-secret", SecretString=env.pop("COGNITO_CLIENT_SECRET")
    )["ARN"]
    settings = Settings.from_env(
        {**env, "COGNITO_CLIENT_SECRET_ARN": arn, "CLIENT_SECRET_MAX_AGE": str(MAX_AGE)}
    )
    deployed = Deployed(arn, secrets_manager, Clock())
    secrets_manager.meta.events.register(
        "before-call.secrets-manager.GetSecretValue",
        lambda **_: deployed.reads.append("GetSecretValue"),
    )
    services.override(settings=settings, secrets_client=secrets_manager)
    services.override(
        client_secret=client_secret.cached(settings, lambda: secrets_manager, deployed.clock)
    )
    return deployed


@pytest.fixture
def deployed(api: Http, pool: Pool) -> Deployed:
    # `pool` runs inside moto's mock_aws, which serves Secrets Manager as well.
    return _deploy(pool_environment(pool), boto3.client("secretsmanager"))


@pytest.fixture
def stubbed_deployed(stubbed: tuple[Stubber, Http]) -> Iterator[tuple[Stubber, Http, Deployed]]:
    """Cognito scripted by a Stubber, Secrets Manager by moto."""
    stubber, api = stubbed
    with mock_aws():
        region = STUB_POOL.user_pool_id.split("_")[0]
        deployed = _deploy(
            pool_environment(STUB_POOL, dialect="aws"),
            boto3.client("secretsmanager", region_name=region),
        )
        yield stubber, api, deployed


def _add_secret(cognito: CognitoIdentityProviderClient, pool: Pool, value: str) -> None:
    cognito.add_user_pool_client_secret(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id, ClientSecret=value
    )


def _delete_secret(cognito: CognitoIdentityProviderClient, pool: Pool, secret_id: str) -> None:
    cognito.delete_user_pool_client_secret(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id, ClientSecretId=secret_id
    )


def _renew(api: Http, username: str, refresh_token: str) -> tuple[int, Any]:
    return api.post(
        "/user/renew_refresh_token", {"username": username, "refresh_token": refresh_token}
    )


NEW_SECRET = "newclientsecret0f7he5tandin0nly0ne4rotation2"


def test_the_secret_is_read_again_once_it_is_older_than_the_max_age(
    api: Http,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    deployed: Deployed,
    login: Callable[[str], dict[str, Any]],
) -> None:
    refresh = login(ALICE)["refresh_token"]
    (old,) = secret_ids(cognito, pool)
    _add_secret(cognito, pool, NEW_SECRET)
    deployed.secrets_manager.put_secret_value(SecretId=deployed.arn, SecretString=NEW_SECRET)

    deployed.clock.advance(MAX_AGE - 1)
    before = _renew(api, ALICE, refresh)
    reads_before = list(deployed.reads)
    deployed.clock.advance(1)
    after = _renew(api, ALICE, refresh)
    reads_after = list(deployed.reads)
    # Signing with the new secret now: deleting the old one changes nothing.
    _delete_secret(cognito, pool, old)
    last = _renew(api, ALICE, refresh)

    assert (before[0], after[0], last[0]) == (200, 200, 200), (before, after, last)
    assert reads_before == ["GetSecretValue"]
    assert reads_after == deployed.reads == ["GetSecretValue", "GetSecretValue"]


def test_a_rejected_secret_hash_reads_the_secret_again_and_retries_the_request(
    api: Http,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    deployed: Deployed,
    login: Callable[[str], dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The old secret deleted at once, before the max age (say, after a leak): the
    first request signed with it is refused by Cognito, re-reads, and succeeds."""
    refresh = login(ALICE)["refresh_token"]
    (old,) = secret_ids(cognito, pool)
    _add_secret(cognito, pool, NEW_SECRET)
    deployed.secrets_manager.put_secret_value(SecretId=deployed.arn, SecretString=NEW_SECRET)
    _delete_secret(cognito, pool, old)

    with caplog.at_level(logging.INFO):
        status, body = _renew(api, ALICE, refresh)

    assert status == 200, body
    assert deployed.reads == ["GetSecretValue", "GetSecretValue"]
    assert "Cognito rejected the old one; read the new one" in caplog.text
    assert NEW_SECRET not in caplog.text


def test_secrets_manager_failing_keeps_the_old_secret_for_one_more_max_age_then_503(
    api: Http,
    deployed: Deployed,
    login: Callable[[str], dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresh = login(ALICE)["refresh_token"]
    deployed.secrets_manager.delete_secret(SecretId=deployed.arn, ForceDeleteWithoutRecovery=True)
    statuses, reads = [], []

    with caplog.at_level(logging.WARNING):
        for step in (MAX_AGE + 1, 1, REREAD_INTERVAL, MAX_AGE - REREAD_INTERVAL - 2):
            deployed.clock.advance(step)
            statuses.append(_renew(api, ALICE, refresh)[0])
            reads.append(len(deployed.reads))
        status, body = _renew(api, ALICE, refresh)

    # Stale, stale without another read (a failed read is not repeated for every
    # request), stale after one more read, and 503 past twice the max age.
    assert statuses == [200, 200, 200, 503]
    assert reads == [2, 2, 3, 4]
    assert (status, body) == (503, UNAVAILABLE)
    assert (
        f"cannot read the app client secret {deployed.arn}: no such secret; "
        f"still signing with the value read {MAX_AGE + 1:.0f} s ago"
    ) in caplog.text


@pytest.mark.parametrize("message", HASH_REJECTIONS)
def test_aws_refusing_the_secret_hash_rereads_and_resends_with_the_new_hash(
    stubbed_deployed: tuple[Stubber, Http, Deployed], message: str
) -> None:
    """AWS divergence: moto words this refusal with the hash itself (the stand-in
    rewords it as AWS does); this pins AWS's error, NotAuthorizedException with the
    secret-hash message, and the one retry that follows, signed with the new secret."""
    stubber, api, deployed = stubbed_deployed
    sign_in = {"ClientId": STUB_POOL.client_id, "AuthFlow": "USER_PASSWORD_AUTH", **FROM_CALLER}
    credentials = {"USERNAME": ALICE, "PASSWORD": PASSWORD}
    with_old_hash = {
        **sign_in,
        "AuthParameters": {**credentials, "SECRET_HASH": STUB_HASH_OF_ALICE},
    }
    stubber.add_response("initiate_auth", STUB_TOKENS, with_old_hash)
    stubber.add_client_error(
        "initiate_auth", "NotAuthorizedException", message, 400, expected_params=with_old_hash
    )
    stubber.add_response(
        "initiate_auth",
        STUB_TOKENS,
        {**sign_in, "AuthParameters": {**credentials, "SECRET_HASH": STUB_NEW_HASH_OF_ALICE}},
    )

    first = api.post("/login", {"username": ALICE, "password": PASSWORD})
    deployed.secrets_manager.put_secret_value(SecretId=deployed.arn, SecretString=STUB_NEW_SECRET)
    second = api.post("/login", {"username": ALICE, "password": PASSWORD})

    assert (first[0], second[0]) == (200, 200), second
    assert second[1]["data"]["access_token"] == STUB_TOKENS_ANSWERED["access_token"]
    assert deployed.reads == ["GetSecretValue", "GetSecretValue"]


def test_aws_refusing_the_client_secret_of_a_renewal_rereads_and_resends_the_new_one(
    stubbed_deployed: tuple[Stubber, Http, Deployed],
) -> None:
    """GetTokensFromRefreshToken carries the secret itself: refused (AWS documents no
    wording; the stand-in's names the secret), it is read again and the call made
    once more with the new value."""
    stubber, api, deployed = stubbed_deployed
    renewal = {"RefreshToken": "t", "ClientId": STUB_POOL.client_id}
    renewed = {
        "AuthenticationResult": {
            k: v for k, v in STUB_TOKENS["AuthenticationResult"].items() if k != "RefreshToken"
        }
    }
    stubber.add_response(
        "get_tokens_from_refresh_token",
        renewed,
        {**renewal, "ClientSecret": STUB_POOL.client_secret},
    )
    stubber.add_client_error(
        "get_tokens_from_refresh_token",
        "NotAuthorizedException",
        f"Unable to verify client secret for client {STUB_POOL.client_id}",
        400,
        expected_params={**renewal, "ClientSecret": STUB_POOL.client_secret},
    )
    stubber.add_response(
        "get_tokens_from_refresh_token", renewed, {**renewal, "ClientSecret": STUB_NEW_SECRET}
    )

    first = _renew(api, ALICE, "t")
    deployed.secrets_manager.put_secret_value(SecretId=deployed.arn, SecretString=STUB_NEW_SECRET)
    second = _renew(api, ALICE, "t")

    assert (first[0], second[0]) == (200, 200), second
    assert deployed.reads == ["GetSecretValue", "GetSecretValue"]


def test_a_wrong_password_never_rereads_the_secret(
    stubbed_deployed: tuple[Stubber, Http, Deployed],
) -> None:
    """Same exception class as a refused hash, another message: no re-read and no
    retry, even with a new secret waiting in Secrets Manager."""
    stubber, api, deployed = stubbed_deployed
    stubber.add_client_error(
        "initiate_auth", "NotAuthorizedException", "Incorrect username or password.", 400
    )
    # Read on first use; a retry would find this one and call Cognito again.
    deployed.secrets_manager.put_secret_value(SecretId=deployed.arn, SecretString=STUB_NEW_SECRET)

    status, body = api.post("/login", {"username": ALICE, "password": "Wr0ng-Password"})

    assert (status, body) == (401, INVALID_CREDENTIALS)
    assert deployed.reads == ["GetSecretValue"]


def test_refused_hashes_read_the_secret_at_most_once_per_interval(
    stubbed_deployed: tuple[Stubber, Http, Deployed],
) -> None:
    """Anyone can make Cognito refuse a hash (a renewal under another user's name is
    refused so on AWS), so the re-reads they cause are rationed; a refusal that a
    re-read does not cure keeps its usual answer."""
    stubber, api, deployed = stubbed_deployed
    answers, reads = [], []

    for step in (0, REREAD_INTERVAL - 1, 1):
        deployed.clock.advance(step)
        stubber.add_client_error("initiate_auth", "NotAuthorizedException", HASH_REJECTIONS[0], 400)
        answers.append(api.post("/login", {"username": ALICE, "password": PASSWORD}))
        reads.append(len(deployed.reads))

    assert answers == [(401, INVALID_CREDENTIALS)] * 3
    # The first read, then one re-read per interval.
    assert reads == [2, 2, 3]


class Renewals:
    """Threads renewing tokens over and over, as concurrent requests would, each
    outcome recorded."""

    def __init__(self) -> None:
        self.done = 0
        self.failures: list[str] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, sessions: dict[str, str]) -> None:
        for username, refresh_token in sessions.items():
            thread = threading.Thread(target=self._run, args=(username, refresh_token))
            thread.start()
            self._threads.append(thread)

    def _run(self, username: str, refresh_token: str) -> None:
        while not self._stop.is_set():
            try:
                renewed = sign_in.renew(RenewRequest(refresh_token=refresh_token))
                # Rotation: the next renewal sends the newest, as a client must.
                refresh_token = renewed.get("refresh_token", refresh_token)
            except Exception as exc:  # any failure is what this test looks for
                self.failures.append(f"{username}: {exc!r}")
            with self._changed:
                self.done += 1
                self._changed.notify_all()

    def more(self, count: int) -> None:
        """Returns once `count` more renewals have finished."""
        with self._changed:
            target = self.done + count
            # A guard against a hang, not a measure: renewals take milliseconds.
            assert self._changed.wait_for(lambda: self.done >= target, timeout=120)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


@pytest.mark.parametrize(
    "waited", [MAX_AGE + IN_FLIGHT_MARGIN, 0.0], ids=["runbook", "old-secret-deleted-at-once"]
)
def test_rotating_the_secret_while_renewals_run_loses_no_request(
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    deployed: Deployed,
    login: Callable[[str], dict[str, Any]],
    waited: float,
) -> None:
    """The runbook, by deploy/rotate_secret.py, on the stand-in and moto's Secrets
    Manager, while three threads renew tokens (where moto checks SECRET_HASH): at
    every step, including the wait and after the old secret is gone, more renewals
    finish, and none fails. The wait either moves the clock past the max age (every
    process reads the new secret before the old one goes) or not at all (the old one
    goes while every process still signs with it: Cognito's refusals make them
    re-read)."""
    sessions = {name: login(name)["refresh_token"] for name in (ALICE, BOB, ADMIN)}
    (old,) = secret_ids(cognito, pool)
    renewals = Renewals()
    steps: list[str] = []

    def report(line: str) -> None:
        steps.append(line)
        renewals.more(6)

    def wait(seconds: float) -> None:
        assert seconds == MAX_AGE + IN_FLIGHT_MARGIN
        deployed.clock.advance(waited)
        renewals.more(6)

    renewals.start(sessions)
    try:
        renewals.more(6)
        new = rotate(
            cognito,
            deployed.secrets_manager,
            Target(pool.user_pool_id, pool.client_id, deployed.arn),
            wait=MAX_AGE + IN_FLIGHT_MARGIN,
            report=report,
            sleep=wait,
        )
        renewals.more(6)
    finally:
        renewals.stop()

    assert renewals.failures == []
    assert len(steps) == 4
    assert secret_ids(cognito, pool) == [new]
    assert new != old
    value = deployed.secrets_manager.get_secret_value(SecretId=deployed.arn)["SecretString"]
    assert value != pool.client_secret
    # A sign-in of now, through the service: the threads rotated the first ones.
    assert "AuthenticationResult" in refresh_with(
        cognito, pool, login(ALICE)["refresh_token"], value
    )


def test_the_max_age_is_a_positive_number_of_seconds() -> None:
    env = pool_environment(STUB_POOL)

    assert Settings.from_env(env).client_secret_max_age == 300
    assert Settings.from_env({**env, "CLIENT_SECRET_MAX_AGE": "60"}).client_secret_max_age == 60
    for wrong in ("0", "-5", "soon"):
        with pytest.raises(ConfigurationError, match="CLIENT_SECRET_MAX_AGE"):
            Settings.from_env({**env, "CLIENT_SECRET_MAX_AGE": wrong})

"""The stand-in's sign-in limits (devstack/stand_in_sign_in.py), called as any boto3
client calls them, on a clock the tests move: Cognito's lockout after repeated wrong
passwords, and the lifetime of a login's challenge sessions (moto 5.2.5 has
neither)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.cognito_gateway import secret_hash
from devstack import stand_in_sign_in
from devstack.harness import Http
from tests.challenge_support import NEW_PASSWORD, TEMPORARY, new_password_answer
from tests.conftest import ALICE, BOB, INVALID_CREDENTIALS, PASSWORD, Clock, refused, sign_in
from tests.rotation_support import sign_in as pool_sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

pytestmark = pytest.mark.usefixtures("users")

WRONG = "Wr0ng-Password!"
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")
SESSION_EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(stand_in_sign_in, "clock", fake)
    return fake


def _refusal(call: Any, **parameters: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def _sign_in(
    cognito: CognitoIdentityProviderClient, pool: Pool, password: str, username: str = ALICE
) -> tuple[str, str] | None:
    """None where the password signs in, else Cognito's refusal (code, message)."""
    try:
        pool_sign_in(cognito, pool, username, password)
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


# Lockout


def test_five_wrong_passwords_answer_incorrect_then_even_the_right_one_is_locked_for_a_second(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    answers = [_sign_in(cognito, pool, WRONG) for _ in range(5)]

    assert answers == [INCORRECT] * 5
    assert _sign_in(cognito, pool, PASSWORD) == EXCEEDED
    clock.now += 0.999
    assert _sign_in(cognito, pool, PASSWORD) == EXCEEDED
    clock.now += 0.001
    assert _sign_in(cognito, pool, PASSWORD) is None


def test_four_wrong_passwords_lock_nothing(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    for _ in range(4):
        assert _sign_in(cognito, pool, WRONG) == INCORRECT

    assert _sign_in(cognito, pool, PASSWORD) is None


def test_attempts_during_a_lockout_neither_count_nor_lengthen_it(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    for _ in range(5):
        _sign_in(cognito, pool, WRONG)
    during = [_sign_in(cognito, pool, WRONG) for _ in range(20)]
    clock.now += 1

    assert during == [EXCEEDED] * 20
    # The sixth counted failure locks for 2 s, not longer: the 20 did not count.
    assert _sign_in(cognito, pool, WRONG) == INCORRECT
    clock.now += 2
    assert _sign_in(cognito, pool, PASSWORD) is None


def test_each_further_failure_doubles_the_lockout_up_to_about_fifteen_minutes(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    """Each lockout to the hundredth of a second: refused just before its end, and at
    its end the next wrong password is a counted failure again, which locks anew."""
    for _ in range(5):
        _sign_in(cognito, pool, WRONG)

    for seconds in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]:
        started = clock.now
        clock.now = started + seconds - 0.01
        assert _sign_in(cognito, pool, WRONG) == EXCEEDED, seconds
        clock.now = started + seconds
        assert _sign_in(cognito, pool, WRONG) == INCORRECT, seconds


def test_a_right_password_resets_the_count(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    for _ in range(4):
        _sign_in(cognito, pool, WRONG)
    assert _sign_in(cognito, pool, PASSWORD) is None

    for _ in range(4):
        assert _sign_in(cognito, pool, WRONG) == INCORRECT
    assert _sign_in(cognito, pool, PASSWORD) is None


def test_the_lockout_is_per_user(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    for _ in range(5):
        _sign_in(cognito, pool, WRONG)

    assert _sign_in(cognito, pool, PASSWORD) == EXCEEDED
    assert _sign_in(cognito, pool, PASSWORD, BOB) is None


def test_a_name_no_user_has_is_never_locked_out(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    """AWS documents the lockout for users; whether it also locks names that do not
    exist it does not say, so the stand-in emulates only what it documents (moto
    answers an unknown name UserNotFoundException; the service hides it)."""
    answers = {_sign_in(cognito, pool, WRONG, "ghost@example.com") for _ in range(12)}

    assert answers == {("UserNotFoundException", "User does not exist.")}


def test_the_service_answers_a_locked_account_as_any_refused_sign_in(
    api: Http, clock: Clock
) -> None:
    """Non-enumeration: a lockout answer would tell that the account exists."""
    wrong = [api.post("/login", {"username": ALICE, "password": WRONG}) for _ in range(5)]
    locked = api.post("/login", {"username": ALICE, "password": PASSWORD})
    unknown = api.post("/login", {"username": "ghost@example.com", "password": WRONG})

    assert wrong == [(401, INVALID_CREDENTIALS)] * 5
    assert locked == unknown == (401, INVALID_CREDENTIALS)
    clock.now += 1
    assert api.post("/login", {"username": ALICE, "password": PASSWORD})[0] == 200


# Challenge sessions


def _challenge(cognito: CognitoIdentityProviderClient, pool: Pool, client_id: str = "") -> str:
    """An invited user's NEW_PASSWORD_REQUIRED session, from the pool's client or
    another one (without a secret)."""
    from tests.challenge_support import INVITED, invite

    invite(cognito, pool.user_pool_id, INVITED)
    parameters = {"USERNAME": INVITED, "PASSWORD": TEMPORARY}
    if not client_id:
        client_id = pool.client_id
        parameters["SECRET_HASH"] = secret_hash(INVITED, client_id, pool.client_secret)
    answer = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters
    )
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return answer["Session"]


def _answer(
    cognito: CognitoIdentityProviderClient, pool: Pool, session: str, client_id: str = ""
) -> Any:
    from tests.challenge_support import INVITED

    responses = {"USERNAME": INVITED, "NEW_PASSWORD": NEW_PASSWORD}
    if not client_id:
        client_id = pool.client_id
        responses["SECRET_HASH"] = secret_hash(INVITED, client_id, pool.client_secret)
    return cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session,
        ChallengeResponses=responses,
    )


@pytest.mark.parametrize(("elapsed", "works"), [(179, True), (181, False)])
def test_a_challenge_session_lives_three_minutes_by_default(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock, elapsed: int, works: bool
) -> None:
    session = _challenge(cognito, pool)
    clock.now += elapsed

    if works:
        assert "AuthenticationResult" in _answer(cognito, pool, session)
    else:
        assert _refusal(_answer, cognito=cognito, pool=pool, session=session) == SESSION_EXPIRED


@pytest.mark.parametrize(("elapsed", "works"), [(599, True), (601, False)])
def test_a_challenge_session_lives_as_long_as_the_clients_auth_session_validity(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock, elapsed: int, works: bool
) -> None:
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool.user_pool_id,
        ClientName="ten-minutes",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        AuthSessionValidity=10,
    )["UserPoolClient"]["ClientId"]
    session = _challenge(cognito, pool, client_id)
    clock.now += elapsed

    if works:
        assert "AuthenticationResult" in _answer(cognito, pool, session, client_id)
    else:
        refusal = _refusal(
            _answer, cognito=cognito, pool=pool, session=session, client_id=client_id
        )
        assert refusal == SESSION_EXPIRED


def test_the_authenticator_app_calls_refuse_an_expired_session(
    cognito: CognitoIdentityProviderClient, pool: Pool, clock: Clock
) -> None:
    """AssociateSoftwareToken and VerifySoftwareToken with a login's session (its
    MFA_SETUP): each live answer hands on a session with a fresh lifetime."""
    session = _challenge(cognito, pool)
    clock.now += 170
    associated = cognito.associate_software_token(Session=session)["Session"]
    clock.now += 170
    verified = cognito.verify_software_token(Session=associated, UserCode="123456")["Session"]
    clock.now += 181

    assert _refusal(cognito.associate_software_token, Session=verified) == SESSION_EXPIRED
    assert _refusal(cognito.verify_software_token, Session=verified, UserCode="123456") == (
        SESSION_EXPIRED
    )


def test_the_service_answers_an_expired_challenge_session_401_session_expired(
    api: Http, invited: str, clock: Clock
) -> None:
    challenge = sign_in(api, invited, TEMPORARY)
    clock.now += 181

    status, body = api.post(
        "/login/challenge", new_password_answer(invited, challenge["session"], NEW_PASSWORD)
    )

    assert (status, body) == (
        401,
        refused("The session has expired, please log in again", "session_expired"),
    )

"""Choice-based sign-in (USER_AUTH), its one-time codes and GetUserAuthFactors in the
stand-in (devstack/stand_in_user_auth.py), called as any boto3 client calls them, on
a pool that allows passwords and email and SMS codes as first factors (the template's
pool does not yet); and Stubber pins of the requests and answers AWS has for them,
which moto 5.2.5 refuses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chalicelib.cognito_gateway import secret_hash
from chalicelib.stand_in import CODES_HEADER
from devstack import stand_in_sign_in, stand_in_user_auth
from devstack.pool import Pool, create_confirmed_user
from tests.challenge_support import SESSION
from tests.conftest import ALICE, BOB, PASSWORD, STUB_HASH_OF_ALICE, STUB_POOL, Clock

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.literals import (
        AuthFactorTypeType,
        ChallengeNameTypeType,
        ExplicitAuthFlowsTypeType,
        PreventUserExistenceErrorTypesType,
    )

CAROL = "carol@example.com"
NOBODY = "nobody@example.com"
PHONE = "+15550101234"
WRONG = "Wr0ng-Password!"
FIRST_FACTORS: list[AuthFactorTypeType] = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")
SESSION_EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
MISMATCH = ("CodeMismatchException", "Invalid code or auth state for the user.")
TOKENS = {"AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType"}


def _client(
    cognito: CognitoIdentityProviderClient,
    pool_id: str,
    flows: tuple[ExplicitAuthFlowsTypeType, ...] = ("ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
    existence_errors: PreventUserExistenceErrorTypesType = "ENABLED",
) -> Pool:
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="choice",
        GenerateSecret=True,
        ExplicitAuthFlows=list(flows),
        PreventUserExistenceErrors=existence_errors,
    )["UserPoolClient"]
    return Pool(pool_id, client["ClientId"], client["ClientSecret"])


def _choice_pool(
    cognito: CognitoIdentityProviderClient, first_factors: list[AuthFactorTypeType] = FIRST_FACTORS
) -> Pool:
    """A pool allowing `first_factors`, optional TOTP MFA, and a client with a secret
    that allows USER_AUTH and hides who has an account. Alice has a verified email and
    phone, Bob a verified email and an unverified phone."""
    pool_id = cognito.create_user_pool(
        PoolName="choice",
        UsernameAttributes=["email"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": first_factors}},
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    for name, verified in ((ALICE, "true"), (BOB, "false")):
        create_confirmed_user(cognito, pool_id, name, PASSWORD)
        cognito.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username=name,
            UserAttributes=[
                {"Name": "phone_number", "Value": PHONE},
                {"Name": "phone_number_verified", "Value": verified},
            ],
        )
    return _client(cognito, pool_id)


@pytest.fixture
def choice(cognito: CognitoIdentityProviderClient) -> Pool:
    return _choice_pool(cognito)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(stand_in_sign_in, "clock", fake)
    return fake


def _hash(pool: Pool, username: str) -> str:
    return secret_hash(username, pool.client_id, pool.client_secret)


def _start(
    cognito: CognitoIdentityProviderClient, pool: Pool, username: str = ALICE, **more: str
) -> dict[str, Any]:
    """InitiateAuth USER_AUTH for `username`, with its SECRET_HASH and `more`."""
    answer: dict[str, Any] = cognito.initiate_auth(  # type: ignore[assignment]
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": username, "SECRET_HASH": _hash(pool, username), **more},
    )
    return answer


def _respond(
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    challenge: ChallengeNameTypeType,
    session: str,
    username: str = ALICE,
    **responses: str,
) -> dict[str, Any]:
    answer: dict[str, Any] = cognito.respond_to_auth_challenge(  # type: ignore[assignment]
        ClientId=pool.client_id,
        ChallengeName=challenge,
        Session=session,
        ChallengeResponses={
            "USERNAME": username,
            "SECRET_HASH": _hash(pool, username),
            **responses,
        },
    )
    return answer


def _refusal(call: Any, *arguments: Any, **parameters: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(*arguments, **parameters)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def _codes(answer: dict[str, Any]) -> list[dict[str, str]]:
    codes: list[dict[str, str]] = json.loads(
        answer["ResponseMetadata"]["HTTPHeaders"].get(CODES_HEADER, "[]")
    )
    return codes


def _challenge(answer: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return answer["ChallengeName"], answer["ChallengeParameters"]


def _email_code(cognito: CognitoIdentityProviderClient, pool: Pool) -> tuple[str, str]:
    """A session waiting for an email code, and the code sent."""
    sent = _start(cognito, pool, PREFERRED_CHALLENGE="EMAIL_OTP")
    return sent["Session"], _codes(sent)[0]["code"]


def _access_token(cognito: CognitoIdentityProviderClient, pool: Pool) -> str:
    """Alice's access token, from a USER_AUTH sign-in with her password."""
    answer = _start(cognito, pool, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    token: str = answer["AuthenticationResult"]["AccessToken"]
    return token


def _activate_totp(cognito: CognitoIdentityProviderClient, access_token: str) -> None:
    """The user's authenticator app, verified and preferred (moto checks no code
    here: MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is not set)."""
    cognito.associate_software_token(AccessToken=access_token)
    cognito.verify_software_token(AccessToken=access_token, UserCode="123456")
    cognito.set_user_mfa_preference(
        AccessToken=access_token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )


# Choosing a factor


def test_a_known_user_without_a_preference_is_offered_the_factors_they_can_use(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    alice = _start(cognito, choice)
    bob = _start(cognito, choice, BOB)

    assert _challenge(alice) == ("SELECT_CHALLENGE", {})
    assert alice["Session"]
    assert alice["AvailableChallenges"] == FIRST_FACTORS
    # An unverified phone number receives no sign-in codes.
    assert bob["AvailableChallenges"] == ["PASSWORD", "EMAIL_OTP"]
    assert _codes(alice) == _codes(bob) == []


def test_a_user_without_a_password_is_offered_codes_only(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    cognito.admin_create_user(
        UserPoolId=choice.user_pool_id,
        Username=CAROL,
        UserAttributes=[
            {"Name": "email", "Value": CAROL},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )

    assert _start(cognito, choice, CAROL)["AvailableChallenges"] == ["EMAIL_OTP"]


def test_only_the_factors_the_pool_allows_are_offered(
    cognito: CognitoIdentityProviderClient,
) -> None:
    by_sms = _choice_pool(cognito, ["PASSWORD", "SMS_OTP"])

    assert _start(cognito, by_sms)["AvailableChallenges"] == ["PASSWORD", "SMS_OTP"]


def test_a_preference_the_user_cannot_use_falls_back_to_choosing(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    answer = _start(cognito, choice, BOB, PREFERRED_CHALLENGE="SMS_OTP")

    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    assert answer["AvailableChallenges"] == ["PASSWORD", "EMAIL_OTP"]
    assert _codes(answer) == []


def test_an_unknown_name_hiding_existence_gets_a_random_allowed_challenge_and_never_a_choice(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    answers = [_start(cognito, choice, NOBODY) for _ in range(40)]

    # Three challenges drawn 40 times: all three appear but with odds of about 1e-7.
    assert {answer["ChallengeName"] for answer in answers} == set(FIRST_FACTORS)
    assert not any("AvailableChallenges" in answer for answer in answers)
    # Nothing is sent to a name no user has.
    assert all(_codes(answer) == [] for answer in answers)
    by_email = next(a for a in answers if a["ChallengeName"] == "EMAIL_OTP")
    assert by_email["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "n***@e***.com",
    }


def test_the_random_challenge_of_an_unknown_name_never_signs_in(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    password = _start(cognito, choice, NOBODY, PREFERRED_CHALLENGE="PASSWORD")
    code = _start(cognito, choice, NOBODY, PREFERRED_CHALLENGE="EMAIL_OTP")

    assert password["ChallengeName"] == "PASSWORD"
    assert (
        _refusal(
            _respond, cognito, choice, "PASSWORD", password["Session"], NOBODY, PASSWORD=PASSWORD
        )
        == INCORRECT
    )
    assert code["ChallengeName"] == "EMAIL_OTP"
    assert (
        _refusal(
            _respond, cognito, choice, "EMAIL_OTP", code["Session"], NOBODY, EMAIL_OTP_CODE="0" * 8
        )
        == MISMATCH
    )


def test_an_unknown_name_is_user_not_found_where_the_client_does_not_hide_it(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    legacy = _client(cognito, choice.user_pool_id, existence_errors="LEGACY")

    assert _refusal(_start, cognito, legacy, NOBODY) == (
        "UserNotFoundException",
        "User does not exist.",
    )


# One-time codes


def test_an_email_code_chosen_signs_in_with_the_eight_digits_sent(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    chosen = _start(cognito, choice)
    sent = _respond(cognito, choice, "SELECT_CHALLENGE", chosen["Session"], ANSWER="EMAIL_OTP")
    [code] = _codes(sent)

    assert _challenge(sent) == (
        "EMAIL_OTP",
        {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***.com"},
    )
    assert (code["attribute"], code["to"]) == ("email", ALICE)
    assert len(code["code"]) == stand_in_user_auth.OTP_DIGITS == 8
    assert code["code"].isdigit()
    tokens = _respond(cognito, choice, "EMAIL_OTP", sent["Session"], EMAIL_OTP_CODE=code["code"])[
        "AuthenticationResult"
    ]
    assert set(tokens) == TOKENS
    assert cognito.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]


def test_a_wrong_code_is_a_mismatch_and_the_session_still_takes_the_right_one(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    session, code = _email_code(cognito, choice)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    assert (
        _refusal(_respond, cognito, choice, "EMAIL_OTP", session, EMAIL_OTP_CODE=wrong) == MISMATCH
    )
    answer = _respond(cognito, choice, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)
    assert set(answer["AuthenticationResult"]) == TOKENS


def test_a_code_works_in_its_own_session_only_and_only_once(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    first_session, first_code = _email_code(cognito, choice)
    second_session, second_code = _email_code(cognito, choice)

    assert (
        _refusal(_respond, cognito, choice, "EMAIL_OTP", second_session, EMAIL_OTP_CODE=first_code)
        == MISMATCH
    )
    _respond(cognito, choice, "EMAIL_OTP", second_session, EMAIL_OTP_CODE=second_code)
    # A finished session is no USER_AUTH session any more: moto's own refusal.
    code, _ = _refusal(
        _respond, cognito, choice, "EMAIL_OTP", second_session, EMAIL_OTP_CODE=second_code
    )
    assert code == "ResourceNotFoundException"
    assert _respond(cognito, choice, "EMAIL_OTP", first_session, EMAIL_OTP_CODE=first_code)


def test_a_session_past_its_validity_is_expired(
    cognito: CognitoIdentityProviderClient, choice: Pool, clock: Clock
) -> None:
    chosen = _start(cognito, choice)
    session, code = _email_code(cognito, choice)
    clock.advance(3 * 60)

    assert (
        _refusal(
            _respond, cognito, choice, "SELECT_CHALLENGE", chosen["Session"], ANSWER="EMAIL_OTP"
        )
        == SESSION_EXPIRED
    )
    assert (
        _refusal(_respond, cognito, choice, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)
        == SESSION_EXPIRED
    )


def test_an_sms_code_preferred_is_sent_to_the_verified_phone_and_signs_in(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    sent = _start(cognito, choice, PREFERRED_CHALLENGE="SMS_OTP")
    [code] = _codes(sent)

    assert _challenge(sent) == (
        "SMS_OTP",
        {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******1234"},
    )
    assert (code["attribute"], code["to"]) == ("phone_number", PHONE)
    answer = _respond(cognito, choice, "SMS_OTP", sent["Session"], SMS_OTP_CODE=code["code"])
    assert set(answer["AuthenticationResult"]) == TOKENS


# Passwords


def test_a_password_given_with_the_preference_signs_in_at_once(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    answer = _start(cognito, choice, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)

    assert set(answer["AuthenticationResult"]) == TOKENS
    assert "ChallengeName" not in answer


def test_a_password_chosen_or_asked_for_signs_in(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    chosen = _start(cognito, choice)
    asked = _start(cognito, choice, PREFERRED_CHALLENGE="PASSWORD")

    selected = _respond(
        cognito, choice, "SELECT_CHALLENGE", chosen["Session"], ANSWER="PASSWORD", PASSWORD=PASSWORD
    )
    assert set(selected["AuthenticationResult"]) == TOKENS
    assert _challenge(asked) == ("PASSWORD", {})
    answered = _respond(cognito, choice, "PASSWORD", asked["Session"], PASSWORD=PASSWORD)
    assert set(answered["AuthenticationResult"]) == TOKENS


def test_wrong_passwords_count_toward_the_sign_in_lockout_however_they_are_given(
    cognito: CognitoIdentityProviderClient, choice: Pool, clock: Clock
) -> None:
    def preferred(password: str) -> dict[str, Any]:
        return _start(cognito, choice, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=password)

    def selected(password: str) -> dict[str, Any]:
        session = _start(cognito, choice)["Session"]
        return _respond(
            cognito, choice, "SELECT_CHALLENGE", session, ANSWER="PASSWORD", PASSWORD=password
        )

    answers = [_refusal(sign_in, WRONG) for sign_in in (preferred, selected) * 2 + (preferred,)]

    assert answers == [INCORRECT] * 5
    assert _refusal(selected, PASSWORD) == EXCEEDED
    clock.advance(1)
    assert set(preferred(PASSWORD)["AuthenticationResult"]) == TOKENS


def test_a_user_with_mfa_is_offered_no_codes_and_is_asked_for_mfa_after_the_password(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    _activate_totp(cognito, _access_token(cognito, choice))

    offered = _start(cognito, choice)
    preferring_a_code = _start(cognito, choice, PREFERRED_CHALLENGE="EMAIL_OTP")
    after_password = _start(cognito, choice, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)

    assert offered["AvailableChallenges"] == ["PASSWORD"]
    assert preferring_a_code["ChallengeName"] == "SELECT_CHALLENGE"
    assert _codes(preferring_a_code) == []
    assert after_password["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_a_pool_requiring_mfa_offers_no_codes(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    cognito.set_user_pool_mfa_config(
        UserPoolId=choice.user_pool_id,
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )

    assert _start(cognito, choice)["AvailableChallenges"] == ["PASSWORD"]


# Refusals


def test_a_wrong_secret_hash_is_refused_at_the_start_and_in_an_answer(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    session = _start(cognito, choice)["Session"]
    unverifiable = (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {choice.client_id}",
    )

    assert (
        _refusal(
            cognito.initiate_auth,
            ClientId=choice.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": ALICE, "SECRET_HASH": _hash(choice, BOB)},
        )
        == unverifiable
    )
    assert (
        _refusal(
            cognito.respond_to_auth_challenge,
            ClientId=choice.client_id,
            ChallengeName="SELECT_CHALLENGE",
            Session=session,
            ChallengeResponses={"USERNAME": ALICE, "ANSWER": "EMAIL_OTP"},
        )
        == unverifiable
    )


def test_a_client_that_does_not_allow_user_auth_is_refused(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    password_only = _client(cognito, choice.user_pool_id, flows=("ALLOW_USER_PASSWORD_AUTH",))

    assert _refusal(_start, cognito, password_only) == (
        "InvalidParameterException",
        "USER_AUTH flow not enabled for this client",
    )


def test_a_disabled_or_unconfirmed_user_is_refused_before_any_challenge(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    cognito.admin_disable_user(UserPoolId=choice.user_pool_id, Username=BOB)
    cognito.sign_up(
        ClientId=choice.client_id,
        Username=CAROL,
        Password=PASSWORD,
        SecretHash=_hash(choice, CAROL),
        UserAttributes=[{"Name": "email", "Value": CAROL}],
    )

    assert _refusal(_start, cognito, choice, BOB) == ("NotAuthorizedException", "User is disabled.")
    assert _refusal(_start, cognito, choice, CAROL) == (
        "UserNotConfirmedException",
        "User is not confirmed.",
    )


def test_other_flows_and_sessions_stay_moto_s(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    answer = cognito.initiate_auth(
        ClientId=choice.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": ALICE, "PASSWORD": PASSWORD},
    )

    assert set(answer["AuthenticationResult"]) == TOKENS
    code, _ = _refusal(_respond, cognito, choice, "SMS_MFA", SESSION, SMS_MFA_CODE="1")
    assert code == "ResourceNotFoundException"


# GetUserAuthFactors


def test_get_user_auth_factors_names_the_first_factors_and_the_mfa_settings(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    token = _access_token(cognito, choice)

    def factors() -> dict[str, Any]:
        answer: dict[str, Any] = cognito.get_user_auth_factors(AccessToken=token)  # type: ignore[assignment]
        del answer["ResponseMetadata"]
        return answer

    before = factors()
    _activate_totp(cognito, token)
    after = factors()

    alice = cognito.admin_get_user(UserPoolId=choice.user_pool_id, Username=ALICE)["Username"]
    assert before == {
        "Username": alice,
        "UserMFASettingList": [],
        "ConfiguredUserAuthFactors": FIRST_FACTORS,
    }
    assert after == {
        "Username": alice,
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
        "ConfiguredUserAuthFactors": ["PASSWORD", "SOFTWARE_TOKEN"],
    }


# What AWS takes and answers (Stubber): the shapes the stand-in follows.

STUB_SESSION = "AYABeEXAMPLE-session"
STUB_CODE = "12345678"
# The request and answer of each step of an email-code sign-in on AWS, and what
# GetUserAuthFactors answers, as botocore's cognito-idp model has them.
AWS_STEPS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "initiate_auth",
        {
            "ClientId": STUB_POOL.client_id,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": ALICE, "SECRET_HASH": STUB_HASH_OF_ALICE},
        },
        {
            "ChallengeName": "SELECT_CHALLENGE",
            "Session": STUB_SESSION,
            "ChallengeParameters": {},
            "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"],
        },
    ),
    (
        "initiate_auth",
        {
            "ClientId": STUB_POOL.client_id,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {
                "USERNAME": ALICE,
                "SECRET_HASH": STUB_HASH_OF_ALICE,
                "PREFERRED_CHALLENGE": "EMAIL_OTP",
            },
        },
        {
            "ChallengeName": "EMAIL_OTP",
            "Session": STUB_SESSION,
            "ChallengeParameters": {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                "CODE_DELIVERY_DESTINATION": "a***@e***.com",
            },
        },
    ),
    (
        "respond_to_auth_challenge",
        {
            "ClientId": STUB_POOL.client_id,
            "ChallengeName": "SELECT_CHALLENGE",
            "Session": STUB_SESSION,
            "ChallengeResponses": {
                "USERNAME": ALICE,
                "ANSWER": "EMAIL_OTP",
                "SECRET_HASH": STUB_HASH_OF_ALICE,
            },
        },
        {
            "ChallengeName": "EMAIL_OTP",
            "Session": STUB_SESSION,
            "ChallengeParameters": {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                "CODE_DELIVERY_DESTINATION": "a***@e***.com",
            },
        },
    ),
    (
        "respond_to_auth_challenge",
        {
            "ClientId": STUB_POOL.client_id,
            "ChallengeName": "EMAIL_OTP",
            "Session": STUB_SESSION,
            "ChallengeResponses": {
                "USERNAME": ALICE,
                "EMAIL_OTP_CODE": STUB_CODE,
                "SECRET_HASH": STUB_HASH_OF_ALICE,
            },
        },
        {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": "access",
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
                "RefreshToken": "refresh",
                "IdToken": "id",
            },
        },
    ),
    (
        "get_user_auth_factors",
        {"AccessToken": "access"},
        {
            "Username": "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f",
            "UserMFASettingList": [],
            "ConfiguredUserAuthFactors": ["PASSWORD", "EMAIL_OTP"],
        },
    ),
]


def _shape(answer: dict[str, Any]) -> tuple[Any, ...]:
    """What an answer is made of: its keys, challenge and parameter names, and the
    token fields."""
    return (
        set(answer) - {"ResponseMetadata"},
        answer.get("ChallengeName"),
        set(answer.get("ChallengeParameters", {})),
        set(answer.get("AuthenticationResult", {})),
    )


def test_aws_takes_these_user_auth_requests_and_answers_these_shapes() -> None:
    """USER_AUTH with and without PREFERRED_CHALLENGE, SELECT_CHALLENGE answered
    EMAIL_OTP, the EMAIL_OTP code, GetUserAuthFactors: botocore's model accepts each
    request and answer. moto 5.2.5 refuses the first ("Value 'USER_AUTH' at
    'authFlow' failed to satisfy constraint", its AuthFlow enum lacks it), answers
    challenges it does not know with an empty body, and has no GetUserAuthFactors:
    devstack/stand_in_user_auth.py adds them."""
    client = boto3.client("cognito-idp", region_name=STUB_POOL.user_pool_id.split("_")[0])
    with Stubber(client) as stubber:
        for operation, request, answer in AWS_STEPS:
            stubber.add_response(operation, answer, request)
            assert getattr(client, operation)(**request) == answer
        stubber.assert_no_pending_responses()


def test_the_stand_in_answers_the_same_requests_with_the_same_shapes(
    cognito: CognitoIdentityProviderClient, choice: Pool
) -> None:
    """The requests of AWS_STEPS, made to the stand-in: each answer has the shape AWS's
    has (the codes it sends come in CODES_HEADER, which AWS never sends)."""
    aws = [_shape(answer) for _, _, answer in AWS_STEPS]
    # Bob, whose phone is not verified, as AWS_STEPS' answers have it.
    chosen = _start(cognito, choice, BOB)
    preferred = _start(cognito, choice, BOB, PREFERRED_CHALLENGE="EMAIL_OTP")
    selected = _respond(
        cognito, choice, "SELECT_CHALLENGE", chosen["Session"], BOB, ANSWER="EMAIL_OTP"
    )
    signed_in = _respond(
        cognito,
        choice,
        "EMAIL_OTP",
        selected["Session"],
        BOB,
        EMAIL_OTP_CODE=_codes(selected)[0]["code"],
    )
    factors = cognito.get_user_auth_factors(
        AccessToken=signed_in["AuthenticationResult"]["AccessToken"]
    )

    assert [_shape(a) for a in (chosen, preferred, selected, signed_in, factors)] == aws  # type: ignore[arg-type]
    assert chosen["AvailableChallenges"] == AWS_STEPS[0][2]["AvailableChallenges"]
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"]

"""Authenticator-app (TOTP) MFA: setting it up, both ways, and logging in with it.

In-process tests run on moto with its code check on (as `make run` has it), with
codes computed by pyotp from the secret the service answered. Stubber tests pin the
requests AWS receives where moto differs."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
import segno
from botocore.stub import Stubber

from chalicelib.settings import ConfigurationError, Settings
from chalicelib.token_verification import USER_SCOPE
from devstack.environment import MOTO_CHECKS_TOTP
from devstack.harness import Http, environment, in_process, pool_environment
from devstack.pool import create_confirmed_user
from tests.challenge_support import (
    NEW_PASSWORD,
    SESSION,
    TEMPORARY,
    TOKEN_FIELDS,
    new_password_answer,
    totp_answer,
)
from tests.conftest import (
    ALICE,
    PASSWORD,
    STUB_POOL,
    STUB_SUB,
    STUB_TOKENS_ANSWERED,
    Login,
    bearer,
    expect_challenge_answer,
    refused,
    sign_in,
    stub_access_token,
    succeeded,
)
from tests.mfa_support import app_code, wrong_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

UNAUTHORIZED = {"message": "Unauthorized"}
ISSUER = "cognito-auth-api"
# What AWS answers: a 32-character base32 secret (moto's is fixed and shorter).
AWS_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NO_MFA: dict[str, Any] = {"enabled": [], "preferred": None, "totp": "disabled"}
TOTP_PREFERRED = {
    "enabled": ["SOFTWARE_TOKEN_MFA"],
    "preferred": "SOFTWARE_TOKEN_MFA",
    "totp": "preferred",
}


@pytest.fixture(autouse=True)
def codes_checked() -> Iterator[None]:
    """moto checks codes only when told to, as `make run` tells it."""
    with environment(MOTO_CHECKS_TOTP):
        yield


@pytest.fixture
def login(api: Http, cognito: CognitoIdentityProviderClient, pool: Pool) -> Login:
    """Logs alice in (the one user these tests need) and returns her tokens."""
    create_confirmed_user(cognito, pool.user_pool_id, ALICE, PASSWORD)
    return lambda username: sign_in(api, username)


def _get(api: Http, path: str, tokens: dict[str, Any]) -> tuple[int, Any]:
    response = api.raw_request("GET", path, bearer(tokens))
    return response.status_code, json.loads(response.body)


def _enrol(api: Http, tokens: dict[str, Any]) -> str:
    """Sets up and verifies an app for the tokens' user; returns its secret."""
    status, body = api.post("/user/mfa/totp/setup", None, bearer(tokens))
    assert status == 200, body
    secret: str = body["data"]["secret"]
    status, body = api.post("/user/mfa/totp/verify", {"code": app_code(secret)}, bearer(tokens))
    assert status == 200, body
    return secret


def _answer_totp(api: Http, username: str, session: str, code: str) -> tuple[int, Any]:
    return api.post("/login/challenge", totp_answer(username, session, code))


def test_setup_answers_the_secret_an_otpauth_uri_for_the_users_email_and_its_qr_code(
    api: Http, login: Login
) -> None:
    status, body = api.post("/user/mfa/totp/setup", None, bearer(login(ALICE)))

    assert status == 200
    data = body["data"]
    assert set(data) == {"secret", "uri", "qr_svg"}
    # Read back by another implementation: the app's view of the URI.
    app = pyotp.parse_uri(data["uri"])
    assert (app.secret, app.name, app.issuer) == (data["secret"], ALICE, ISSUER)
    # A 160-bit key, as AWS's secrets are (moto's own would be too short for pyotp).
    assert len(base64.b32decode(data["secret"])) == 20
    assert data["uri"].startswith(f"otpauth://totp/{ISSUER}:alice%40example.com?")
    assert data["qr_svg"].startswith("<svg xmlns=")
    # The QR code of that very URI (no decoder here: encoded again and compared).
    expected = io.BytesIO()
    segno.make(data["uri"], micro=False).save(expected, kind="svg", xmldecl=False, scale=4)
    assert data["qr_svg"] == expected.getvalue().decode()
    # Until a code is verified, nothing changes at login.
    assert set(sign_in(api, ALICE)) == TOKEN_FIELDS


def test_a_verified_app_is_asked_for_at_every_login_and_a_wrong_code_is_refused(
    api: Http, login: Login
) -> None:
    tokens = login(ALICE)
    before = _get(api, "/user/mfa", tokens)
    secret = api.post("/user/mfa/totp/setup", None, bearer(tokens))[1]["data"]["secret"]

    status, body = api.post(
        "/user/mfa/totp/verify",
        {"code": app_code(secret), "device_name": "Alice's phone"},
        bearer(tokens),
    )

    assert before == (200, succeeded(None, NO_MFA))
    assert (status, body) == (200, succeeded("Authenticator app turned on", {"totp": "preferred"}))
    assert _get(api, "/user/mfa", tokens) == (200, succeeded(None, TOTP_PREFERRED))
    challenge = sign_in(api, ALICE)
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA"
    wrong = _answer_totp(api, ALICE, challenge["session"], wrong_code(secret))
    assert wrong == (401, refused("Invalid Verification code", "code_mismatch"))
    status, body = _answer_totp(api, ALICE, challenge["session"], app_code(secret))
    assert status == 200
    assert set(body["data"]) == TOKEN_FIELDS


def test_verify_refuses_a_wrong_code_and_login_stays_password_only(api: Http, login: Login) -> None:
    tokens = login(ALICE)
    secret = api.post("/user/mfa/totp/setup", None, bearer(tokens))[1]["data"]["secret"]

    status, body = api.post("/user/mfa/totp/verify", {"code": wrong_code(secret)}, bearer(tokens))

    assert (status, body["message"]) == (401, "Invalid Verification code")
    assert _get(api, "/user/mfa", tokens)[1]["data"] == NO_MFA
    assert set(sign_in(api, ALICE)) == TOKEN_FIELDS
    # Nor can it be turned on by preference alone.
    status, body = api.post("/user/mfa", {"totp": "preferred"}, bearer(tokens))
    assert status == 409
    assert body["message"].startswith("Cognito refused this MFA preference")
    assert set(sign_in(api, ALICE)) == TOKEN_FIELDS


def test_turning_totp_off_makes_login_password_only_and_on_again_asks_for_codes(
    api: Http, login: Login
) -> None:
    tokens = login(ALICE)
    _enrol(api, tokens)
    refused_setup = api.post("/user/mfa/totp/setup", None, bearer(tokens))

    off = api.post("/user/mfa", {"totp": "disabled"}, bearer(tokens))
    settings_off = _get(api, "/user/mfa", tokens)[1]["data"]
    login_off = sign_in(api, ALICE)
    on = api.post("/user/mfa", {"totp": "preferred"}, bearer(tokens))
    login_on = sign_in(api, ALICE)

    # While it is on, setting up another app is refused; off, it is allowed again.
    assert refused_setup == (
        409,
        refused(
            "An authenticator app is already set up; turn it off (POST /user/mfa) "
            "before setting up another",
            "totp_already_set_up",
        ),
    )
    assert off == (200, succeeded("MFA preference saved", {"totp": "disabled"}))
    assert settings_off == NO_MFA
    assert set(login_off) == TOKEN_FIELDS
    assert on[0] == 200
    assert login_on["challenge_name"] == "SOFTWARE_TOKEN_MFA"
    api.post("/user/mfa", {"totp": "disabled"}, bearer(tokens))
    assert api.post("/user/mfa/totp/setup", None, bearer(tokens))[0] == 200


ACCOUNT_ROUTES = [
    ("POST", "/user/mfa/totp/setup", None),
    ("POST", "/user/mfa/totp/verify", {"code": "123456"}),
    ("GET", "/user/mfa", None),
    ("POST", "/user/mfa", {"totp": "disabled"}),
]


def test_the_account_mfa_routes_refuse_an_id_token(api: Http, mint: Callable[..., str]) -> None:
    headers = {"Authorization": mint()}

    answers = [
        api.raw_request(method, path, headers)
        if method == "GET"
        else api.raw_post(path, body, headers)
        for method, path, body in ACCOUNT_ROUTES
    ]

    assert [(r.status_code, json.loads(r.body)) for r in answers] == [(401, UNAUTHORIZED)] * 4


def test_the_mfa_settings_path_answers_a_browsers_preflight(pool: Pool) -> None:
    page = "http://127.0.0.1:3000"
    with in_process({**pool_environment(pool), "CORS_ALLOW_ORIGINS": page}) as http:
        response = http.raw_request(
            "OPTIONS",
            "/user/mfa",
            {"Origin": page, "Access-Control-Request-Method": "POST"},
        )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == page
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST"


# A pool that requires MFA: the first login sets up an app, with the challenge's session.


@pytest.fixture
def required(cognito: CognitoIdentityProviderClient, pool: Pool, invited: str) -> str:
    """MFA required on the pool, and a user invited with a temporary password.

    moto answers MFA_SETUP only after the new password (AWS also at a plain password
    login, pinned below with the Stubber): an invited user reaches it either way."""
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.user_pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    return invited


def _mfa_setup_challenge(api: Http, username: str) -> dict[str, Any]:
    challenge = sign_in(api, username, TEMPORARY)
    status, body = api.post(
        "/login/challenge", new_password_answer(username, challenge["session"], NEW_PASSWORD)
    )
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


def test_a_pool_that_requires_mfa_has_the_first_login_set_up_an_app_and_get_tokens(
    api: Http, required: str
) -> None:
    challenge = _mfa_setup_challenge(api, required)
    assert challenge["challenge_name"] == "MFA_SETUP"
    assert challenge["parameters"] == {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}

    status, setup = api.post(
        "/login/mfa/totp/setup", {"username": required, "session": challenge["session"]}
    )
    assert status == 200, setup
    secret = setup["data"]["secret"]
    assert pyotp.parse_uri(setup["data"]["uri"]).name == required
    answer = {"username": required, "session": setup["data"]["session"], "device_name": "Phone"}
    wrong = api.post("/login/mfa/totp/verify", {**answer, "code": wrong_code(secret)})
    status, body = api.post("/login/mfa/totp/verify", {**answer, "code": app_code(secret)})

    assert (wrong[0], wrong[1]["message"]) == (401, "Invalid Verification code")
    assert status == 200, body
    assert set(body["data"]) == TOKEN_FIELDS
    assert _get(api, "/user/mfa", body["data"])[1]["data"] == TOTP_PREFERRED
    next_login = sign_in(api, required, NEW_PASSWORD)
    assert next_login["challenge_name"] == "SOFTWARE_TOKEN_MFA"
    assert _answer_totp(api, required, next_login["session"], app_code(secret))[0] == 200


def test_setting_up_at_login_refuses_a_session_cognito_does_not_know(api: Http) -> None:
    unknown = {"username": ALICE, "session": SESSION}

    answers = [
        api.post("/login/mfa/totp/setup", unknown),
        api.post("/login/mfa/totp/verify", {**unknown, "code": "123456"}),
    ]

    expired = refused("The session has expired, please log in again", "session_expired")
    assert answers == [(401, expired), (401, expired)]


WRONG_BODIES: dict[str, list[tuple[dict[str, Any], str]]] = {
    "/user/mfa/totp/verify": [
        ({}, "code is required"),
        ({"code": ""}, "code is required"),
        ({"code": 123456}, "code is required"),
        ({"code": "12345"}, "code is invalid"),
        ({"code": "1234567"}, "code is invalid"),
        ({"code": "12345a"}, "code is invalid"),
        ({"code": "123456\n"}, "code is invalid"),
        ({"code": "      "}, "code is invalid"),
        ({"code": "\u0661\u0662\u0663\u0664\u0665\u0666"}, "code is invalid"),
        ({"code": "123456", "device_name": ""}, "device_name is invalid"),
        ({"code": "123456", "device_name": "x" * 257}, "device_name is invalid"),
    ],
    "/user/mfa": [
        ({}, "totp is required"),
        ({"totp": "on"}, "Unsupported totp"),
        ({"totp": True}, "Unsupported totp"),
    ],
    "/login/mfa/totp/setup": [
        ({"session": SESSION}, "username is required"),
        ({"username": ALICE}, "session is required"),
        ({"username": ALICE, "session": "short"}, "session is invalid"),
    ],
    "/login/mfa/totp/verify": [
        ({"username": ALICE, "session": SESSION}, "code is required"),
        ({"username": "a b", "session": SESSION, "code": "1"}, "username is invalid"),
        ({"username": ALICE, "session": SESSION, "code": "1"}, "code is invalid"),
    ],
}


def test_each_wrong_body_gets_400_with_its_first_wrong_field(
    api: Http, mint: Callable[..., str], pool: Pool
) -> None:
    access = mint(token_use="access", aud=None, client_id=pool.client_id, scope=USER_SCOPE)
    rows = [
        (path, body, message) for path, bodies in WRONG_BODIES.items() for body, message in bodies
    ]

    answers = [
        (path, api.post(path, body, {"Authorization": access} if path.startswith("/user/") else {}))
        for path, body, _ in rows
    ]

    assert answers == [
        (path, (400, refused(message, "invalid_request"))) for path, _, message in rows
    ]


def test_no_mfa_flow_logs_the_secret_a_code_or_a_session(
    api: Http, login: Login, required: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        tokens = login(ALICE)
        secret = _enrol(api, tokens)
        challenge = sign_in(api, ALICE)
        code = app_code(secret)
        _answer_totp(api, ALICE, challenge["session"], code)
        setup_challenge = _mfa_setup_challenge(api, required)
        setup = api.post(
            "/login/mfa/totp/setup", {"username": required, "session": setup_challenge["session"]}
        )[1]["data"]
        api.post(
            "/login/mfa/totp/verify",
            {"username": required, "session": setup["session"], "code": wrong_code(secret)},
        )
        # A refusal the service does log: the capture sees the service's lines.
        api.raw_request("GET", "/user/mfa", {"Authorization": tokens["id_token"]})

    assert "token refused: wrong_token_use" in caplog.text
    for value in (secret, challenge["session"], setup_challenge["session"], setup["session"]):
        assert value not in caplog.text
    assert f'"{code}"' not in caplog.text
    assert f"'{code}'" not in caplog.text


# Stubber: the exact requests AWS receives.


def _user(**mfa: Any) -> dict[str, Any]:
    return {
        "Username": STUB_SUB,
        "UserAttributes": [{"Name": "sub", "Value": STUB_SUB}, {"Name": "email", "Value": ALICE}],
        **mfa,
    }


def test_setup_reads_the_email_with_get_user_then_associates_a_token(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response("get_user", _user(), {"AccessToken": token})
    stubber.add_response(
        "associate_software_token", {"SecretCode": AWS_SECRET}, {"AccessToken": token}
    )

    status, body = api.post("/user/mfa/totp/setup", None, {"Authorization": token})

    assert status == 200
    assert body["data"]["secret"] == AWS_SECRET
    assert body["data"]["uri"] == (
        f"otpauth://totp/{ISSUER}:alice%40example.com?secret={AWS_SECRET}&issuer={ISSUER}"
    )


def test_setup_names_the_issuer_the_settings_give() -> None:
    """MFA_ISSUER, spaces and all: percent-encoded in the label and the parameter."""
    import boto3

    client = boto3.client("cognito-idp", region_name=STUB_POOL.user_pool_id.split("_")[0])
    env = {**pool_environment(STUB_POOL, dialect="aws"), "MFA_ISSUER": "Example Corp"}
    token = stub_access_token()
    with Stubber(client) as stubber, in_process(env, client) as http:
        stubber.add_response("get_user", _user(), {"AccessToken": token})
        stubber.add_response(
            "associate_software_token", {"SecretCode": AWS_SECRET}, {"AccessToken": token}
        )
        status, body = http.post("/user/mfa/totp/setup", None, {"Authorization": token})

    assert status == 200
    assert body["data"]["uri"] == (
        f"otpauth://totp/Example%20Corp:alice%40example.com?secret={AWS_SECRET}"
        "&issuer=Example%20Corp"
    )
    assert pyotp.parse_uri(body["data"]["uri"]).issuer == "Example Corp"


@pytest.mark.parametrize("issuer", ["Example:Corp", "Example\u0000"])
def test_an_issuer_that_would_break_the_label_stops_the_service(issuer: str) -> None:
    env = {**pool_environment(STUB_POOL, dialect="aws"), "MFA_ISSUER": issuer}

    with pytest.raises(ConfigurationError, match="MFA_ISSUER"):
        Settings.from_env(env)


def test_setup_while_an_app_is_on_associates_nothing(stubbed: tuple[Stubber, Http]) -> None:
    """AWS: a new AssociateSoftwareToken turns the verified app off until the new one
    is verified (the user then logs in with the password alone); moto keeps asking."""
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response(
        "get_user",
        _user(UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA"),
        {"AccessToken": token},
    )

    status, _ = api.post("/user/mfa/totp/setup", None, {"Authorization": token})

    assert status == 409


def test_verify_sends_the_code_and_device_then_makes_totp_enabled_and_preferred(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response(
        "verify_software_token",
        {"Status": "SUCCESS"},
        {"AccessToken": token, "UserCode": "123456", "FriendlyDeviceName": "Alice's phone"},
    )
    stubber.add_response(
        "set_user_mfa_preference",
        {},
        {
            "AccessToken": token,
            "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )

    status, body = api.post(
        "/user/mfa/totp/verify",
        {"code": "123456", "device_name": "Alice's phone"},
        {"Authorization": token},
    )

    assert (status, body["data"]) == (200, {"totp": "preferred"})


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("EnableSoftwareTokenMFAException", "Code mismatch"),
        ("CodeMismatchException", "Invalid code received for user"),
    ],
)
def test_verify_answers_a_wrong_code_and_turns_nothing_on(
    stubbed: tuple[Stubber, Http], code: str, message: str
) -> None:
    """AWS answers a wrong first code with EnableSoftwareTokenMFAException; moto with
    CodeMismatchException. Either is the user's wrong code, and nothing is turned on."""
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_client_error("verify_software_token", code, message)

    status, body = api.post("/user/mfa/totp/verify", {"code": "123456"}, {"Authorization": token})

    assert (status, body["message"]) == (401, "Invalid Verification code")


def test_verify_treats_an_error_status_as_a_wrong_code(stubbed: tuple[Stubber, Http]) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response("verify_software_token", {"Status": "ERROR"})

    status, body = api.post("/user/mfa/totp/verify", {"code": "123456"}, {"Authorization": token})

    assert (status, body["message"]) == (401, "Invalid Verification code")


@pytest.mark.parametrize(
    ("user", "settings"),
    [
        (_user(), NO_MFA),
        (
            _user(
                UserMFASettingList=["SMS_MFA", "SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SMS_MFA"
            ),
            {
                "enabled": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
                "preferred": "SMS_MFA",
                "totp": "enabled",
            },
        ),
        (
            _user(
                UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA"
            ),
            TOTP_PREFERRED,
        ),
    ],
)
def test_mfa_settings_are_get_users_list_and_preference(
    stubbed: tuple[Stubber, Http], user: dict[str, Any], settings: dict[str, Any]
) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response("get_user", user, {"AccessToken": token})

    response = api.raw_request("GET", "/user/mfa", {"Authorization": token})

    assert response.status_code == 200
    assert json.loads(response.body)["data"] == settings


@pytest.mark.parametrize(
    ("totp", "enabled", "preferred"),
    [("preferred", True, True), ("enabled", True, False), ("disabled", False, False)],
)
def test_each_preference_sets_totp_alone(
    stubbed: tuple[Stubber, Http], totp: str, enabled: bool, preferred: bool
) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_response(
        "set_user_mfa_preference",
        {},
        {
            "AccessToken": token,
            "SoftwareTokenMfaSettings": {"Enabled": enabled, "PreferredMfa": preferred},
        },
    )

    status, body = api.post("/user/mfa", {"totp": totp}, {"Authorization": token})

    assert (status, body["data"]) == (200, {"totp": totp})


def test_a_preference_cognito_refuses_answers_409(stubbed: tuple[Stubber, Http]) -> None:
    stubber, api = stubbed
    token = stub_access_token()
    stubber.add_client_error(
        "set_user_mfa_preference",
        "InvalidParameterException",
        "User has not set up software token mfa",
    )

    status, body = api.post("/user/mfa", {"totp": "preferred"}, {"Authorization": token})

    assert status == 409
    assert "User has not" not in body["message"]


def test_login_answers_mfa_setup_with_the_factors_it_can_set_up(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS answers MFA_SETUP to a password login on a pool that requires MFA, naming
    the factors as a JSON list in a string; moto answers it only after a new
    password, and names them as a list."""
    stubber, api = stubbed
    stubber.add_response(
        "initiate_auth",
        {
            "ChallengeName": "MFA_SETUP",
            "Session": SESSION,
            "ChallengeParameters": {
                "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
                "USER_ID_FOR_SRP": STUB_SUB,
            },
        },
    )

    status, body = api.post("/login", {"username": ALICE, "password": PASSWORD})

    assert status == 200
    assert body["data"] == {
        "challenge_name": "MFA_SETUP",
        "session": SESSION,
        "parameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'},
    }


def test_setup_at_login_associates_with_the_session_and_answers_the_next_one(
    stubbed: tuple[Stubber, Http],
) -> None:
    stubber, api = stubbed
    stubber.add_response(
        "associate_software_token",
        {"SecretCode": AWS_SECRET, "Session": "n" * 40},
        {"Session": SESSION},
    )

    status, body = api.post("/login/mfa/totp/setup", {"username": ALICE, "session": SESSION})

    assert status == 200
    assert body["data"]["session"] == "n" * 40
    assert body["data"]["secret"] == AWS_SECRET
    assert pyotp.parse_uri(body["data"]["uri"]).name == ALICE


def test_verify_at_login_answers_mfa_setup_with_the_internal_name_and_its_hash(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS: MFA_SETUP is answered with VerifySoftwareToken's session, and USERNAME and
    SECRET_HASH over the internal name (the `sub`, with email as the username
    attribute). moto checks neither, and takes any session it issued."""
    stubber, api = stubbed
    verified_session = "v" * 40
    stubber.add_response(
        "verify_software_token",
        {"Status": "SUCCESS", "Session": verified_session},
        {"Session": SESSION, "UserCode": "123456", "FriendlyDeviceName": "Phone"},
    )
    expect_challenge_answer(stubber, "MFA_SETUP", verified_session)
    stubber.add_response(
        "set_user_mfa_preference",
        {},
        {
            "AccessToken": STUB_TOKENS_ANSWERED["access_token"],
            "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )

    status, body = api.post(
        "/login/mfa/totp/verify",
        {"username": ALICE, "session": SESSION, "code": "123456", "device_name": "Phone"},
    )

    assert (status, body["data"]) == (200, STUB_TOKENS_ANSWERED)


def test_verify_at_login_answers_an_expired_session_as_such(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS refuses a session it no longer knows with NotAuthorizedException ("Invalid
    session for the user"); moto with ResourceNotFoundException."""
    stubber, api = stubbed
    stubber.add_client_error(
        "verify_software_token", "NotAuthorizedException", "Invalid session for the user."
    )

    status, body = api.post(
        "/login/mfa/totp/verify", {"username": ALICE, "session": SESSION, "code": "123456"}
    )

    assert (status, body["message"]) == (401, "The session has expired, please log in again")

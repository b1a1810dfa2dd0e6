"""Choice-based sign-in (`/login/start`) and passkeys (`/user/passkeys`) in-process,
on the stand-in (devstack/stand_in_user_auth.py, devstack/stand_in_webauthn.py), as a
user meets them: one-time codes by email, passkeys added, used and deleted, and a name
no user has answered exactly as a known one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from devstack.harness import Http
from devstack.pool import LOCAL_RP_ID
from tests.conftest import ALICE, PASSWORD, bearer, refused
from tests.webauthn_support import Authenticator

GHOST = "ghost@example.com"
ORIGIN = "http://localhost:3000"


def _code(caplog: pytest.LogCaptureFixture, username: str) -> str:
    pattern = rf"sign-in code for {re.escape(username)}: (\d{{8}})\b"
    codes: list[str] = re.findall(pattern, caplog.text)
    assert codes, caplog.text
    return codes[-1]


def _answer(api: Http, username: str, started: dict[str, Any], **answer: Any) -> tuple[int, Any]:
    return api.post(
        "/login/challenge",
        {
            "username": username,
            "challenge_name": started["challenge_name"],
            "session": started["session"],
            **answer,
        },
    )


def _request(api: Http, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    response = api.raw_request(method, path, headers)
    return response.status_code, json.loads(response.body)


def _without_session(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "data": {**body["data"], "session": "<session>"}}


@pytest.mark.usefixtures("users")
def test_without_a_challenge_every_name_is_offered_the_services_factors(api: Http) -> None:
    """Cognito would answer a known user SELECT_CHALLENGE with their own factors, and
    a name no user has a random challenge: the service answers both alike, itself."""
    known = api.post("/login/start", {"username": ALICE})
    unknown = api.post("/login/start", {"username": GHOST})

    assert known == unknown
    assert known[0] == 200
    assert known[1]["data"] == {
        "challenge_name": "SELECT_CHALLENGE",
        "session": None,
        "parameters": {},
        "available_challenges": ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"],
    }


@pytest.mark.usefixtures("users")
def test_a_code_by_email_signs_in_and_a_wrong_one_is_refused(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO"):
        status, started = api.post("/login/start", {"username": ALICE, "challenge": "EMAIL_OTP"})
    code = _code(caplog, ALICE)
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8

    refused_answer = _answer(api, ALICE, started["data"], code=wrong)
    signed_in = _answer(api, ALICE, started["data"], code=code)

    assert status == 200
    assert started["data"]["parameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "a***@e***.com",
    }
    assert refused_answer[0] == 401
    assert refused_answer[1]["code"] == "code_mismatch"
    assert signed_in[0] == 200
    assert set(signed_in[1]["data"]) >= {"id_token", "access_token", "refresh_token"}


@pytest.mark.usefixtures("users")
@pytest.mark.parametrize("challenge", ["EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"])
def test_a_name_no_user_has_gets_the_same_challenge_and_the_same_refusal(
    api: Http, challenge: str
) -> None:
    """AWS answers a name no user has a random challenge (its "Managing user existence
    error responses"); alice has no phone and no passkey, so Cognito falls back to
    SELECT_CHALLENGE for her SMS_OTP and WEB_AUTHN. The answers differ only in the
    session (and a passkey challenge's random challenge)."""
    answers = {
        name: api.post("/login/start", {"username": name, "challenge": challenge})
        for name in (ALICE, "alice@example.net")
    }
    known, unknown = answers[ALICE], answers["alice@example.net"]

    assert known[0] == unknown[0] == 200
    if challenge == "WEB_AUTHN":
        for body in (known[1], unknown[1]):
            options = json.loads(body["data"]["parameters"]["CREDENTIAL_REQUEST_OPTIONS"])
            assert set(options) == {
                "challenge",
                "rpId",
                "timeout",
                "allowCredentials",
                "userVerification",
            }
            assert options["allowCredentials"] == []
            assert options["rpId"] == LOCAL_RP_ID
    else:
        # The masked address is made from the name typed: a***@e***.com, a***@e***.net.
        assert _without_session(known[1])["data"]["challenge_name"] == challenge
        assert set(known[1]["data"]["parameters"]) == set(unknown[1]["data"]["parameters"])
    answer = {"credential": {"id": "x"}} if challenge == "WEB_AUTHN" else {"code": "12345678"}
    refusals = [_answer(api, name, body[1]["data"], **answer) for name, body in answers.items()]
    assert refusals[0] == refusals[1]
    assert refusals[0][0] == 401


@pytest.mark.usefixtures("users")
def test_the_password_factor_signs_in_and_refuses_a_wrong_password_or_an_unknown_name(
    api: Http,
) -> None:
    right = api.post(
        "/login/start", {"username": ALICE, "challenge": "PASSWORD", "password": PASSWORD}
    )
    wrong = api.post(
        "/login/start", {"username": ALICE, "challenge": "PASSWORD", "password": "Wr0ng-pass!"}
    )
    ghost = api.post(
        "/login/start", {"username": GHOST, "challenge": "PASSWORD", "password": PASSWORD}
    )
    missing = api.post("/login/start", {"username": ALICE, "challenge": "PASSWORD"})

    assert right[0] == 200
    assert "id_token" in right[1]["data"]
    assert wrong == ghost
    assert wrong[0] == 401
    assert missing == (400, refused("password is required", "invalid_request"))


def test_a_passkey_is_added_listed_used_to_sign_in_and_deleted(
    api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    authenticator = Authenticator(ORIGIN, LOCAL_RP_ID)
    tokens = login(ALICE)
    access = {"Authorization": tokens["access_token"]}

    started = api.post("/user/passkeys/start", {}, access)
    added = api.post(
        "/user/passkeys",
        {"credential": authenticator.register(started[1]["data"]["options"])},
        access,
    )
    listed = _request(api, "GET", "/user/passkeys", access)
    challenge = api.post("/login/start", {"username": ALICE, "challenge": "WEB_AUTHN"})[1]["data"]
    options = json.loads(challenge["parameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    signed_in = _answer(api, ALICE, challenge, credential=authenticator.assertion(options))
    (passkey,) = listed[1]["data"]["passkeys"]
    deleted = _request(api, "DELETE", f"/user/passkeys/{passkey['id']}", access)
    again = api.post("/login/start", {"username": ALICE, "challenge": "WEB_AUTHN"})[1]["data"]
    after = _answer(
        api,
        ALICE,
        again,
        credential=authenticator.assertion(
            json.loads(again["parameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        ),
    )

    assert started[0] == 200
    assert started[1]["data"]["options"]["rp"]["id"] == LOCAL_RP_ID
    assert added[0] == 201
    assert listed[0] == 200
    assert passkey["relying_party_id"] == LOCAL_RP_ID
    assert signed_in[0] == 200
    assert "id_token" in signed_in[1]["data"]
    assert deleted[0] == 200
    assert after[0] == 401
    assert _request(api, "GET", "/user/passkeys", access)[1]["data"]["passkeys"] == []


def test_a_passkey_for_another_site_is_refused_and_an_unknown_one_is_not_found(
    api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    access = {"Authorization": login(ALICE)["access_token"]}
    elsewhere = Authenticator("https://evil.example", "evil.example")
    options = api.post("/user/passkeys/start", {}, access)[1]["data"]["options"]

    refused_add = api.post("/user/passkeys", {"credential": elsewhere.register(options)}, access)
    unknown = _request(api, "DELETE", "/user/passkeys/bm90LWEtcGFzc2tleQ", access)

    assert refused_add[0] == 400
    assert refused_add[1]["code"] in {"passkey_refused", "passkey_registration_expired"}
    assert unknown[0] == 404
    assert unknown[1]["code"] == "passkey_not_found"


def test_the_passkey_routes_need_an_access_token(
    api: Http, login: Callable[[str], dict[str, Any]]
) -> None:
    id_token = bearer({"access_token": login(ALICE)["id_token"]})

    assert _request(api, "GET", "/user/passkeys", id_token)[0] == 401
    assert api.post("/user/passkeys/start", {}, id_token)[0] == 401

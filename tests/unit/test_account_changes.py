"""Account changes: a new email verified with a code, deleting one's own account,
and signing out of one session. In-process on the stand-in (moto, with the operations
devstack/stand_in_operations.py adds), and pinned against AWS's exact requests."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from chalicelib.services import services
from chalicelib.settings import Settings
from devstack.harness import Http, pool_environment
from tests.conftest import (
    ALICE,
    BOB,
    PASSWORD,
    SESSION_ENDED,
    STUB_HASH_OF_SUB,
    STUB_POOL,
    STUB_SUB,
    Login,
    bearer,
    password_auth_request,
    stub_access_token,
    succeeded,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

NEW_EMAIL = "alice.new@example.com"


def _logs_in(api: Http, username: str, password: str = PASSWORD) -> bool:
    status, _ = api.post("/login", {"username": username, "password": password})
    assert status in (200, 401)
    return status == 200


def _renews(api: Http, username: str, tokens: dict[str, Any]) -> bool:
    status, _ = api.post(
        "/user/renew_refresh_token",
        {"username": username, "refresh_token": tokens["refresh_token"]},
    )
    assert status in (200, 401)
    return status == 200


def _email(cognito: CognitoIdentityProviderClient, pool: Pool, name: str) -> dict[str, str]:
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=name)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"] if a["Name"].startswith("email")}


def _logged_code(caplog: pytest.LogCaptureFixture, address: str) -> str:
    codes = re.findall(
        rf"email verification code for {re.escape(address)}: (\d{{6}})\b", caplog.text
    )
    assert codes, caplog.text
    return str(codes[-1])


def _ask_for_new_email(api: Http, tokens: dict[str, Any], caplog: pytest.LogCaptureFixture) -> str:
    """Asks for NEW_EMAIL on the tokens' account; the code the local stage logged."""
    with caplog.at_level(logging.INFO):
        api.post("/user/attributes", {"attributes": {"email": NEW_EMAIL}}, bearer(tokens))
    return _logged_code(caplog, NEW_EMAIL)


# A new email


def test_a_new_email_waits_for_its_code_and_the_old_one_still_signs_in(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    status, body = api.post(
        "/user/attributes",
        {"attributes": {"email": NEW_EMAIL, "name": "Al"}},
        bearer(login(ALICE)),
    )

    assert (status, body["message"]) == (200, "Attributes updated")
    assert body["data"] == {
        "updated": ["name"],
        "pending_verification": [
            {"attribute": "email", "destination": "a***@e***.com", "delivery_medium": "EMAIL"}
        ],
    }
    assert _email(cognito, pool, ALICE) == {"email": ALICE, "email_verified": "true"}
    assert _logs_in(api, ALICE)
    assert not _logs_in(api, NEW_EMAIL)


def test_the_logged_code_verifies_the_new_email_which_then_signs_in(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokens, other_session = login(ALICE), login(ALICE)
    code = _ask_for_new_email(api, tokens, caplog)

    status, body = api.post(
        "/user/attributes/verify", {"attribute": "email", "code": code}, bearer(tokens)
    )

    assert (status, body["message"]) == (200, "email has been verified")
    assert _email(cognito, pool, NEW_EMAIL) == {"email": NEW_EMAIL, "email_verified": "true"}
    assert _logs_in(api, NEW_EMAIL)
    assert not _logs_in(api, ALICE)
    # Sessions opened before the change renew under the new email.
    assert _renews(api, NEW_EMAIL, other_session)


def test_a_wrong_code_changes_nothing(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokens = login(ALICE)
    wrong = f"{(int(_ask_for_new_email(api, tokens, caplog)) + 1) % 10**6:06d}"

    status, body = api.post(
        "/user/attributes/verify", {"attribute": "email", "code": wrong}, bearer(tokens)
    )

    assert (status, body["message"]) == (401, "Invalid Verification code")
    assert _email(cognito, pool, ALICE) == {"email": ALICE, "email_verified": "true"}
    assert not _logs_in(api, NEW_EMAIL)


def test_a_resent_code_goes_to_the_new_address_and_verifies_it(
    api: Http, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = login(ALICE)
    api.post("/user/attributes", {"attributes": {"email": NEW_EMAIL}}, bearer(tokens))
    with caplog.at_level(logging.INFO):
        status, body = api.post(
            "/user/attributes/verify/resend", {"attribute": "email"}, bearer(tokens)
        )
    code = _logged_code(caplog, NEW_EMAIL)

    assert (status, body["message"], body["data"]) == (200, "A verification code was sent", None)
    verify = {"attribute": "email", "code": code}
    assert api.post("/user/attributes/verify", verify, bearer(tokens))[0] == 200
    assert _logs_in(api, NEW_EMAIL)


def test_another_accounts_email_is_answered_as_if_a_code_went_to_it(
    api: Http,
    login: Login,
    cognito: CognitoIdentityProviderClient,
    pool: Pool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A signed-in caller cannot tell a taken address from a free one: Bob's
    (b***@e***.com) and a free one masked alike get the same answer."""
    tokens = login(ALICE)
    with caplog.at_level(logging.INFO):
        taken = api.post(
            "/user/attributes", {"attributes": {"email": BOB, "name": "Al"}}, bearer(tokens)
        )
    free = api.post(
        "/user/attributes",
        {"attributes": {"email": "bo@example.com", "name": "Al"}},
        bearer(tokens),
    )

    assert taken == free
    assert taken[0] == 200
    assert BOB not in caplog.text
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ALICE)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Al"
    assert _email(cognito, pool, BOB)["email"] == BOB


def test_other_stages_never_log_a_verification_code(
    api: Http, login: Login, pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = login(ALICE)
    services.override(settings=Settings.from_env({**pool_environment(pool), "STAGE": "dev"}))
    with caplog.at_level(logging.DEBUG):
        api.post("/user/attributes", {"attributes": {"email": NEW_EMAIL}}, bearer(tokens))
        api.post("/user/attributes/verify/resend", {"attribute": "email"}, bearer(tokens))
        api.post("/signup/resend-code", {"username": "carol@example.com"})

    assert "code for" not in caplog.text


# Deleting one's own account


def test_deleting_the_account_with_its_password_removes_the_user_and_their_sessions(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens, other_session = login(ALICE), login(ALICE)

    status, body = api.post("/user/delete", {"password": PASSWORD}, bearer(tokens))

    assert (status, body["message"]) == (200, "Your account has been deleted")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ALICE)
    assert not _logs_in(api, ALICE)
    assert not _renews(api, ALICE, tokens)
    assert not _renews(api, ALICE, other_session)
    # Access tokens pass the signature check until they expire; Cognito refuses them.
    again = api.post("/user/attributes", {"attributes": {"name": "A"}}, bearer(other_session))
    assert again == (401, SESSION_ENDED)
    # An id token still opens what it alone answers, until it expires; Cognito does not.
    profile = api.post("/user/test-user", {}, {"Authorization": tokens["id_token"]})
    assert profile[0] == 200
    fresh = {"Authorization": tokens["id_token"], "Cache-Control": "no-cache"}
    assert api.post("/user/test-user", {}, fresh)[0] == 404


def test_deleting_the_account_refuses_a_wrong_password(
    api: Http, login: Login, cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = login(ALICE)

    status, body = api.post("/user/delete", {"password": "Wr0ng-Passw0rd"}, bearer(tokens))

    assert (status, body["message"]) == (401, "The password is incorrect")
    assert cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=ALICE)["Enabled"]
    assert _renews(api, ALICE, tokens)


def test_a_deleted_account_cannot_be_deleted_again(api: Http, login: Login) -> None:
    tokens = login(ALICE)
    api.post("/user/delete", {"password": PASSWORD}, bearer(tokens))

    status, body = api.post("/user/delete", {"password": PASSWORD}, bearer(tokens))

    assert (status, body["message"]) == (401, "The password is incorrect")


# Signing out of one session


def test_logout_with_a_refresh_token_ends_that_session_only(api: Http, login: Login) -> None:
    phone, laptop = login(ALICE), login(ALICE)

    status, body = api.post("/logout", {"refresh_token": phone["refresh_token"]}, bearer(phone))

    assert (status, body["message"]) == (200, "Signed out of this session")
    assert not _renews(api, ALICE, phone)
    changed = api.post("/user/attributes", {"attributes": {"name": "A"}}, bearer(phone))
    assert changed == (401, SESSION_ENDED)
    assert _renews(api, ALICE, laptop)
    assert api.post("/user/attributes", {"attributes": {"name": "B"}}, bearer(laptop))[0] == 200


def test_logout_of_an_unknown_or_already_ended_session_answers_alike(
    api: Http, login: Login
) -> None:
    phone, laptop = login(ALICE), login(ALICE)
    body = {"refresh_token": phone["refresh_token"]}

    first = api.post("/logout", body, bearer(laptop))
    again = api.post("/logout", body, bearer(laptop))
    unknown = api.post("/logout", {"refresh_token": "no-such-session"}, bearer(laptop))

    assert first == again == unknown
    assert first[0] == 200
    assert _renews(api, ALICE, laptop)


def test_logout_refuses_a_token_that_is_not_a_refresh_token(api: Http, login: Login) -> None:
    tokens = login(ALICE)

    status, body = api.post("/logout", {"refresh_token": tokens["access_token"]}, bearer(tokens))

    assert (status, body["message"]) == (400, "refresh_token is not a refresh token")
    assert _renews(api, ALICE, tokens)


def test_logout_without_a_body_signs_out_everywhere(api: Http, login: Login) -> None:
    phone, laptop = login(ALICE), login(ALICE)

    status, body = api.post("/logout", raw=b"", headers=bearer(phone))

    assert (status, body["message"]) == (200, "Signed out everywhere")
    assert not _renews(api, ALICE, phone)
    assert not _renews(api, ALICE, laptop)


# AWS's exact requests (moto 5.2.5 has none of these operations: the stand-in adds them)

STUB_ACCESS_TOKEN = stub_access_token()
STUB_BEARER = {"Authorization": STUB_ACCESS_TOKEN}
DELIVERY = {"Destination": "a***@e***.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _expect_get_user(stubber: Stubber) -> None:
    """The one read before a change: the attributes the id token will carry after it."""
    stubber.add_response(
        "get_user",
        {"Username": STUB_SUB, "UserAttributes": [{"Name": "email", "Value": ALICE}]},
        {"AccessToken": STUB_ACCESS_TOKEN},
    )


def test_an_email_change_sends_aws_update_user_attributes(stubbed: tuple[Stubber, Http]) -> None:
    """The stand-in keeps moto's UpdateUserAttributes request but answers as AWS does
    for a pool that requires verification before an update: the email waits, and
    CodeDeliveryDetailsList says where its code went (moto changes it at once and
    sends nothing)."""
    stubber, api = stubbed
    _expect_get_user(stubber)
    stubber.add_response(
        "update_user_attributes",
        {"CodeDeliveryDetailsList": [DELIVERY]},
        {
            "AccessToken": STUB_ACCESS_TOKEN,
            "UserAttributes": [{"Name": "email", "Value": NEW_EMAIL}],
        },
    )

    status, body = api.post("/user/attributes", {"attributes": {"email": NEW_EMAIL}}, STUB_BEARER)

    assert status == 200
    assert body["data"] == {
        "updated": [],
        "pending_verification": [
            {"attribute": "email", "destination": "a***@e***.com", "delivery_medium": "EMAIL"}
        ],
    }


def test_a_taken_email_on_aws_changes_the_rest_and_answers_as_if_sent(
    stubbed: tuple[Stubber, Http],
) -> None:
    """AWS refuses another account's address with AliasExistsException; the route
    hides it, and changes the other attributes alone."""
    stubber, api = stubbed
    both = [{"Name": "email", "Value": BOB}, {"Name": "name", "Value": "Al"}]
    _expect_get_user(stubber)
    stubber.add_client_error(
        "update_user_attributes",
        "AliasExistsException",
        "An account with the given email already exists.",
        expected_params={"AccessToken": STUB_ACCESS_TOKEN, "UserAttributes": both},
    )
    stubber.add_response(
        "update_user_attributes",
        {"CodeDeliveryDetailsList": []},
        {"AccessToken": STUB_ACCESS_TOKEN, "UserAttributes": [{"Name": "name", "Value": "Al"}]},
    )

    status, body = api.post(
        "/user/attributes", {"attributes": {"email": BOB, "name": "Al"}}, STUB_BEARER
    )

    assert status == 200
    assert body["data"] == {
        "updated": ["name"],
        "pending_verification": [
            {"attribute": "email", "destination": "b***@e***.com", "delivery_medium": "EMAIL"}
        ],
    }


def test_resending_answers_alike_whether_the_new_address_is_free_or_taken(
    api: Http, login: Login
) -> None:
    """After a change to another account's address nothing waits, so Cognito sends the
    code to the current address: an answer naming where it went would tell the two apart."""
    answers = []
    # A free address that masks unlike Alice's own (a***@e***.com), and Bob's.
    for new_email in ("zoe@other.org", BOB):
        tokens = login(ALICE)
        api.post("/user/attributes", {"attributes": {"email": new_email}}, bearer(tokens))
        answers.append(
            api.post("/user/attributes/verify/resend", {"attribute": "email"}, bearer(tokens))
        )

    assert answers[0] == answers[1] == (200, succeeded("A verification code was sent"))


def test_resending_an_attribute_code_sends_aws_get_user_attribute_verification_code(
    stubbed: tuple[Stubber, Http],
) -> None:
    """moto 5.2.5 has no GetUserAttributeVerificationCode; the stand-in's also hands
    back the code it made, in a header AWS never sends."""
    stubber, api = stubbed
    stubber.add_response(
        "get_user_attribute_verification_code",
        {"CodeDeliveryDetails": DELIVERY},
        {"AccessToken": STUB_ACCESS_TOKEN, "AttributeName": "email"},
    )

    status, body = api.post("/user/attributes/verify/resend", {"attribute": "email"}, STUB_BEARER)

    assert (status, body["data"]) == (200, None)


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (None, 200, "email has been verified"),
        ("CodeMismatchException", 401, "Invalid Verification code"),
        (
            "ExpiredCodeException",
            401,
            "The verification code has expired, please request a new one",
        ),
        ("AliasExistsException", 409, "An account with this email already exists"),
        ("NotAuthorizedException", 401, "The session has ended, please log in again"),
        ("LimitExceededException", 429, "Attempt limit exceeded, please retry later"),
    ],
)
def test_verifying_sends_aws_verify_user_attribute(
    stubbed: tuple[Stubber, Http], error: str | None, status: int, message: str
) -> None:
    """moto 5.2.5 has no VerifyUserAttribute. The stand-in's never answers
    ExpiredCodeException (its codes do not expire); AliasExistsException comes when
    another account verified the address first, which only the code's holder sees."""
    stubber, api = stubbed
    expected = {"AccessToken": STUB_ACCESS_TOKEN, "AttributeName": "email", "Code": "123456"}
    if error is None:
        stubber.add_response("verify_user_attribute", {}, expected)
    else:
        stubber.add_client_error("verify_user_attribute", error, "no", expected_params=expected)

    answer = api.post(
        "/user/attributes/verify", {"attribute": "email", "code": "123456"}, STUB_BEARER
    )

    assert (answer[0], answer[1]["message"]) == (status, message)


def test_deleting_sends_aws_initiate_auth_with_the_internal_name_then_delete_user(
    stubbed: tuple[Stubber, Http],
) -> None:
    """The password is checked under the internal name the access token carries, with
    SECRET_HASH over that name (moto checks no SECRET_HASH on USER_PASSWORD_AUTH);
    moto 5.2.5 has no DeleteUser."""
    stubber, api = stubbed
    stubber.add_response(
        "initiate_auth",
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 40, "ChallengeParameters": {}},
        password_auth_request(STUB_SUB, STUB_HASH_OF_SUB),
    )
    stubber.add_response("delete_user", {}, {"AccessToken": STUB_ACCESS_TOKEN})

    status, body = api.post("/user/delete", {"password": PASSWORD}, STUB_BEARER)

    assert (status, body["message"]) == (200, "Your account has been deleted")


def test_an_access_token_without_a_username_deletes_nothing(
    stubbed: tuple[Stubber, Http],
) -> None:
    """Cognito's access tokens always name the user; one that does not (signed with
    the pool's key all the same) calls no Cognito (the Stubber has no answer queued)."""
    _, api = stubbed
    nameless = stub_access_token(username=None)

    answer = api.post("/user/delete", {"password": PASSWORD}, {"Authorization": nameless})

    assert answer == (401, SESSION_ENDED)


def test_a_wrong_password_on_aws_deletes_nothing(stubbed: tuple[Stubber, Http]) -> None:
    stubber, api = stubbed
    stubber.add_client_error(
        "initiate_auth", "NotAuthorizedException", "Incorrect username or password."
    )

    status, body = api.post("/user/delete", {"password": "Wr0ng-Passw0rd"}, STUB_BEARER)

    assert (status, body["message"]) == (401, "The password is incorrect")


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (None, 200, "Signed out of this session"),
        ("UnsupportedTokenTypeException", 400, "refresh_token is not a refresh token"),
        ("TooManyRequestsException", 429, "Too many requests, please retry later"),
    ],
)
def test_one_session_logout_sends_aws_revoke_token_with_the_client_secret(
    stubbed: tuple[Stubber, Http], error: str | None, status: int, message: str
) -> None:
    """moto 5.2.5 raises NotImplementedError for RevokeToken; the stand-in's revokes
    the refresh token and the access tokens issued with it (their origin_jti), as AWS
    documents, and answers an unknown or revoked token with 200, as AWS does."""
    stubber, api = stubbed
    expected = {
        "Token": "eyJ.refresh.token",
        "ClientId": STUB_POOL.client_id,
        "ClientSecret": STUB_POOL.client_secret,
    }
    if error is None:
        stubber.add_response("revoke_token", {}, expected)
    else:
        stubber.add_client_error("revoke_token", error, "no", expected_params=expected)

    answer = api.post("/logout", {"refresh_token": "eyJ.refresh.token"}, STUB_BEARER)

    assert (answer[0], answer[1]["message"]) == (status, message)

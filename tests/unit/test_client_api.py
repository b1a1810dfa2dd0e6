"""The client's routes and error mapping, over a mocked transport (responses)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from cognito_auth_client import (
    Attribute,
    BadRequest,
    Challenge,
    Client,
    Conflict,
    Forbidden,
    InvalidCredentials,
    NotConfirmed,
    NotFound,
    Passkey,
    PasskeyPage,
    PayloadTooLarge,
    RenewedTokens,
    ServerError,
    ServiceUnavailable,
    ServiceUnreachable,
    SignUpResult,
    Throttled,
    TokenExpired,
    Tokens,
    Unauthorized,
    UsernameExists,
)
from cognito_auth_client.errors import ApiError, RequestRefused
from devstack.process import free_port
from tests.client_support import API, envelope, error_envelope, tokens

EXP = time.time() + 3600


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(API) as made:
        yield made


def sent(mock: responses.RequestsMock, index: int = -1) -> tuple[dict[str, Any], Any]:
    request = mock.calls[index].request
    return dict(request.headers), json.loads(request.body or b"null")


def test_login_returns_typed_tokens(mocked: responses.RequestsMock, client: Client) -> None:
    data = tokens(EXP)
    mocked.post(f"{API}/login", json=envelope(data))

    answer = client.login("alice@example.com", "Passw0rd!")

    assert isinstance(answer, Tokens)
    assert (answer.id_token, answer.refresh_token, answer.token_type) == (
        data["id_token"],
        "refresh-1",
        "Bearer",
    )
    assert sent(mocked)[1] == {"username": "alice@example.com", "password": "Passw0rd!"}


def test_tokens_never_show_in_their_repr(mocked: responses.RequestsMock, client: Client) -> None:
    data = tokens(EXP)
    mocked.post(f"{API}/login", json=envelope(data))

    shown = repr(client.login("alice@example.com", "Passw0rd!"))

    assert data["id_token"] not in shown
    assert "refresh-1" not in shown


def test_login_returns_a_challenge_to_answer(
    mocked: responses.RequestsMock, client: Client
) -> None:
    challenge = {"challenge_name": "SOFTWARE_TOKEN_MFA", "session": "s" * 40, "parameters": {}}
    mocked.post(f"{API}/login", json=envelope(challenge))
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(EXP)))

    answer = client.login("alice@example.com", "Passw0rd!")
    assert isinstance(answer, Challenge)
    assert isinstance(client.answer_challenge("alice@example.com", answer, "123456"), Tokens)

    assert sent(mocked)[1] == {
        "username": "alice@example.com",
        "challenge_name": "SOFTWARE_TOKEN_MFA",
        "session": "s" * 40,
        "code": "123456",
    }


def test_new_password_challenge_is_answered_with_new_password(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(EXP)))
    challenge = Challenge(challenge_name="NEW_PASSWORD_REQUIRED", session="s" * 40)

    client.answer_challenge("alice@example.com", challenge, "New-Passw0rd!")

    assert sent(mocked)[1]["new_password"] == "New-Passw0rd!"


def test_login_start_without_a_challenge_answers_the_factors_to_choose_from(
    mocked: responses.RequestsMock, client: Client
) -> None:
    select: dict[str, Any] = {
        "challenge_name": "SELECT_CHALLENGE",
        "session": None,
        "parameters": {},
        "available_challenges": ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"],
    }
    mocked.post(f"{API}/login/start", json=envelope(select))

    answer = client.login_start("alice@example.com")

    assert answer == Challenge(
        challenge_name="SELECT_CHALLENGE",
        session=None,
        available_challenges=["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"],
    )
    assert sent(mocked)[1] == {"username": "alice@example.com"}


@pytest.mark.parametrize("factor", ["EMAIL_OTP", "SMS_OTP"])
def test_a_one_time_code_challenge_is_answered_with_the_code(
    mocked: responses.RequestsMock, client: Client, factor: str
) -> None:
    challenge = {
        "challenge_name": factor,
        "session": "s" * 40,
        "parameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL"},
    }
    mocked.post(f"{API}/login/start", json=envelope(challenge))
    mocked.post(f"{API}/login/challenge", json=envelope(tokens(EXP)))

    started = client.login_start("alice@example.com", factor)
    assert isinstance(started, Challenge)
    assert started.available_challenges == []
    assert isinstance(client.answer_challenge("alice@example.com", started, "12345678"), Tokens)

    assert [json.loads(call.request.body or b"") for call in mocked.calls] == [
        {"username": "alice@example.com", "challenge": factor},
        {
            "username": "alice@example.com",
            "challenge_name": factor,
            "session": "s" * 40,
            "code": "12345678",
        },
    ]


def test_login_start_with_the_password_factor_sends_the_password(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/login/start", json=envelope(tokens(EXP)))

    answer = client.login_start("alice@example.com", "PASSWORD", "Passw0rd!")

    assert isinstance(answer, Tokens)
    assert sent(mocked)[1] == {
        "username": "alice@example.com",
        "challenge": "PASSWORD",
        "password": "Passw0rd!",
    }


def test_a_factor_the_service_does_not_offer_is_a_bad_request(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(
        f"{API}/login/start",
        status=400,
        json=error_envelope(
            "This service does not offer that way of signing in", "factor_not_offered"
        ),
    )

    with pytest.raises(BadRequest, match="does not offer") as refused:
        client.login_start("alice@example.com", "SMS_OTP")

    assert refused.value.code == "factor_not_offered"


@pytest.mark.parametrize("name", ["SELECT_CHALLENGE", "WEB_AUTHN", "MFA_SETUP"])
def test_answer_challenge_refuses_unsent_a_challenge_it_cannot_answer_with_text(
    mocked: responses.RequestsMock, client: Client, name: str
) -> None:
    """SELECT_CHALLENGE is answered by login_start, WEB_AUTHN with a browser's
    credential, MFA_SETUP at /login/mfa/totp/*: sending a code would only be refused."""
    challenge = Challenge(challenge_name=name, session="s" * 40)

    with pytest.raises(ValueError, match=f"{name} is not answered here"):
        client.answer_challenge("alice@example.com", challenge, "12345678")

    assert len(mocked.calls) == 0


PASSKEY: dict[str, Any] = {
    "id": "Y3JlZC0x",
    "name": "iCloud Keychain",
    "relying_party_id": "example.com",
    "attachment": "platform",
    "transports": ["internal", "hybrid"],
    "created": "2026-01-01T00:00:00+00:00",
}


def test_passkeys_are_a_typed_page_asked_for_with_the_access_token(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.get(f"{API}/user/passkeys", json=envelope({"passkeys": [PASSKEY], "next_token": "n2"}))

    page = client.passkeys("ACCESS.TOKEN.X", limit=5, next_token="n1")

    assert page == PasskeyPage(passkeys=[Passkey(**PASSKEY)], next_token="n2")
    request = mocked.calls[-1].request
    assert (request.method, request.url, request.headers["Authorization"]) == (
        "GET",
        f"{API}/user/passkeys?limit=5&next_token=n1",
        "ACCESS.TOKEN.X",
    )


def test_passkeys_without_arguments_leave_the_page_size_to_the_service(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.get(f"{API}/user/passkeys", json=envelope({"passkeys": [], "next_token": None}))

    assert client.passkeys("ACCESS.TOKEN.X") == PasskeyPage(passkeys=[], next_token=None)
    assert mocked.calls[-1].request.url == f"{API}/user/passkeys"


def test_delete_passkey_sends_the_id_percent_encoded_and_returns_the_message(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.delete(f"{API}/user/passkeys/Y3JlZC0x", json=envelope(None, "Passkey deleted"))
    mocked.delete(
        f"{API}/user/passkeys/a%2Fb",
        status=404,
        json=error_envelope("No such passkey", "passkey_not_found"),
    )

    assert client.delete_passkey("ACCESS.TOKEN.X", "Y3JlZC0x") == "Passkey deleted"
    with pytest.raises(NotFound, match="No such passkey"):
        client.delete_passkey("ACCESS.TOKEN.X", "a/b")

    assert [call.request.headers["Authorization"] for call in mocked.calls] == [
        "ACCESS.TOKEN.X",
        "ACCESS.TOKEN.X",
    ]


def test_renew_returns_new_id_and_access_tokens(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/user/renew_refresh_token", json=envelope(tokens(EXP, refresh=None)))

    renewed = client.renew("alice@example.com", "refresh-1")

    assert isinstance(renewed, RenewedTokens)
    assert sent(mocked)[1] == {"username": "alice@example.com", "refresh_token": "refresh-1"}


def test_guarded_routes_send_the_raw_token_without_bearer(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/user/test-user", json=envelope([]))
    mocked.post(f"{API}/user/change-password", json=envelope(None, "changed"))
    mocked.post(f"{API}/user/attributes", json=envelope({"updated": ["name"]}))
    mocked.post(f"{API}/logout", json=envelope(None, "Signed out everywhere"))

    client.user_attributes("ID.TOKEN.X")
    client.change_password("ACCESS.TOKEN.X", "Old-Passw0rd", "New-Passw0rd")
    client.update_attributes("ACCESS.TOKEN.X", {"name": "Al"})
    client.logout("ACCESS.TOKEN.X")

    assert [call.request.headers["Authorization"] for call in mocked.calls] == [
        "ID.TOKEN.X",
        "ACCESS.TOKEN.X",
        "ACCESS.TOKEN.X",
        "ACCESS.TOKEN.X",
    ]


def test_public_routes_send_no_credentials_even_from_netrc(
    mocked: responses.RequestsMock, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.test login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mocked.post(f"{API}/password/forgot", json=envelope(None, "check your email"))

    client.forgot_password("alice@example.com")

    assert "Authorization" not in sent(mocked)[0]


def test_attributes_are_typed_and_fresh_asks_for_no_cache(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(
        f"{API}/user/test-user",
        json=envelope([{"Name": "email", "Value": "alice@example.com"}], message=None),
    )

    attributes = client.user_attributes("ID", username="bob@example.com", fresh=True)

    assert attributes == [Attribute(name="email", value="alice@example.com")]
    headers, body = sent(mocked)
    assert (headers["Cache-Control"], body) == ("no-cache", {"username": "bob@example.com"})


def test_account_routes_send_their_bodies_and_return_messages(
    mocked: responses.RequestsMock, client: Client
) -> None:
    signed_up = {"user_confirmed": False, "destination": "a***@e***.com"}
    mocked.post(f"{API}/signup", json=envelope(signed_up, "Please confirm"), status=201)
    for path in ("/signup/confirm", "/signup/resend-code", "/password/forgot", "/password/confirm"):
        mocked.post(API + path, json=envelope(None, f"done {path}"))

    assert client.sign_up("alice@example.com", "Passw0rd!", name="Alice") == SignUpResult(
        user_confirmed=False, destination="a***@e***.com", message="Please confirm"
    )
    assert client.confirm_sign_up("alice@example.com", "123456") == "done /signup/confirm"
    assert client.resend_code("alice@example.com") == "done /signup/resend-code"
    assert client.forgot_password("alice@example.com") == "done /password/forgot"
    assert client.reset_password("alice@example.com", "c0de", "New-Passw0rd") == (
        "done /password/confirm"
    )

    assert [json.loads(call.request.body or b"") for call in mocked.calls] == [
        {"username": "alice@example.com", "password": "Passw0rd!", "name": "Alice"},
        {"username": "alice@example.com", "code": "123456"},
        {"username": "alice@example.com"},
        {"username": "alice@example.com"},
        {"username": "alice@example.com", "code": "c0de", "password": "New-Passw0rd"},
    ]


# Without a code, the class is the status's: what an older service (or a proxy) answers.
NO_CODE = {"message": "Refused", "error": True, "success": False, "data": None}


@pytest.mark.parametrize(
    ("status", "body", "error_type", "message"),
    [
        (
            400,
            error_envelope("username is required", "invalid_request"),
            BadRequest,
            "username is required",
        ),
        (
            401,
            error_envelope("The username or password is incorrect", "invalid_credentials"),
            InvalidCredentials,
            "The username or password is incorrect",
        ),
        (401, {"message": "Unauthorized"}, Unauthorized, "Unauthorized"),
        (401, "<html>401</html>", Unauthorized, "Unauthorized"),
        (
            401,
            {"message": "The incoming token has expired"},
            TokenExpired,
            "The incoming token has expired",
        ),
        (
            403,
            error_envelope("User is not confirmed", "user_not_confirmed"),
            NotConfirmed,
            "User is not confirmed",
        ),
        (
            403,
            error_envelope("You may only read your own attributes", "forbidden"),
            Forbidden,
            "You may only read your own attributes",
        ),
        (404, error_envelope("No such user", "user_not_found"), NotFound, "No such user"),
        (
            409,
            error_envelope("This username already exists", "username_exists"),
            UsernameExists,
            "This username already exists",
        ),
        (
            413,
            error_envelope("Request body is too large", "payload_too_large"),
            PayloadTooLarge,
            "Request body is too large",
        ),
        (
            405,
            error_envelope("Method Not Allowed", "method_not_allowed"),
            RequestRefused,
            "Method Not Allowed",
        ),
        (
            500,
            error_envelope("Internal Server Error", "internal_error"),
            ServerError,
            "Internal Server Error",
        ),
        (502, "<html>Bad gateway</html>", ServerError, "Bad Gateway"),
        # chalice local's (and API Gateway's) answer to an unknown path: no one's identity
        # is in question, whatever its status.
        (
            403,
            error_envelope("Missing Authentication Token", "request_refused"),
            RequestRefused,
            "Missing Authentication Token",
        ),
        (400, NO_CODE, BadRequest, "Refused"),
        (401, NO_CODE, InvalidCredentials, "Refused"),
        (403, NO_CODE, Forbidden, "Refused"),
        (409, NO_CODE, Conflict, "Refused"),
        (418, NO_CODE, RequestRefused, "Refused"),
        (504, NO_CODE, ServerError, "Refused"),
        # A code this client does not know yet (a newer service): the status decides.
        (404, error_envelope("Gone fishing", "code_of_the_future"), NotFound, "Gone fishing"),
        (
            401,
            error_envelope("Try again", "code_of_the_future"),
            InvalidCredentials,
            "Try again",
        ),
    ],
)
def test_errors_are_typed_by_code_then_status_with_message_and_request_id(
    mocked: responses.RequestsMock,
    client: Client,
    status: int,
    body: Any,
    error_type: type[ApiError],
    message: str,
) -> None:
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"body": body}
    mocked.post(f"{API}/login", status=status, headers={"X-Request-Id": "req-42"}, **kwargs)

    with pytest.raises(error_type) as raised:
        client.login("alice@example.com", "Passw0rd!")

    error = raised.value
    assert type(error) is error_type
    assert (error.message, error.status, error.request_id) == (message, status, "req-42")
    assert error.code == (body.get("code") if isinstance(body, dict) else None)
    assert "req-42" in str(error)


def test_service_unavailable_carries_retry_after(
    mocked: responses.RequestsMock, client: Client
) -> None:
    unavailable = "The service is temporarily unavailable, please retry later"
    mocked.post(
        f"{API}/login",
        status=503,
        json=error_envelope(unavailable, "service_unavailable"),
        headers={"Retry-After": "5", "X-Request-Id": "req-7"},
    )

    with pytest.raises(ServiceUnavailable) as raised:
        client.login("alice@example.com", "Passw0rd!")

    assert (raised.value.message, raised.value.retry_after, raised.value.request_id) == (
        unavailable,
        5.0,
        "req-7",
    )
    # A 503 may come after Cognito acted: never sent twice.
    assert len(mocked.calls) == 1


def test_throttling_beyond_the_bound_raises_throttled_with_retry_after(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(
        f"{API}/login",
        status=429,
        json=error_envelope("Too many requests, please retry later", "throttled"),
        headers={"Retry-After": "60", "X-Request-Id": "req-9"},
    )

    with pytest.raises(Throttled) as raised:
        client.login("alice@example.com", "Passw0rd!")

    assert (raised.value.retry_after, raised.value.request_id) == (60.0, "req-9")
    assert raised.value.message == "Too many requests, please retry later"
    assert len(mocked.calls) == 1


def test_success_that_is_not_the_envelope_is_a_server_error(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/login", body="<html>hello</html>")

    with pytest.raises(ServerError, match="not the service's envelope"):
        client.login("alice@example.com", "Passw0rd!")


def test_data_of_the_wrong_shape_is_a_server_error(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/login", json=envelope({"id_token": 42}))

    with pytest.raises(ServerError, match="Unexpected answer"):
        client.login("alice@example.com", "Passw0rd!")


def test_a_closed_port_is_service_unreachable() -> None:
    with Client(f"http://127.0.0.1:{free_port()}") as client, pytest.raises(ServiceUnreachable):
        client.forgot_password("alice@example.com")


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://example.com", "http://", ""])
def test_an_api_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        Client(url)

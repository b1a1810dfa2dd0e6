"""The client's MFA, account and admin routes over a mocked transport (responses):
the exact request each sends, the typed answer, and the errors they map to."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from cognito_auth_client import (
    AdminUser,
    BadRequest,
    Client,
    CodeDelivery,
    Conflict,
    Forbidden,
    InvalidCredentials,
    MfaPreference,
    MfaSettings,
    NotFound,
    TotpSetup,
    Updated,
    UserPage,
)
from cognito_auth_client.errors import ApiError
from tests.client_support import API, envelope, error_envelope

ACCESS = "ACCESS.TOKEN.X"
USER_DATA: dict[str, Any] = {
    "username": "8c1e-sub",
    "attributes": {"email": "bob@example.com", "name": "Bob"},
    "enabled": True,
    "status": "FORCE_CHANGE_PASSWORD",
    "created": "2026-01-01T00:00:00+00:00",
    "modified": "2026-01-01T00:00:00+00:00",
}


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(API) as made:
        yield made


def request(mock: responses.RequestsMock) -> tuple[str, str, str | None, Any]:
    """Method, path and query, Authorization header, and decoded body of the last call."""
    sent = mock.calls[-1].request
    body = json.loads(sent.body) if sent.body else None
    return (
        sent.method or "",
        (sent.url or "").removeprefix(API),
        sent.headers.get("Authorization"),
        body,
    )


def test_totp_setup_returns_the_secret_uri_and_qr_code(
    mocked: responses.RequestsMock, client: Client
) -> None:
    data = {"secret": "JBSWY3DPEHPK3PXP", "uri": "otpauth://totp/x", "qr_svg": "<svg/>"}
    mocked.post(f"{API}/user/mfa/totp/setup", json=envelope(data))

    setup = client.totp_setup(ACCESS)

    assert setup == TotpSetup(secret="JBSWY3DPEHPK3PXP", uri="otpauth://totp/x", qr_svg="<svg/>")
    assert "JBSWY3DPEHPK3PXP" not in repr(setup)
    assert request(mocked) == ("POST", "/user/mfa/totp/setup", ACCESS, {})


def test_totp_verify_sends_the_code_and_device_name(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/user/mfa/totp/verify", json=envelope({"totp": "preferred"}))

    preference = client.totp_verify(ACCESS, "123456", device_name="phone")

    assert preference == MfaPreference(totp="preferred")
    assert request(mocked) == (
        "POST",
        "/user/mfa/totp/verify",
        ACCESS,
        {"code": "123456", "device_name": "phone"},
    )


def test_mfa_settings_is_a_get_with_the_access_token(
    mocked: responses.RequestsMock, client: Client
) -> None:
    data = {"enabled": ["SOFTWARE_TOKEN_MFA"], "preferred": None, "totp": "enabled"}
    mocked.get(f"{API}/user/mfa", json=envelope(data, None))

    settings = client.mfa_settings(ACCESS)

    assert settings == MfaSettings(totp="enabled", enabled=["SOFTWARE_TOKEN_MFA"], preferred=None)
    assert request(mocked) == ("GET", "/user/mfa", ACCESS, None)


def test_set_mfa_preference_sends_the_setting(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/user/mfa", json=envelope({"totp": "disabled"}))

    assert client.set_mfa_preference(ACCESS, "disabled") == MfaPreference(totp="disabled")
    assert request(mocked) == ("POST", "/user/mfa", ACCESS, {"totp": "disabled"})


def test_set_attributes_reports_a_new_email_waiting_for_its_code(
    mocked: responses.RequestsMock, client: Client
) -> None:
    pending = {"attribute": "email", "destination": "n***@e***.com", "delivery_medium": "EMAIL"}
    mocked.post(
        f"{API}/user/attributes",
        json=envelope({"updated": [], "pending_verification": [pending]}),
    )

    result = client.set_attributes(ACCESS, {"email": "new@example.com"})

    assert result == Updated(updated=[], pending_verification=[CodeDelivery(**pending)])
    assert request(mocked) == (
        "POST",
        "/user/attributes",
        ACCESS,
        {"attributes": {"email": "new@example.com"}},
    )


def test_verify_attribute_and_resend_send_the_attribute(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/user/attributes/verify", json=envelope(None, "email has been verified"))
    sent = "A verification code was sent"
    mocked.post(f"{API}/user/attributes/verify/resend", json=envelope(None, sent))

    assert client.verify_attribute(ACCESS, "email", "654321") == "email has been verified"
    assert request(mocked) == (
        "POST",
        "/user/attributes/verify",
        ACCESS,
        {"attribute": "email", "code": "654321"},
    )
    assert client.resend_verification(ACCESS, "email") == sent
    assert request(mocked) == (
        "POST",
        "/user/attributes/verify/resend",
        ACCESS,
        {"attribute": "email"},
    )


def test_delete_account_sends_the_password(mocked: responses.RequestsMock, client: Client) -> None:
    mocked.post(f"{API}/user/delete", json=envelope(None, "Your account has been deleted"))

    assert client.delete_account(ACCESS, "Passw0rd!") == "Your account has been deleted"
    assert request(mocked) == ("POST", "/user/delete", ACCESS, {"password": "Passw0rd!"})


def test_logout_with_a_refresh_token_ends_that_session_only(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/logout", json=envelope(None, "Signed out of this session"))

    assert client.logout(ACCESS, "refresh-1") == "Signed out of this session"
    assert request(mocked) == ("POST", "/logout", ACCESS, {"refresh_token": "refresh-1"})


def test_admin_list_users_sends_the_query_and_returns_a_typed_page(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.get(
        f"{API}/admin/users",
        json=envelope({"users": [USER_DATA], "pagination_token": "next-2"}),
    )

    page = client.admin_list_users(
        ACCESS, filter='email ^= "b&o"', limit=5, pagination_token="tok/1"
    )

    assert page == UserPage(users=[AdminUser(**USER_DATA)], pagination_token="next-2")
    method, path, authorization, body = request(mocked)
    assert (method, authorization, body) == ("GET", ACCESS, None)
    assert path == "/admin/users?filter=email+%5E%3D+%22b%26o%22&limit=5&pagination_token=tok%2F1"


def test_admin_list_users_without_options_sends_no_query(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.get(f"{API}/admin/users", json=envelope({"users": [], "pagination_token": None}))

    assert client.admin_list_users(ACCESS) == UserPage(users=[], pagination_token=None)
    assert request(mocked)[1] == "/admin/users"


def test_admin_invite_sends_the_email_and_attributes(
    mocked: responses.RequestsMock, client: Client
) -> None:
    mocked.post(f"{API}/admin/users", status=201, json=envelope(USER_DATA, "User invited"))

    user = client.admin_invite(ACCESS, "bob@example.com", attributes={"name": "Bob"})

    assert user == AdminUser(**USER_DATA)
    assert request(mocked) == (
        "POST",
        "/admin/users",
        ACCESS,
        {"username": "bob@example.com", "attributes": {"name": "Bob"}},
    )


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (
            lambda c: c.admin_disable(ACCESS, "a+b/c@example.com"),
            "POST",
            "/admin/users/a%2Bb%2Fc%40example.com/disable",
            {},
        ),
        (
            lambda c: c.admin_enable(ACCESS, "bob@example.com"),
            "POST",
            "/admin/users/bob%40example.com/enable",
            {},
        ),
        (
            lambda c: c.admin_delete(ACCESS, "a?b#c@example.com"),
            "DELETE",
            "/admin/users/a%3Fb%23c%40example.com",
            None,
        ),
        (
            lambda c: c.admin_add_to_group(ACCESS, "bob@example.com", "editors"),
            "POST",
            "/admin/users/bob%40example.com/groups",
            {"group": "editors"},
        ),
        (
            lambda c: c.admin_remove_from_group(ACCESS, "bob@example.com", "a/b c"),
            "DELETE",
            "/admin/users/bob%40example.com/groups/a%2Fb%20c",
            None,
        ),
        (
            lambda c: c.admin_sign_out(ACCESS, "bob@example.com"),
            "POST",
            "/admin/users/bob%40example.com/sign-out",
            {},
        ),
        (
            lambda c: c.admin_reset_password(ACCESS, "bob@example.com"),
            "POST",
            "/admin/users/bob%40example.com/reset-password",
            {},
        ),
    ],
)
def test_admin_user_actions_encode_the_path_and_return_the_message(
    mocked: responses.RequestsMock,
    client: Client,
    call: Callable[[Client], str],
    method: str,
    path: str,
    body: Any,
) -> None:
    mocked.add(method, f"{API}{path}", json=envelope(None, "Done"))

    assert call(client) == "Done"
    assert request(mocked) == (method, path, ACCESS, body)


@pytest.mark.parametrize(
    ("call", "method", "path", "status", "code", "error_type"),
    [
        (
            lambda c: c.totp_setup(ACCESS),
            "POST",
            "/user/mfa/totp/setup",
            409,
            "totp_already_set_up",
            Conflict,
        ),
        (
            lambda c: c.totp_verify(ACCESS, "00000"),
            "POST",
            "/user/mfa/totp/verify",
            400,
            "invalid_request",
            BadRequest,
        ),
        (
            lambda c: c.delete_account(ACCESS, "wrong"),
            "POST",
            "/user/delete",
            401,
            "wrong_password",
            InvalidCredentials,
        ),
        (
            lambda c: c.admin_list_users(ACCESS),
            "GET",
            "/admin/users",
            403,
            "forbidden",
            Forbidden,
        ),
        (
            lambda c: c.admin_delete(ACCESS, "ghost@example.com"),
            "DELETE",
            "/admin/users/ghost%40example.com",
            404,
            "user_not_found",
            NotFound,
        ),
    ],
)
def test_new_routes_map_refusals_to_typed_errors(
    mocked: responses.RequestsMock,
    client: Client,
    call: Callable[[Client], object],
    method: str,
    path: str,
    status: int,
    code: str,
    error_type: type[ApiError],
) -> None:
    mocked.add(
        method,
        f"{API}{path}",
        status=status,
        json=error_envelope("Refused here", code),
        headers={"X-Request-Id": "req-7"},
    )

    with pytest.raises(error_type) as raised:
        call(client)

    error = raised.value
    assert (error.message, error.status, error.code, error.request_id) == (
        "Refused here",
        status,
        code,
        "req-7",
    )

"""The browser page (web/) in the distribution's headless Chromium, served on its own
origin by the local stack, so that every call it makes is cross-origin."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

from devstack.process import free_port
from tests.challenge_support import TEMPORARY, invite
from tests.mfa_support import app_code
from tests.stack_support import new_user, post, reset_code, sign_in, sign_up_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = pytest.mark.e2e

PASSWORD = "Browser-Passw0rd"
# A code typed into the page is checked a few seconds after it is read from the app.
BROWSER_SECONDS = 8.0
CHROMIUM_MISSING = (
    "Chromium not found: install Debian's chromium package (apt-get install -y chromium)"
)
CHROMIUM_ARGS = [
    # CI runs as root, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing but the page under test on the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What Chromium logs for every 4xx answer a page receives.
REFUSED_401 = re.compile(r"^Failed to load resource: the server responded with a status of 401")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The distribution's Chromium: nothing here downloads a browser."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Browsed:
    """A page in a fresh browser context, with every console error it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        # Every call the page makes to the service, preflights left out.
        self.calls: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def _request(self, request: Request) -> None:
        if request.method == "POST":
            self.calls.append(request.url.rsplit("/", 1)[-1])

    def form(self, name: str) -> Locator:
        return self.page.get_by_role("form", name=name, exact=True)

    def profile_value(self, attribute: str) -> Locator:
        """The cell that shows `attribute` in the profile table."""
        rows = self.page.locator("#profile tbody tr")
        return rows.filter(
            has=self.page.get_by_role("rowheader", name=attribute, exact=True)
        ).get_by_role("cell")

    def log_in(self, username: str, password: str) -> None:
        login = self.form("Log in")
        login.get_by_label("Email", exact=True).fill(username)
        login.get_by_label("Password", exact=True).fill(password)
        # By keyboard, as a user without a mouse would.
        login.get_by_label("Password", exact=True).press("Enter")


@pytest.fixture
def browsed(browser: Browser) -> Iterator[Browsed]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Browsed(context.new_page())
    finally:
        context.close()


@pytest.fixture
def web_url(stack: dict[str, Any]) -> str:
    url: str = stack["web_url"]
    return url


def _answer_to(path: str) -> Callable[[Response], bool]:
    """Matches the service's answer to a POST on `path` (not its preflight)."""
    return lambda response: response.request.method == "POST" and response.url.endswith(path)


def _sent_to(path: str) -> Callable[[Request], bool]:
    """Matches the page's POST on `path` (not its preflight)."""
    return lambda request: request.method == "POST" and request.url.endswith(path)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _screenshot_path(tmp_path: Path) -> Path:
    """WEB_SCREENSHOT (`make screenshot`: docs/browser-page.md's picture), else a scratch file."""
    configured = os.environ.get("WEB_SCREENSHOT")
    path = Path(configured) if configured else tmp_path / "page.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_every_input_has_a_label_and_errors_have_an_alert(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    page = browsed.page
    page.goto(web_url)
    expect(page.get_by_label("Service URL", exact=True)).to_have_value(stack["api_url"])
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
            .filter((input) => input.labels.length === 0)
            .map((input) => input.outerHTML)"""
    )
    assert unlabelled == []
    expect(page.get_by_role("alert")).to_have_count(1)
    assert browsed.console_errors == []


def test_sign_up_to_log_out_in_the_browser(
    browsed: Browsed, web_url: str, stack: dict[str, Any], tmp_path: Path
) -> None:
    page, user = browsed.page, "browser@example.com"
    page.goto(web_url)

    signup = browsed.form("Sign up")
    signup.get_by_label("Email", exact=True).fill(user)
    signup.get_by_label("Name", exact=True).fill("Browser User")
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_label("Password", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Please confirm your signup")

    confirm = browsed.form("Confirm your account")
    expect(confirm.get_by_label("Email", exact=True)).to_have_value(user)
    confirm.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_role("status")).to_contain_text("a new code has been sent")
    confirm.get_by_label("Code from the email", exact=True).fill(
        sign_up_code(Path(stack["log_file"]), user)
    )
    confirm.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Your account has been confirmed")

    expect(browsed.form("Log in").get_by_label("Email", exact=True)).to_have_value(user)
    with page.expect_response(_answer_to("/login")) as login:
        browsed.log_in(user, PASSWORD)
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(browsed.profile_value("email")).to_have_text(user)
    expect(browsed.profile_value("name")).to_have_text("Browser User")
    page.screenshot(path=_screenshot_path(tmp_path), full_page=True)
    # Tokens are kept in memory only.
    stored = page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""]

    rename = browsed.form("Edit your name")
    rename.get_by_label("Name", exact=True).fill("Renamed User")
    rename.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("status")).to_contain_text("Attributes updated")
    # The profile shows the id token's claims: the old name until it is renewed.
    expect(browsed.profile_value("name")).to_have_text("Browser User")

    with page.expect_response(_answer_to("/user/renew_refresh_token")) as first:
        page.get_by_role("button", name="Renew now").click()
    expect(page.get_by_role("status")).to_have_text("Tokens renewed.")
    expect(browsed.profile_value("name")).to_have_text("Renamed User")
    # Rotation: the next renewal sends the refresh token the last one answered.
    with page.expect_request(_sent_to("/user/renew_refresh_token")) as second:
        page.get_by_role("button", name="Renew now").click()
    expect(page.get_by_role("status")).to_have_text("Tokens renewed.")
    rotated = first.value.json()["data"]["refresh_token"]
    assert rotated != login.value.json()["data"]["refresh_token"]
    assert json.loads(second.value.post_data or "")["refresh_token"] == rotated

    page.get_by_role("button", name="Log out everywhere").click()
    expect(page.get_by_role("status")).to_have_text("Signed out everywhere")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="Your profile")).to_be_hidden()
    # Nothing of this user is left for whoever logs in next.
    expect(page.locator("#profile tbody tr")).to_have_count(0)
    expect(page.locator("#name-value")).to_have_value("")
    # Signed out everywhere: the refresh token the page had is revoked.
    renewal = {"username": user, "refresh_token": login.value.json()["data"]["refresh_token"]}
    assert post(stack, "/user/renew_refresh_token", renewal)[0] == 401

    assert page.get_by_role("alert").text_content() == ""
    assert browsed.console_errors == []


def _see_profile_after_challenge(browsed: Browsed, field: str, answer: str, user: str) -> None:
    challenge = browsed.form("Finish logging in")
    expect(challenge.get_by_label(field, exact=True)).to_be_focused()
    challenge.get_by_label(field, exact=True).fill(answer)
    challenge.get_by_label(field, exact=True).press("Enter")
    expect(browsed.profile_value("email")).to_have_text(user)
    assert browsed.console_errors == []


def test_a_new_password_challenge_is_answered_in_the_page(
    browsed: Browsed,
    web_url: str,
    stack: dict[str, Any],
    stack_cognito: CognitoIdentityProviderClient,
) -> None:
    user = "browser-invited@example.com"
    invite(stack_cognito, stack["user_pool_id"], user, TEMPORARY)
    browsed.page.goto(web_url)
    browsed.log_in(user, TEMPORARY)
    expect(browsed.page.get_by_text("Choose a new password to finish logging in.")).to_be_visible()
    _see_profile_after_challenge(browsed, "New password", "Chosen-Passw0rd", user)
    assert browsed.calls == ["login", "challenge", "test-user"]


def test_an_authenticator_code_challenge_is_answered_in_the_page(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    user = "browser-totp@example.com"
    new_user(stack, user, PASSWORD, "Totp User")
    # Only users who set up an authenticator app are asked for its code.
    access = sign_in(stack, user, PASSWORD)["access_token"]
    secret = post(stack, "/user/mfa/totp/setup", token=access)[1]["data"]["secret"]
    assert post(stack, "/user/mfa/totp/verify", {"code": app_code(secret)}, access)[0] == 200
    browsed.page.goto(web_url)
    browsed.log_in(user, PASSWORD)
    expect(browsed.page.get_by_text("Enter the code from your authenticator app.")).to_be_visible()
    # The stand-in checks the code, as Cognito does: the app's current one.
    _see_profile_after_challenge(browsed, "Code", app_code(secret, margin=BROWSER_SECONDS), user)


def test_forgotten_password_reset_then_changed_in_the_page(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    user, reset, changed = "browser-reset@example.com", "Reset-Passw0rd", "Changed-Passw0rd"
    new_user(stack, user, PASSWORD, "Reset User")
    page = browsed.page
    page.goto(web_url)

    forgot = browsed.form("Forgot your password?")
    forgot.get_by_label("Email", exact=True).fill(user)
    forgot.get_by_label("Email", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "Please check your Registered email id for validation code"
    )
    form = browsed.form("Reset your password")
    expect(form.get_by_label("Email", exact=True)).to_have_value(user)
    expect(form.get_by_label("Reset code", exact=True)).to_be_focused()
    form.get_by_label("Reset code", exact=True).fill(reset_code(Path(stack["log_file"]), user))
    form.get_by_label("New password", exact=True).fill(reset)
    form.get_by_label("New password", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Password has been changed successfully")

    browsed.log_in(user, reset)
    expect(browsed.profile_value("email")).to_have_text(user)
    change = browsed.form("Change your password")
    change.get_by_label("Current password", exact=True).fill(reset)
    change.get_by_label("New password", exact=True).fill(changed)
    change.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text("Password has been changed successfully")

    assert post(stack, "/login", {"username": user, "password": changed})[0] == 200
    assert browsed.console_errors == []


def _refuse_token(browsed: Browsed, path: str, times: int) -> None:
    """The first `times` calls to `path` reach the service with a token it refuses, as
    an expired one would be."""
    refused = 0

    def handle(route: Route) -> None:
        nonlocal refused
        if route.request.method != "POST" or refused >= times:
            route.continue_()
            return
        refused += 1
        route.continue_(headers={**route.request.headers, "authorization": "not-a-token"})

    browsed.page.route(re.compile(re.escape(path) + "$"), handle)


def _log_in_with_profile_reads_refused(
    browsed: Browsed, web_url: str, stack: dict[str, Any], user: str, name: str, times: int
) -> None:
    """A new user logs in on the page, the first `times` profile reads it makes sent
    on with a token the service refuses."""
    new_user(stack, user, PASSWORD, name)
    _refuse_token(browsed, "/user/test-user", times=times)
    browsed.page.goto(web_url)
    browsed.log_in(user, PASSWORD)


def test_a_refused_token_is_renewed_and_the_call_made_again(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    user = "browser-retry@example.com"
    _log_in_with_profile_reads_refused(browsed, web_url, stack, user, "Retry User", times=1)

    expect(browsed.profile_value("name")).to_have_text("Retry User")
    assert browsed.calls == ["login", "test-user", "renew_refresh_token", "test-user"]
    assert browsed.page.get_by_role("alert").text_content() == ""
    assert len(browsed.console_errors) == 1
    assert REFUSED_401.match(browsed.console_errors[0])


def test_a_token_refused_after_renewal_is_not_renewed_again(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    user = "browser-refused@example.com"
    _log_in_with_profile_reads_refused(browsed, web_url, stack, user, "Refused User", times=2)

    expect(browsed.page.get_by_role("alert")).to_contain_text("Unauthorized")
    assert browsed.calls == ["login", "test-user", "renew_refresh_token", "test-user"]
    assert len(browsed.console_errors) == 2
    assert all(REFUSED_401.match(error) for error in browsed.console_errors)


def test_tokens_are_renewed_before_they_expire(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    user = "browser-timer@example.com"
    new_user(stack, user, PASSWORD, "Timer User")
    page = browsed.page
    page.clock.install()
    page.goto(web_url)
    browsed.log_in(user, PASSWORD)
    expect(browsed.profile_value("name")).to_have_text("Timer User")
    assert browsed.calls == ["login", "test-user"]

    # Time stands still for the page from here on, but for the jump below.
    page.clock.pause_at(time.time() + 1)
    # The stand-in's tokens live an hour: half a minute before that, the page has
    # renewed them and read the profile with the new id token. Only the page's clock
    # moves: to the service the tokens are still valid.
    with (
        page.expect_response(_answer_to("/user/test-user")) as profile,
        page.expect_response(_answer_to("/user/renew_refresh_token")) as renewal,
    ):
        page.clock.fast_forward("59:30")
    assert renewal.value.status == 200
    assert profile.value.status == 200
    assert browsed.calls == ["login", "test-user", "renew_refresh_token", "test-user"]
    assert browsed.console_errors == []


def test_an_error_shows_the_service_message_and_the_request_id(
    browsed: Browsed, web_url: str, stack: dict[str, Any]
) -> None:
    browsed.page.goto(web_url)
    browsed.log_in(stack["demo_username"], "Wrong-Passw0rd")
    alert = browsed.page.get_by_role("alert")
    expect(alert).to_contain_text("The username or password is incorrect")
    expect(alert).to_contain_text(re.compile(r"Request id: \S+"))
    assert len(browsed.console_errors) == 1
    assert REFUSED_401.match(browsed.console_errors[0])


def test_an_unreachable_service_is_named(browsed: Browsed, web_url: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    browsed.page.goto(f"{web_url}?api={closed}")
    expect(browsed.page.get_by_label("Service URL", exact=True)).to_have_value(closed)
    browsed.log_in("demo@example.com", PASSWORD)
    expect(browsed.page.get_by_role("alert")).to_have_text(
        f"The service at {closed} cannot be reached. Check that it is running and that it "
        f"allows this page's origin ({_origin(web_url)})."
    )
    assert browsed.console_errors
    assert all("ERR_CONNECTION_REFUSED" in error for error in browsed.console_errors)

"""The session keeps its tokens valid: renewal near expiry (once, whatever the
number of threads), after a gateway 401, and never after the service's own 401s.
A mocked transport (responses) and a fake clock: nothing waits."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from cognito_auth_client import (
    Client,
    InvalidCredentials,
    Session,
    SessionState,
    Tokens,
    Unauthorized,
)
from tests.client_support import API, envelope, error_envelope, tokens

NOW = 1_900_000_000.0
EXPIRES = NOW + 3600
RENEW = f"{API}/user/renew_refresh_token"
PROFILE = f"{API}/user/test-user"
THREADS = 8
# How long a test thread waits for the others before the test fails (never reached
# when the code is right).
PATIENCE = 10.0

Answer = tuple[int, dict[str, str], str]


class FakeClock:
    """time.time as the test says; counts how often it is read."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.reads = 0
        self.read = threading.Condition()

    def __call__(self) -> float:
        with self.read:
            self.reads += 1
            self.read.notify_all()
        return self.now


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def renewals() -> list[SessionState]:
    return []


@pytest.fixture
def session(clock: FakeClock, renewals: list[SessionState]) -> Iterator[Session]:
    first = Tokens(**tokens(EXPIRES, serial=1))
    with Client(API) as client:
        yield Session.from_login(
            client, "alice@example.com", first, clock=clock, on_renew=renewals.append
        )


def answer(status: int, body: Any) -> Answer:
    return status, {"X-Request-Id": "req-1"}, json.dumps(body)


def renewal(expires: float = EXPIRES + 3600, serial: int = 2) -> Answer:
    return answer(200, envelope(tokens(expires, refresh=None, serial=serial)))


def profile_for(accepted: Callable[[str], bool]) -> Callable[[PreparedRequest], Answer]:
    """The profile route: 200 for a token `accepted` likes, the gateway's 401 otherwise."""

    def respond(request: PreparedRequest) -> Answer:
        if accepted(str(request.headers.get("Authorization"))):
            return answer(200, envelope([{"Name": "email", "Value": "alice@example.com"}], None))
        return answer(401, {"message": "The incoming token has expired"})

    return respond


def test_fresh_tokens_are_used_without_renewal(
    mocked: responses.RequestsMock, session: Session, renewals: list[SessionState]
) -> None:
    first_token = session.state.id_token
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda _: True))

    session.attributes()

    assert renewals == []
    assert mocked.calls[0].request.headers["Authorization"] == first_token


def test_tokens_within_the_margin_are_renewed_before_the_call(
    mocked: responses.RequestsMock,
    session: Session,
    clock: FakeClock,
    renewals: list[SessionState],
) -> None:
    old = session.state
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda t: t != old.id_token))
    clock.now = EXPIRES - session.margin + 1

    session.attributes()

    assert [call.request.url for call in mocked.calls] == [RENEW, PROFILE]
    assert json.loads(mocked.calls[0].request.body or b"") == {
        "username": "alice@example.com",
        "refresh_token": "refresh-1",
    }
    (renewed,) = renewals
    assert renewed.id_token != old.id_token
    assert renewed.access_token != old.access_token
    assert renewed.refresh_token == old.refresh_token
    assert session.expires_at == EXPIRES + 3600


def test_a_rotated_refresh_token_replaces_the_old_one_for_the_next_renewal(
    mocked: responses.RequestsMock,
    session: Session,
    clock: FakeClock,
    renewals: list[SessionState],
) -> None:
    """With rotation the service answers a new refresh token at each renewal: the
    session sends the newest one next (the old one stops working after the grace
    period), and hands it to on_renew so a stored session keeps it."""
    rotations = iter(["refresh-2", "refresh-3"])
    mocked.add_callback(
        "POST",
        RENEW,
        callback=lambda _: answer(
            200, envelope(tokens(clock.now + 3600, refresh=next(rotations), serial=2))
        ),
    )
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda _: True))

    clock.now = EXPIRES - session.margin + 1
    session.attributes()
    clock.now += 3600
    session.attributes()

    sent = [
        json.loads(call.request.body or b"")["refresh_token"]
        for call in mocked.calls
        if call.request.url == RENEW
    ]
    assert sent == ["refresh-1", "refresh-2"]
    assert [state.refresh_token for state in renewals] == ["refresh-2", "refresh-3"]
    assert session.state.refresh_token == "refresh-3"


def test_the_margin_is_configurable(
    mocked: responses.RequestsMock, clock: FakeClock, renewals: list[SessionState]
) -> None:
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda _: True))
    clock.now = EXPIRES - 300
    with Client(API) as client:
        first = Tokens(**tokens(EXPIRES))
        relaxed = Session.from_login(client, "alice@example.com", first, clock=clock)
        strict = Session.from_login(
            client, "alice@example.com", first, margin=600, clock=clock, on_renew=renewals.append
        )

        relaxed.attributes()
        assert renewals == []
        strict.attributes()
        assert len(renewals) == 1


def test_many_threads_near_expiry_renew_once(
    mocked: responses.RequestsMock,
    session: Session,
    clock: FakeClock,
    renewals: list[SessionState],
) -> None:
    old_token = session.state.id_token

    def renew_once_all_threads_have_looked(request: PreparedRequest) -> Answer:
        # Every thread has read the clock and found renewal due before this answers
        # (each one read once; the renewing one a second time, under the lock).
        with clock.read:
            assert clock.read.wait_for(lambda: clock.reads >= THREADS + 1, PATIENCE)
        return renewal()

    mocked.add_callback("POST", RENEW, callback=renew_once_all_threads_have_looked)
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda t: t != old_token))
    clock.now = EXPIRES - 1
    failures: list[BaseException] = []

    def call() -> None:
        try:
            session.attributes()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)

    assert failures == []
    assert len(renewals) == 1
    assert [call.request.url for call in mocked.calls].count(RENEW) == 1
    sent = [call.request.headers["Authorization"] for call in mocked.calls[1:]]
    assert sent == [renewals[0].id_token] * THREADS


def test_a_gateway_401_renews_once_and_retries_once(
    mocked: responses.RequestsMock, session: Session, renewals: list[SessionState]
) -> None:
    old_token = session.state.id_token
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda t: t != old_token))

    attributes = session.attributes()

    assert attributes[0].value == "alice@example.com"
    assert [call.request.url for call in mocked.calls] == [PROFILE, RENEW, PROFILE]
    assert len(renewals) == 1


def test_a_second_gateway_401_is_raised_not_retried_again(
    mocked: responses.RequestsMock, session: Session, renewals: list[SessionState]
) -> None:
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda _: False))

    with pytest.raises(Unauthorized, match="The incoming token has expired"):
        session.attributes()

    assert [call.request.url for call in mocked.calls] == [PROFILE, RENEW, PROFILE]


def test_threads_refused_with_the_same_token_renew_once(
    mocked: responses.RequestsMock, session: Session, renewals: list[SessionState]
) -> None:
    old_token = session.state.id_token
    refused = threading.Semaphore(0)

    def renew_once_every_thread_was_refused(request: PreparedRequest) -> Answer:
        for _ in range(THREADS):
            assert refused.acquire(timeout=PATIENCE)
        return renewal()

    def profile(request: PreparedRequest) -> Answer:
        answered = profile_for(lambda t: t != old_token)(request)
        if answered[0] == 401:
            refused.release()
        return answered

    mocked.add_callback("POST", RENEW, callback=renew_once_every_thread_was_refused)
    mocked.add_callback("POST", PROFILE, callback=profile)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            session.attributes()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)

    assert failures == []
    assert len(renewals) == 1


def test_the_services_own_401_is_not_retried(
    mocked: responses.RequestsMock, session: Session, renewals: list[SessionState]
) -> None:
    wrong = "The previous password is incorrect or the session has ended"
    mocked.post(
        f"{API}/user/change-password",
        status=401,
        json=error_envelope(wrong, "wrong_previous_password"),
    )

    with pytest.raises(InvalidCredentials, match="previous password"):
        session.change_password("Wrong-Passw0rd", "New-Passw0rd")

    assert (len(mocked.calls), renewals) == (1, [])


def test_a_refused_renewal_raises_invalid_credentials(
    mocked: responses.RequestsMock, session: Session, clock: FakeClock
) -> None:
    revoked = "Invalid refresh token or username is incorrect or Refresh Token has been revoked"
    mocked.post(RENEW, status=401, json=error_envelope(revoked, "invalid_refresh_token"))
    clock.now = EXPIRES

    with pytest.raises(InvalidCredentials, match="Refresh Token has been revoked"):
        session.attributes()


def test_access_token_routes_send_the_access_token(
    mocked: responses.RequestsMock, session: Session
) -> None:
    mocked.post(
        f"{API}/user/attributes", json=envelope({"updated": ["name"]}, "Attributes updated")
    )
    mocked.post(f"{API}/logout", json=envelope(None, "Signed out everywhere"))

    assert session.update_attributes({"name": "Al"}) == ["name"]
    assert session.logout() == "Signed out everywhere"

    assert {call.request.headers["Authorization"] for call in mocked.calls} == {
        session.state.access_token
    }


def test_tokens_without_a_readable_expiry_are_renewed_only_on_a_401(
    mocked: responses.RequestsMock, clock: FakeClock, renewals: list[SessionState]
) -> None:
    state = SessionState(API, "alice@example.com", "not-a-jwt", "not-a-jwt-either", "refresh-1")
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.add_callback("POST", PROFILE, callback=profile_for(lambda t: t != "not-a-jwt"))
    with Client(API) as client:
        session = Session(client, state, clock=clock, on_renew=renewals.append)
        assert session.expires_at is None

        session.attributes()

    assert [call.request.url for call in mocked.calls] == [PROFILE, RENEW, PROFILE]


def test_passkey_calls_send_the_access_token_renewed_first_when_due(
    mocked: responses.RequestsMock, session: Session, clock: FakeClock
) -> None:
    mocked.add_callback("POST", RENEW, callback=lambda _: renewal())
    mocked.get(f"{API}/user/passkeys", json=envelope({"passkeys": [], "next_token": None}))
    mocked.delete(f"{API}/user/passkeys/Y3JlZC0x", json=envelope(None, "Passkey deleted"))
    clock.now = EXPIRES

    assert session.passkeys(limit=3).passkeys == []
    assert session.delete_passkey("Y3JlZC0x") == "Passkey deleted"

    assert [call.request.url for call in mocked.calls] == [
        RENEW,
        f"{API}/user/passkeys?limit=3",
        f"{API}/user/passkeys/Y3JlZC0x",
    ]
    assert {call.request.headers["Authorization"] for call in mocked.calls[1:]} == {
        session.state.access_token
    }

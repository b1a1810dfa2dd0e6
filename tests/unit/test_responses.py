"""Every answer goes through the envelope with its request id, whatever fails and
wherever: in a view, in the token middleware, or in the configuration."""

from __future__ import annotations

import decimal
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.app import Response, handle_extra_types
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import logs, responses
from chalicelib.cognito_gateway import create_client
from chalicelib.services import services
from chalicelib.settings import Settings
from devstack.harness import Http, pool_environment, served
from devstack.pool import Pool
from devstack.process import free_port
from tests.conftest import ALICE, INTERNAL_ERROR, PASSWORD, UNAVAILABLE, Clock

LOGIN = {"username": ALICE, "password": PASSWORD}


@pytest.fixture
def unconfigured() -> Iterator[Http]:
    """The app with nothing configured: no COGNITO_* variable in the environment."""
    services.reset()
    with served() as http:
        yield http
    services.reset()


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/login", {}), ("/user/test-user", {"Authorization": "a.b.c"})],
    ids=["in a view", "in the token middleware"],
)
def test_a_missing_setting_answers_503_in_the_envelope_and_the_log_names_it(
    unconfigured: Http,
    caplog: pytest.LogCaptureFixture,
    path: str,
    headers: dict[str, str],
) -> None:
    with caplog.at_level(logging.WARNING):
        response = unconfigured.raw_post(path, LOGIN, headers)

    assert response.status_code == 503
    assert response.json_body == UNAVAILABLE
    assert response.headers["X-Request-Id"]
    assert response.headers["Retry-After"] == "5"
    assert "COGNITO_USER_POOL_ID" in caplog.text
    assert "COGNITO_USER_POOL_ID" not in response.body.decode()


def test_an_unexpected_error_in_the_token_middleware_answers_the_envelope(
    api: Http, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def verify(self, *_: Any) -> Any:
            raise RuntimeError("key store password is hunter2")

    services.override(verifier=Broken())  # type: ignore[arg-type]

    with caplog.at_level(logging.ERROR):
        response = api.raw_post("/user/test-user", {}, {"Authorization": "a.b.c"})

    assert response.status_code == 500
    assert response.json_body == INTERNAL_ERROR
    assert response.headers["X-Request-Id"]
    assert b"hunter2" not in response.body
    assert "hunter2" in caplog.text


def test_an_outage_is_logged_once_per_interval_not_once_per_request(
    api: Http, pool: Pool, caplog: pytest.LogCaptureFixture
) -> None:
    down = Settings.from_env(
        {
            **pool_environment(pool),
            "COGNITO_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
            "COGNITO_CONNECT_TIMEOUT": "0.2",
            "COGNITO_MAX_ATTEMPTS": "1",
        }
    )
    services.override(cognito_client=create_client(down))

    with caplog.at_level(logging.WARNING):
        answers = [api.raw_post("/login", LOGIN) for _ in range(20)]

    assert {(a.status_code, a.headers["Retry-After"]) for a in answers} == {(503, "5")}
    outage_lines = [r for r in caplog.records if "answering 503" in r.getMessage()]
    assert len(outage_lines) == 1


def test_repeated_warnings_say_how_many_were_held_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    repeats = logs.Repeats(logging.getLogger("test.repeats"), interval=10.0, clock=clock)

    with caplog.at_level(logging.WARNING, logger="test.repeats"):
        for _ in range(5):
            repeats.warning("Cognito is down")
        repeats.warning("the key set is down")
        clock.advance(10.0)
        repeats.warning("Cognito is down")

    assert [r.getMessage() for r in caplog.records] == [
        "Cognito is down",
        "the key set is down",
        "Cognito is down (and 4 more times in the 10 s before)",
    ]


def _chalice_text(body: Any) -> str:
    """What Chalice sends for a body it is handed unencoded."""
    text: str = Response(body=body).to_dict()["body"]
    return text


@pytest.mark.parametrize("code", range(128))
def test_the_fast_encoding_writes_every_ascii_character_as_chalice_does(code: int) -> None:
    body = {chr(code): [chr(code), f"a{chr(code)}b"]}

    text = responses._json_text(body)

    assert text is None or text == _chalice_text(body)
    assert text is not None or code == 0x7F


_JSON_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_JSON_LIKE)
def test_the_fast_encoding_is_chalices_text_or_nothing(data: Any) -> None:
    body = {"data": data}  # Chalice sends a str body as it is: success's is a dict

    text = responses._json_text(body)

    if text is not None:
        assert text == _chalice_text(body)


def test_success_answers_the_text_chalice_would_make() -> None:
    data = {"id_token": "eyJ.a-b_c.d", "expires_in": 3600, "token_type": "Bearer"}

    fast = responses.success(data).to_dict()
    slow = Response(body=responses.envelope("success", error=False, data=data)).to_dict()

    assert (
        fast["body"]
        == slow["body"]
        == json.dumps(
            {"message": "success", "error": False, "success": True, "data": data},
            separators=(",", ":"),
            default=handle_extra_types,
        )
    )
    assert isinstance(responses.success(data).body, str)
    for chalice_only in ({"name": "Zoë"}, {"price": decimal.Decimal("1.5")}, {"ratio": 0.1}):
        assert isinstance(responses.success(chalice_only).body, dict)

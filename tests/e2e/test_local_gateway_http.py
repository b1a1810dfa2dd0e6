"""End to end: what `chalice local` answers itself, over a raw socket, as API Gateway
and the template's AWS WAF answer it: a body it cannot read safely, and a client
that keeps guessing on the credential routes (chalicelib.local_gateway)."""

from __future__ import annotations

import http.client
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.stack_support import chalice_local_beside, new_user

pytestmark = pytest.mark.e2e

# How long an answer may take; an unanswered request fails the test here.
ANSWERED_WITHIN = 10.0
# Three announcements of 2 GB each once added 6 GB to the process. A connection's
# thread may still take a stack (8 MB) and a malloc arena (64 MB reserved).
GROWTH_BOUND_KB = 512 * 1024
BLOCKED = (
    b'{"message":"Too many requests from this address: retry after the number of seconds'
    b' in Retry-After","error":true,"success":false,"data":null,"code":"rate_limited"}'
)


class Raw:
    """Everything the server sends on one connection, until it closes it: the first
    answer, and whatever came after it (nothing, unless more was taken for a request)."""

    def __init__(self, api_url: str, request: bytes) -> None:
        address = urlsplit(api_url)
        received = b""
        with socket.create_connection(
            (address.hostname, address.port), timeout=ANSWERED_WITHIN
        ) as sock:
            sock.sendall(request)
            # A server that never answers, or keeps the connection, times out here.
            while chunk := sock.recv(65536):
                received += chunk
        assert received, "the server closed the connection without an answer"
        head, _, rest = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines)
        }
        length = int(self.headers["content-length"])
        self.body, self.after = rest[:length], rest[length:]


def _post(stack: dict[str, Any], path: str, *headers: str, body: bytes = b"") -> Raw:
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Origin: {stack['web_url']}", *headers]
    return Raw(stack["api_url"], "\r\n".join(head).encode() + b"\r\n\r\n" + body)


def _vm_kb(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status)
    return {name: int(fields[name].split()[0]) for name in ("VmSize", "VmRSS")}


def _refused(message: str) -> dict[str, Any]:
    return {
        "message": message,
        "error": True,
        "success": False,
        "data": None,
        "code": "request_refused",
    }


@pytest.fixture
def log_gained(stack: dict[str, Any]) -> Callable[[], str]:
    """What the stack's log has gained since the test began, when called."""
    log = Path(stack["log_file"])
    start = log.stat().st_size

    def gained() -> str:
        with log.open("rb") as file:
            file.seek(start)
            return file.read().decode(errors="replace")

    return gained


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        (["Content-Length: abc"], 400, "Content-Length is not a number of bytes"),
        (["Content-Length: -1"], 400, "Content-Length is not a number of bytes"),
        (["Content-Length: +2"], 400, "Content-Length is not a number of bytes"),
        (
            ["Content-Length: 2", "Content-Length: 3"],
            400,
            "Content-Length is not a number of bytes",
        ),
        (["Content-Length: 1000000000000"], 413, "Request Too Long"),
        (["Content-Length: 2000000000"], 413, "Request Too Long"),
        (["Content-Length: 10485761"], 413, "Request Too Long"),
    ],
    ids=["letters", "negative", "signed", "two-lengths", "a-terabyte", "2-GB", "10-MB-and-1"],
)
def test_a_content_length_it_cannot_honour_is_refused_before_the_body_is_read(
    stack: dict[str, Any], headers: list[str], status: int, message: str
) -> None:
    answer = _post(stack, "/login", "Content-Type: application/json", *headers)

    assert answer.status == status
    assert json.loads(answer.body) == _refused(message)
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["access-control-allow-origin"] == stack["web_url"]
    assert answer.headers["connection"] == "close"
    assert answer.after == b""


def test_a_chunked_body_is_refused_not_read_as_the_next_request(stack: dict[str, Any]) -> None:
    """API Gateway documents no answer to a chunked request body: 411 tells the client
    what to send instead. The chunk must never be taken for a request of its own."""
    chunk = b'2a\r\n{"username":"a@example.com","password":"x"}\r\n0\r\n\r\n'
    smuggled = b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    answer = _post(
        stack,
        "/login",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        body=chunk + smuggled,
    )

    assert answer.status == 411
    assert json.loads(answer.body) == _refused(
        "Send the body with a Content-Length, not a Transfer-Encoding"
    )
    assert answer.headers["access-control-allow-origin"] == stack["web_url"]
    assert answer.headers["connection"] == "close"
    assert answer.after == b""  # nothing after the head was answered as a request


def test_refused_bodies_leave_no_traceback_no_memory_held_and_the_server_serving(
    stack: dict[str, Any], log_gained: Callable[[], str]
) -> None:
    before = _vm_kb(stack["chalice_pid"])

    statuses = [
        _post(stack, "/login", "Content-Length: 2000000000").status,
        _post(stack, "/login", "Content-Length: 2000000000").status,
        _post(stack, "/login", "Content-Length: 2000000000").status,
        _post(stack, "/login", "Content-Length: abc").status,
        _post(stack, "/login", "Content-Length: 1000000000000").status,
        _post(stack, "/login", "Transfer-Encoding: chunked").status,
    ]
    after = _vm_kb(stack["chalice_pid"])
    next_request = requests.get(stack["api_url"] + "/openapi.json", timeout=ANSWERED_WITHIN)

    assert statuses == [413, 413, 413, 400, 413, 411]
    assert after["VmSize"] - before["VmSize"] < GROWTH_BOUND_KB, (before, after)
    assert after["VmRSS"] - before["VmRSS"] < GROWTH_BOUND_KB, (before, after)
    assert next_request.status_code == 200
    assert "Traceback" not in log_gained()


def test_a_body_within_the_limit_is_still_read_and_the_connection_kept(
    stack: dict[str, Any],
) -> None:
    body = json.dumps({"username": "nobody@example.com", "password": "x"}).encode()
    address = urlsplit(stack["api_url"])
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        statuses = []
        for _ in range(2):
            connection.request("POST", "/login", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()

    assert statuses == [401, 401]


@pytest.fixture(scope="module")
def limited(stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A `chalice local` with the rate rules `make run` has (the session's stack lifts
    them), against the same stand-in: the stack's description with its API URL."""
    with chalice_local_beside(stack, {"LOCAL_RATE_LIMITS": "on"}) as api_url:
        yield {**stack, "api_url": api_url}


def _login(stack: dict[str, Any], username: str) -> requests.Response:
    return requests.post(
        stack["api_url"] + "/login",
        json={"username": username, "password": "Wrong-Guess-1"},
        headers={"Origin": stack["web_url"]},
        timeout=30,
    )


def test_a_guessing_client_gets_wafs_429_whether_or_not_the_account_exists(
    stack: dict[str, Any], limited: dict[str, Any]
) -> None:
    """60 sign-ins per address per 300 s, as the template's WAF rule: half of them
    on an account, half on a name no account has; then both are refused alike."""
    existing = f"guessed-{uuid.uuid4().hex[:8]}@example.com"
    new_user(stack, existing, "Right-Passw0rd!")
    missing = f"nobody-{uuid.uuid4().hex[:8]}@example.com"

    guesses = [_login(limited, name).status_code for name in [existing, missing] * 30]
    refused = [_login(limited, existing), _login(limited, missing)]
    preflight = requests.options(
        limited["api_url"] + "/login",
        headers={"Origin": stack["web_url"], "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    document = requests.get(limited["api_url"] + "/openapi.json", timeout=30)

    assert guesses == [401] * 60
    for answer in refused:
        assert answer.status_code == 429
        assert answer.content == BLOCKED
        assert answer.headers["Retry-After"] == "300"
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Access-Control-Allow-Origin"] == stack["web_url"]
        assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"].split(",")
    # Neither a preflight nor a GET counts, or is refused.
    assert preflight.status_code == 204
    assert document.status_code == 200

"""What the client's tests share: answers shaped as the service gives them, tokens
with a chosen expiry, a loopback HTTP server that answers from a script, and
commands run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt

API = "http://api.test"
# Any key will do: the client reads these tokens, it never verifies them.
SIGNING_KEY = "client-tests-key-of-at-least-32-bytes"
CLI_TIMEOUT = 60


def envelope(data: Any = None, message: str | None = "success") -> dict[str, Any]:
    return {"message": message, "error": False, "success": True, "data": data}


def error_envelope(message: str, code: str) -> dict[str, Any]:
    """An error answer of the service: the client reads its `code`; the message is for people."""
    return {"message": message, "error": True, "success": False, "data": None, "code": code}


def token(exp: float, token_use: str = "id", **claims: Any) -> str:
    return jwt.encode(
        {"exp": int(exp), "token_use": token_use, **claims}, SIGNING_KEY, algorithm="HS256"
    )


def tokens(exp: float, refresh: str | None = "refresh-1", serial: int = 1) -> dict[str, Any]:
    """A /login (or, without refresh token, a renewal) `data` whose tokens expire at `exp`."""
    data: dict[str, Any] = {
        "id_token": token(exp, "id", serial=serial),
        "access_token": token(exp, "access", serial=serial),
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    if refresh is not None:
        data["refresh_token"] = refresh
    return data


class Answer:
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


class ScriptedServer:
    """Answers each request with the next scripted answer (the last one repeats);
    `hang` makes it never answer. Records what it was sent."""

    def __init__(self, *answers: Answer, hang: bool = False) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.released = threading.Event()
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                script.requests.append((self.path, dict(self.headers), body))
                if hang:
                    script.released.wait()
                    return
                answer = script.answers.pop(0) if len(script.answers) > 1 else script.answers[0]
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def scripted(*answers: Answer, hang: bool = False) -> Iterator[ScriptedServer]:
    server = ScriptedServer(*answers, hang=hang)
    thread = threading.Thread(target=server.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server.server.shutdown()
        server.server.server_close()
        thread.join()


class Shell:
    """Commands run as a user runs them: in `cwd`, with `env` alone, standard input
    given, output captured."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env

    def argv(self, args: tuple[str, ...]) -> list[str]:
        """The command line that runs `args`: as they are, unless a shell says otherwise."""
        return list(args)

    def run(
        self, *args: str, stdin: str = "", timeout: float = CLI_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(args),
            cwd=self.cwd,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str, stdin: str = "", timeout: float = CLI_TIMEOUT) -> str:
        """The standard output of a command that must succeed."""
        done = self.run(*args, stdin=stdin, timeout=timeout)
        assert done.returncode == 0, done.stderr
        return done.stdout

"""`make run`: the service on 127.0.0.1, in front of an embedded Cognito stand-in.

Starts moto's server, creates the pool, its app client, the admin group and a demo
user, then serves the API with `chalice local --stage local` until Ctrl-C or
SIGTERM, and stops everything it started. With COGNITO_USER_POOL_ID,
COGNITO_CLIENT_ID and COGNITO_CLIENT_SECRET set, it uses that pool instead.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from devstack.environment import FAKE_CREDENTIALS, REGION, ROOT
from devstack.pool import DEMO_PASSWORD, DEMO_USERNAME, create_confirmed_user, create_pool


class Stop(Exception):
    """SIGTERM, handled like Ctrl-C."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Stop


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"chalice local exited with status {process.returncode}")
        if not _port_free(host, port):
            return
        time.sleep(0.1)
    raise SystemExit(f"chalice local did not listen on {host}:{port} within {timeout:.0f} s")


def _start_stand_in(host: str, port: int) -> tuple[Any, dict[str, str], dict[str, str]]:
    """moto's server in this process, a fresh pool in it; returns (server, env, demo)."""
    import boto3
    from moto.server import ThreadedMotoServer

    os.environ.update({k: os.environ.get(k, v) for k, v in FAKE_CREDENTIALS.items()})
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "cognito-idp", region_name=os.environ["AWS_DEFAULT_REGION"], endpoint_url=endpoint
    )
    pool = create_pool(client)
    create_confirmed_user(client, pool.user_pool_id, DEMO_USERNAME, DEMO_PASSWORD, name="Demo User")
    env = {
        "COGNITO_USER_POOL_ID": pool.user_pool_id,
        "COGNITO_CLIENT_ID": pool.client_id,
        "COGNITO_CLIENT_SECRET": pool.client_secret,
        "COGNITO_ENDPOINT_URL": endpoint,
        # Where moto differs from AWS: see COGNITO_DIALECT in README.md.
        "COGNITO_DIALECT": "moto",
    }
    return server, env, {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}


def _banner(state: dict[str, Any]) -> str:
    api = state["api_url"]
    user, password = state["demo_username"], state["demo_password"]
    login = json.dumps({"username": user, "password": password})
    return f"""
cognito-auth-api is running on {api} (Cognito: {state["cognito_endpoint"]})
  user pool {state["user_pool_id"]}, app client {state["client_id"]}
  demo user: {user} / {password}
  stack description: {state["stack_file"]}

Try it (needs jq):
  TOKENS=$(curl -s -X POST {api}/login -H 'Content-Type: application/json' -d '{login}')
  curl -s -X POST {api}/user/test-user -H "Authorization: $(echo "$TOKENS" | jq -r .data.id_token)"
  REFRESH=$(echo "$TOKENS" | jq -r .data.refresh_token)
  curl -s -X POST {api}/user/renew_refresh_token -H 'Content-Type: application/json' \\
    -d "{{\\"username\\": \\"{user}\\", \\"refresh_token\\": \\"$REFRESH\\"}}"

Verification codes (there is no mailbox locally):
  password reset codes appear below, as "local stage: password reset code for <user>: <code>";
  the stand-in accepts any sign-up confirmation code (and so resends none).

Ctrl-C stops everything.
"""


def main() -> int:
    host = "127.0.0.1"
    port = int(os.environ.get("PORT", "8000"))
    cognito_port = int(os.environ.get("COGNITO_PORT", "9229"))
    stack_file = Path(os.environ.get("STACK_FILE", ROOT / ".local" / "stack.json"))
    stack_file.unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)

    real_pool = os.environ.get("COGNITO_USER_POOL_ID")
    busy = [p for p in ([port] if real_pool else [port, cognito_port]) if not _port_free(host, p)]
    if busy:
        print(f"port(s) {busy} on {host} are in use; set PORT / COGNITO_PORT", file=sys.stderr)
        return 2

    server = None
    chalice: subprocess.Popen[bytes] | None = None
    try:
        if real_pool:
            from chalicelib.settings import Settings

            settings = Settings.from_env()  # fails here, with the variable's name
            env: dict[str, str] = {}
            endpoint = (
                settings.endpoint_url or f"https://cognito-idp.{settings.region}.amazonaws.com"
            )
            demo = {
                "username": os.environ.get("DEMO_USERNAME", "<your user>"),
                "password": os.environ.get("DEMO_PASSWORD", "<your password>"),
            }
            pool_id, client_id, region = real_pool, settings.client_id, settings.region
        else:
            server, env, demo = _start_stand_in(host, cognito_port)
            endpoint = env["COGNITO_ENDPOINT_URL"]
            pool_id, client_id = env["COGNITO_USER_POOL_ID"], env["COGNITO_CLIENT_ID"]
            region = os.environ["AWS_DEFAULT_REGION"]

        chalice = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chalice"),
                "local",
                "--stage",
                "local",
                "--host",
                host,
                "--port",
                str(port),
                "--no-autoreload",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        _wait_for_port(host, port, chalice, timeout=60)
        state = {
            "api_url": f"http://{host}:{port}",
            "cognito_endpoint": endpoint,
            "region": region,
            "user_pool_id": pool_id,
            "client_id": client_id,
            "demo_username": demo["username"],
            "demo_password": demo["password"],
        }
        stack_file.parent.mkdir(parents=True, exist_ok=True)
        stack_file.write_text(json.dumps(state, indent=2) + "\n")
        print(_banner({**state, "stack_file": stack_file}), flush=True)
        return chalice.wait()
    except (KeyboardInterrupt, Stop):
        return 0
    finally:
        # A second Ctrl-C or SIGTERM must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack_file.unlink(missing_ok=True)
        if chalice is not None and chalice.poll() is None:
            chalice.terminate()
            try:
                chalice.wait(timeout=10)
            except subprocess.TimeoutExpired:
                chalice.kill()
                chalice.wait()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())

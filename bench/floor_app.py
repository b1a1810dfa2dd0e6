"""The cold-start floor: a bare Chalice app that imports boto3, makes one cognito-idp
client the way the service's gateway does, and serves /login with one InitiateAuth.
No validation, no token library, no logging setup: only what any Chalice app on
Cognito pays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

import boto3
from botocore.config import Config
from chalice.app import Chalice

app = Chalice(app_name="cold-start-floor")
CLIENT_ID = os.environ["COGNITO_CLIENT_ID"]
CLIENT_SECRET = os.environ["COGNITO_CLIENT_SECRET"]
client = boto3.session.Session().client(
    "cognito-idp",
    region_name=os.environ["COGNITO_USER_POOL_ID"].split("_")[0],
    endpoint_url=os.environ["COGNITO_ENDPOINT_URL"],
    config=Config(
        connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 2}
    ),
)


@app.route("/login", methods=["POST"])
def login() -> dict[str, Any]:
    body = app.current_request.json_body if app.current_request else {}
    username, password = body["username"], body["password"]
    digest = hmac.new(
        CLIENT_SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256
    ).digest()
    answer = client.initiate_auth(
        ClientId=CLIENT_ID,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": password,
            "SECRET_HASH": base64.b64encode(digest).decode(),
        },
    )
    result = answer["AuthenticationResult"]
    return {"id_token": result["IdToken"], "refresh_token": result["RefreshToken"]}

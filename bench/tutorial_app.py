"""The original tutorial's handlers, re-created as Chalice routes so that they are
measured through chalice.test.Client exactly as ours are: every request makes a new
boto3 cognito-idp client, computes SECRET_HASH, and calls Cognito once. The
operations are the same as ours (InitiateAuth, AdminGetUser), so what differs is the
design, not the work Cognito does. No validation, no token verification: the
tutorial left that to API Gateway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

import boto3
from chalice.app import Chalice

app = Chalice(app_name="tutorial")


def _body() -> dict[str, Any]:
    request = app.current_request
    body: dict[str, Any] = request.json_body if request is not None else {}
    return body


def _secret_hash(username: str) -> str:
    message = username + os.environ["COGNITO_CLIENT_ID"]
    key = os.environ["COGNITO_CLIENT_SECRET"].encode("utf-8")
    return base64.b64encode(
        hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    ).decode()


@app.route("/login", methods=["POST"])
def login() -> dict[str, Any]:
    body = _body()
    client = boto3.client("cognito-idp")
    answer = client.initiate_auth(
        ClientId=os.environ["COGNITO_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": body["username"],
            "PASSWORD": body["password"],
            "SECRET_HASH": _secret_hash(body["username"]),
        },
    )
    result = answer["AuthenticationResult"]
    return {
        "message": "success",
        "error": False,
        "success": True,
        "data": {
            "id_token": result["IdToken"],
            "refresh_token": result["RefreshToken"],
            "access_token": result["AccessToken"],
            "expires_in": result["ExpiresIn"],
            "token_type": result["TokenType"],
        },
    }


@app.route("/user/renew_refresh_token", methods=["POST"])
def renew_refresh_token() -> dict[str, Any]:
    body = _body()
    client = boto3.client("cognito-idp")
    answer = client.initiate_auth(
        ClientId=os.environ["COGNITO_CLIENT_ID"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": body["refresh_token"],
            "SECRET_HASH": _secret_hash(body["username"]),
        },
    )
    result = answer["AuthenticationResult"]
    return {
        "message": "success",
        "error": False,
        "success": True,
        "data": {
            "id_token": result["IdToken"],
            "access_token": result["AccessToken"],
            "expires_in": result["ExpiresIn"],
            "token_type": result["TokenType"],
        },
    }


@app.route("/user/test-user", methods=["POST"])
def test_user() -> dict[str, Any]:
    body = _body()
    client = boto3.client("cognito-idp")
    user = client.admin_get_user(
        UserPoolId=os.environ["COGNITO_USER_POOL_ID"], Username=body["username"]
    )
    return {"message": None, "error": False, "success": True, "data": user["UserAttributes"]}

"""The user pool the local stack and the tests run against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.attributes import READABLE_STANDARD_ATTRIBUTES

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

ADMIN_GROUP = "admin"
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "Demo-Passw0rd!"


@dataclass(frozen=True)
class Pool:
    user_pool_id: str
    client_id: str
    client_secret: str


def create_pool(client: CognitoIdentityProviderClient) -> Pool:
    """A pool that signs in by email, hides user existence, and has an app client
    with a secret and the password and refresh flows, allowed to read the standard
    attributes. Named, because moto's id tokens carry only the ReadAttributes
    (and custom ones), where AWS's carry every attribute when none are named."""
    pool_id = client.create_user_pool(
        PoolName="cognito-auth-api-local",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
    )["UserPool"]["Id"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="cognito-auth-api",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        ReadAttributes=list(READABLE_STANDARD_ATTRIBUTES),
    )["UserPoolClient"]
    client.create_group(UserPoolId=pool_id, GroupName=ADMIN_GROUP)
    return Pool(pool_id, app_client["ClientId"], app_client["ClientSecret"])


def create_confirmed_user(
    client: CognitoIdentityProviderClient,
    pool_id: str,
    email: str,
    password: str,
    name: str = "",
    groups: Sequence[str] = (),
) -> str:
    """A confirmed user with a permanent password; returns the internal username."""
    attributes: list[AttributeTypeTypeDef] = [
        {"Name": "email", "Value": email},
        {"Name": "email_verified", "Value": "true"},
    ]
    if name:
        attributes.append({"Name": "name", "Value": name})
    username = client.admin_create_user(
        UserPoolId=pool_id, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
    )["User"]["Username"]
    client.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    for group in groups:
        client.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    return username

"""The user pool the local stack and the tests run against."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.attributes import READABLE_STANDARD_ATTRIBUTES
from devstack.environment import ROOT

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef, UserPoolPolicyTypeTypeDef

TEMPLATE = ROOT / "deploy" / "template.json"
ADMIN_GROUP = "admin"
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "Demo-Passw0rd!"


def as_deployed(template: dict[str, Any], value: Any) -> Any:
    """A template value as a stack with every parameter at its default sees it: Ref
    to a parameter, and Fn::If over the conditions (Fn::Equals, Fn::Not) resolved."""
    parameters = template["Parameters"]
    if isinstance(value, list):
        return [as_deployed(template, each) for each in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]["Default"]
    if set(value) == {"Fn::If"}:
        condition, then, otherwise = value["Fn::If"]
        holds = as_deployed(template, template["Conditions"][condition])
        return as_deployed(template, then if holds else otherwise)
    if set(value) == {"Fn::Equals"}:
        left, right = as_deployed(template, value["Fn::Equals"])
        return left == right
    if set(value) == {"Fn::Not"}:
        return not as_deployed(template, value["Fn::Not"][0])
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(as_deployed(template, parts))
    if set(value) == {"Fn::Split"}:
        separator, joined = value["Fn::Split"]
        return as_deployed(template, joined).split(separator)
    return {key: as_deployed(template, each) for key, each in value.items()}


# The local pool offers every first factor the service knows (deployed, a team turns
# each on with its template parameter), and passkeys on the page's host: browsers
# refuse 127.0.0.1 as a relying party.
LOCAL_SIGN_IN_FACTORS: tuple[Literal["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"], ...] = (
    "PASSWORD",
    "EMAIL_OTP",
    "SMS_OTP",
    "WEB_AUTHN",
)
LOCAL_RP_ID = "localhost"


@dataclass(frozen=True)
class Pool:
    user_pool_id: str
    client_id: str
    client_secret: str


def create_pool(client: CognitoIdentityProviderClient) -> Pool:
    """A pool and app client set up as deploy/template.json deploys them (email as the
    username, in any case, a new email in force only once verified, user existence hidden, a
    secret, the password and choice-based flows, refresh tokens that rotate, optional
    authenticator-app MFA), so that local behaviour matches the deployed stack's; every
    first factor is on (LOCAL_SIGN_IN_FACTORS), passkeys on LOCAL_RP_ID. The client
    names the standard attributes it reads: moto's id tokens carry only the
    ReadAttributes (and custom ones), where AWS's carry every attribute when none are
    named, as deployed."""
    template = json.loads(TEMPLATE.read_text())
    deployed = as_deployed(template, template["Resources"])
    pool = deployed["UserPool"]["Properties"]
    policies: UserPoolPolicyTypeTypeDef = {
        "PasswordPolicy": pool["Policies"]["PasswordPolicy"],
        "SignInPolicy": {"AllowedFirstAuthFactors": [*LOCAL_SIGN_IN_FACTORS]},
    }
    pool_id = client.create_user_pool(
        PoolName="cognito-auth-api-local",
        UsernameAttributes=pool["UsernameAttributes"],
        # moto stores it and ignores it; devstack/stand_in_operations.py heeds it.
        UsernameConfiguration=pool["UsernameConfiguration"],
        AutoVerifiedAttributes=pool["AutoVerifiedAttributes"],
        UserAttributeUpdateSettings=pool["UserAttributeUpdateSettings"],
        Policies=policies,
    )["UserPool"]["Id"]
    client.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration=pool["MfaConfiguration"],
        SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in pool["EnabledMfas"]},
        # moto drops it; devstack/stand_in_webauthn.py keeps and heeds it.
        WebAuthnConfiguration={
            "RelyingPartyId": LOCAL_RP_ID,
            "UserVerification": pool["WebAuthnUserVerification"],
            "FactorConfiguration": pool["WebAuthnFactorConfiguration"],
        },
    )
    app = deployed["UserPoolClient"]["Properties"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="cognito-auth-api",
        GenerateSecret=app["GenerateSecret"],
        ExplicitAuthFlows=app["ExplicitAuthFlows"],
        PreventUserExistenceErrors=app["PreventUserExistenceErrors"],
        EnableTokenRevocation=app["EnableTokenRevocation"],
        # moto stores it and ignores it; devstack/stand_in_refresh.py heeds it.
        RefreshTokenRotation=app["RefreshTokenRotation"],
        ReadAttributes=list(READABLE_STANDARD_ATTRIBUTES),
    )["UserPoolClient"]
    client.create_group(
        UserPoolId=pool_id, GroupName=deployed["AdminGroup"]["Properties"]["GroupName"]
    )
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

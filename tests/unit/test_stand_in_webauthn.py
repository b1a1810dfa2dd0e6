"""Passkeys in the stand-in (devstack/stand_in_webauthn.py), met as a user of Cognito's
API meets them: registered from a software authenticator's credentials
(tests/webauthn_support.py), listed, deleted, and refused with the errors AWS's API
reference lists for each operation; and the functions the choice-based sign-in calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, cognitoidp_backends

from devstack import stand_in_sign_in, stand_in_webauthn
from devstack.pool import Pool, create_confirmed_user
from tests.conftest import ALICE, BOB, PASSWORD, STUB_POOL, Clock
from tests.rotation_support import sign_in
from tests.webauthn_support import Authenticator, b64url

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.literals import AuthFactorTypeType
    from mypy_boto3_cognito_idp.type_defs import (
        UserPoolPolicyTypeTypeDef,
        WebAuthnConfigurationTypeTypeDef,
    )

RP_ID = "auth.example.com"
ORIGIN = "https://auth.example.com"


def _error(call: Any, **parameters: Any) -> str:
    """The error code a client call is refused with, which must be one AWS's model lists
    for that operation."""
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    code: str = raised.value.response["Error"]["Code"]
    meta = call.__self__.meta
    model = meta.service_model.operation_model(meta.method_to_api_mapping[call.__name__])
    assert code in {shape.name for shape in model.error_shapes}, (model.name, code)
    return code


def _passkey_pool(
    cognito: CognitoIdentityProviderClient,
    factors: Sequence[AuthFactorTypeType] = ("PASSWORD", "WEB_AUTHN"),
    webauthn: WebAuthnConfigurationTypeTypeDef | None = None,
) -> Pool:
    """A pool whose users sign in by email, allowing `factors` first, with the
    WebAuthnConfiguration `webauthn` (RelyingPartyId RP_ID if not given), alice and bob
    in it, and an app client with a secret."""
    policies: UserPoolPolicyTypeTypeDef = {"SignInPolicy": {"AllowedFirstAuthFactors": [*factors]}}
    pool_id = cognito.create_user_pool(
        PoolName="passkeys", UsernameAttributes=["email"], Policies=policies
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        WebAuthnConfiguration={"RelyingPartyId": RP_ID} if webauthn is None else webauthn,
    )
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    for email in (ALICE, BOB):
        create_confirmed_user(cognito, pool_id, email, PASSWORD, "Alice" if email == ALICE else "")
    return Pool(pool_id, client["ClientId"], client["ClientSecret"])


@pytest.fixture
def passkeys(cognito: CognitoIdentityProviderClient) -> Pool:
    """A pool that allows passkeys, for RP_ID."""
    return _passkey_pool(cognito)


@pytest.fixture
def alice(cognito: CognitoIdentityProviderClient, passkeys: Pool) -> str:
    """Alice's access token in the passkeys pool."""
    token: str = sign_in(cognito, passkeys, ALICE)["AccessToken"]
    return token


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(stand_in_sign_in, "clock", moved)
    return moved


def _register(
    cognito: CognitoIdentityProviderClient, token: str, authenticator: Authenticator
) -> dict[str, Any]:
    """Start and complete a registration; returns the credential registered."""
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = authenticator.register(options)
    cognito.complete_web_authn_registration(AccessToken=token, Credential=credential)
    return credential


def _completion_error(
    cognito: CognitoIdentityProviderClient, token: str, authenticator: Authenticator
) -> str:
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    return _error(
        cognito.complete_web_authn_registration,
        AccessToken=token,
        Credential=authenticator.register(options),
    )


def _listed(cognito: CognitoIdentityProviderClient, token: str) -> list[str]:
    credentials = cognito.list_web_authn_credentials(AccessToken=token)["Credentials"]
    return [each["CredentialId"] for each in credentials]


def _moto(pool: Pool, email: str) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
    """moto's own pool and user objects, as the choice-based sign-in holds them."""
    region = pool.user_pool_id.split("_")[0]
    held = cognitoidp_backends["123456789012"][region].user_pools[pool.user_pool_id]
    return held, held._get_user(email)


def test_a_second_install_leaves_the_operations_working(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    stand_in_webauthn.install()
    stand_in_webauthn.install()

    assert cognito.list_web_authn_credentials(AccessToken=alice)["Credentials"] == []


def test_registration_options_name_the_pool_the_user_and_what_a_passkey_must_be(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    options = cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    sub = cognito.get_user(AccessToken=alice)["Username"]

    assert options["rp"] == {"id": RP_ID, "name": "passkeys"}
    assert options["user"] == {"id": b64url(sub.encode()), "name": ALICE, "displayName": "Alice"}
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == []
    assert options["timeout"] == stand_in_webauthn.TIMEOUT_MS
    assert len(options["challenge"]) >= 43


def test_a_registered_passkey_is_listed_excluded_from_the_next_registration_and_deleted(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    credential = _register(cognito, alice, Authenticator(ORIGIN, RP_ID))

    [described] = cognito.list_web_authn_credentials(AccessToken=alice)["Credentials"]
    listed = dict(described)
    assert isinstance(listed.pop("CreatedAt"), datetime)
    assert listed == {
        "CredentialId": credential["id"],
        "FriendlyCredentialName": "Platform authenticator",
        "RelyingPartyId": RP_ID,
        "AuthenticatorAttachment": "platform",
        "AuthenticatorTransports": ["internal"],
    }
    again = cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    assert [each["id"] for each in again["excludeCredentials"]] == [credential["id"]]

    cognito.delete_web_authn_credential(AccessToken=alice, CredentialId=credential["id"])

    assert _listed(cognito, alice) == []
    assert (
        _error(
            cognito.delete_web_authn_credential, AccessToken=alice, CredentialId=credential["id"]
        )
        == "ResourceNotFoundException"
    )


def test_a_security_key_is_named_as_one(cognito: CognitoIdentityProviderClient, alice: str) -> None:
    _register(cognito, alice, Authenticator(ORIGIN, RP_ID, attachment="cross-platform"))

    [listed] = cognito.list_web_authn_credentials(AccessToken=alice)["Credentials"]
    assert listed["FriendlyCredentialName"] == "Security key"


def test_the_list_pages_through_three_passkeys_two_at_a_time(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    registered = [_register(cognito, alice, Authenticator(ORIGIN, RP_ID))["id"] for _ in range(3)]

    first = cognito.list_web_authn_credentials(AccessToken=alice, MaxResults=2)
    second = cognito.list_web_authn_credentials(
        AccessToken=alice, MaxResults=2, NextToken=first["NextToken"]
    )

    assert [c["CredentialId"] for c in first["Credentials"]] == registered[:2]
    assert [c["CredentialId"] for c in second["Credentials"]] == registered[2:]
    assert "NextToken" not in second
    assert (
        _error(cognito.list_web_authn_credentials, AccessToken=alice, NextToken="not-a-page")
        == "InvalidParameterException"
    )


def test_a_user_sees_and_deletes_only_their_own_passkeys(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    credential = _register(cognito, alice, Authenticator(ORIGIN, RP_ID))
    bob = sign_in(cognito, passkeys, BOB)["AccessToken"]

    assert _listed(cognito, bob) == []
    assert (
        _error(cognito.delete_web_authn_credential, AccessToken=bob, CredentialId=credential["id"])
        == "ResourceNotFoundException"
    )
    assert _listed(cognito, alice) == [credential["id"]]


def test_passkeys_go_with_their_user(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    _register(cognito, alice, Authenticator(ORIGIN, RP_ID))

    cognito.admin_delete_user(UserPoolId=passkeys.user_pool_id, Username=ALICE)
    create_confirmed_user(cognito, passkeys.user_pool_id, ALICE, PASSWORD)

    assert _listed(cognito, sign_in(cognito, passkeys, ALICE)["AccessToken"]) == []


def test_registration_is_refused_where_the_pool_does_not_allow_passkeys(
    cognito: CognitoIdentityProviderClient,
) -> None:
    pool = _passkey_pool(cognito, factors=("PASSWORD",))
    token = sign_in(cognito, pool, ALICE)["AccessToken"]

    assert (
        _error(cognito.start_web_authn_registration, AccessToken=token)
        == "WebAuthnNotEnabledException"
    )
    assert (
        _error(cognito.complete_web_authn_registration, AccessToken=token, Credential={})
        == "WebAuthnNotEnabledException"
    )
    # Listing is not refused: the model lists no such error for it.
    assert _listed(cognito, token) == []


def test_registration_without_a_relying_party_id_is_a_configuration_missing(
    cognito: CognitoIdentityProviderClient,
) -> None:
    pool = _passkey_pool(cognito, webauthn={})
    token = sign_in(cognito, pool, ALICE)["AccessToken"]

    assert (
        _error(cognito.start_web_authn_registration, AccessToken=token)
        == "WebAuthnConfigurationMissingException"
    )


def test_completion_needs_the_challenge_of_a_live_registration(
    cognito: CognitoIdentityProviderClient, alice: str, clock: Clock
) -> None:
    authenticator = Authenticator(ORIGIN, RP_ID)
    complete = cognito.complete_web_authn_registration
    assert (
        _error(
            complete,
            AccessToken=alice,
            Credential=authenticator.register({"challenge": "x", "user": {"id": ""}}),
        )
        == "WebAuthnChallengeNotFoundException"
    )
    # Answered once: the challenge is gone.
    credential = _register(cognito, alice, authenticator)
    assert (
        _error(complete, AccessToken=alice, Credential=credential)
        == "WebAuthnChallengeNotFoundException"
    )
    # A credential made for an earlier challenge than the outstanding one.
    stale = authenticator.register(
        cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    )
    cognito.start_web_authn_registration(AccessToken=alice)
    assert (
        _error(complete, AccessToken=alice, Credential=stale)
        == "WebAuthnChallengeNotFoundException"
    )
    # Past its timeout.
    late = authenticator.register(
        cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    )
    clock.advance(stand_in_webauthn.TIMEOUT_MS / 1000)
    assert _error(complete, AccessToken=alice, Credential=late) == (
        "WebAuthnChallengeNotFoundException"
    )
    assert _listed(cognito, alice) == [credential["id"]]


@pytest.mark.parametrize(
    ("rp_id", "origin"),
    [
        (RP_ID, "https://auth.example.com"),
        (RP_ID, "https://login.auth.example.com:8443"),
        ("localhost", "http://localhost:8000"),
        ("localhost", "https://localhost"),
    ],
)
def test_the_relying_party_and_its_subdomains_are_allowed_origins(
    cognito: CognitoIdentityProviderClient, rp_id: str, origin: str
) -> None:
    pool = _passkey_pool(cognito, webauthn={"RelyingPartyId": rp_id})
    token = sign_in(cognito, pool, ALICE)["AccessToken"]

    registered = _register(cognito, token, Authenticator(origin, rp_id))

    assert _listed(cognito, token) == [registered["id"]]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://example.com",
        "https://auth.example.com.evil.example",
        "http://auth.example.com",
        "https://auth.example.com/path",
        "null",
    ],
)
def test_another_origin_is_not_allowed(
    cognito: CognitoIdentityProviderClient, alice: str, origin: str
) -> None:
    code = _completion_error(cognito, alice, Authenticator(origin, RP_ID))

    assert code == "WebAuthnOriginNotAllowedException"
    assert _listed(cognito, alice) == []


def test_http_is_allowed_on_localhost_only(cognito: CognitoIdentityProviderClient) -> None:
    pool = _passkey_pool(cognito, webauthn={"RelyingPartyId": "example.com"})
    token = sign_in(cognito, pool, ALICE)["AccessToken"]

    code = _completion_error(cognito, token, Authenticator("http://example.com", "example.com"))

    assert code == "WebAuthnOriginNotAllowedException"


def test_a_credential_for_another_relying_party_is_a_mismatch(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    code = _completion_error(cognito, alice, Authenticator(ORIGIN, "example.com"))

    assert code == "WebAuthnRelyingPartyMismatchException"


def test_a_pool_that_requires_user_verification_refuses_a_passkey_without_it(
    cognito: CognitoIdentityProviderClient,
) -> None:
    pool = _passkey_pool(
        cognito, webauthn={"RelyingPartyId": RP_ID, "UserVerification": "required"}
    )
    token = sign_in(cognito, pool, ALICE)["AccessToken"]
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["authenticatorSelection"]["userVerification"] == "required"

    code = _completion_error(cognito, token, Authenticator(ORIGIN, RP_ID, user_verified=False))

    assert code == "WebAuthnCredentialNotSupportedException"
    assert _register(cognito, token, Authenticator(ORIGIN, RP_ID))


def test_a_pool_that_prefers_user_verification_takes_a_passkey_without_it(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    registered = _register(cognito, alice, Authenticator(ORIGIN, RP_ID, user_verified=False))

    assert _listed(cognito, alice) == [registered["id"]]


def test_the_same_passkey_twice_is_refused(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    authenticator = Authenticator(ORIGIN, RP_ID)
    first = _register(cognito, alice, authenticator)

    options = cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    again = authenticator.register(options, credential_id=first["id"])
    code = _error(cognito.complete_web_authn_registration, AccessToken=alice, Credential=again)
    # Nor can another user of the pool register it.
    bob = sign_in(cognito, passkeys, BOB)["AccessToken"]
    options = cognito.start_web_authn_registration(AccessToken=bob)["CredentialCreationOptions"]
    bobs = authenticator.register(options, credential_id=first["id"])
    bob_code = _error(cognito.complete_web_authn_registration, AccessToken=bob, Credential=bobs)

    assert (code, bob_code) == ("InvalidParameterException", "InvalidParameterException")
    assert _listed(cognito, alice) == [first["id"]]
    assert _listed(cognito, bob) == []


def test_a_credential_that_is_not_a_registration_response_is_invalid(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    options = cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]
    credential = Authenticator(ORIGIN, RP_ID).register(options)
    broken = {**credential, "response": {**credential["response"], "attestationObject": "AAAA"}}

    for sent in (json.dumps(credential), {"id": "x"}, broken):
        assert (
            _error(cognito.complete_web_authn_registration, AccessToken=alice, Credential=sent)
            == "InvalidParameterException"
        )
    # None of those used the challenge up.
    cognito.complete_web_authn_registration(AccessToken=alice, Credential=credential)


def test_a_user_has_at_most_twenty_passkeys(
    cognito: CognitoIdentityProviderClient, alice: str
) -> None:
    for _ in range(stand_in_webauthn.MAX_PASSKEYS):
        _register(cognito, alice, Authenticator(ORIGIN, RP_ID))

    assert (
        _error(cognito.start_web_authn_registration, AccessToken=alice) == "LimitExceededException"
    )
    assert len(_listed(cognito, alice)) == stand_in_webauthn.MAX_PASSKEYS


def test_a_registration_completes_only_with_a_token_of_the_client_that_started_it(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    other = cognito.create_user_pool_client(
        UserPoolId=passkeys.user_pool_id,
        ClientName="other",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    other_pool = Pool(passkeys.user_pool_id, other["ClientId"], other["ClientSecret"])
    elsewhere = sign_in(cognito, other_pool, ALICE)["AccessToken"]
    options = cognito.start_web_authn_registration(AccessToken=alice)["CredentialCreationOptions"]

    code = _error(
        cognito.complete_web_authn_registration,
        AccessToken=elsewhere,
        Credential=Authenticator(ORIGIN, RP_ID).register(options),
    )

    assert code == "WebAuthnClientMismatchException"


def test_the_operations_refuse_a_token_that_is_not_a_live_access_token(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> None:
    cognito.global_sign_out(AccessToken=alice)

    calls: list[tuple[Any, dict[str, Any]]] = [
        (cognito.start_web_authn_registration, {}),
        (cognito.complete_web_authn_registration, {"Credential": {}}),
        (cognito.list_web_authn_credentials, {}),
        (cognito.delete_web_authn_credential, {"CredentialId": "x"}),
    ]
    for call, parameters in calls:
        assert _error(call, AccessToken=alice, **parameters) == "NotAuthorizedException"


def test_the_pool_answers_aws_defaults_for_a_webauthn_configuration_never_set(
    cognito: CognitoIdentityProviderClient,
) -> None:
    bare = cognito.create_user_pool(PoolName="never-configured")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=bare,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )

    answer = cognito.get_user_pool_mfa_config(UserPoolId=bare)

    assert answer["WebAuthnConfiguration"] == {
        "UserVerification": "preferred",
        "FactorConfiguration": "SINGLE_FACTOR",
    }
    # moto's own MFA settings, as set.
    assert answer["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_a_webauthn_configuration_alone_changes_no_mfa_setting(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    before = cognito.get_user_pool_mfa_config(UserPoolId=pool.user_pool_id)
    configuration: WebAuthnConfigurationTypeTypeDef = {
        "RelyingPartyId": RP_ID,
        "UserVerification": "required",
        "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION",
    }

    answer = cognito.set_user_pool_mfa_config(
        UserPoolId=pool.user_pool_id,
        WebAuthnConfiguration=configuration,
    )
    # And an MFA change keeps it.
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.user_pool_id,
        MfaConfiguration=before["MfaConfiguration"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    after = cognito.get_user_pool_mfa_config(UserPoolId=pool.user_pool_id)

    assert answer["WebAuthnConfiguration"] == configuration
    assert answer["MfaConfiguration"] == before["MfaConfiguration"]
    assert after["WebAuthnConfiguration"] == configuration
    assert after["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


@pytest.mark.parametrize(
    "configuration",
    [{"UserVerification": "always"}, {"FactorConfiguration": "TWO_FACTOR"}],
)
def test_a_webauthn_configuration_outside_the_enums_is_invalid(
    cognito: CognitoIdentityProviderClient, pool: Pool, configuration: dict[str, str]
) -> None:
    before = cognito.get_user_pool_mfa_config(UserPoolId=pool.user_pool_id)
    code = _error(
        cognito.set_user_pool_mfa_config,
        UserPoolId=pool.user_pool_id,
        WebAuthnConfiguration=configuration,
    )

    assert code == "InvalidParameterException"
    after = cognito.get_user_pool_mfa_config(UserPoolId=pool.user_pool_id)
    assert after["WebAuthnConfiguration"] == before["WebAuthnConfiguration"]


# The functions the choice-based sign-in (USER_AUTH) calls.


@pytest.fixture
def enrolled(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, alice: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser, Authenticator]:
    """moto's pool and alice, who registered a passkey from a counting authenticator."""
    authenticator = Authenticator(ORIGIN, RP_ID, sign_count=5)
    _register(cognito, alice, authenticator)
    return (*_moto(passkeys, ALICE), authenticator)


Enrolled = tuple[CognitoIdpUserPool, CognitoIdpUser, Authenticator]


def _answer(pool: CognitoIdpUserPool, user: CognitoIdpUser, authenticator: Authenticator) -> str:
    options = json.loads(stand_in_webauthn.request_options(pool, user))
    return json.dumps(authenticator.assertion(options))


def _refused(pool: CognitoIdpUserPool, user: CognitoIdpUser, answer: str) -> str:
    with pytest.raises(NotAuthorizedError) as raised:
        stand_in_webauthn.verify_assertion(pool, user, answer)
    message: str = raised.value.message
    return message


def test_only_a_user_with_a_passkey_for_the_pools_relying_party_has_one(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, enrolled: Enrolled
) -> None:
    pool, alice, _ = enrolled
    _, bob = _moto(passkeys, BOB)

    assert stand_in_webauthn.has_passkey(pool, alice)
    assert not stand_in_webauthn.has_passkey(pool, bob)
    assert _refused(pool, bob, "{}") == stand_in_webauthn.ASSERTION_REFUSED
    with pytest.raises(NotAuthorizedError):
        stand_in_webauthn.request_options(pool, bob)
    # A new relying party ID: passkeys made for the old one no longer sign in.
    cognito.set_user_pool_mfa_config(
        UserPoolId=passkeys.user_pool_id, WebAuthnConfiguration={"RelyingPartyId": "example.com"}
    )
    assert not stand_in_webauthn.has_passkey(pool, alice)


def test_request_options_allow_the_users_passkeys(enrolled: Enrolled) -> None:
    pool, alice, authenticator = enrolled

    options = json.loads(stand_in_webauthn.request_options(pool, alice))

    assert options["rpId"] == RP_ID
    assert [each["id"] for each in options["allowCredentials"]] == list(authenticator.keys)
    assert options["allowCredentials"][0]["transports"] == ["internal"]
    assert options["userVerification"] == "preferred"
    assert options["timeout"] == stand_in_webauthn.TIMEOUT_MS


def test_a_verified_assertion_says_whether_the_user_was_verified(enrolled: Enrolled) -> None:
    pool, alice, authenticator = enrolled

    assert stand_in_webauthn.verify_assertion(pool, alice, _answer(pool, alice, authenticator))
    authenticator.user_verified = False
    assert not stand_in_webauthn.verify_assertion(pool, alice, _answer(pool, alice, authenticator))


def test_an_assertion_answers_its_challenge_once(
    cognito: CognitoIdentityProviderClient, alice: str, enrolled: Enrolled
) -> None:
    pool, user, _ = enrolled
    # Without a counter (0, as synced passkeys report), only the challenge stops a replay.
    counterless = Authenticator(ORIGIN, RP_ID)
    _register(cognito, alice, counterless)
    answer = _answer(pool, user, counterless)
    stand_in_webauthn.verify_assertion(pool, user, answer)

    assert _refused(pool, user, answer) == stand_in_webauthn.ASSERTION_REFUSED


def test_an_assertion_with_a_sign_count_that_did_not_grow_is_refused(enrolled: Enrolled) -> None:
    pool, alice, authenticator = enrolled
    stand_in_webauthn.verify_assertion(pool, alice, _answer(pool, alice, authenticator))
    # A cloned authenticator: it counts from where the original was.
    authenticator.sign_count -= 1

    assert _refused(pool, alice, _answer(pool, alice, authenticator)) == (
        stand_in_webauthn.ASSERTION_REFUSED
    )


def test_an_assertion_past_its_timeout_is_refused(enrolled: Enrolled, clock: Clock) -> None:
    pool, alice, authenticator = enrolled
    answer = _answer(pool, alice, authenticator)
    clock.advance(stand_in_webauthn.TIMEOUT_MS / 1000)

    assert _refused(pool, alice, answer) == stand_in_webauthn.ASSERTION_REFUSED


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("origin", "https://evil.example"), ("rp_id", "example.com")],
)
def test_an_assertion_from_elsewhere_is_refused(
    enrolled: Enrolled, attribute: str, value: str
) -> None:
    pool, alice, authenticator = enrolled
    setattr(authenticator, attribute, value)

    assert _refused(pool, alice, _answer(pool, alice, authenticator)) == (
        stand_in_webauthn.ASSERTION_REFUSED
    )


def test_an_assertion_signed_by_another_key_or_for_another_user_is_refused(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, enrolled: Enrolled
) -> None:
    pool, alice, authenticator = enrolled
    forged = json.loads(_answer(pool, alice, authenticator))
    forged["response"]["signature"] = b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    assert _refused(pool, alice, json.dumps(forged)) == stand_in_webauthn.ASSERTION_REFUSED
    # Signed by her passkey, but naming another user (the user handle is not signed).
    renamed = json.loads(_answer(pool, alice, authenticator))
    renamed["response"]["userHandle"] = b64url(b"someone-else")
    assert _refused(pool, alice, json.dumps(renamed)) == stand_in_webauthn.ASSERTION_REFUSED
    # Bob registers a passkey; alice's answer, made with his authenticator, is not hers.
    bob_token = sign_in(cognito, passkeys, BOB)["AccessToken"]
    bobs = Authenticator(ORIGIN, RP_ID)
    _register(cognito, bob_token, bobs)
    options = json.loads(stand_in_webauthn.request_options(pool, alice))

    assert _refused(
        pool, alice, json.dumps(bobs.assertion({**options, "allowCredentials": []}))
    ) == (stand_in_webauthn.ASSERTION_REFUSED)
    assert _refused(pool, alice, "not json") == stand_in_webauthn.ASSERTION_REFUSED


def test_a_pool_that_requires_user_verification_refuses_an_assertion_without_it(
    cognito: CognitoIdentityProviderClient, passkeys: Pool, enrolled: Enrolled
) -> None:
    pool, alice, authenticator = enrolled
    cognito.set_user_pool_mfa_config(
        UserPoolId=passkeys.user_pool_id,
        WebAuthnConfiguration={"RelyingPartyId": RP_ID, "UserVerification": "required"},
    )
    authenticator.user_verified = False

    assert _refused(pool, alice, _answer(pool, alice, authenticator)) == (
        stand_in_webauthn.ASSERTION_REFUSED
    )


def test_the_factor_configuration_is_the_pools(
    cognito: CognitoIdentityProviderClient, passkeys: Pool
) -> None:
    pool, _ = _moto(passkeys, ALICE)
    assert stand_in_webauthn.factor_configuration(pool) == "SINGLE_FACTOR"

    cognito.set_user_pool_mfa_config(
        UserPoolId=passkeys.user_pool_id,
        WebAuthnConfiguration={
            "RelyingPartyId": RP_ID,
            "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION",
        },
    )

    assert stand_in_webauthn.factor_configuration(pool) == "MULTI_FACTOR_WITH_USER_VERIFICATION"


# AWS's exact exchanges, which the stand-in's are checked against above.


@pytest.fixture
def aws() -> Iterator[tuple[CognitoIdentityProviderClient, Stubber]]:
    """A Cognito client whose answers a test scripts as AWS gives them."""
    client = boto3.client("cognito-idp", region_name=STUB_POOL.user_pool_id.split("_")[0])
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


# An access token as AWS issues them: the operations take it as given.
STUB_ACCESS_TOKEN = "eyJraWQiOiJrIn0.eyJzdWIiOiJzIn0.c2ln"


def test_aws_takes_the_registration_as_json_objects_both_ways(
    aws: tuple[CognitoIdentityProviderClient, Stubber],
) -> None:
    """StartWebAuthnRegistration answers, and CompleteWebAuthnRegistration takes, JSON
    objects (Document), not strings. Divergence guarded: py_webauthn also parses a
    credential sent as a JSON string, which the stand-in refuses, as an object is what
    AWS is sent."""
    client, stubber = aws
    options = {
        "rp": {"id": RP_ID, "name": "passkeys"},
        "user": {"id": b64url(b"sub"), "name": ALICE, "displayName": ALICE},
        "challenge": b64url(b"c" * 32),
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    }
    credential = Authenticator(ORIGIN, RP_ID).register(options)
    stubber.add_response(
        "start_web_authn_registration",
        {"CredentialCreationOptions": options},
        {"AccessToken": STUB_ACCESS_TOKEN},
    )
    stubber.add_response(
        "complete_web_authn_registration",
        {},
        {"AccessToken": STUB_ACCESS_TOKEN, "Credential": credential},
    )

    started = client.start_web_authn_registration(AccessToken=STUB_ACCESS_TOKEN)
    client.complete_web_authn_registration(AccessToken=STUB_ACCESS_TOKEN, Credential=credential)

    assert started["CredentialCreationOptions"] == options


def test_aws_lists_passkeys_by_page_and_deletes_one_by_its_id(
    aws: tuple[CognitoIdentityProviderClient, Stubber],
) -> None:
    """ListWebAuthnCredentials pages with MaxResults (0-20) and NextToken, and
    describes each passkey with CreatedAt as a timestamp; DeleteWebAuthnCredential
    takes the CredentialId listed. Divergence guarded: the stand-in's NextToken is the
    next credential's id, where AWS's is opaque, so a client must pass it back as given."""
    client, stubber = aws
    described = {
        "CredentialId": "Y3JlZGVudGlhbA",
        "FriendlyCredentialName": "Chrome on Mac",
        "RelyingPartyId": RP_ID,
        "AuthenticatorAttachment": "platform",
        "AuthenticatorTransports": ["internal", "hybrid"],
        "CreatedAt": datetime(2026, 1, 2, 3, 4, 5),
    }
    stubber.add_response(
        "list_web_authn_credentials",
        {"Credentials": [described], "NextToken": "opaque-page"},
        {"AccessToken": STUB_ACCESS_TOKEN, "MaxResults": 1},
    )
    stubber.add_response(
        "list_web_authn_credentials",
        {"Credentials": []},
        {"AccessToken": STUB_ACCESS_TOKEN, "MaxResults": 1, "NextToken": "opaque-page"},
    )
    stubber.add_response(
        "delete_web_authn_credential",
        {},
        {"AccessToken": STUB_ACCESS_TOKEN, "CredentialId": described["CredentialId"]},
    )

    first = client.list_web_authn_credentials(AccessToken=STUB_ACCESS_TOKEN, MaxResults=1)
    client.list_web_authn_credentials(
        AccessToken=STUB_ACCESS_TOKEN, MaxResults=1, NextToken=first["NextToken"]
    )
    client.delete_web_authn_credential(
        AccessToken=STUB_ACCESS_TOKEN, CredentialId=first["Credentials"][0]["CredentialId"]
    )

    assert first["Credentials"] == [described]


def _not_enabled(cognito: CognitoIdentityProviderClient, method: str) -> dict[str, Any]:
    pool = _passkey_pool(cognito, factors=("PASSWORD",))
    token = sign_in(cognito, pool, ALICE)["AccessToken"]
    if method == "start_web_authn_registration":
        return {"AccessToken": token}
    return {"AccessToken": token, "Credential": {"id": "x"}}


def _completion(
    authenticator: Authenticator, started: bool = True
) -> Callable[[CognitoIdentityProviderClient, str], dict[str, Any]]:
    """The CompleteWebAuthnRegistration request of alice's registration from
    `authenticator` (never started, where `started` is false)."""

    def request(cognito: CognitoIdentityProviderClient, method: str) -> dict[str, Any]:
        token = sign_in(cognito, _passkey_pool(cognito), ALICE)["AccessToken"]
        options: dict[str, Any] = {"challenge": b64url(b"c" * 32), "user": {"id": ""}}
        if started:
            options = cognito.start_web_authn_registration(AccessToken=token)[
                "CredentialCreationOptions"
            ]
        return {"AccessToken": token, "Credential": authenticator.register(options)}

    return request


@pytest.mark.parametrize(
    ("method", "code", "make_request"),
    [
        ("start_web_authn_registration", "WebAuthnNotEnabledException", _not_enabled),
        ("complete_web_authn_registration", "WebAuthnNotEnabledException", _not_enabled),
        (
            "complete_web_authn_registration",
            "WebAuthnRelyingPartyMismatchException",
            _completion(Authenticator(ORIGIN, "example.com")),
        ),
        (
            "complete_web_authn_registration",
            "WebAuthnChallengeNotFoundException",
            _completion(Authenticator(ORIGIN, RP_ID), started=False),
        ),
        (
            "complete_web_authn_registration",
            "WebAuthnOriginNotAllowedException",
            _completion(Authenticator("https://evil.example", RP_ID)),
        ),
    ],
)
def test_aws_and_the_stand_in_refuse_a_registration_alike(
    cognito: CognitoIdentityProviderClient,
    aws: tuple[CognitoIdentityProviderClient, Stubber],
    method: str,
    code: str,
    make_request: Callable[[CognitoIdentityProviderClient, str], dict[str, Any]],
) -> None:
    """The same request, as AWS is sent it, refused by AWS with an error its model lists
    for the operation and by the stand-in with that error, which a boto3 client raises
    as the same modeled exception. Divergence guarded: AWS does not document which
    refusal each failed check gives; the stand-in picks among those listed, never one
    the operation does not list (the message is the stand-in's own)."""
    client, stubber = aws
    parameters = make_request(cognito, method)
    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[method])
    assert code in {shape.name for shape in model.error_shapes}
    stubber.add_client_error(method, code, http_status_code=400, expected_params=parameters)

    with pytest.raises(getattr(client.exceptions, code)):
        getattr(client, method)(**parameters)
    with pytest.raises(getattr(cognito.exceptions, code)):
        getattr(cognito, method)(**parameters)

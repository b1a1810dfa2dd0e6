"""The operations devstack/stand_in_operations.py adds to moto, called as any boto3
client calls them: the answers and errors AWS's API reference gives."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.cognito_gateway import secret_hash
from chalicelib.stand_in import CODE_HEADER, CODES_HEADER
from devstack import stand_in_operations
from tests.conftest import ALICE, BOB, PASSWORD, UNCONFIRMED
from tests.rotation_support import sign_in

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from devstack.pool import Pool

pytestmark = pytest.mark.usefixtures("users")


def _error(call: Any, **parameters: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    code: str = raised.value.response["Error"]["Code"]
    return code


def _codes(answer: Any) -> list[dict[str, str]]:
    codes: list[dict[str, str]] = json.loads(
        answer["ResponseMetadata"]["HTTPHeaders"].get(CODES_HEADER, "[]")
    )
    return codes


def test_a_second_install_leaves_the_operations_working(
    cognito: CognitoIdentityProviderClient,
) -> None:
    stand_in_operations.install()
    stand_in_operations.install()

    assert _error(cognito.delete_user, AccessToken="not-a-token") == "NotAuthorizedException"


def test_resend_makes_a_code_for_an_unconfirmed_user_only(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    def resend(name: str) -> Any:
        return cognito.resend_confirmation_code(
            ClientId=pool.client_id,
            Username=name,
            SecretHash=secret_hash(name, pool.client_id, pool.client_secret),
        )

    unconfirmed = resend(UNCONFIRMED)

    assert unconfirmed["CodeDeliveryDetails"] == {
        "Destination": "c***@e***.com",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert [sent["to"] for sent in _codes(unconfirmed)] == [UNCONFIRMED]
    # PreventUserExistenceErrors: an unknown user seems to get a code, and none is made.
    assert _codes(resend("ghost@example.com")) == []
    confirmed = _error(
        cognito.resend_confirmation_code,
        ClientId=pool.client_id,
        Username=ALICE,
        SecretHash=secret_hash(ALICE, pool.client_id, pool.client_secret),
    )
    assert confirmed == "InvalidParameterException"
    wrong_hash = _error(
        cognito.resend_confirmation_code,
        ClientId=pool.client_id,
        Username=UNCONFIRMED,
        SecretHash=secret_hash(UNCONFIRMED, pool.client_id, "another secret"),
    )
    assert wrong_hash == "NotAuthorizedException"


def test_revoke_token_checks_the_client_and_the_kind_of_token(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = sign_in(cognito, pool, ALICE)
    revoke = cognito.revoke_token

    assert (
        _error(revoke, Token=tokens["RefreshToken"], ClientId=pool.client_id, ClientSecret="x" * 30)
        == "UnauthorizedException"
    )
    assert (
        _error(revoke, Token=tokens["RefreshToken"], ClientId=pool.client_id)
        == "UnauthorizedException"
    )
    assert (
        _error(
            revoke,
            Token=tokens["AccessToken"],
            ClientId=pool.client_id,
            ClientSecret=pool.client_secret,
        )
        == "UnsupportedTokenTypeException"
    )
    assert (
        _error(
            revoke, Token="not a token", ClientId=pool.client_id, ClientSecret=pool.client_secret
        )
        == "InvalidParameterException"
    )
    # None of these revoked anything.
    assert cognito.get_user(AccessToken=tokens["AccessToken"])["Username"]


def test_revoke_token_takes_either_secret_during_a_rotation(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    tokens = [sign_in(cognito, pool, ALICE) for _ in range(2)]
    added = cognito.add_user_pool_client_secret(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id
    )["ClientSecretDescriptor"]["ClientSecretValue"]

    for session, secret in zip(tokens, (pool.client_secret, added), strict=True):
        cognito.revoke_token(
            Token=session["RefreshToken"], ClientId=pool.client_id, ClientSecret=secret
        )

    for session in tokens:
        assert (
            _error(cognito.get_user, AccessToken=session["AccessToken"]) == "NotAuthorizedException"
        )


def test_revoke_token_is_refused_where_the_client_does_not_allow_revocation(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    cognito.update_user_pool_client(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id, EnableTokenRevocation=False
    )
    tokens = sign_in(cognito, pool, ALICE)

    code = _error(
        cognito.revoke_token,
        Token=tokens["RefreshToken"],
        ClientId=pool.client_id,
        ClientSecret=pool.client_secret,
    )

    assert code == "UnsupportedOperationException"


def test_delete_user_ends_only_that_users_sessions(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    alice, bob = sign_in(cognito, pool, ALICE), sign_in(cognito, pool, BOB)

    cognito.delete_user(AccessToken=alice["AccessToken"])

    assert _error(cognito.get_user, AccessToken=alice["AccessToken"]) == "NotAuthorizedException"
    assert cognito.get_user(AccessToken=bob["AccessToken"])["Username"]


def test_attribute_codes_are_for_email_and_phone_number_only(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    token = sign_in(cognito, pool, ALICE)["AccessToken"]

    assert (
        _error(
            cognito.get_user_attribute_verification_code, AccessToken=token, AttributeName="name"
        )
        == "InvalidParameterException"
    )
    # Alice has no phone number to send a code to.
    assert (
        _error(
            cognito.get_user_attribute_verification_code,
            AccessToken=token,
            AttributeName="phone_number",
        )
        == "InvalidParameterException"
    )
    # Without a code sent, no code verifies.
    assert (
        _error(cognito.verify_user_attribute, AccessToken=token, AttributeName="email", Code="1")
        == "CodeMismatchException"
    )


@pytest.mark.parametrize(
    "bobs_address",
    # The same address, then the same in another case (the pool compares names so).
    ["both@example.com", "Both@Example.COM"],
)
def test_an_address_verified_by_another_account_first_is_refused(
    cognito: CognitoIdentityProviderClient, pool: Pool, bobs_address: str
) -> None:
    alice = sign_in(cognito, pool, ALICE)["AccessToken"]
    bob = sign_in(cognito, pool, BOB)["AccessToken"]
    alice_code = _codes(
        cognito.update_user_attributes(
            AccessToken=alice, UserAttributes=[{"Name": "email", "Value": "both@example.com"}]
        )
    )
    bob_code = _codes(
        cognito.update_user_attributes(
            AccessToken=bob, UserAttributes=[{"Name": "email", "Value": bobs_address}]
        )
    )
    cognito.verify_user_attribute(AccessToken=bob, AttributeName="email", Code=bob_code[0]["code"])

    code = _error(
        cognito.verify_user_attribute,
        AccessToken=alice,
        AttributeName="email",
        Code=alice_code[0]["code"],
    )

    assert code == "AliasExistsException"


# Names in any case: the pool's UsernameConfiguration says CaseSensitive false.


def _hash(pool: Pool, name: str) -> str:
    return secret_hash(name, pool.client_id, pool.client_secret)


def test_the_local_pool_is_configured_case_insensitive_as_deployed(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    described = cognito.describe_user_pool(UserPoolId=pool.user_pool_id)["UserPool"]

    assert described["UsernameConfiguration"] == {"CaseSensitive": False}


def test_a_user_signs_in_and_is_found_by_the_email_in_any_case(
    cognito: CognitoIdentityProviderClient, pool: Pool, users: dict[str, str]
) -> None:
    shouted = ALICE.upper()

    tokens = sign_in(cognito, pool, shouted)

    assert cognito.get_user(AccessToken=tokens["AccessToken"])["Username"] == users[ALICE]
    found = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username="Alice@Example.Com")
    assert found["Username"] == users[ALICE]
    # The internal name too.
    by_sub = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=users[ALICE].upper())
    assert by_sub["Username"] == users[ALICE]


def test_sign_up_and_admin_create_refuse_an_email_taken_in_another_case(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    signed_up = _error(
        cognito.sign_up,
        ClientId=pool.client_id,
        Username="ALICE@example.com",
        Password=PASSWORD,
        SecretHash=_hash(pool, "ALICE@example.com"),
    )
    created = _error(
        cognito.admin_create_user,
        UserPoolId=pool.user_pool_id,
        Username="Bob@EXAMPLE.com",
        MessageAction="SUPPRESS",
    )

    assert signed_up == created == "UsernameExistsException"
    listed = cognito.list_users(UserPoolId=pool.user_pool_id)["Users"]
    emails = [a["Value"] for u in listed for a in u["Attributes"] if a["Name"] == "email"]
    assert sorted(e.casefold() for e in emails) == sorted(set(e.casefold() for e in emails))


def test_an_email_change_to_another_users_address_in_another_case_is_refused(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    alice = sign_in(cognito, pool, ALICE)["AccessToken"]

    code = _error(
        cognito.update_user_attributes,
        AccessToken=alice,
        UserAttributes=[{"Name": "email", "Value": "BOB@EXAMPLE.COM"}],
    )

    assert code == "AliasExistsException"


def test_a_user_may_change_the_case_of_their_own_email(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """The stored address keeps the case given, as Cognito keeps it."""
    alice = sign_in(cognito, pool, ALICE)["AccessToken"]
    sent = _codes(
        cognito.update_user_attributes(
            AccessToken=alice, UserAttributes=[{"Name": "email", "Value": "Alice@Example.com"}]
        )
    )
    cognito.verify_user_attribute(AccessToken=alice, AttributeName="email", Code=sent[0]["code"])

    attributes = cognito.get_user(AccessToken=alice)["UserAttributes"]
    assert {a["Name"]: a["Value"] for a in attributes}["email"] == "Alice@Example.com"
    assert sign_in(cognito, pool, ALICE)["AccessToken"]


# Codes: six digits, as Cognito sends, and only the code sent is accepted.


def test_sign_up_makes_a_six_digit_code_and_names_where_it_went(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    name = "Dora@Example.com"

    answer = cognito.sign_up(
        ClientId=pool.client_id,
        Username=name,
        Password=PASSWORD,
        SecretHash=_hash(pool, name),
        UserAttributes=[{"Name": "email", "Value": name}],
    )

    (sent,) = _codes(answer)
    assert sent["attribute"] == "email"
    assert sent["to"] == name
    assert sent["code"].isdecimal()
    assert len(sent["code"]) == 6
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "D***@E***.com",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def test_confirm_sign_up_takes_only_the_code_sent_last(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    """moto confirms with any code; AWS only with the one it sent."""
    name = "dora@example.com"
    identity: dict[str, Any] = {
        "ClientId": pool.client_id,
        "Username": name,
        "SecretHash": _hash(pool, name),
    }
    first = _codes(cognito.sign_up(**identity, Password=PASSWORD))[0]["code"]
    second = _codes(cognito.resend_confirmation_code(**identity))[0]["code"]
    wrong = f"{(int(second) + 1) % 10**6:06d}"

    assert _error(cognito.confirm_sign_up, **identity, ConfirmationCode=wrong) == (
        "CodeMismatchException"
    )
    if first != second:
        assert _error(cognito.confirm_sign_up, **identity, ConfirmationCode=first) == (
            "CodeMismatchException"
        )
    assert _error(
        cognito.confirm_sign_up,
        **{**identity, "SecretHash": secret_hash(name, pool.client_id, "another secret")},
        ConfirmationCode=second,
    ) == ("NotAuthorizedException")
    cognito.confirm_sign_up(**identity, ConfirmationCode=second)
    user = cognito.admin_get_user(UserPoolId=pool.user_pool_id, Username=name)
    assert user["UserStatus"] == "CONFIRMED"
    # Confirmed: AWS refuses to confirm again.
    assert _error(cognito.confirm_sign_up, **identity, ConfirmationCode=second) == (
        "NotAuthorizedException"
    )


def test_a_reset_code_is_six_digits_and_only_it_resets_the_password(
    cognito: CognitoIdentityProviderClient, pool: Pool
) -> None:
    identity: dict[str, Any] = {
        "ClientId": pool.client_id,
        "Username": ALICE,
        "SecretHash": _hash(pool, ALICE),
    }
    answer = cognito.forgot_password(**identity)
    code = answer["ResponseMetadata"]["HTTPHeaders"][CODE_HEADER]
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    assert code.isdecimal()
    assert len(code) == 6
    # moto took any code not shaped like its own.
    for guess in (wrong, "moto-confirmation-code:000000", "anything"):
        refused = _error(
            cognito.confirm_forgot_password,
            **identity,
            ConfirmationCode=guess,
            Password="N3w-Passw0rd!",
        )
        assert refused == "CodeMismatchException"
    cognito.confirm_forgot_password(**identity, ConfirmationCode=code, Password="N3w-Passw0rd!")
    # Used: it resets no more.
    assert (
        _error(
            cognito.confirm_forgot_password,
            **identity,
            ConfirmationCode=code,
            Password="An0ther-Passw0rd!",
        )
        == "CodeMismatchException"
    )

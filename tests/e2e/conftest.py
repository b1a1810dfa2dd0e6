"""The real local stack (moto's server + `chalice local`) on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from devstack.process import local_stack, stack_client

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with local_stack(tmp_path_factory.mktemp("stack")) as state:
        yield state


@pytest.fixture(scope="session")
def stack_cognito(stack: dict[str, Any]) -> CognitoIdentityProviderClient:
    """A client of the stack's Cognito stand-in, as an administrator would have."""
    client: CognitoIdentityProviderClient = stack_client(stack, "cognito-idp")
    return client


@pytest.fixture(scope="session")
def client_secret(stack: dict[str, Any], stack_cognito: CognitoIdentityProviderClient) -> str:
    client = stack_cognito.describe_user_pool_client(
        UserPoolId=stack["user_pool_id"], ClientId=stack["client_id"]
    )["UserPoolClient"]
    return client["ClientSecret"]

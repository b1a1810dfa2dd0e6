"""SECRET_HASH against vectors computed with openssl, apart from the code under test."""

from __future__ import annotations

import pytest

from chalicelib.cognito_gateway import secret_hash
from tests.conftest import ALICE, STUB_HASH_OF_ALICE, STUB_HASH_OF_SUB, STUB_POOL, STUB_SUB


@pytest.mark.parametrize(
    ("username", "client_id", "secret", "expected"),
    [
        (ALICE, STUB_POOL.client_id, STUB_POOL.client_secret, STUB_HASH_OF_ALICE),
        (STUB_SUB, STUB_POOL.client_id, STUB_POOL.client_secret, STUB_HASH_OF_SUB),
        # Non-ASCII names are hashed as UTF-8.
        ("Zoë", "abc", "s3cr3t", "8Nw0Y/ZAc/J9HUi6Kaz+Dx2K95dhpB5dYJsg7TbnTQM="),
    ],
)
def test_secret_hash_matches_openssl(
    username: str, client_id: str, secret: str, expected: str
) -> None:
    assert secret_hash(username, client_id, secret) == expected

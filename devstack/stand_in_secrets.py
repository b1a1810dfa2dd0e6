"""The app-client secret operations moto 5.2.5 lacks, added to its Cognito.

AddUserPoolClientSecret, ListUserPoolClientSecrets and DeleteUserPoolClientSecret let
an app client hold two secrets at once, so that a secret can be rotated without
downtime (docs/rotating-secret.md). moto has none of them, and checks
SECRET_HASH against the client's one secret only. `install()` adds the three
operations to moto's cognito-idp backend and response handler, and makes its
SECRET_HASH check accept any of the client's current secrets, as AWS does during a
rotation. It also words a SECRET_HASH it cannot verify as AWS does ("Unable to
verify secret hash for client <id>", where moto puts the hash itself), since that
wording is how the service tells it from a wrong password.

Behaviour read from AWS's API reference: at most two secrets per client; the last
one cannot be deleted; a secret's id is `<client id>--<creation time>`; a generated
value is returned once, by Add, and a value the caller chose never; List never
returns values. AWS does not document which error code refuses a third secret or
the last deletion (LimitExceededException and InvalidParameterException here, both
among the operations' documented errors), nor the creation time's unit
(milliseconds here), nor which secret DescribeUserPoolClient shows while there are
two (the older one here). Operator code for `make run` and the tests, never deployed.
"""

from __future__ import annotations

import re
import secrets
import string
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_SECRETS = 2
# AWS's constraint on a secret's value.
_VALUE = re.compile(r"^[\w+]{24,64}$")
# What AWS generates: 52 lower-case letters and digits, as its client secrets look.
_GENERATED_LENGTH = 52
_GENERATED_ALPHABET = string.ascii_lowercase + string.digits

# Mutations of a client's secrets, from moto server's request threads.
_secrets_lock = threading.Lock()
# The clients whose secrets changed, by id: moto's SECRET_HASH check gets the id only.
_clients: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class _Secret:
    secret_id: str
    value: str
    created: datetime


def install() -> None:
    """Add the operations to moto's Cognito (in this process). Installing again
    changes nothing: the check wraps moto's own, taken from where moto defines it."""
    from moto.cognitoidp import models, responses, utils

    check = utils.check_secret_hash

    def check_any(secret: str, client_id: str, username: str, given: str | None) -> bool:
        return _check_secret_hash(check, secret, client_id, username, given)

    # moto's backend looks the check up in its own module at every call.
    patches: list[tuple[object, str, object]] = [(models, "check_secret_hash", check_any)]
    for name, operation, answer in [
        ("add_user_pool_client_secret", _add, _add_response),
        ("list_user_pool_client_secrets", _list, _list_response),
        ("delete_user_pool_client_secret", _delete, _delete_response),
    ]:
        # moto's response handler dispatches an action to its method of the same name.
        patches += [(models.CognitoIdpBackend, name, operation)]
        patches += [(responses.CognitoIdpResponse, name, answer)]
    for owner, name, value in patches:
        setattr(owner, name, value)


def _check_secret_hash(
    check: Any, secret: str, client_id: str, username: str, given: str | None
) -> bool:
    """moto's check over every current secret of the client; AWS's refusals."""
    from moto.cognitoidp.exceptions import NotAuthorizedError

    if given is None:
        raise NotAuthorizedError(
            f"Client {client_id} is configured with secret but SECRET_HASH was not received"
        )
    client = _clients.get(client_id)
    # moto passes the client's `secret`, which this module keeps as one of the current
    # ones: another value means another client that happens to have this id.
    current = (
        [s.value for s in client.stand_in_secrets]
        if client is not None and client.secret == secret
        else [secret]
    )
    if any(check(value, client_id, username, given) for value in current):
        return True
    raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")


def _client_secrets(backend: Any, user_pool_id: str, client_id: str) -> list[_Secret]:
    """The client's secrets, starting from the one moto gave it."""
    from moto.cognitoidp.exceptions import InvalidParameterException

    client = backend.describe_user_pool_client(user_pool_id, client_id)
    if not client.generate_secret:
        raise InvalidParameterException(f"Client {client_id} has no client secret.")
    held: list[_Secret] | None = getattr(client, "stand_in_secrets", None)
    if held is None:
        held = client.stand_in_secrets = [_new_secret(client_id, client.secret, [])]
        _clients[client_id] = client
    return held


def _new_secret(client_id: str, value: str, held: list[_Secret]) -> _Secret:
    millis = int(time.time() * 1000)
    taken = {s.secret_id for s in held}
    while f"{client_id}--{millis}" in taken:
        millis += 1
    return _Secret(f"{client_id}--{millis}", value, datetime.fromtimestamp(millis / 1000, tz=UTC))


def _describe(secret: _Secret, with_value: bool = False) -> dict[str, Any]:
    described: dict[str, Any] = {
        "ClientSecretId": secret.secret_id,
        "ClientSecretCreateDate": secret.created,
    }
    if with_value:
        described["ClientSecretValue"] = secret.value
    return described


def _add(self: Any, user_pool_id: str, client_id: str, value: str | None) -> dict[str, Any]:
    from moto.cognitoidp.exceptions import InvalidParameterException
    from moto.core.exceptions import JsonRESTError

    if value is not None and not _VALUE.match(value):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy "
            "constraint: Member must have length between 24 and 64 and match [\\w+]+"
        )
    with _secrets_lock:
        held = _client_secrets(self, user_pool_id, client_id)
        if len(held) >= MAX_SECRETS:
            raise JsonRESTError(
                "LimitExceededException",
                f"Client {client_id} already has {MAX_SECRETS} client secrets; "
                "delete one before adding another.",
            )
        generated = value is None
        if value is None:
            value = "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(_GENERATED_LENGTH))
        secret = _new_secret(client_id, value, held)
        held.append(secret)
    return _describe(secret, with_value=generated)


def _list(self: Any, user_pool_id: str, client_id: str) -> list[dict[str, Any]]:
    with _secrets_lock:
        return [_describe(s) for s in _client_secrets(self, user_pool_id, client_id)]


def _delete(self: Any, user_pool_id: str, client_id: str, secret_id: str) -> None:
    from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError

    with _secrets_lock:
        held = _client_secrets(self, user_pool_id, client_id)
        gone = next((s for s in held if s.secret_id == secret_id), None)
        if gone is None:
            raise ResourceNotFoundError(f"Client secret {secret_id} does not exist.")
        if len(held) == 1:
            raise InvalidParameterException(
                f"Client secret {secret_id} is the last secret of client {client_id}; "
                "it cannot be deleted."
            )
        held.remove(gone)
        # moto signs and describes with `secret`: keep it one of the current ones.
        client = self.describe_user_pool_client(user_pool_id, client_id)
        client.secret = held[0].value


def _add_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    descriptor = self.backend.add_user_pool_client_secret(
        self._get_param("UserPoolId"),
        self._get_param("ClientId"),
        self._get_param("ClientSecret"),
    )
    return ActionResult({"ClientSecretDescriptor": descriptor})


def _list_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    listed = self.backend.list_user_pool_client_secrets(
        self._get_param("UserPoolId"), self._get_param("ClientId")
    )
    return ActionResult({"ClientSecrets": listed})


def _delete_response(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    self.backend.delete_user_pool_client_secret(
        self._get_param("UserPoolId"),
        self._get_param("ClientId"),
        self._get_param("ClientSecretId"),
    )
    return EmptyResult()

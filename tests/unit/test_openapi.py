"""The OpenAPI document: complete, current, generated from the models that validate each
body and the TypedDicts each answer is built with; every answer the service gives is
one the document describes, and every pattern and limit in it is the server's rule."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.models import fields, mfa
from chalicelib.models.account import WRITABLE_ATTRIBUTES
from chalicelib.models.admin import INVITATION_ATTRIBUTES
from chalicelib.models.fields import NEW_PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from chalicelib.rate_limits import rule_for
from chalicelib.validation import MAX_BODY_BYTES, RequestModel, json_schema
from devstack.environment import ROOT
from devstack.harness import Http
from devstack.openapi import TARGET, render
from devstack.pool import TEMPLATE
from tests.challenge_support import TEMPORARY, new_password_answer
from tests.conftest import ADMIN, ALICE, PASSWORD, UNCONFIRMED, Login, documented_codes

NEW_PASSWORD = "N3w-Passw0rd!"


def _document(api: Http) -> dict[str, Any]:
    response = api.raw_get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.body)
    return document


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A validator of `schema`, its references read in the document's components."""
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


def _responses(
    document: dict[str, Any], path: str, method: str = "post"
) -> dict[str, dict[str, Any]]:
    """The operation's answers by status, those the components hold included."""
    named = document["components"]["responses"]
    responses: dict[str, dict[str, Any]] = document["paths"][path][method]["responses"]
    return {
        status: named[answer["$ref"].split("/")[-1]] if "$ref" in answer else answer
        for status, answer in responses.items()
    }


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        if path != "/openapi.json":
            for method, operation in item.items():
                yield path, method, operation


def test_the_service_publishes_its_openapi_document(api: Http) -> None:
    from app import app

    document = _document(api)

    assert document["openapi"] == "3.1.0"
    for path, methods in app.routes.items():
        for method in set(methods) - {"OPTIONS"}:
            assert method.lower() in document["paths"][path], (path, method)
        assert "options" not in document["paths"][path], "CORS preflights are not operations"


def test_every_body_schema_is_the_model_that_validates_it(api: Http) -> None:
    from app import app

    schemas = _document(api)["components"]["schemas"]
    for methods in app.routes.values():
        for entry in methods.values():
            spec = getattr(entry.view_function, "body_spec", None)
            if spec is None:
                continue
            assert issubclass(spec.model, RequestModel)
            assert schemas[spec.model.__name__] == json_schema(spec.model)


def test_guarded_routes_declare_their_security(api: Http) -> None:
    paths = _document(api)["paths"]

    assert paths["/user/test-user"]["post"]["security"] == [{"CognitoIdToken": []}]
    access = [{"CognitoAccessToken": ["aws.cognito.signin.user.admin"]}]
    for path in ("/user/change-password", "/user/attributes", "/logout"):
        assert paths[path]["post"]["security"] == access
    for path in ("/user/mfa/totp/setup", "/user/mfa/totp/verify", "/user/mfa"):
        assert paths[path]["post"]["security"] == access
    assert paths["/user/mfa"]["get"]["security"] == access
    # Answering MFA_SETUP at login: the challenge's session stands for the token.
    for path in ("/login", "/login/mfa/totp/setup", "/login/mfa/totp/verify"):
        assert "security" not in paths[path]["post"]


def test_the_security_schemes_say_the_token_goes_raw_without_bearer(api: Http) -> None:
    schemes = _document(api)["components"]["securitySchemes"]

    assert set(schemes) == {"CognitoIdToken", "CognitoAccessToken"}
    for scheme in schemes.values():
        assert (scheme["type"], scheme["in"], scheme["name"]) == (
            "apiKey",
            "header",
            "Authorization",
        )
        assert "with no `Bearer ` prefix" in scheme["description"]


def test_the_committed_openapi_json_is_current() -> None:
    assert TARGET.read_text() == render(), "run `make openapi` and commit openapi.json"


def test_the_private_route_documents_its_freshness_and_the_no_cache_header(api: Http) -> None:
    operation = _document(api)["paths"]["/user/test-user"]["post"]

    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("Cache-Control", "header", False)
    ]
    assert "Cache-Control: no-cache" in operation["description"]
    assert "1 hour" in operation["description"]


def test_each_success_answer_types_its_data(api: Http) -> None:
    document = _document(api)
    schemas = document["components"]["schemas"]
    ref = "#/components/schemas/{}".format

    data = {}
    for path, method, _ in _operations(document):
        answers = _responses(document, path, method).items()
        ((status, answer),) = [(s, a) for s, a in answers if s < "300"]
        envelope = answer["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        data[f"{method.upper()} {path}", status] = schemas[envelope]["properties"]["data"]

    tokens_or_challenge = {"oneOf": [{"$ref": ref("Tokens")}, {"$ref": ref("Challenge")}]}
    message_only = {"type": "null"}
    assert data == {
        ("POST /login", "200"): tokens_or_challenge,
        ("POST /login/challenge", "200"): tokens_or_challenge,
        ("POST /login/start", "200"): tokens_or_challenge,
        ("POST /user/passkeys/start", "200"): {"$ref": ref("PasskeyOptions")},
        ("POST /user/passkeys", "201"): message_only,
        ("GET /user/passkeys", "200"): {"$ref": ref("PasskeyPage")},
        ("DELETE /user/passkeys/{credential_id}", "200"): message_only,
        ("POST /user/renew_refresh_token", "200"): {"$ref": ref("RenewedTokens")},
        ("POST /signup", "201"): {"$ref": ref("SignUpResult")},
        ("POST /signup/confirm", "200"): message_only,
        ("POST /signup/resend-code", "200"): message_only,
        ("POST /password/forgot", "200"): message_only,
        ("POST /password/confirm", "200"): message_only,
        ("POST /user/test-user", "200"): {"type": "array", "items": {"$ref": ref("Attribute")}},
        ("POST /user/change-password", "200"): message_only,
        ("POST /user/attributes", "200"): {"$ref": ref("UpdatedAttributes")},
        ("POST /logout", "200"): message_only,
        ("POST /user/mfa/totp/setup", "200"): {"$ref": ref("TotpSetup")},
        ("POST /user/mfa/totp/verify", "200"): {"$ref": ref("MfaPreference")},
        ("GET /user/mfa", "200"): {"$ref": ref("MfaSettings")},
        ("POST /user/mfa", "200"): {"$ref": ref("MfaPreference")},
        ("POST /login/mfa/totp/setup", "200"): {"$ref": ref("LoginTotpSetup")},
        ("POST /login/mfa/totp/verify", "200"): tokens_or_challenge,
        ("POST /user/attributes/verify", "200"): message_only,
        ("POST /user/attributes/verify/resend", "200"): message_only,
        ("POST /user/delete", "200"): message_only,
        ("GET /admin/users", "200"): {"$ref": ref("UserPage")},
        ("POST /admin/users", "201"): {"$ref": ref("AdminUser")},
        ("DELETE /admin/users/{username}", "200"): message_only,
        ("POST /admin/users/{username}/disable", "200"): message_only,
        ("POST /admin/users/{username}/enable", "200"): message_only,
        ("POST /admin/users/{username}/groups", "200"): message_only,
        ("DELETE /admin/users/{username}/groups/{group}", "200"): message_only,
        ("POST /admin/users/{username}/sign-out", "200"): message_only,
        ("POST /admin/users/{username}/reset-password", "200"): message_only,
    }
    assert set(schemas["Tokens"]["required"]) == {
        "id_token",
        "access_token",
        "refresh_token",
        "expires_in",
        "token_type",
    }
    # Rotated: a new one comes with renewed tokens, without rotation none does.
    assert "refresh_token" in schemas["RenewedTokens"]["properties"]
    assert "refresh_token" not in schemas["RenewedTokens"]["required"]
    assert schemas["Attribute"]["required"] == ["Name", "Value"]


def test_error_answers_are_the_envelope_and_the_gateways_401_its_own_body(api: Http) -> None:
    document = _document(api)
    error = {"$ref": "#/components/schemas/ErrorAnswer"}
    gateway = {"$ref": "#/components/schemas/GatewayUnauthorized"}

    for path, method, operation in _operations(document):
        errors = {s: r for s, r in _responses(document, path, method).items() if s >= "400"}
        schemas = {s: r["content"]["application/json"]["schema"] for s, r in errors.items()}
        if "security" in operation:
            unauthorized = schemas.pop("401")
            assert unauthorized == gateway or unauthorized["oneOf"][1] == gateway, path
            schemas.update({"401": unauthorized["oneOf"][0]} if "oneOf" in unauthorized else {})
        for status, schema in schemas.items():
            assert schema["allOf"][0] == error, (path, status)
            assert schema["allOf"][1]["properties"]["code"]["enum"], (path, status)
    assert "code" in document["components"]["schemas"]["ErrorAnswer"]["required"]


def _codes(document: dict[str, Any], path: str, method: str = "post") -> dict[str, list[str]]:
    """The error codes each error status of the operation lists, read as the check on
    every in-process answer reads them (conftest's documented_codes)."""
    found: dict[str, list[str]] = {}
    for status in document["paths"][path][method]["responses"]:
        codes = documented_codes(document, path, method, int(status))
        if codes:
            found[status] = sorted(codes)
    return found


EVERY_ROUTE = {
    "405": ["method_not_allowed"],
    "415": ["unsupported_media_type"],
    "429": ["throttled"],
    "500": ["internal_error"],
    "502": ["gateway_error"],
    "503": ["service_unavailable"],
    "504": ["gateway_error"],
}


def test_each_error_status_lists_the_codes_the_route_can_answer(api: Http) -> None:
    document = _document(api)

    assert _codes(document, "/login") == {
        **EVERY_ROUTE,
        "400": ["invalid_request"],
        # The credential routes' WAF rate rules (chalicelib/rate_limits.py).
        "429": ["rate_limited", "throttled"],
        "401": ["invalid_credentials"],
        "403": ["password_reset_required", "user_not_confirmed"],
        "413": ["payload_too_large", "request_refused"],
    }
    assert _codes(document, "/admin/users/{username}/groups/{group}", "delete") == {
        **EVERY_ROUTE,
        "400": ["invalid_request"],
        "401": ["session_ended"],
        "403": ["forbidden"],
        "404": ["group_not_found", "user_not_found"],
        "409": ["last_admin", "self_action"],
        "413": ["request_refused"],
    }
    # No body, query or path: nothing to refuse as malformed, and no envelope 401
    # beside the gateway's.
    assert _codes(document, "/user/mfa", "get") == {
        **EVERY_ROUTE,
        "401": ["session_ended"],
        "413": ["request_refused"],
    }
    assert _codes(document, "/user/test-user") == {
        **EVERY_ROUTE,
        "400": ["invalid_request"],
        "401": ["session_ended"],
        "403": ["forbidden"],
        "404": ["user_not_found"],
        "413": ["payload_too_large", "request_refused"],
    }


def test_the_429_lists_rate_limited_exactly_where_a_waf_rate_rule_counts(api: Http) -> None:
    document = _document(api)
    listed = {
        (method, path)
        for path, method, _ in _operations(document)
        if "rate_limited" in _codes(document, path, method).get("429", [])
    }

    assert listed == {
        (method, path)
        for path, method, _ in _operations(document)
        if rule_for(method.upper(), path) is not None
    }
    assert ("post", "/login/challenge") in listed
    assert ("post", "/user/test-user") not in listed


def test_every_code_of_the_service_is_in_the_document_and_the_docs_table() -> None:
    from app import openapi
    from chalicelib import errors

    classes = [errors.ApiError]
    for known in classes:
        classes.extend(known.__subclasses__())
    ours = {known.code for known in classes if not issubclass(known, errors.GatewayUnauthorized)}
    ours |= {
        *errors.CHALICE_CODES.values(),
        errors.REQUEST_REFUSED,
        errors.GATEWAY_ERROR,
        errors.RATE_LIMITED,
    }
    table = (ROOT / "docs" / "errors.md").read_text()
    listed = set(re.findall(r"^\| `([a-z_]+)` \| [0-9]", table, re.M))
    in_document = {
        code
        for path, method, _ in _operations(openapi())
        for codes in _codes(openapi(), path, method).values()
        for code in codes
    }

    assert ours == listed
    assert ours == in_document


def _answers_conform(
    document: dict[str, Any], path: str, response: Any, method: str = "post"
) -> None:
    """The answer's status is documented for the operation, and its headers and body are
    as the document says."""
    documented = _responses(document, path, method)
    status = str(response.status_code)
    assert status in documented, (path, status)
    for name, header in documented[status].get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, (path, status, name)
    schema = documented[status]["content"]["application/json"]["schema"]
    errors = [str(e) for e in _validator(document, schema).iter_errors(json.loads(response.body))]
    assert errors == [], (path, status)


@pytest.mark.usefixtures("users")
def test_every_answer_of_every_route_is_as_the_document_describes(
    api: Http, login: Login, invited: str
) -> None:
    document = _document(api)
    tokens, admin = login(ALICE), login(ADMIN)
    id_token = {"Authorization": tokens["id_token"]}
    access = {"Authorization": tokens["access_token"]}
    challenge = api.post("/login", {"username": invited, "password": TEMPORARY})[1]["data"]
    exchanges: list[tuple[str, Any, dict[str, str]]] = [
        ("/login", {"username": ALICE, "password": PASSWORD}, {}),
        ("/login", {"username": invited, "password": TEMPORARY}, {}),
        ("/login", {"username": ALICE, "password": "Wr0ng-password"}, {}),
        ("/login", {"username": UNCONFIRMED, "password": PASSWORD}, {}),
        ("/login", {"username": "a b"}, {}),
        ("/login", {"username": ALICE, "password": "x" * MAX_BODY_BYTES}, {}),
        ("/login/challenge", new_password_answer(invited, challenge["session"], NEW_PASSWORD), {}),
        (
            "/user/renew_refresh_token",
            {"username": ALICE, "refresh_token": tokens["refresh_token"]},
            {},
        ),
        ("/signup", {"username": "new@example.com", "password": NEW_PASSWORD}, {}),
        ("/signup", {"username": ALICE, "password": NEW_PASSWORD}, {}),
        ("/signup/confirm", {"username": "new@example.com", "code": "123456"}, {}),
        ("/signup/confirm", {"username": "ghost@example.com", "code": "123456"}, {}),
        ("/signup/resend-code", {"username": ALICE}, {}),
        ("/password/forgot", {"username": ALICE}, {}),
        ("/password/confirm", {"username": ALICE, "code": "1", "password": NEW_PASSWORD}, {}),
        ("/user/test-user", {}, id_token),
        ("/user/test-user", {"username": ADMIN}, id_token),
        (
            "/user/test-user",
            {"username": "ghost@example.com"},
            {"Authorization": admin["id_token"]},
        ),
        ("/user/test-user", {}, {}),
        ("/user/test-user", {}, access),
        ("/user/attributes", {"attributes": {"name": "Alicia"}}, access),
        (
            "/user/change-password",
            {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD},
            access,
        ),
        ("/user/mfa/totp/setup", None, access),
        ("/user/mfa/totp/setup", None, id_token),
        ("/user/mfa/totp/verify", {"code": "12345"}, access),
        ("/user/mfa", {"totp": "disabled"}, access),
        ("/user/mfa", {"totp": "preferred"}, access),
        ("/login/mfa/totp/setup", {"username": ALICE, "session": "s" * 40}, {}),
        ("/login/mfa/totp/verify", {"username": ALICE, "session": "s" * 40, "code": "1"}, {}),
        (
            "/login/mfa/totp/verify",
            {"username": ALICE, "session": "s" * 40, "code": "123456"},
            {},
        ),
        ("/logout", None, access),
    ]

    for path, body, headers in exchanges:
        _answers_conform(document, path, api.raw_post(path, body, headers))
    for headers in (access, id_token, {}):
        _answers_conform(document, "/user/mfa", api.raw_request("GET", "/user/mfa", headers), "get")
    # Not JSON, and a method the path does not take.
    _answers_conform(document, "/login", api.raw_post("/login", raw=b"x", headers={}))
    plain_text = api.raw_post("/login", raw=b"", headers={"Content-Type": "text/plain"})
    _answers_conform(document, "/login", plain_text)
    _answers_conform(document, "/login", api.raw_get("/login"))


def _probe(annotation: Any) -> type[RequestModel]:
    """A body of one field of this type, read as the server reads any body."""
    probe = msgspec.defstruct("Probe", [("value", annotation)], bases=(RequestModel,), frozen=True)
    assert issubclass(probe, RequestModel)
    return probe


class Verdicts:
    """Whether a value of one of the models' string types is valid, by the document and
    by the server (the pool's policy included, for a new password)."""

    def __init__(self, name: str) -> None:
        self._probe = _probe(getattr(mfa if name == "TotpCode" else fields, name))
        schema = json_schema(self._probe)["properties"]["value"]
        self.document: Callable[[str], bool] = jsonschema_rs.validator_for(schema).is_valid
        self._policy = _policy_accepts if name == "NewPassword" else None

    def server(self, value: str) -> bool:
        accepted = self._probe.problem({"value": value}) is None
        return accepted and (self._policy is None or self._policy(value))


_POLICY = json.loads(TEMPLATE.read_text())["Resources"]["UserPool"]["Properties"]["Policies"][
    "PasswordPolicy"
]
_POLICY_CLASSES = {
    "RequireUppercase": str.isupper,
    "RequireLowercase": str.islower,
    "RequireNumbers": str.isdigit,
}


def _policy_accepts(value: str) -> bool:
    """The pool's password policy, as the template it is deployed with states it."""
    return len(value) >= _POLICY["MinimumLength"] and all(
        any(check(c) and c.isascii() for c in value)
        for name, check in _POLICY_CLASSES.items()
        if _POLICY[name]
    )


# Every character some reading of "whitespace" or "control" could treat apart (Python's,
# ECMA-262's, Java's), the marks a generator misreads, and one in every 61 of the others.
CHARACTERS = [
    chr(code)
    for code in range(sys.maxunicode + 1)
    if not 0xD800 <= code <= 0xDFFF
    and (
        code % 61 == 0
        or chr(code).isspace()
        or unicodedata.category(chr(code)) in {"Cc", "Cf", "Zs", "Zl", "Zp"}
        or 0x20D0 <= code <= 0x20FF
    )
]


@pytest.mark.parametrize("name", ["Username", "SignUpUsername", "Code", "RefreshToken", "Email"])
def test_each_characters_verdict_in_the_document_is_the_servers(name: str) -> None:
    verdicts = Verdicts(name)

    differ = {
        c: unicodedata.category(c)
        for c in CHARACTERS
        for value in (c, f"a{c}", f"{c}b@example.com")
        if verdicts.document(value) != verdicts.server(value)
    }

    assert differ == {}


@pytest.mark.parametrize("name", ["AccountPassword", "NewPassword"])
def test_each_passwords_verdict_in_the_document_is_the_servers(name: str) -> None:
    verdicts = Verdicts(name)

    differ = [
        value
        for c in CHARACTERS
        for value in (c, f"{c}Abcdef1", f"Abcdef1{c}", f"Ab{c}cdef1", c * 9)
        if verdicts.document(value) != verdicts.server(value)
    ]

    assert differ == []


def test_each_totp_codes_verdict_in_the_document_is_the_servers() -> None:
    verdicts = Verdicts("TotpCode")

    differ = [
        value
        # ASCII digits, and digits of other scripts (Arabic-Indic, fullwidth) that
        # Python's \d and str.isdigit() would take.
        for c in [*CHARACTERS, *"0123456789", "\u0661", "\uff11"]
        for value in (c * 6, f"12345{c}", f"{c}12345", f"123456{c}")
        if verdicts.document(value) != verdicts.server(value)
    ]

    assert differ == []
    assert verdicts.server("123456")
    assert not verdicts.server("123456\n")


NEW_PASSWORD_VERDICTS = Verdicts("NewPassword")


@given(value=st.text(max_size=120) | st.from_regex(r"[ -~]{0,12}[A-Z][a-z][0-9][ -~]{0,12}"))
@settings(max_examples=300, deadline=None)
def test_any_new_password_is_valid_by_the_document_exactly_when_accepted(value: str) -> None:
    verdicts = NEW_PASSWORD_VERDICTS

    assert verdicts.document(value) == verdicts.server(value)


def test_the_documented_password_policy_is_the_pools() -> None:
    longest = "Abcdefg1" + "x" * (NEW_PASSWORD_MAX_LENGTH - 8)

    assert _POLICY["MinimumLength"] == PASSWORD_MIN_LENGTH
    assert _POLICY["RequireSymbols"] is False
    assert all(_POLICY[name] for name in _POLICY_CLASSES)
    assert NEW_PASSWORD_VERDICTS.document(longest)
    assert not NEW_PASSWORD_VERDICTS.document(longest + "x")


def _largest_json(schema: dict[str, Any], components: dict[str, Any]) -> int:
    """The most bytes a value valid by `schema` takes in compact JSON, every character
    escaped at its longest (a surrogate pair, 12 bytes)."""
    if "$ref" in schema:
        return _largest_json(components[schema["$ref"].split("/")[-1]], components)
    if "anyOf" in schema:
        return max(_largest_json(branch, components) for branch in schema["anyOf"])
    if "enum" in schema:
        return max(len(json.dumps(value)) for value in schema["enum"])
    if schema.get("type") == "null":
        return len("null")
    if schema.get("type") == "string":
        longest: int = schema["maxLength"]
        return 2 + 12 * longest
    assert schema.get("type") == "object", schema
    members = {
        name: _largest_json(member, components)
        for name, member in schema.get("properties", {}).items()
    }
    if "additionalProperties" in schema:
        value = _largest_json(schema["additionalProperties"], components)
        for name in schema["propertyNames"]["enum"]:
            members.setdefault(name, value)
    # Braces, and per member its quoted name, a colon and a comma.
    return 2 + sum(len(json.dumps(name)) + 2 + size for name, size in members.items())


def test_no_body_valid_by_the_document_is_over_the_size_limit(api: Http) -> None:
    document = _document(api)
    components = document["components"]["schemas"]

    sizes = {
        path: _largest_json(
            operation["requestBody"]["content"]["application/json"]["schema"], components
        )
        for path, _, operation in _operations(document)
        if "requestBody" in operation
    }

    assert max(sizes.values()) <= MAX_BODY_BYTES, sizes
    # The largest: every writable attribute at its longest (an invitation carries all of
    # them but the email, besides the username and a temporary password).
    assert max(sizes, key=sizes.__getitem__) == "/user/attributes"
    assert sizes["/user/attributes"] > 12 * 2048 * len(WRITABLE_ATTRIBUTES)
    assert sizes["/admin/users"] > 12 * 2048 * len(INVITATION_ATTRIBUTES)

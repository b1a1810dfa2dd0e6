"""The OpenAPI document: complete, current, and generated from the validating models."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.models import RequestModel, json_schema
from devstack.harness import Http
from devstack.openapi import TARGET, render


def _document(api: Http) -> dict[str, Any]:
    response = api.raw_get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.body)
    return document


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
    for path in ("/user/change-password", "/user/attributes", "/logout"):
        assert paths[path]["post"]["security"] == [
            {"CognitoAccessToken": ["aws.cognito.signin.user.admin"]}
        ]
    assert "security" not in paths["/login"]["post"]


def test_the_committed_openapi_json_is_current() -> None:
    assert TARGET.read_text() == render(), "run `make openapi` and commit openapi.json"


def test_the_private_route_documents_its_freshness_and_the_no_cache_header(api: Http) -> None:
    operation = _document(api)["paths"]["/user/test-user"]["post"]

    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("Cache-Control", "header", False)
    ]
    assert "Cache-Control: no-cache" in operation["description"]
    assert "1 hour" in operation["description"]

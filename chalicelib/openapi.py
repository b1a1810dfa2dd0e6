"""The OpenAPI 3.1 document, generated from the app's own route table and the
msgspec Structs that validate each body, so the two cannot drift apart."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec
from chalice.app import CognitoUserPoolAuthorizer, RouteEntry
from msgspec.structs import fields

from chalicelib.models import (
    MAX_BODY_BYTES,
    PATH_PARAMETERS,
    BodySpec,
    QueryModel,
    json_schema,
    value_type,
)

ID_TOKEN_SCHEME = "CognitoIdToken"
ACCESS_TOKEN_SCHEME = "CognitoAccessToken"

_ENVELOPE = {
    "type": "object",
    "required": ["message", "error", "success", "data"],
    "properties": {
        "message": {"type": ["string", "null"]},
        "error": {"type": "boolean"},
        "success": {"type": "boolean"},
        "data": {},
    },
    "additionalProperties": False,
}
_GATEWAY_401 = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"enum": ["Unauthorized", "The incoming token has expired"]}},
    "additionalProperties": False,
}
_ERRORS = {
    "400": "The body is not a JSON object, or a field is missing or invalid",
    "401": "Wrong credentials, an invalid token or session",
    "403": "Not allowed: unconfirmed user, another user's data",
    "404": "No such user",
    "405": "Method not allowed",
    "409": "Conflict: the username is taken, or the user already confirmed",
    "413": f"The body is larger than {MAX_BODY_BYTES} bytes",
    "415": "The body is not sent as application/json",
    "429": "Cognito is throttling; retry after Retry-After seconds",
    "500": "An unexpected error; the details are only in the service's log",
    "503": "Cognito, its signing keys or the service's configuration is unavailable; "
    "retry after Retry-After seconds",
}


V = TypeVar("V", bound=Callable[..., Any])


def request_header(name: str, description: str) -> Callable[[V], V]:
    """Declares an optional request header that a view reads, for the document."""

    def declare(view: V) -> V:
        declared = getattr(view, "request_headers", ())
        view.request_headers = (*declared, (name, description))  # type: ignore[attr-defined]
        return view

    return declare


def _json(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": dict(schema)}}


def _path_parameters(entry: RouteEntry) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETERS[name].description,
            "schema": msgspec.json.schema(PATH_PARAMETERS[name].kind),
        }
        for name in entry.view_args
    ]


def _query_parameters(model: type[QueryModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    parameters = []
    for field in fields(model):
        schema = msgspec.json.schema(value_type(field.type))
        if field.default is not None and field.default is not msgspec.NODEFAULT:
            schema["default"] = field.default
        parameters.append(
            {
                "name": field.name,
                "in": "query",
                "required": field.required,
                "description": model.descriptions[field.name],
                "schema": schema,
            }
        )
    return parameters


def _operation(name: str, entry: RouteEntry, schemas: dict[str, Any]) -> dict[str, Any]:
    view = entry.view_function
    spec: BodySpec | None = getattr(view, "body_spec", None)
    # The docstring's first line is the summary; any paragraphs after it, the description.
    summary, _, description = inspect.cleandoc(view.__doc__ or name).partition("\n")
    operation: dict[str, Any] = {"operationId": name, "summary": summary}
    if description.strip():
        operation["description"] = description.strip()
    headers: tuple[tuple[str, str], ...] = getattr(view, "request_headers", ())
    parameters = [
        *_path_parameters(entry),
        *_query_parameters(getattr(view, "query_model", None)),
        *(
            {
                "name": header,
                "in": "header",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for header, text in headers
        ),
    ]
    if parameters:
        operation["parameters"] = parameters
    envelope = {"$ref": "#/components/schemas/Envelope"}
    responses: dict[str, Any] = {
        str(spec.status if spec else 200): {"description": "Success", "content": _json(envelope)}
    }
    for status, description in _ERRORS.items():
        responses[status] = {"description": description, "content": _json(envelope)}
    for retryable in ("429", "503"):
        responses[retryable]["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
    if spec is not None:
        schemas[spec.model.__name__] = json_schema(spec.model)
        operation["requestBody"] = {
            "required": not spec.optional,
            "content": _json({"$ref": f"#/components/schemas/{spec.model.__name__}"}),
        }
    authorizer = entry.authorizer
    if isinstance(authorizer, CognitoUserPoolAuthorizer):
        scopes = list(authorizer.scopes or [])
        scheme = ACCESS_TOKEN_SCHEME if scopes else ID_TOKEN_SCHEME
        operation["security"] = [{scheme: scopes}]
        responses["401"]["content"] = _json(
            {"anyOf": [envelope, {"$ref": "#/components/schemas/GatewayUnauthorized"}]}
        )
    operation["responses"] = responses
    return operation


def openapi_document(
    title: str, routes: Mapping[str, Mapping[str, RouteEntry]], extra_paths: Mapping[str, Any]
) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Envelope": _ENVELOPE, "GatewayUnauthorized": _GATEWAY_401}
    paths: dict[str, Any] = {path: dict(item) for path, item in extra_paths.items()}
    for path, methods in sorted(routes.items()):
        if path in extra_paths:
            continue
        for method, entry in sorted(methods.items()):
            if method == "OPTIONS":
                # CORS preflights, answered for browsers: no client calls them.
                continue
            paths.setdefault(path, {})[method.lower()] = _operation(entry.view_name, entry, schemas)
    token_scheme = {"type": "apiKey", "in": "header", "name": "Authorization"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "User authentication on an Amazon Cognito user pool. Bodies are "
            "JSON; answers are the envelope {message, error, success, data}, except API "
            "Gateway's own 401 on guarded routes.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                ID_TOKEN_SCHEME: {
                    **token_scheme,
                    "description": "A Cognito id token of the pool and app client, raw "
                    "(no Bearer prefix).",
                },
                ACCESS_TOKEN_SCHEME: {
                    **token_scheme,
                    "description": "A Cognito access token of the app client carrying the "
                    "listed scope, raw (no Bearer prefix).",
                },
            },
        },
    }

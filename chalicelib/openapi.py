"""The OpenAPI 3.1 document, generated from the app's own route table, the msgspec
Structs that validate each body and the TypedDicts each success answer is built
with, so that none of them can drift apart from the document."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar, get_args, get_origin

import msgspec
from chalice.app import CognitoUserPoolAuthorizer, RouteEntry
from msgspec.structs import fields

from chalicelib import errors
from chalicelib.errors import CHALICE_CODES, GATEWAY_ERROR, RATE_LIMITED, REQUEST_REFUSED
from chalicelib.rate_limits import rule_for
from chalicelib.validation import (
    MAX_BODY_BYTES,
    BodySpec,
    PathParameter,
    QueryModel,
    json_schema,
    parameter_schema,
    value_type,
)

ID_TOKEN_SCHEME = "CognitoIdToken"
ACCESS_TOKEN_SCHEME = "CognitoAccessToken"
_REF = "#/components/schemas/{name}"
_RAW_TOKEN = (
    "in the Authorization header as it is, with no `Bearer ` prefix (API Gateway's Cognito "
    "authorizer reads the header as the token): `Authorization: eyJraWQiOi...`."
)

_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["message", "error", "success", "data", "code"],
    "properties": {
        "message": {"type": "string"},
        "error": {"type": "boolean", "const": True},
        "success": {"type": "boolean", "const": False},
        "data": {"type": "null"},
        "code": {
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]*$",
            "description": "Stable, for clients to match (docs/errors.md); the message "
            "is for people and may be reworded",
        },
    },
    "additionalProperties": False,
}
_GATEWAY_401 = {
    "type": "object",
    "description": "API Gateway's own answer when its Cognito authorizer refuses the token.",
    "required": ["message"],
    "properties": {"message": {"enum": ["Unauthorized", "The incoming token has expired"]}},
    "additionalProperties": False,
}
_ERRORS = {
    "400": "The body is not a JSON object, or a field is missing or invalid",
    "401": "Wrong credentials or code, an invalid token or session",
    "403": "Not allowed: unconfirmed user, another user's data",
    "404": "No such user",
    "405": "Method not allowed",
    "409": "Conflict with the account's state: the username is taken, the user already "
    "confirmed, or an MFA change the account or the pool does not allow",
    "413": f"The body is larger than {MAX_BODY_BYTES} bytes",
    "415": "The body is not sent as application/json",
    "429": "Cognito or API Gateway is throttling, or Cognito's limit on an account's "
    "attempts is reached; retry after Retry-After seconds",
    "500": "An unexpected error; the details are only in the service's log",
    "502": "The function failed before answering (deployed: API Gateway answers)",
    "503": "Cognito, its signing keys or the service's configuration is unavailable; "
    "retry after Retry-After seconds",
    "504": "The function did not answer in time (deployed: API Gateway answers)",
}
# The 429 of a route a rate rule counts (chalicelib/rate_limits.py).
_RATE_LIMITED_429 = (
    "Cognito or API Gateway is throttling, or AWS WAF refuses an address that sent too many "
    "requests to the credential routes; retry after Retry-After seconds"
)
_REQUEST_ID = {
    "description": "The request's id, as the service's log lines carry it (answers API "
    "Gateway makes itself have none)",
    "schema": {"type": "string"},
}
_SECONDS = {"type": "integer", "minimum": 0}


V = TypeVar("V", bound=Callable[..., Any])


def request_header(name: str, description: str) -> Callable[[V], V]:
    """Declares an optional request header that a view reads, for the document."""

    def declare(view: V) -> V:
        declared = getattr(view, "request_headers", ())
        view.request_headers = (*declared, (name, description))  # type: ignore[attr-defined]
        return view

    return declare


def refuses(*refusals: type[errors.ApiError]) -> Callable[[V], V]:
    """Declares the errors the view's own work can answer (beyond every route's, and
    the request parsing's): the document lists their codes under their statuses."""

    def declare(view: V) -> V:
        view.refusals = refusals  # type: ignore[attr-defined]
        return view

    return declare


def answers(*data: Any) -> Callable[[V], V]:
    """Declares the `data` of the view's success answer: a type msgspec describes
    (the models' TypedDicts, lists of them), None, or several, one of which it is."""

    def declare(view: V) -> V:
        view.answers = data  # type: ignore[attr-defined]
        return view

    return declare


def _json(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": dict(schema)}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(name=name)}


def _name(data: Any) -> str:
    if data is None:
        return "Message"
    if get_origin(data) is list:
        return f"{_name(get_args(data)[0])}List"
    name: str = data.__name__
    return name


class _Schemas:
    """The document's components, collected while its operations are built."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {
            "ErrorAnswer": _ERROR,
            "GatewayUnauthorized": _GATEWAY_401,
        }

    def request(self, spec: BodySpec) -> dict[str, str]:
        self.components[spec.model.__name__] = json_schema(spec.model)
        return _ref(spec.model.__name__)

    def answer(self, data: tuple[Any, ...]) -> dict[str, str]:
        """The success envelope whose `data` is one of `data`."""
        name = "Or".join(map(_name, data)) + "Answer"
        members, components = msgspec.json.schema_components(data, ref_template=_REF)
        for component, schema in components.items():
            # An answer has the fields its TypedDict names and no others.
            self.components[component] = {**schema, "additionalProperties": False}
        self.components[name] = {
            "type": "object",
            "required": ["message", "error", "success", "data"],
            "properties": {
                "message": {"type": ["string", "null"]},
                "error": {"type": "boolean", "const": False},
                "success": {"type": "boolean", "const": True},
                "data": members[0] if len(members) == 1 else {"oneOf": list(members)},
            },
            "additionalProperties": False,
        }
        return _ref(name)


# The codes every route may answer whatever it does: Chalice's own answers, throttling,
# outages, and API Gateway's gateway responses (its limit on any body, 10 MB, included).
_EVERY_ROUTE: dict[str, tuple[str, ...]] = {
    "405": (CHALICE_CODES[405],),
    "413": (REQUEST_REFUSED,),
    "415": (CHALICE_CODES[415],),
    "429": (errors.TooManyRequests.code,),
    "500": (errors.ApiError.code,),
    "502": (GATEWAY_ERROR,),
    "503": (errors.ServiceUnavailable.code,),
    "504": (GATEWAY_ERROR,),
}
# Answered alike by every route: one component each, which the operations refer to.
_SHARED = frozenset(_EVERY_ROUTE) - {"413"}


def _error_schema(codes: Iterable[str]) -> dict[str, Any]:
    """The envelope of an error answer whose `code` is one of `codes`."""
    return {"allOf": [_ref("ErrorAnswer"), {"properties": {"code": {"enum": sorted(codes)}}}]}


def _error_headers(status: str) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-Id": _REQUEST_ID}
    if status == "405":
        headers["Allow"] = {
            "description": "The methods the path answers",
            "required": True,
            "schema": {"type": "string"},
        }
    if status in ("429", "503"):
        # API Gateway's own 5xx answers carry no Retry-After; its throttling answers do.
        headers["Retry-After"] = {"required": status == "429", "schema": _SECONDS}
    return headers


def _error_responses() -> dict[str, dict[str, Any]]:
    """The error answers every route shares, by the name the operations refer to them."""
    return {
        _error_name(status): {
            "description": _ERRORS[status],
            "headers": _error_headers(status),
            "content": _json(_error_schema(_EVERY_ROUTE[status])),
        }
        for status in sorted(_SHARED)
    }


def _error_name(code: str) -> str:
    return HTTPStatus(int(code)).name.title().replace("_", "")


def _refusal_codes(entry: RouteEntry, spec: BodySpec | None) -> dict[str, set[str]]:
    """The codes of each error status the route answers: every route's, the request
    parsing's where it reads a body, query or path, and those its view declares."""
    codes: dict[str, set[str]] = {status: set(found) for status, found in _EVERY_ROUTE.items()}
    view = entry.view_function
    if spec is not None or getattr(view, "query_model", None) or entry.view_args:
        codes.setdefault("400", set()).add(errors.BadRequest.code)
    if spec is not None:
        codes["413"].add(errors.PayloadTooLarge.code)
    if rule_for(entry.method, entry.uri_pattern) is not None:
        codes["429"].add(RATE_LIMITED)
    for error in getattr(view, "refusals", ()):
        codes.setdefault(str(error.status_code), set()).add(error.code)
    return codes


def _responses(
    status: int, answer: dict[str, str], guarded: bool, codes: Mapping[str, set[str]]
) -> dict[str, dict[str, Any]]:
    responses: dict[str, dict[str, Any]] = {
        str(status): {
            "description": "Success",
            "headers": {"X-Request-Id": {**_REQUEST_ID, "required": True}},
            "content": _json(answer),
        }
    }
    for code in _ERRORS:
        if code in _SHARED and codes.get(code) == set(_EVERY_ROUTE[code]):
            responses[code] = {"$ref": f"#/components/responses/{_error_name(code)}"}
        elif guarded and code == "401":
            schema: dict[str, Any] = _ref("GatewayUnauthorized")
            if codes.get(code):
                schema = {"oneOf": [_error_schema(codes[code]), schema]}
            responses[code] = {
                "description": "An invalid or expired token (API Gateway's own body)"
                + (", wrong credentials or a session that ended" if codes.get(code) else ""),
                "headers": _error_headers(code),
                "content": _json(schema),
            }
        elif codes.get(code):
            responses[code] = {
                "description": _RATE_LIMITED_429 if RATE_LIMITED in codes[code] else _ERRORS[code],
                "headers": _error_headers(code),
                "content": _json(_error_schema(codes[code])),
            }
    return responses


def _path_parameters(entry: RouteEntry) -> list[dict[str, Any]]:
    known: Mapping[str, PathParameter] = getattr(entry.view_function, "path_parameters", {})
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": known[name].description,
            "schema": parameter_schema(known[name].kind),
        }
        for name in entry.view_args
    ]


def _query_parameters(model: type[QueryModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    parameters = []
    for field in fields(model):
        schema = parameter_schema(value_type(field.type))
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


def _operation(name: str, entry: RouteEntry, schemas: _Schemas) -> dict[str, Any]:
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
    if spec is not None:
        operation["requestBody"] = {
            "description": f"At most {MAX_BODY_BYTES} bytes; other properties are ignored.",
            "required": not spec.optional,
            "content": _json(schemas.request(spec)),
        }
    authorizer = entry.authorizer
    if isinstance(authorizer, CognitoUserPoolAuthorizer):
        scopes = list(authorizer.scopes or [])
        scheme = ACCESS_TOKEN_SCHEME if scopes else ID_TOKEN_SCHEME
        operation["security"] = [{scheme: scopes}]
    data: tuple[Any, ...] | None = getattr(view, "answers", None)
    if data is None:
        raise TypeError(f"{name}: declare the data of its success answer with @answers")
    operation["responses"] = _responses(
        spec.status if spec else 200,
        schemas.answer(data),
        "security" in operation,
        _refusal_codes(entry, spec),
    )
    return operation


def openapi_document(
    title: str, routes: Mapping[str, Mapping[str, RouteEntry]], extra_paths: Mapping[str, Any]
) -> dict[str, Any]:
    schemas = _Schemas()
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
            "Gateway's own 401 on guarded routes. Tokens go " + _RAW_TOKEN,
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "responses": _error_responses(),
            "securitySchemes": {
                ID_TOKEN_SCHEME: {
                    **token_scheme,
                    "description": "A Cognito id token of the pool and app client, " + _RAW_TOKEN,
                },
                ACCESS_TOKEN_SCHEME: {
                    **token_scheme,
                    "description": "A Cognito access token of the app client carrying the "
                    "listed scope, " + _RAW_TOKEN,
                },
            },
        },
    }

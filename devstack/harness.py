"""What the tests and the bench both need to run the app in-process on moto."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any

from chalice.test import Client


def moto_jwks(name: str) -> dict[str, Any]:
    """`jwks-public` or `jwks-private`, as moto ships them (its tokens' key)."""
    resource = resources.files("moto.cognitoidp") / "resources" / f"{name}.json.gz"
    document: dict[str, Any] = json.loads(gzip.decompress(resource.read_bytes()))
    return document


class Http:
    """chalice.test.Client with JSON in and out."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def raw_get(self, path: str) -> Any:
        return self._client.http.get(path)

    def raw_post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Any:
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return self._client.http.post(
            path, headers={"Content-Type": "application/json", **(headers or {})}, body=payload
        )

    def post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        response = self.raw_post(path, body, headers, raw)
        return response.status_code, json.loads(response.body)

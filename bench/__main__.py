"""`make bench`: what token verification and the app's imports cost, as ratios
against baselines measured in the same run (absolute numbers move with the machine).

1. Verifying a Cognito-shaped id token with TokenVerifier (PyJWT plus our claim
   checks), against the bare RS256 signature check with `cryptography`.
2. Importing the app (the Lambda cold start's share that is ours), with and
   without chalice.local (which Lambda packages do not contain), against
   importing boto3, which every Lambda that talks to Cognito pays anyway.
"""

from __future__ import annotations

import base64
import gzip
import json
import statistics
import subprocess
import sys
import time
import timeit
from importlib import resources
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from chalicelib.token_verification import JwksCache, TokenVerifier

POOL = "eu-west-1_AbCdEf123"
CLIENT = "4bd3oq2n7sq4ib1hpl6v9vmlfk"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"


def _jwks(name: str) -> dict[str, Any]:
    resource = resources.files("moto.cognitoidp") / "resources" / f"{name}.json.gz"
    document: dict[str, Any] = json.loads(gzip.decompress(resource.read_bytes()))
    return document


def _token() -> str:
    now = int(time.time())
    claims = {
        "sub": "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f",
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": "3f6c2a8e-1b7d-4c5e-9a0f-2d4b6e8a1c3f",
        "cognito:groups": ["admin"],
        "origin_jti": "9b1c3d6e-2f4a-4b8c-8d0e-1a2b3c4d5e6f",
        "aud": CLIENT,
        "event_id": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a",
        "token_use": "id",
        "auth_time": now,
        "name": "Demo User",
        "exp": now + 3600,
        "iat": now,
        "jti": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "email": "demo@example.com",
    }
    key = jwt.PyJWK(_jwks("jwks-private")).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def _best_per_call(function: Any, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=7)) / number


def verification() -> tuple[float, float]:
    token = _token()
    public = _jwks("jwks-public")
    verifier = TokenVerifier(ISSUER, CLIENT, JwksCache(lambda: public))
    verifier.verify(token, "id")
    key = jwt.PyJWK(public["keys"][0]).key
    signing_input, _, signature_b64 = token.rpartition(".")
    signature = base64.urlsafe_b64decode(signature_b64 + "==")

    def bare() -> None:
        key.verify(signature, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())

    return _best_per_call(bare, 2000), _best_per_call(lambda: verifier.verify(token, "id"), 2000)


def import_seconds(module: str, runs: int = 7, prelude: str = "") -> float:
    code = (
        f"{prelude}import time; t = time.perf_counter(); import {module}; "
        "print(time.perf_counter() - t)"
    )
    samples = [
        float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)
    ]
    return statistics.median(samples)


def main() -> None:
    bare, ours = verification()
    print("token verification, per token (best of 7 x 2000)")
    print(f"  bare RS256 signature check  {bare * 1e6:8.1f} us   1.00")
    print(f"  TokenVerifier.verify        {ours * 1e6:8.1f} us   {ours / bare:4.2f}x")
    boto = import_seconds("boto3")
    print("imports in a fresh interpreter (median of 7)")
    print(f"  boto3 (baseline)            {boto * 1e3:8.1f} ms   1.00")
    for module in ("jwt", "pydantic", "app"):
        seconds = import_seconds(module)
        print(f"  {module:<27} {seconds * 1e3:8.1f} ms   {seconds / boto:4.2f}x")
    # A Lambda package holds only chalice.app: without chalice.local, as deployed.
    seconds = import_seconds("app", prelude="import sys; sys.modules['chalice.local'] = None; ")
    print(f"  {'app, as packaged':<27} {seconds * 1e3:8.1f} ms   {seconds / boto:4.2f}x")


if __name__ == "__main__":
    main()

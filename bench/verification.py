"""Row 3: microseconds per verification of a Cognito-sized id token with a warm key
cache, against the floor: the bare RS256 signature check with `cryptography`."""

from __future__ import annotations

import base64
import statistics
import timeit
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench.report import Row
from bench.tokens import cognito_id_token, public_key
from chalicelib.token_verification import JwksCache, TokenVerifier
from devstack.harness import moto_jwks

POOL = "eu-west-1_AbCdEf123"
CLIENT = "4bd3oq2n7sq4ib1hpl6v9vmlfk"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
GOAL = 2.5


def _median_per_call(call: Callable[[], object], number: int, repeat: int) -> float:
    return statistics.median(timeit.repeat(call, number=number, repeat=repeat)) / number


def measure(repeat: int, number: int) -> list[Row]:
    """Median over `repeat` runs of `number` verifications each."""
    token = cognito_id_token(ISSUER, CLIENT)
    jwks = moto_jwks("jwks-public")
    verifier = TokenVerifier([ISSUER], CLIENT, JwksCache(lambda: jwks))
    verifier.verify(token, "id")  # the key set is fetched (here: handed over) once
    key = public_key()
    signing_input, _, signature_b64 = token.rpartition(".")
    signature = base64.urlsafe_b64decode(signature_b64 + "==")
    data = signing_input.encode("ascii")

    def bare() -> None:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())

    def ours() -> None:
        verifier.verify(token, "id")

    # Interleaved, so that both see the same stretch of a noisy machine.
    bare_samples, ours_samples = [], []
    for _ in range(repeat):
        bare_samples.append(_median_per_call(bare, number, 1))
        ours_samples.append(_median_per_call(ours, number, 1))
    return [
        Row(
            "3. token verification",
            f"TokenVerifier.verify, id token of {len(token)} chars",
            statistics.median(ours_samples) * 1e6,
            statistics.median(bare_samples) * 1e6,
            "us",
            "bare cryptography RS256 check",
            GOAL,
        )
    ]

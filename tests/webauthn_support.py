"""A software passkey authenticator for the tests: from a server's options it makes the
credentials a browser's `PublicKeyCredential.toJSON()` serializes, a registration
(RegistrationResponseJSON) and an assertion (AuthenticationResponseJSON), base64url
without padding, ES256 keys (EC P-256), attestation "none".

    authenticator = Authenticator("https://localhost", "localhost")
    credential = authenticator.register(start["CredentialCreationOptions"])
    answer = authenticator.assertion(json.loads(credential_request_options))

Every field a server checks can be made wrong: `origin` (clientDataJSON's), `rp_id`
(hashed into authenticatorData), `user_verified` (the UV flag) and `sign_count` are
attributes, read at each call. Like a fresh authenticator, it ignores
excludeCredentials; `register(..., credential_id=...)` registers one of its credentials
again, as a server must refuse. Its credentials last as long as the object.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# COSE: key type EC2, algorithm ES256, curve P-256 (RFC 9053).
_COSE_EC2, _COSE_ES256, _COSE_P256 = 2, -7, 1
_USER_PRESENT, _USER_VERIFIED, _ATTESTED_DATA = 0x01, 0x04, 0x40
# Attestation "none" carries no authenticator model: the AAGUID is zeros.
_NO_AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON forms encode bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class _Key:
    private: ec.EllipticCurvePrivateKey
    user_handle: bytes


class Authenticator:
    """A passkey provider on one device, for one origin and RP ID (both changeable)."""

    def __init__(
        self,
        origin: str,
        rp_id: str,
        user_verified: bool = True,
        sign_count: int = 0,
        attachment: str | None = "platform",
        transports: tuple[str, ...] = ("internal",),
    ) -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.user_verified = user_verified
        # The counter the next credential reports: an assertion adds one to it first,
        # unless it is 0 (an authenticator without a counter, as synced passkeys are).
        self.sign_count = sign_count
        self.attachment = attachment
        self.transports = transports
        self.keys: dict[str, _Key] = {}

    def register(
        self, creation_options: dict[str, Any], credential_id: str | None = None
    ) -> dict[str, Any]:
        """The RegistrationResponseJSON that answers PublicKeyCredentialCreationOptionsJSON:
        a new credential, or again the one `credential_id` names."""
        if credential_id is None:
            credential_id = b64url(secrets.token_bytes(32))
            user_handle = from_b64url(creation_options["user"]["id"])
            self.keys[credential_id] = _Key(ec.generate_private_key(ec.SECP256R1()), user_handle)
        key = self.keys[credential_id]
        public = key.private.public_key()
        numbers = public.public_numbers()
        cose_key = cbor2.dumps(
            {
                1: _COSE_EC2,
                3: _COSE_ES256,
                -1: _COSE_P256,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        raw_id = from_b64url(credential_id)
        attested = _NO_AAGUID + struct.pack(">H", len(raw_id)) + raw_id + cose_key
        authenticator_data = self._authenticator_data(_ATTESTED_DATA) + attested
        client_data = self._client_data("webauthn.create", creation_options["challenge"])
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
        spki = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return self._credential(
            credential_id,
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(authenticator_data),
                "transports": list(self.transports),
                "publicKey": b64url(spki),
                "publicKeyAlgorithm": _COSE_ES256,
                "attestationObject": b64url(attestation),
            },
        )

    def assertion(self, request_options: dict[str, Any]) -> dict[str, Any]:
        """The AuthenticationResponseJSON that answers PublicKeyCredentialRequestOptionsJSON,
        signed by the first of its credentials the options allow (any, if they name none)."""
        allowed = [each["id"] for each in request_options.get("allowCredentials", [])]
        credential_id = next((c for c in self.keys if not allowed or c in allowed), None)
        if credential_id is None:
            raise LookupError("none of this authenticator's credentials is allowed")
        if self.sign_count:
            self.sign_count += 1
        key = self.keys[credential_id]
        authenticator_data = self._authenticator_data(0)
        client_data = self._client_data("webauthn.get", request_options["challenge"])
        signature = key.private.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            credential_id,
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(authenticator_data),
                "signature": b64url(signature),
                "userHandle": b64url(key.user_handle),
            },
        )

    def _authenticator_data(self, flags: int) -> bytes:
        flags |= _USER_PRESENT | (_USER_VERIFIED if self.user_verified else 0)
        rp_id_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_id_hash + bytes([flags]) + struct.pack(">I", self.sign_count)

    def _client_data(self, ceremony: str, challenge: str) -> bytes:
        collected = {"type": ceremony, "challenge": challenge, "origin": self.origin}
        return json.dumps({**collected, "crossOrigin": False}, separators=(",", ":")).encode()

    def _credential(self, credential_id: str, response: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
        }

"""What an authenticator app needs to enrol: the otpauth:// URI and its QR code."""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode


def provisioning_uri(issuer: str, account: str, secret: str) -> str:
    """`otpauth://totp/<issuer>:<account>?secret=...&issuer=...`, Google's Key Uri
    Format. Cognito's codes are the format's defaults (SHA-1, 6 digits, 30 s), so
    the URI leaves them out: some apps ignore them, and a few misread them. The
    issuer is in the label for older apps and in the parameter for newer ones."""
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    query = urlencode({"secret": secret, "issuer": issuer}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_svg(text: str) -> str:
    """`text` as a QR code, an SVG document of its own (a file, an <img> or inline)."""
    # Imported here: only enrolment pays for it (about 6 ms after boto3), not every
    # cold start.
    import segno

    svg = io.BytesIO()
    segno.make(text, micro=False).save(svg, kind="svg", xmldecl=False, scale=4)
    return svg.getvalue().decode("utf-8")

"""Signing up: the attributes an account starts with, and what the answer tells."""

from __future__ import annotations

from chalicelib import token_budget
from chalicelib.models.signup import SignUpRequest, SignUpResult
from chalicelib.services import services


def sign_up(request: SignUpRequest) -> SignUpResult:
    attributes = {"email": request.email or request.username}
    if request.name is not None:
        attributes["name"] = request.name
    token_budget.check(attributes, (), services.settings())
    answer = services.gateway().sign_up(request.username, request.password, attributes)
    return {
        "user_confirmed": answer["UserConfirmed"],
        "destination": answer.get("CodeDeliveryDetails", {}).get("Destination"),
    }

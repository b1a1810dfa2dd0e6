"""The per-client limits and threat protection of the packaged stack, read from the
CloudFormation `make package` merges (deploy/template.json through deploy/package.py).

The web ACL's rules are run here by a small interpreter of the WAF statements they
use, against every route the app has, with and without the stage prefix, so a rule's
scope is checked as WAF would apply it, not as its text reads. Conditions and
intrinsic functions are resolved the same way for each parameter choice. Nothing here
has run against AWS: the packaged stack test (tests/e2e/test_packaged_stack.py) lints
the whole template and runs the SAM transform over it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

from app import app
from chalicelib import rate_limits
from chalicelib.cors import EXPOSED_HEADERS
from chalicelib.responses import error_envelope
from deploy.package import STAGES, merge_template
from devstack.environment import ROOT

# Byte for byte what WAF sends; the local stack's emulation of these rules
# (`make run`) answers with the same bytes.
RATE_LIMITED_MESSAGE = (
    "Too many requests from this address: retry after the number of seconds in Retry-After"
)
RATE_LIMITED_BODY = (
    '{"message":"Too many requests from this address: retry after the number of seconds in '
    'Retry-After","error":true,"success":false,"data":null,"code":"rate_limited"}'
)
RATE_RULES = {
    "sign-in-rate": ("SignInRateLimit", 60),
    "code-rate": ("CodeRateLimit", 30),
    "renew-rate": ("RenewRateLimit", 150),
}
# Which routes each rule must count, written out apart from the rules' own patterns.
CODE_ROUTES = {
    "/signup",
    "/signup/confirm",
    "/signup/resend-code",
    "/password/forgot",
    "/password/confirm",
}
RENEW_ROUTES = {"/user/renew_refresh_token"}
PAGES = ("https://app.example.com", "http://localhost:3000")
NO_VALUE = object()


def _expected_rule(path: str) -> str | None:
    if path == "/login" or path.startswith("/login/"):
        return "sign-in-rate"
    if path in CODE_ROUTES:
        return "code-rate"
    if path in RENEW_ROUTES:
        return "renew-rate"
    return None


@pytest.fixture(params=STAGES)
def template(request: pytest.FixtureRequest) -> dict[str, Any]:
    merged: dict[str, Any] = merge_template(request.param)
    return merged


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r.get("Type") == kind]


def _acl(template: dict[str, Any]) -> dict[str, Any]:
    (acl,) = _resources(template, "AWS::WAFv2::WebACL")
    properties: dict[str, Any] = acl["Properties"]
    return properties


def _rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _acl(template)["Rules"]}


def _resolve(value: Any, template: dict[str, Any], chosen: dict[str, str]) -> Any:
    """`value` with its intrinsic functions and conditions worked out, as CloudFormation
    would for the stack's parameters: their defaults, overridden by `chosen`."""
    parameters = {
        name: str(chosen.get(name, parameter.get("Default", "")))
        for name, parameter in template["Parameters"].items()
    }

    def condition(name: str) -> bool:
        return bool(resolve(template["Conditions"][name]))

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [item for item in map(resolve, node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((function, argument),) = node.items()
            if function == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else parameters[argument]
            if function == "Condition":
                return condition(argument)
            if function == "Fn::If":
                name, when_true, when_false = argument
                return resolve(when_true if condition(name) else when_false)
            if function == "Fn::Equals":
                left, right = resolve(argument)
                return left == right
            if function == "Fn::Not":
                (inner,) = resolve(argument)
                return not inner
            if function == "Fn::Split":
                separator, text = resolve(argument)
                return text.split(separator)
            if function == "Fn::Select":
                index, items = resolve(argument)
                return items[int(index)]
            assert not function.startswith("Fn::"), f"{function} is not interpreted here"
        return {k: v for k, v in ((k, resolve(v)) for k, v in node.items()) if v is not NO_VALUE}

    return resolve(value)


def _transformed(text: str, transformations: list[dict[str, Any]]) -> str:
    for transformation in sorted(transformations, key=lambda t: t["Priority"]):
        kind = transformation["Type"]
        if kind == "URL_DECODE":
            text = unquote(text)
        elif kind == "LOWERCASE":
            text = text.lower()
        else:
            assert kind == "NONE", f"text transformation {kind} is not interpreted here"
    return text


def _matches(statement: dict[str, Any], method: str, path: str) -> bool:
    """Whether a WAF statement matches a request, for the statements the ACL uses; any
    other fails the test, so a rule cannot change shape without this changing too."""
    ((kind, body),) = statement.items()
    if kind == "AndStatement":
        return all(_matches(inner, method, path) for inner in body["Statements"])
    ((field, _),) = body["FieldToMatch"].items()
    value = _transformed({"Method": method, "UriPath": path}[field], body["TextTransformations"])
    if kind == "ByteMatchStatement":
        search: str = body["SearchString"]
        assert body["PositionalConstraint"] == "EXACTLY", "only EXACTLY is interpreted here"
        return value == search
    assert kind == "RegexMatchStatement", f"{kind} is not interpreted here"
    return re.search(body["RegexString"], value) is not None


def _counting(template: dict[str, Any], method: str, path: str) -> set[str]:
    """The rate rules that count a request (whose scope-down statement matches it)."""
    return {
        name
        for name, rule in _rules(template).items()
        if "RateBasedStatement" in rule["Statement"]
        and _matches(rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"], method, path)
    }


def _stage_prefix() -> str:
    """On the execute-api URL, the path WAF sees starts with the stage's name."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    (stage,) = {config["stages"][name]["api_gateway_stage"] for name in STAGES}
    return f"/{stage}"


def _concrete(route: str) -> str:
    """A route's path with each parameter filled; with `login`, the value most likely
    to fool a pattern."""
    return re.sub(r"\{[^}]+\}", "login", route)


def test_the_expected_sign_in_routes_are_the_apps() -> None:
    """The lists this file checks the rules against name real routes."""
    sign_in = {path for path in app.routes if _expected_rule(path) == "sign-in-rate"}

    assert sign_in == {
        "/login",
        "/login/challenge",
        "/login/mfa/totp/setup",
        "/login/mfa/totp/verify",
        # It sends one-time codes: each POST costs an email or an SMS.
        "/login/start",
    }
    assert set(app.routes) >= CODE_ROUTES | RENEW_ROUTES


@pytest.mark.parametrize("prefix", ["", _stage_prefix()])
def test_each_rate_rule_counts_exactly_the_posts_to_its_routes(
    template: dict[str, Any], prefix: str
) -> None:
    """Every method of every route, preflights included, with and without the stage
    prefix: a POST to a credential route is counted by its one rule, nothing else by
    any."""
    for route, methods in app.routes.items():
        path = prefix + _concrete(route)
        assert "OPTIONS" in methods, route
        for method in {*methods, "GET", "PUT"}:
            expected = _expected_rule(route) if method == "POST" else None
            assert _counting(template, method, path) == ({expected} if expected else set()), (
                method,
                path,
            )


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/login/", "sign-in-rate"),
        ("/api/login/", "sign-in-rate"),
        ("/login/passkey/options", "sign-in-rate"),  # a sign-in route still to come
        ("/%6Cogin", "sign-in-rate"),  # percent-encoded: decoded before matching
        ("/api/signup/confirm/", "code-rate"),
        ("/user/renew_refresh_token/", "renew-rate"),
        ("/logout", None),
        ("/loginx", None),
        ("/LOGIN", None),  # API Gateway's paths are case-sensitive: no route answers it
        ("/signup/confirmx", None),
        ("/user/renew_refresh_token/x", None),
        ("/user/signup", "code-rate"),  # one leading segment is a prefix: a base path
        ("/admin/users/login", None),
    ],
)
def test_the_path_patterns_at_their_edges(
    template: dict[str, Any], path: str, rule: str | None
) -> None:
    assert _counting(template, "POST", path) == ({rule} if rule else set())


def test_the_rate_rules_count_per_source_address_with_the_parameters_limits(
    template: dict[str, Any],
) -> None:
    rules = _rules(template)
    parameters = template["Parameters"]

    assert {n for n, r in rules.items() if "RateBasedStatement" in r["Statement"]} == set(
        RATE_RULES
    )
    for name, (parameter, default) in RATE_RULES.items():
        statement = rules[name]["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP", name
        assert statement["Limit"] == {"Ref": parameter}, name
        assert statement["EvaluationWindowSec"] == {"Ref": "RateLimitWindowSeconds"}, name
        assert set(statement) == {
            "AggregateKeyType",
            "Limit",
            "EvaluationWindowSec",
            "ScopeDownStatement",
        }
        # WAF refuses a limit under 10.
        assert parameters[parameter] == {**parameters[parameter], "Type": "Number"}
        assert (parameters[parameter]["Default"], parameters[parameter]["MinValue"]) == (
            default,
            10,
        )
    window = parameters["RateLimitWindowSeconds"]
    assert (window["Type"], window["Default"]) == ("Number", 300)
    assert window["AllowedValues"] == [60, 120, 300, 600]


def test_a_blocked_request_gets_429_the_envelope_and_retry_after(
    template: dict[str, Any],
) -> None:
    acl = _acl(template)
    body = acl["CustomResponseBodies"]["rate_limited"]

    assert body == {"ContentType": "APPLICATION_JSON", "Content": RATE_LIMITED_BODY}
    assert json.loads(body["Content"]) == error_envelope(RATE_LIMITED_MESSAGE, "rate_limited")
    for name in RATE_RULES:
        for window in ("60", "600"):
            action = _resolve(
                _rules(template)[name]["Action"], template, {"RateLimitWindowSeconds": window}
            )
            response = action["Block"]["CustomResponse"]
            assert set(action) == {"Block"}
            assert (response["ResponseCode"], response["CustomResponseBodyKey"]) == (
                429,
                "rate_limited",
            )
            # WAF sets Content-Type from the body's ContentType and refuses it as a header.
            assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": window}]


@pytest.mark.parametrize(
    ("origins", "allowed"),
    [("", None), (PAGES[0], PAGES[0]), (",".join(PAGES), PAGES[0])],
)
def test_the_429_names_the_first_allowed_origin_for_cors(
    template: dict[str, Any], origins: str, allowed: str | None
) -> None:
    """A WAF answer's headers are fixed strings: it names the single allowed origin (the
    first of several), exposes Retry-After to it, and carries no CORS header when no
    origin is allowed."""
    for name in RATE_RULES:
        action = _resolve(_rules(template)[name]["Action"], template, {"CorsAllowOrigins": origins})
        headers = {
            h["Name"]: h["Value"] for h in action["Block"]["CustomResponse"]["ResponseHeaders"]
        }
        cors = {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        }
        assert headers == {"Retry-After": "300", **(cors if allowed else {})}
        assert "Retry-After" in EXPOSED_HEADERS.split(",")


def test_aws_ip_reputation_list_runs_first_with_its_own_actions(template: dict[str, Any]) -> None:
    rules = _acl(template)["Rules"]
    (reputation,) = [r for r in rules if "ManagedRuleGroupStatement" in r["Statement"]]

    assert reputation["Statement"]["ManagedRuleGroupStatement"] == {
        "VendorName": "AWS",
        "Name": "AWSManagedRulesAmazonIpReputationList",
    }
    assert reputation["OverrideAction"] == {"None": {}}
    assert "Action" not in reputation
    assert reputation["Priority"] == min(r["Priority"] for r in rules)


def test_the_acl_is_regional_allows_by_default_and_reports_every_rule(
    template: dict[str, Any],
) -> None:
    acl = _acl(template)
    rules = acl["Rules"]
    metrics_on = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True}

    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    for config in [acl["VisibilityConfig"], *(r["VisibilityConfig"] for r in rules)]:
        assert config == {**config, **metrics_on}
    assert len({r["Priority"] for r in rules}) == len({r["Name"] for r in rules}) == len(rules)
    assert len({r["VisibilityConfig"]["MetricName"] for r in rules}) == len(rules)


def test_the_acl_guards_the_stage_sam_creates(template: dict[str, Any]) -> None:
    """${RestAPI.Stage} makes CloudFormation wait for the stage; the API's id alone
    would let the association race it."""
    (association,) = _resources(template, "AWS::WAFv2::WebACLAssociation")
    (acl_name,) = [
        k for k, r in template["Resources"].items() if r.get("Type") == "AWS::WAFv2::WebACL"
    ]

    assert association["Properties"] == {
        "ResourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::"
            "/restapis/${RestAPI}/stages/${RestAPI.Stage}"
        },
        "WebACLArn": {"Fn::GetAtt": [acl_name, "Arn"]},
    }


def test_the_packaged_stages_use_a_regional_endpoint() -> None:
    """WAF on the stage then sees the caller's own address as the source IP: no
    API Gateway-managed CloudFront distribution stands in front of it."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())

    assert {config["stages"][name]["api_gateway_endpoint_type"] for name in STAGES} == {"REGIONAL"}


def _tier_settings(template: dict[str, Any]) -> dict[str, Any]:
    pool = template["Resources"]["UserPool"]["Properties"]
    return {name: pool[name] for name in ("UserPoolTier", "UserPoolAddOns")}


@pytest.mark.parametrize(
    ("threat_protection", "tier"),
    # Choice-based sign-in (/login/start) needs Essentials at least.
    [("OFF", "ESSENTIALS"), ("AUDIT", "PLUS"), ("ENFORCED", "PLUS")],
)
def test_threat_protection_sets_the_pools_mode_and_needs_the_plus_tier(
    template: dict[str, Any], threat_protection: str, tier: str
) -> None:
    pool = _resolve(_tier_settings(template), template, {"ThreatProtection": threat_protection})

    assert pool["UserPoolTier"] == tier
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": threat_protection}


def test_threat_protection_is_off_by_default(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["ThreatProtection"]
    pool = _resolve(_tier_settings(template), template, {})

    assert (parameter["Default"], parameter["AllowedValues"]) == (
        "OFF",
        ["OFF", "AUDIT", "ENFORCED"],
    )
    assert (pool["UserPoolTier"], pool["UserPoolAddOns"]) == (
        "ESSENTIALS",
        {"AdvancedSecurityMode": "OFF"},
    )


def test_the_client_lets_cognito_see_the_callers_context(template: dict[str, Any]) -> None:
    """Behind Lambda, Cognito sees Lambda's address; the caller's comes in UserContextData,
    which Cognito reads only from a client with a secret and this flag."""
    client = template["Resources"]["UserPoolClient"]["Properties"]

    assert client["EnablePropagateAdditionalUserContextData"] is True
    assert client["GenerateSecret"] is True


def test_make_runs_emulation_counts_as_the_templates_defaults(template: dict[str, Any]) -> None:
    """`make run` answers a guessing client as the deployed WAF would: the same routes
    per rule, the same default limits and window, the same bytes (chalicelib.rate_limits)."""
    parameters = template["Parameters"]
    rules = _rules(template)
    for route in app.routes:
        path = _concrete(route)
        local = rate_limits.rule_for("POST", path)
        deployed = _counting(template, "POST", path)
        assert len(deployed) <= 1, path
        if local is None:
            assert deployed == set(), path
            continue
        (name,) = deployed
        limit = rules[name]["Statement"]["RateBasedStatement"]["Limit"]["Ref"]
        assert local.limit == parameters[limit]["Default"], path
    assert parameters["RateLimitWindowSeconds"]["Default"] == rate_limits.WINDOW_SECONDS
    assert str(rate_limits.WINDOW_SECONDS) == rate_limits.RETRY_AFTER
    assert _acl(template)["CustomResponseBodies"]["rate_limited"]["Content"].encode() == (
        rate_limits.BLOCKED_BODY
    )

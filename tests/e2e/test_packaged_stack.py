"""`make package`'s output, read back: the AWS stack a user deploys, checked offline.

Each stage is packaged once (chalice package + deploy/template.json), and prod once
more for arm64; each is linted with cfn-lint (SAM transform included), its template is
asserted property by property, and its zip is opened and run the way Lambda runs it.
Nothing here reaches AWS (chalice fetches the Lambda wheels from the package index).
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import botocore.session
import pytest
from botocore import xform_name

from app import app
from bench.lambda_layout import lambda_runtime
from chalicelib.errors import (
    GATEWAY_ERROR,
    REQUEST_REFUSED,
    GatewayUnauthorized,
    TokenExpired,
    TooManyRequests,
)
from chalicelib.models.account import WRITABLE_ATTRIBUTES
from chalicelib.responses import error_envelope
from chalicelib.settings import REQUIRED, SECRET_ARN, SECRET_VALUE
from deploy.package import package, require_interpreter, runtime_version
from devstack.environment import FAKE_CREDENTIALS, ROOT
from devstack.events import proxy_event
from devstack.pool import ADMIN_GROUP, as_deployed, create_confirmed_user
from devstack.process import stack_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

# cfn-lint and the SAM transform, in the environment `make test` builds for them.
CFN_TOOLS = ROOT / ".venv-cfn" / "bin"
SAM_TRANSFORM = """
import json, sys
import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

sam = json.load(sys.stdin)
session = boto3.session.Session(region_name="eu-west-1")
print(json.dumps(Translator(None, Parser(), boto_session=session).translate(sam, {})))
"""

# ELF e_machine values of Lambda's two instruction sets.
ELF_X86_64 = 62
ELF_AARCH64 = 183

# Per account and region, shared by every pool (docs/deploy.md, "Deploy to AWS").
COGNITO_AUTHENTICATION_QUOTA_RPS = 120


@pytest.fixture(scope="session", params=["dev", "prod"])
def packaged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/<stage>/sam.json, as `make package STAGE=<stage>` writes it."""
    return package(request.param, tmp_path_factory.mktemp("packages") / request.param)


@pytest.fixture(scope="session")
def arm64_packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/prod/sam.json, as `make package ARCH=arm64` writes it."""
    return package("prod", tmp_path_factory.mktemp("packages") / "prod-arm64", "arm64")


@pytest.fixture(scope="session")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.read_text())
    return loaded


@pytest.fixture(scope="session")
def deployed(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation that the SAM transform makes of the template at deploy time,
    after `aws cloudformation package` has put the zip in S3."""
    sam = copy.deepcopy(template)
    sam["Resources"]["APIHandler"]["Properties"]["CodeUri"] = "s3://deploy-bucket/deployment.zip"
    result = subprocess.run(
        [_cfn_tool("python"), "-c", SAM_TRANSFORM],
        input=json.dumps(sam),
        capture_output=True,
        text=True,
        check=True,
    )
    resources: dict[str, Any] = json.loads(result.stdout)["Resources"]
    return resources


def _cfn_tool(name: str) -> str:
    tool = CFN_TOOLS / name
    assert tool.exists(), f"{tool} is missing: `make test` (or `make e2e`) installs it"
    return str(tool)


def _properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][name]["Properties"]
    return properties


def _env(template: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = _properties(template, "APIHandler")["Environment"]["Variables"]
    return variables


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = _properties(template, "ApiHandlerRole")["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


def _nodes(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for child in children:
            yield from _nodes(child)


def _cognito_model() -> Any:
    return botocore.session.get_session().get_service_model("cognito-idp")


def cognito_operations_called() -> set[str]:
    """Every Cognito operation the deployed code can call, read from its source: any
    reference to a method that a cognito-idp client has, called at once
    (`client.admin_get_user(...)`) or later (`functools.partial(client.admin_get_user,
    ...)`)."""
    model = _cognito_model()
    by_method = {xform_name(name): name for name in model.operation_names}
    called = set()
    for path in [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in by_method:
                called.add(by_method[node.attr])
    return called


def iam_authorized(operations: set[str]) -> set[str]:
    """The operations IAM must allow; botocore's model marks the public ones (sign-in,
    sign-up, token-authorized calls) as unauthenticated."""
    model = _cognito_model()
    return {name for name in operations if model.operation_model(name).auth_type != "none"}


def test_the_source_reading_finds_the_calls_it_must() -> None:
    called = cognito_operations_called()

    assert {"InitiateAuth", "SignUp", "GlobalSignOut", "AdminGetUser"} <= called
    assert {"ListUsers", "AdminDisableUser", "AdminRemoveUserFromGroup"} <= called
    # The admin API's checks: the caller's groups, the admin group's members.
    assert {"AdminListGroupsForUser", "ListUsersInGroup", "AdminUserGlobalSignOut"} <= called
    # ListUsers and ListUsersInGroup are the IAM-authorized calls whose names do not
    # say Admin.
    assert iam_authorized(called) == {
        name
        for name in called
        if name.startswith("Admin") or name in {"ListUsers", "ListUsersInGroup"}
    }


def test_packaged_template_passes_cfn_lint(packaged: Path) -> None:
    result = subprocess.run(
        [_cfn_tool("cfn-lint"), str(packaged)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pool_signs_in_by_email_and_states_its_password_policy(
    template: dict[str, Any],
) -> None:
    pool = _properties(template, "UserPool")

    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 8,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
        "TemporaryPasswordValidityDays": 7,
    }
    assert pool["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": False}
    # Users may turn on an authenticator app (POST /user/mfa/totp/setup); none must.
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    # Lite unless ThreatProtection asks for Plus (tests/unit/test_waf.py resolves each choice).
    # Choice-based sign-in (/login/start) needs Essentials at least.
    assert pool["UserPoolTier"] == {"Fn::If": ["ThreatProtectionOn", "PLUS", "ESSENTIALS"]}


def test_a_new_email_counts_only_once_verified(template: dict[str, Any]) -> None:
    """The client may write `email` (sign-up needs it), so a token holder could call
    Cognito's UpdateUserAttributes directly; the pool keeps the old, verified address
    until the new one is confirmed."""
    settings = _properties(template, "UserPool")["UserAttributeUpdateSettings"]

    assert settings == {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_only_the_prod_pool_is_protected_from_deletion(
    packaged: Path, template: dict[str, Any]
) -> None:
    pool = template["Resources"]["UserPool"]
    prod = packaged.parent.name == "prod"

    assert pool["Properties"]["DeletionProtection"] == ("ACTIVE" if prod else "INACTIVE")
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == ("Retain" if prod else "Delete")


def test_the_app_client_has_a_secret_and_only_the_flows_the_api_uses(
    template: dict[str, Any],
) -> None:
    app_client = _properties(template, "UserPoolClient")

    assert app_client["UserPoolId"] == {"Ref": "UserPool"}
    assert app_client["GenerateSecret"] is True
    # Cognito refuses REFRESH_TOKEN_AUTH under rotation: that flow only without it.
    assert app_client["ExplicitAuthFlows"] == {
        "Fn::If": [
            "RotatesRefreshTokens",
            ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"],
            ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ]
    }
    assert app_client["RefreshTokenRotation"] == {
        "Feature": {"Ref": "RefreshTokenRotation"},
        "RetryGracePeriodSeconds": {"Ref": "RefreshTokenGracePeriodSeconds"},
    }
    assert template["Parameters"]["RefreshTokenRotation"]["Default"] == "ENABLED"
    assert template["Parameters"]["RefreshTokenGracePeriodSeconds"]["Default"] == 10
    assert app_client["PreventUserExistenceErrors"] == "ENABLED"
    assert app_client["EnableTokenRevocation"] is True
    assert (app_client["AccessTokenValidity"], app_client["IdTokenValidity"]) == (60, 60)
    assert app_client["RefreshTokenValidity"] == 30
    assert app_client["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "days",
    }


def test_the_app_client_writes_only_what_sign_up_and_the_attribute_route_accept(
    template: dict[str, Any],
) -> None:
    written = set(_properties(template, "UserPoolClient")["WriteAttributes"])

    assert written == WRITABLE_ATTRIBUTES | {"email"}


def test_the_admin_group_is_the_one_the_function_checks(template: dict[str, Any]) -> None:
    group = _properties(template, "AdminGroup")

    assert group == {**group, "UserPoolId": {"Ref": "UserPool"}, "GroupName": "admin"}
    assert _env(template)["ADMIN_GROUP"] == group["GroupName"]


def test_the_function_is_wired_to_the_pool_the_client_and_the_secret(
    template: dict[str, Any],
) -> None:
    env = _env(template)

    assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert env["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert env[SECRET_ARN] == {"Ref": "ClientSecret"}
    assert set(REQUIRED) <= set(env)
    assert SECRET_VALUE not in env


def test_the_client_secret_lives_only_in_secrets_manager(template: dict[str, Any]) -> None:
    secret = template["Resources"]["ClientSecret"]
    reads_of_the_secret = [
        node
        for node in _nodes(template)
        if node == {"Fn::GetAtt": ["UserPoolClient", "ClientSecret"]}
    ]

    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["SecretString"] == {
        "Fn::GetAtt": ["UserPoolClient", "ClientSecret"]
    }
    assert len(reads_of_the_secret) == 1
    assert 'ClientSecret"]' not in json.dumps(template["Outputs"])


def test_the_authorizer_trusts_the_stacks_own_pool(template: dict[str, Any]) -> None:
    definition = _properties(template, "RestAPI")["DefinitionBody"]
    authorizer = definition["securityDefinitions"]["CognitoUserPool"]

    assert authorizer["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        {"Fn::GetAtt": ["UserPool", "Arn"]}
    ]
    assert "REPLACE_ME" not in json.dumps(template)
    assert "000000000000" not in json.dumps(template)


def test_the_policy_allows_exactly_the_admin_calls_the_code_makes_on_this_pool(
    template: dict[str, Any],
) -> None:
    cognito = [s for s in _statements(template) if s["Action"][0].startswith("cognito-idp:")]

    assert [s["Resource"] for s in cognito] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]
    assert {a.removeprefix("cognito-idp:") for s in cognito for a in s["Action"]} == (
        iam_authorized(cognito_operations_called())
    )


def test_the_policy_reads_one_secret_and_writes_one_log_group_and_nothing_else(
    template: dict[str, Any],
) -> None:
    statements = _statements(template)
    by_service = {s["Action"][0].split(":")[0]: s for s in statements}

    assert all(s["Effect"] == "Allow" for s in statements)
    assert sorted(by_service) == ["cognito-idp", "logs", "secretsmanager"]
    assert len(by_service) == len(statements)
    assert by_service["secretsmanager"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert by_service["secretsmanager"]["Resource"] == {"Ref": "ClientSecret"}
    assert sorted(by_service["logs"]["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_service["logs"]["Resource"] == {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}
    assert _properties(template, "APIHandler")["LoggingConfig"] == {
        "LogGroup": {"Ref": "FunctionLogGroup"}
    }
    role = _properties(template, "ApiHandlerRole")
    assert set(role) == {"AssumeRolePolicyDocument", "Policies"}
    for statement in statements:
        assert all("*" not in action for action in statement["Action"]), statement
        assert "*" not in json.dumps(statement["Resource"]), statement


def test_the_function_logs_to_its_own_group_and_sends_no_traces(
    template: dict[str, Any],
) -> None:
    """No X-Ray: sending segments would need `xray:*` on `*`."""
    group = _properties(template, "FunctionLogGroup")

    assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-api"}
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert _properties(template, "APIHandler")["Tracing"] == "Disabled"


def test_the_outputs_the_readme_uses_are_there(template: dict[str, Any]) -> None:
    assert {"EndpointURL", "UserPoolId", "UserPoolClientId"} <= set(template["Outputs"])


def test_the_api_has_one_stage_and_it_is_throttled(deployed: dict[str, Any]) -> None:
    """SAM adds a stage named `Stage` unless OpenApiVersion is set: an unthrottled
    second door to the same function."""
    stages = [r for r in deployed.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    deployments = [r for r in deployed.values() if r["Type"] == "AWS::ApiGateway::Deployment"]

    assert [stage["Properties"]["StageName"] for stage in stages] == ["api"]
    assert [d["Properties"].get("StageName") for d in deployments] == [None]
    assert stages[0]["Properties"]["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": {"Ref": "ThrottleRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "ThrottleBurstLimit"},
        }
    ]


def test_the_web_acl_waits_for_the_one_stage_and_the_endpoint_is_regional(
    template: dict[str, Any], deployed: dict[str, Any]
) -> None:
    """After the SAM transform, the association's ARN names the stage resource SAM made,
    so CloudFormation creates the stage first; the API is regional, so WAF sees each
    caller's own address rather than that of an API Gateway-managed CloudFront."""
    (stage_name,) = [k for k, r in deployed.items() if r["Type"] == "AWS::ApiGateway::Stage"]
    (api,) = [r for r in deployed.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    association = deployed["WebACLAssociation"]["Properties"]

    assert association["ResourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::"
        f"/restapis/${{RestAPI}}/stages/${{{stage_name}}}"
    }
    assert association["WebACLArn"] == {"Fn::GetAtt": ["WebACL", "Arn"]}
    assert _properties(template, "RestAPI")["EndpointConfiguration"] == "REGIONAL"
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_the_stage_throttles_below_cognitos_shared_quota(template: dict[str, Any]) -> None:
    (throttle,) = _properties(template, "RestAPI")["MethodSettings"]
    parameters = template["Parameters"]

    assert (throttle["ResourcePath"], throttle["HttpMethod"]) == ("/*", "*")
    assert throttle["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
    assert throttle["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurstLimit"}
    assert parameters["ThrottleRateLimit"]["Default"] < COGNITO_AUTHENTICATION_QUOTA_RPS
    assert parameters["ThrottleBurstLimit"]["Default"] >= parameters["ThrottleRateLimit"]["Default"]


def _gateway_responses(deployed: dict[str, Any]) -> dict[str, Any]:
    (api,) = [r for r in deployed.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    responses: dict[str, Any] = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    return responses


def _render(response: dict[str, Any], message: str) -> Any:
    """A gateway response's body as API Gateway renders it: messageString is quoted."""
    body = response["responseTemplates"]["application/json"]
    return json.loads(body.replace("$context.error.messageString", json.dumps(message)))


def _header(response: dict[str, Any], name: str) -> Any:
    """A gateway response header's mapping: a quoted literal, a request parameter, or
    a condition choosing one."""
    value = response["responseParameters"][f"gatewayresponse.header.{name}"]
    return value


@pytest.mark.parametrize("error", [GatewayUnauthorized("bad_signature"), TokenExpired()])
def test_gateway_401s_keep_the_bodies_the_routes_promise(
    deployed: dict[str, Any], error: GatewayUnauthorized
) -> None:
    response = _gateway_responses(deployed)["UNAUTHORIZED"]

    assert response["statusCode"] == "401"
    assert _render(response, error.message) == {"message": error.message}
    assert _header(response, "Content-Type") == "'application/json'"


def test_gateway_throttling_answers_like_the_apps_own_429(deployed: dict[str, Any]) -> None:
    response = _gateway_responses(deployed)["THROTTLED"]
    ours = TooManyRequests()

    assert response["statusCode"] == "429"
    assert _render(response, "ignored") == error_envelope(ours.message, ours.code)
    assert _header(response, "Retry-After") == f"'{ours.headers['Retry-After']}'"


@pytest.mark.parametrize(
    ("kind", "message", "code"),
    [
        ("DEFAULT_5XX", "Endpoint request timed out", GATEWAY_ERROR),
        ("DEFAULT_4XX", "Missing Authentication Token", REQUEST_REFUSED),
    ],
)
def test_gateway_errors_answer_in_the_envelope_with_a_code(
    deployed: dict[str, Any], kind: str, message: str, code: str
) -> None:
    response = _gateway_responses(deployed)[kind]

    assert "statusCode" not in response
    assert _render(response, message) == error_envelope(message, code)
    assert _header(response, "Content-Type") == "'application/json'"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def test_the_deployment_zip_holds_the_app_its_requirements_and_no_operator_code(
    packaged: Path,
) -> None:
    with zipfile.ZipFile(packaged.with_name("deployment.zip")) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    shipped = {
        (_normalized(name), version)
        for name, _, version in (
            top.removesuffix(".dist-info").rpartition("-")
            for top in tops
            if top.endswith(".dist-info")
        )
    }

    assert pinned
    assert {"app.py", "chalicelib"} <= tops
    assert {(_normalized(name), version) for name, version in pinned} <= shipped
    assert not tops & {"deploy", "devstack", "bench", "tests", ".chalice"}


def test_every_module_in_the_zip_ships_unchecked_hash_bytecode_for_the_runtime(
    packaged: Path, template: dict[str, Any]
) -> None:
    """Lambda's code directory is read-only: a module without valid bytecode there is
    compiled again on every cold start."""
    major, minor = runtime_version(template)
    with zipfile.ZipFile(packaged.with_name("deployment.zip")) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        sources = [name for name in entries if name.endswith(".py")]
        for source in sources:
            directory, _, module = source.rpartition("/")
            cached = f"{directory}/__pycache__/" if directory else "__pycache__/"
            cached += f"{module.removesuffix('.py')}.cpython-{major}{minor}.pyc"
            assert cached in entries, source
            pyc = archive.read(cached)
            assert pyc[:4] == importlib.util.MAGIC_NUMBER, cached
            # PEP 552 flags: bit 0 hash-based, bit 1 check the source; unchecked it is.
            assert int.from_bytes(pyc[4:8], "little") == 0b01, cached
            assert pyc[8:16] == importlib.util.source_hash(archive.read(source)), cached
            assert entries[cached].external_attr == entries[source].external_attr, cached

    assert {"app.py", "chalicelib/settings.py"} <= set(sources)


def test_packaging_refuses_a_python_other_than_the_functions_runtime() -> None:
    sam = {"Resources": {"APIHandler": {"Properties": {"Runtime": "python3.99"}}}}

    with pytest.raises(SystemExit, match=r"runs on Python 3\.99 but this is Python 3\.\d+"):
        require_interpreter(runtime_version(sam))


def _extension_machines(archive_path: Path) -> dict[str, int]:
    """Each compiled extension module in the zip, with its ELF header's e_machine."""
    machines = {}
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            if re.search(r"\.so(\.|$)", name):
                header = archive.open(name).read(20)
                assert header[:4] == b"\x7fELF", name
                order: Literal["little", "big"] = "little" if header[5] == 1 else "big"
                machines[name] = int.from_bytes(header[18:20], order)
    return machines


def _architecture(template: dict[str, Any]) -> str:
    assert _properties(template, "APIHandler")["Architectures"] == [{"Ref": "Architecture"}]
    default: str = template["Parameters"]["Architecture"]["Default"]
    return default


def test_the_default_package_is_x86_64_throughout(packaged: Path, template: dict[str, Any]) -> None:
    machines = _extension_machines(packaged.with_name("deployment.zip"))

    assert machines
    assert set(machines.values()) == {ELF_X86_64}, machines
    assert _architecture(template) == "x86_64"


def test_an_arm64_package_is_aarch64_throughout_and_lints(arm64_packaged: Path) -> None:
    machines = _extension_machines(arm64_packaged.with_name("deployment.zip"))
    template = json.loads(arm64_packaged.read_text())
    lint = subprocess.run(
        [_cfn_tool("cfn-lint"), str(arm64_packaged)], capture_output=True, text=True, check=False
    )

    assert machines
    assert set(machines.values()) == {ELF_AARCH64}, machines
    assert _architecture(template) == "arm64"
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_existing_pool_stage_runs_with_the_templates_memory_size(
    template: dict[str, Any],
) -> None:
    """`chalice deploy` cannot read the template, so that stage states the size again."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())

    assert (
        config["stages"]["existing-pool"]["lambda_memory_size"]
        == (_properties(template, "APIHandler")["MemorySize"])
    )


def test_the_existing_pool_stage_allows_the_same_admin_calls() -> None:
    policy = json.loads((ROOT / ".chalice" / "policy-existing-pool.json").read_text())
    actions = {
        action.removeprefix("cognito-idp:")
        for statement in policy["Statement"]
        for action in statement["Action"]
        if action.startswith("cognito-idp:")
    }

    assert actions == iam_authorized(cognito_operations_called())


LAMBDA_RUN = """
import importlib.machinery, json, os, sys

# The import system compiles a module's source only when it has no usable bytecode.
compiled = []
source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def recording_source_to_code(loader, data, path, *args, **kwargs):
    if os.path.abspath(path).startswith(os.getcwd() + os.sep):
        compiled.append(os.path.relpath(path))
    return source_to_code(loader, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = recording_source_to_code

import app

refresh_token = ""
for event in json.load(sys.stdin):
    if event["path"] == "/user/renew_refresh_token":
        event["body"] = json.dumps({**json.loads(event["body"]), "refresh_token": refresh_token})
    answer = app.app(event, None)
    data = json.loads(answer["body"])["data"] or {}
    refresh_token = data.get("refresh_token", refresh_token)
    print(json.dumps([answer["statusCode"], sorted(data)]))
# This process's own peak: getrusage's ru_maxrss would also count the parent's pages,
# which Linux carries across the fork and exec that started it.
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"compiled": compiled, "peak_rss_kib": peak_kib}))
"""


def _unpacked(packaged: Path, tmp_path: Path) -> Path:
    """The package's zip, unpacked as Lambda unpacks it."""
    function = tmp_path / "function"
    with zipfile.ZipFile(packaged.with_name("deployment.zip")) as archive:
        archive.extractall(function)
    return function


def _run_function(
    function: Path,
    template: dict[str, Any],
    resolved: dict[str, str],
    script: str,
    events: list[dict[str, Any]],
    tmp_path: Path,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """`script` run in the unpacked function on `events` (its stdin, as JSON), with
    the environment the template gives the function (its parameters resolved as
    `resolved` says, `env` besides) and a Lambda runtime's boto3 alone on the path."""
    runtime = lambda_runtime(tmp_path / "runtime")
    environment = {
        # A Ref as `resolved` says; anything else as parameters at their defaults give it.
        name: resolved.get(value.get("Ref", "")) or as_deployed(template, value)
        if isinstance(value, dict)
        else value
        for name, value in _env(template).items()
    }
    environment.update(
        PATH="/usr/bin:/bin",
        PYTHONPATH=f"{function}:{runtime}",
        AWS_LAMBDA_FUNCTION_NAME="cognito-auth-api",
        **FAKE_CREDENTIALS,
        **env,
    )
    result = subprocess.run(
        # -S: no site-packages, so the function finds only its zip and the runtime's boto3.
        [sys.executable, "-S", "-c", script],
        input=json.dumps(events),
        cwd=function,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def _read_only(directory: Path) -> None:
    """As Lambda's /var/task: nothing the function imports can write bytecode there."""
    for path in [*directory.rglob("*"), directory]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)


def test_the_packaged_function_signs_in_with_the_secret_from_secrets_manager(
    packaged: Path,
    template: dict[str, Any],
    stack: dict[str, Any],
    stack_cognito: Any,
    client_secret: str,
    tmp_path: Path,
) -> None:
    """The zip as Lambda unpacks it, with the environment the template gives it,
    against moto's server standing in for both Cognito and Secrets Manager. moto only
    checks SECRET_HASH on refresh, and there over the typed name (COGNITO_DIALECT=moto),
    so the renewal is what proves the secret was read right."""
    function = _unpacked(packaged, tmp_path)
    secrets = stack_client(stack, "secretsmanager")
    arn = secrets.create_secret(Name=f"client-{tmp_path.name}", SecretString=client_secret)["ARN"]
    user = f"packaged-{tmp_path.name}@example.com"
    create_confirmed_user(stack_cognito, stack["user_pool_id"], user, PASSWORD, "Packaged")
    resolved = {
        "UserPool": stack["user_pool_id"],
        "UserPoolClient": stack["client_id"],
        "ClientSecret": arn,
        "AdminGroup": ADMIN_GROUP,
        "CorsAllowOrigins": "",
    }
    # The renewal's refresh token is the login's: the child adds it to this body.
    events = [
        proxy_event("/login", {"username": user, "password": PASSWORD}),
        proxy_event("/user/renew_refresh_token", {"username": user}),
    ]
    _read_only(function)

    result = _run_function(
        function,
        template,
        resolved,
        LAMBDA_RUN,
        events,
        tmp_path,
        AWS_ENDPOINT_URL=stack["cognito_endpoint"],
        COGNITO_DIALECT="moto",
    )

    *answers, footer = (json.loads(line) for line in result.stdout.splitlines())
    login, renewal = answers
    assert login == [200, ["access_token", "expires_in", "id_token", "refresh_token", "token_type"]]
    # The local pool rotates refresh tokens, as the template's default does.
    assert renewal == login
    assert client_secret not in result.stdout + result.stderr
    assert footer["compiled"] == []
    handler = template["Resources"]["APIHandler"]
    measured_mib = handler["Metadata"]["MemorySize"]["PeakRssMiB"]
    # The function's MemorySize was chosen from this peak: a change that moves it far
    # must revisit that choice.
    assert footer["peak_rss_kib"] / 1024 <= 1.5 * measured_mib
    assert measured_mib < handler["Properties"]["MemorySize"]


PAGES = ("https://app.example.com", "http://localhost:3000")
GATEWAY_RESPONSE_TYPES = (
    "UNAUTHORIZED",
    "ACCESS_DENIED",
    "THROTTLED",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
)


def test_every_path_answers_options_through_the_function_without_a_token(
    template: dict[str, Any],
) -> None:
    """Preflights carry no Authorization: the OPTIONS methods must be open, and must
    reach the function, the only place that knows which origins are allowed."""
    paths = _properties(template, "RestAPI")["DefinitionBody"]["paths"]
    function_uri = "functions/${APIHandler.Arn}/invocations"

    for path, methods in paths.items():
        options = methods["options"]
        assert "security" not in options, path
        assert options["x-amazon-apigateway-integration"]["type"] == "aws_proxy", path
        assert function_uri in options["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    assert set(paths) == set(app.routes)


def test_the_allowed_origins_are_a_parameter_that_refuses_a_wildcard(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["CorsAllowOrigins"]
    pattern = parameter["AllowedPattern"]

    assert parameter["Default"] == ""
    assert _env(template)["CORS_ALLOW_ORIGINS"] == {"Ref": "CorsAllowOrigins"}
    for accepted in ("", PAGES[0], ",".join(PAGES)):
        assert re.fullmatch(pattern, accepted), accepted
    for refused in ("*", "https://*.example.com", f"{PAGES[0]},*", PAGES[0] + "/", "null"):
        assert not re.fullmatch(pattern, refused), refused


@pytest.mark.parametrize("kind", GATEWAY_RESPONSE_TYPES)
def test_every_gateway_response_carries_cors_headers_once_origins_are_allowed(
    deployed: dict[str, Any], template: dict[str, Any], kind: str
) -> None:
    """Whatever API Gateway answers itself (a 401 from the authorizer, a 403 for an
    unknown path or a missing scope, its throttling 429, a 413, a timeout's 504)
    reaches the page as that answer, not as a CORS failure. With no origin allowed
    (the default) the headers are left out."""
    response = _gateway_responses(deployed)[kind]

    def allowed(value: str) -> dict[str, Any]:
        return {"Fn::If": ["HasCorsOrigins", value, {"Ref": "AWS::NoValue"}]}

    assert _header(response, "Access-Control-Allow-Origin") == allowed(
        "method.request.header.Origin"
    )
    assert _header(response, "Access-Control-Expose-Headers") == allowed(
        "'X-Request-Id,Retry-After'"
    )
    assert _header(response, "Vary") == allowed("'Origin'")
    assert template["Conditions"]["HasCorsOrigins"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CorsAllowOrigins"}, ""]}]
    }


CORS_RUN = """
import json, sys
import app

for event in json.load(sys.stdin):
    answer = app.app(event, None)
    headers = {k: v for k, v in answer["headers"].items() if k.startswith("Access-Control-")}
    print(json.dumps([answer["statusCode"], headers]))
"""


def test_the_packaged_function_answers_each_allowed_origins_preflight_with_that_origin(
    packaged: Path, template: dict[str, Any], tmp_path: Path
) -> None:
    """The zip as Lambda runs it, with the environment the template gives it and
    CorsAllowOrigins set to two origins: each origin's preflight, and the 401 of a
    call without a token, answer with that origin; a third origin gets nothing."""
    resolved = {
        "UserPool": "eu-west-1_CorsPool1",
        "UserPoolClient": "cors-client",
        "ClientSecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cors-AbCdEf",
        "CorsAllowOrigins": ",".join(PAGES),
    }
    origins = [*PAGES, "https://evil.example"]
    preflights = [
        proxy_event("/user/test-user", method="OPTIONS", headers={"Origin": origin})
        for origin in origins
    ]
    unauthorized = [proxy_event("/user/test-user", {}, {"Origin": origin}) for origin in origins]

    result = _run_function(
        _unpacked(packaged, tmp_path),
        template,
        resolved,
        CORS_RUN,
        preflights + unauthorized,
        tmp_path,
    )

    answers = [json.loads(line) for line in result.stdout.splitlines()]
    preflight_answers, unauthorized_answers = answers[:3], answers[3:]
    for origin, (status, headers) in zip(PAGES, preflight_answers, strict=False):
        assert status == 204
        assert headers["Access-Control-Allow-Origin"] == origin
        assert headers["Access-Control-Allow-Methods"] == "POST"
    for origin, (status, headers) in zip(PAGES, unauthorized_answers, strict=False):
        assert status == 401
        assert headers["Access-Control-Allow-Origin"] == origin
    assert preflight_answers[2] == [204, {}]
    assert unauthorized_answers[2] == [401, {}]

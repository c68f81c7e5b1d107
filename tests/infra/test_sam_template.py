"""The SAM template, validated offline: cfn-lint, SAM's own translation, and what we require.

These tests look at the stack with every optional extra off (the defaults);
test_production_extras.py turns them on.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.dynamodb.table import table_definition
from shortstack.api_config import load_api_settings

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, TEMPLATE, source_template, translate

PUBLIC_ROUTES = {
    "GET /health",
    "GET /docs",
    "GET /docs/static/{name}",
    "GET /redoc",
    "GET /openapi.json",
    "POST /api/v1/unlock/{short_id}",
    "GET /api/v1/unlock/{short_id}",
    "HEAD /api/v1/unlock/{short_id}",
    "GET /api/v1/qr/{short_id}",
    "HEAD /api/v1/qr/{short_id}",
}
DATA_SERVICES = ("dynamodb:", "s3:", "sqs:", "events:", "states:", "lambda:")


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return source_template()


@pytest.fixture(scope="module")
def translated(source: dict[str, Any]) -> dict[str, Any]:
    return translate(source, REQUIRED_PARAMETERS)


@pytest.fixture(scope="module")
def resources(translated: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation would create with the default parameters (every extra off)."""
    return Stack(translated, REQUIRED_PARAMETERS, "eu-west-1").resources()


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    lint = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_cfn_lint_finds_nothing_in_the_translated_template(
    translated: dict[str, Any], tmp_path: Path
) -> None:
    output = tmp_path / "translated.json"
    output.write_text(json.dumps(translated))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    lint = subprocess.run([str(cfn_lint), str(output)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_table_is_the_one_the_code_creates(source: dict[str, Any]) -> None:
    table = source["Resources"]["Table"]["Properties"]
    expected = table_definition("any")
    assert table["BillingMode"] == expected["BillingMode"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        expected["AttributeDefinitions"], key=str
    )
    assert table["GlobalSecondaryIndexes"] == expected["GlobalSecondaryIndexes"]
    assert table["StreamSpecification"] == {
        "StreamViewType": expected["StreamSpecification"]["StreamViewType"]
    }
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}


def _handler_exists(handler: str) -> bool:
    module, _, function = handler.rpartition(".")
    path = ROOT / "src" / Path(*module.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text())
    return any(isinstance(n, ast.FunctionDef) and n.name == function for n in tree.body)


def test_every_function_is_arm64_bounded_traced_logged_and_points_at_real_code(
    resources: dict[str, Any],
) -> None:
    functions = of_type(resources, "AWS::Lambda::Function")
    assert set(functions) == {
        "ApiFunction",
        "RedirectFunction",
        "EventsFunction",
        "StreamFunction",
        "ImportTaskFunction",
        "UploadsFunction",
    }
    for name, function in functions.items():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"], name
        assert props["Runtime"].startswith("python3."), name
        assert isinstance(props["MemorySize"], int), name
        assert isinstance(props["Timeout"], int), name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert "ReservedConcurrentExecutions" not in props, name  # 0 by default: unreserved
        assert "VpcConfig" not in props, name
        assert "PackageType" not in props, name  # Zip
        assert _handler_exists(props["Handler"]), props["Handler"]
        # Its own log group, made before it (a Ref is a dependency), with a retention.
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert "LogGroupName" not in resources[group]["Properties"]  # never collides
        env = props["Environment"]["Variables"]
        assert env["STAGE"] == "aws"
        assert env["AUTH_MODE"] == "jwt"
        assert env["TRUST_GATEWAY_CLAIMS"] == "true"
        assert env["API_KEYS_ENABLED"] == "false"  # the authorizer would refuse them (0602)


def test_iam_names_actions_on_named_resources(resources: dict[str, Any]) -> None:
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                actions = [actions] if isinstance(actions, str) else actions
                assert all("*" not in action for action in actions), (name, actions)
                resource = statement["Resource"]
                if any(action.startswith(DATA_SERVICES) for action in actions):
                    # Only sub-resources of a named resource may be wildcarded.
                    named = json.dumps(resource).replace("/index/*", "").replace("/imports/*", "")
                    assert "*" not in named.replace('/*"', '"'), (name, statement)


def test_routes_need_the_jwt_authorizer_except_health_and_docs(
    resources: dict[str, Any],
) -> None:
    [api] = of_type(resources, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    seen = set()
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            route = (
                f"{'ANY' if method == 'x-amazon-apigateway-any-method' else method.upper()} {path}"
            )
            seen.add(route)
            schemes = {name for entry in operation.get("security", []) for name in entry}
            secured = schemes == {"CognitoJwt"}
            assert secured == (route not in PUBLIC_ROUTES), route
    assert {"ANY /api/{proxy+}", "POST /shorten"} | PUBLIC_ROUTES <= seen
    scheme = body["components"]["securitySchemes"]["CognitoJwt"]
    assert scheme["x-amazon-apigateway-authorizer"]["type"] == "jwt"
    # SAM resolves the FrontendOrigins parameter (its default here); never "*".
    origins = body["x-amazon-apigateway-cors"]["allowOrigins"]
    assert origins in ("https://app.example.com", ["https://app.example.com"])


def test_events_flow_through_a_rule_to_an_encrypted_queue_with_a_dlq(
    source: dict[str, Any],
) -> None:
    res = source["Resources"]
    queue, dlq = res["EventsQueue"]["Properties"], res["EventsDeadLetterQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5  # test_timeouts.py says why
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["SqsManagedSseEnabled"]
    assert dlq["SqsManagedSseEnabled"]
    assert res["EventsRule"]["Properties"]["EventPattern"] == {
        "source": [{"prefix": "shortstack."}]
    }
    mapping = res["EventsQueueMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["EventsQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # A viral link's folds must not all run at once against one counter item.
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "EventsMaxConcurrency"}}
    assert source["Parameters"]["EventsMaxConcurrency"]["Default"] == 2
    # The bus retries a failing delivery, then dead-letters it, and an alarm says so.
    [target] = res["EventsRule"]["Properties"]["Targets"]
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    policy = res["EventsQueuePolicy"]["Properties"]
    assert {"Ref": "EventsDeadLetterQueue"} in policy["Queues"]
    [allowed] = policy["PolicyDocument"]["Statement"]
    assert {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]} in allowed["Resource"]
    assert allowed["Principal"] == {"Service": "events.amazonaws.com"}
    assert allowed["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": ["EventsRule", "Arn"]
    }


def test_the_frontend_is_private_behind_cloudfront_with_https(source: dict[str, Any]) -> None:
    res = source["Resources"]
    block = res["FrontendBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    config = res["Distribution"]["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    # The app routes by hash: no error is replaced by the page (test_distribution.py).
    assert not any("ResponsePagePath" in e for e in config["CustomErrorResponses"])
    assert "OriginAccessControlId" in config["Origins"][0]
    csp = res["FrontendHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "default-src 'self'" in json.dumps(csp)


def test_alarms_cover_errors_and_dead_letters(source: dict[str, Any]) -> None:
    alarms = {
        r["Properties"]["MetricName"]
        for r in source["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert {"Errors", "ApproximateNumberOfMessagesVisible", "ExecutionsFailed"} <= alarms


def test_no_access_log_carries_the_client_address() -> None:
    """No raw IP is written anywhere: unique visitors count a daily salted hash instead."""
    root = Path(__file__).resolve().parents[2]
    for template in ("infra/sam/template.yaml", "infra/terraform/api.tf"):
        text = (root / template).read_text()
        assert "AccessLogSettings" in text or "access_log_settings" in text, template
        assert "sourceIp" not in text, template
        assert "$context.identity" not in text, template


def test_the_api_functions_environment_is_read_without_pydantic(
    resources: dict[str, Any],
) -> None:
    """A setting there that only Settings may judge would cost every cold start of the API
    function Pydantic (api_config.py, decision 0405)."""
    env = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    # What the stack's references and joins become, in a form Settings takes.
    resolved = {
        "JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "JWT_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI/.well-known/jwks.json",
        "FRONTEND_ORIGIN": "https://app.example.com",
        "PUBLIC_BASE_URL": "https://s.example.com",
    }
    given = {
        name: value if isinstance(value, str) else resolved.get(name, "from-the-stack")
        for name, value in env.items()
    }
    assert "STAGE" in given
    assert load_api_settings(given) is not None, sorted(given)

"""The optional production extras of the SAM template (decision 0401), each on and off.

Custom domains, WAF, the scheduled maintenance run and VPC mode are parameters, off
by default. Here the template is translated with them on (in us-east-1, where the
CloudFront certificate and web ACL can live) and what CloudFormation would create is
checked, then the same with them off; cfn-lint and checkov also see the "on" stack.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from . import test_distribution as distribution
from . import test_sam_template as base
from .checkov import run_checkov
from .conditions import Stack
from .sam_offline import (
    REQUIRED_PARAMETERS,
    TEMPLATE,
    source_template,
    translate,
    with_defaults,
)
from .test_packaging_and_deploy import load_script

EXTRAS_ON = {
    "DomainName": "example.com",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    "EnableWaf": "true",
    "EnableMaintenanceSchedule": "true",
    "EnableVpc": "true",
    "VpcId": "vpc-0123456789abcdef0",
    "SubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "RouteTableIds": "rtb-0123456789abcdef0",
    "ReservedConcurrency": "5",
    "AlarmSet": "all",
}
ON = {**REQUIRED_PARAMETERS, **EXTRAS_ON}
EXTRA_RESOURCES = {
    "ApiCertificate", "FrontendCertificate", "ApiDomain", "ApiDomainMapping", "ApiRecord",
    "ShortRecord", "FrontendRecord", "WebAcl",
    "MaintenanceFunction", "MaintenanceFunctionRole", "MaintenanceFunctionLogs",
    "MaintenanceSchedule", "MaintenanceScheduleRole", "MaintenanceScheduleDeadLetterQueue",
    "MaintenanceErrorsAlarm", "MaintenanceDeadLettersAlarm", "MaintenanceInvokeConfig",
    "FunctionSecurityGroup", "DynamoDbEndpoint", "S3Endpoint",
    # AlarmSet all (decision 0406)
    "EventsErrorsAlarm", "ImportTaskErrorsAlarm", "UploadsErrorsAlarm", "ApiThrottlesAlarm",
    "HttpApiLatencyAlarm", "EventsRuleFailedInvocationsAlarm",
}  # fmt: skip
# What the maintenance tasks call (decision 0900; a purged link's counter shards, 0105;
# its stats deleted 25 a call); no UpdateItem.
MAINTENANCE_TABLE_ACTIONS = {
    "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem",
    "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
}  # fmt: skip


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate(source_template(), ON)


def stack(translated: dict[str, Any], region: str = "us-east-1", **changes: str) -> Stack:
    return Stack(translated, {**ON, **changes}, region)


@pytest.fixture(scope="module")
def on(translated: dict[str, Any]) -> Stack:
    return stack(translated)


@pytest.fixture(scope="module")
def off(translated: dict[str, Any]) -> Stack:
    return Stack(translated, REQUIRED_PARAMETERS, "eu-west-1")


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return base.of_type(resources, kind)


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------ on and off


def test_every_extra_exists_when_on_and_none_when_off(on: Stack, off: Stack) -> None:
    assert set(on.resources()) >= EXTRA_RESOURCES
    assert not EXTRA_RESOURCES & set(off.resources())
    assert on.broken_rules() == []
    assert off.broken_rules() == []


RULE_FUNCTIONS = {
    "Fn::And", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::Equals",
    "Fn::Not", "Fn::Or", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll", "Ref",
}  # fmt: skip


def test_rules_use_only_rule_functions_on_parameters_and_the_region() -> None:
    # CloudFormation accepts fewer functions in Rules than cfn-lint checks for; a Ref may
    # name a parameter or AWS::Region (decision 0401).
    template = source_template()

    def functions(node: Any) -> list[tuple[str, Any]]:
        if isinstance(node, dict):
            return [(k, v) for k, v in node.items()] + [
                f for v in node.values() for f in functions(v)
            ]
        if isinstance(node, list):
            return [f for item in node for f in functions(item)]
        return []

    expressions = [
        expression
        for rule in template["Rules"].values()
        for expression in [
            rule.get("RuleCondition", {}),
            *(a["Assert"] for a in rule["Assertions"]),
        ]
    ]
    used = functions(expressions)
    assert {name for name, _ in used} <= RULE_FUNCTIONS
    refs = {target for name, target in used if name == "Ref"}
    assert refs <= set(template["Parameters"]) | {"AWS::Region"}
    assert "AWS::Region" in refs


def test_the_base_checks_hold_with_every_extra_on(on: Stack) -> None:
    resources = on.resources()
    base.test_iam_names_actions_on_named_resources(resources)
    base.test_routes_need_the_jwt_authorizer_except_health_and_docs(resources)
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    distribution.test_the_distribution_routes_every_path_where_the_local_server_does(config)
    distribution.test_every_route_of_the_http_api_is_reached_through_the_distribution(
        resources, config
    )
    distribution.test_short_links_reach_the_function_url_signed_by_the_distribution_alone(
        resources, config
    )
    distribution.test_errors_are_kept_only_when_they_ask_and_no_page_replaces_them(config)


def test_cfn_lint_and_the_translation_accept_the_template_with_every_extra_on(
    translated: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "template.yaml"
    source.write_text(with_defaults(TEMPLATE.read_text(), EXTRAS_ON))
    output = tmp_path / "translated.json"
    output.write_text(json.dumps(translated))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    for path in (source, output):
        lint = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_checkov_passes_the_template_with_every_extra_on(tmp_path: Path) -> None:
    # The Makefile's pinned checkov, on a copy whose defaults turn every extra on.
    (tmp_path / "template.yaml").write_text(with_defaults(TEMPLATE.read_text(), EXTRAS_ON))
    result = run_checkov("-d", str(tmp_path), "--framework", "cloudformation")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout


# ------------------------------------------------------------------ custom domains


def test_custom_domains_get_certificates_api_mappings_and_alias_records(on: Stack) -> None:
    res = on.resources()
    api_certificate = res["ApiCertificate"]["Properties"]
    assert on.value(api_certificate["DomainName"]) == "api.example.com"
    assert "SubjectAlternativeNames" not in api_certificate
    assert api_certificate["ValidationMethod"] == "DNS"
    # The distribution answers app.<domain> and the short domain: one certificate for both.
    frontend_certificate = res["FrontendCertificate"]["Properties"]
    assert on.value(frontend_certificate["DomainName"]) == "app.example.com"
    assert on.value(frontend_certificate["SubjectAlternativeNames"]) == ["s.example.com"]
    validated = {on.value(o["DomainName"]) for o in frontend_certificate["DomainValidationOptions"]}
    assert validated == {"app.example.com", "s.example.com"}
    props = res["ApiDomain"]["Properties"]
    assert on.value(props["DomainName"]) == "api.example.com"
    [configuration] = props["DomainNameConfigurations"]
    assert configuration["EndpointType"] == "REGIONAL"
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    assert configuration["CertificateArn"] == {"Ref": "ApiCertificate"}
    mapping = res["ApiDomainMapping"]["Properties"]
    assert mapping["ApiId"] == {"Ref": "HttpApi"}
    assert mapping["DomainName"] == {"Ref": "ApiDomain"}
    assert res[mapping["Stage"]["Ref"]]["Properties"]["StageName"] == "$default"
    assert not of_type(res, "AWS::ApiGatewayV2::DomainName").keys() - {"ApiDomain"}
    records = {
        on.value(r["Properties"]["Name"]): r["Properties"]
        for r in of_type(res, "AWS::Route53::RecordSet").values()
    }
    assert set(records) == {"app.example.com", "api.example.com", "s.example.com"}
    assert all(
        r["Type"] == "A" and r["HostedZoneId"] == {"Ref": "HostedZoneId"} for r in records.values()
    )
    for name in ("app.example.com", "s.example.com"):
        assert records[name]["AliasTarget"] == {
            "DNSName": {"Fn::GetAtt": ["Distribution", "DomainName"]},
            "HostedZoneId": "Z2FDTNDATAQYW2",
        }, name
    assert records["api.example.com"]["AliasTarget"]["DNSName"] == {
        "Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]
    }


def test_the_distribution_answers_app_and_short_domain_with_tls_1_2(on: Stack, off: Stack) -> None:
    config = on.resources()["Distribution"]["Properties"]["DistributionConfig"]
    assert on.value(config["Aliases"]) == ["app.example.com", "s.example.com"]
    certificate = config["ViewerCertificate"]
    assert certificate["AcmCertificateArn"] == {"Ref": "FrontendCertificate"}
    assert certificate["SslSupportMethod"] == "sni-only"
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    plain = off.resources()["Distribution"]["Properties"]["DistributionConfig"]
    assert not {"Aliases", "ViewerCertificate", "WebACLId"} & set(plain)


def test_short_links_point_at_the_short_domain_only_when_there_is_one(
    translated: dict[str, Any], on: Stack, off: Stack
) -> None:
    def public_base_url(deployed: Stack) -> str | None:
        env = deployed.resources()["RedirectFunction"]["Properties"]["Environment"]["Variables"]
        return None if "PUBLIC_BASE_URL" not in env else deployed.value(env["PUBLIC_BASE_URL"])

    assert public_base_url(on) == "https://s.example.com"
    assert (
        public_base_url(stack(translated, ShortDomainName="go.example.net"))
        == "https://go.example.net"
    )
    # The host the viewer asked CloudFront for (X-Forwarded-Host): the distribution's name.
    assert public_base_url(off) is None


def test_a_short_domain_may_live_in_its_own_hosted_zone(translated: dict[str, Any]) -> None:
    apart = stack(translated, ShortDomainName="sho.rt", ShortDomainHostedZoneId="ZSHORT")
    res = apart.resources()
    zones = {
        apart.value(o["DomainName"]): apart.value(o["HostedZoneId"])
        for o in res["FrontendCertificate"]["Properties"]["DomainValidationOptions"]
    }
    assert zones == {"app.example.com": "Z0123456789ABCDEFGHIJ", "sho.rt": "ZSHORT"}
    assert apart.value(res["ShortRecord"]["Properties"]["HostedZoneId"]) == "ZSHORT"
    assert apart.value(res["ApiRecord"]["Properties"]["HostedZoneId"]) == "Z0123456789ABCDEFGHIJ"


def test_outside_us_east_1_the_cloudfront_certificate_is_a_parameter(
    translated: dict[str, Any],
) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c"
    given = stack(translated, "eu-west-1", EnableWaf="false", FrontendCertificateArn=arn)
    assert given.broken_rules() == []
    resources = given.resources()
    assert "FrontendCertificate" not in resources
    assert "ApiCertificate" in resources  # regional: issued where the API is
    viewer = resources["Distribution"]["Properties"]["DistributionConfig"]["ViewerCertificate"]
    assert given.value(viewer["AcmCertificateArn"]) == arn
    [broken] = stack(translated, HostedZoneId="").broken_rules()
    assert "HostedZoneId" in broken


def test_outside_us_east_1_cloudfront_needs_fail_before_the_change_set(
    translated: dict[str, Any],
) -> None:
    # Without these rules the stack failed mid-deploy, at the distribution or the web ACL,
    # and rolled back; now CloudFormation refuses the parameters up front.
    elsewhere = stack(translated, "eu-west-1", EnableWaf="false", FrontendCertificateArn="")
    [broken] = elsewhere.broken_rules()
    assert "FrontendCertificateArn" in broken
    assert "us-east-1" in broken
    waf = stack(
        translated, "eu-west-1", FrontendCertificateArn="arn:aws:acm:us-east-1:1:certificate/a"
    )
    [broken] = waf.broken_rules()
    assert "EnableWaf" in broken
    assert stack(translated, "us-east-1", FrontendCertificateArn="").broken_rules() == []
    no_domain = stack(translated, "eu-west-1", DomainName="", EnableWaf="false")
    assert no_domain.broken_rules() == []


# ------------------------------------------------------------------ WAF


def test_the_web_acl_guards_the_distribution_with_managed_rules_and_a_rate_limit(
    on: Stack, off: Stack, translated: dict[str, Any]
) -> None:
    res = on.resources()
    acl = res["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    managed = {
        r["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") for r in acl["Rules"]
    }
    assert "AWSManagedRulesCommonRuleSet" in managed
    [rate] = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": {"Ref": "WafRateLimit"},
        "AggregateKeyType": "IP",
    }
    assert rate["Action"] == {"Block": {}}
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"])
    config = res["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}

    def dashboard(deployed: Stack) -> str:
        return json.dumps(deployed.resources()["Dashboard"]["Properties"]["DashboardBody"])

    assert "AllowedRequests" in dashboard(on)
    assert "BlockedRequests" in dashboard(on)
    assert "WAFV2" not in dashboard(off)
    body = on.value(on.resources()["Dashboard"]["Properties"]["DashboardBody"])
    widgets = json.loads(body.replace("${", "{"))["widgets"]  # JSON once CloudFormation substitutes
    assert any(w["properties"]["title"] == "WAF requests" for w in widgets)


# ------------------------------------------------------------------ maintenance


def test_maintenance_runs_on_a_schedule_with_least_privilege(on: Stack) -> None:
    res = on.resources()
    function = res["MaintenanceFunction"]["Properties"]
    assert function["Handler"] == "shortstack.entrypoints.lambda_maintenance.handler"
    assert function["Architectures"] == ["arm64"]
    assert isinstance(function["MemorySize"], int)
    assert isinstance(function["Timeout"], int)
    assert function["TracingConfig"] == {"Mode": "Active"}
    env = function["Environment"]["Variables"]
    assert env["EVENTS_DLQ_URL"] == {"Ref": "EventsDeadLetterQueue"}
    # Its own lost runs are counted with the other dead letters.
    assert env["MAINTENANCE_EXTRA_DLQ_URLS"] == {"Ref": "MaintenanceScheduleDeadLetterQueue"}
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "MaintenanceFunctionLogs"}
    logs = res["MaintenanceFunctionLogs"]["Properties"]
    assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}

    granted = [s for s in statements(res["MaintenanceFunctionRole"]) if "Sid" in s]
    [table_statement] = [s for s in granted if s["Sid"] == "Sweep"]
    assert set(table_statement["Action"]) == MAINTENANCE_TABLE_ACTIONS
    assert table_statement["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}  # no index
    queues = {
        s["Sid"]: (as_list(s["Action"]), s["Resource"])
        for s in granted
        if as_list(s["Action"])[0].startswith("sqs:")
    }
    dlq = {"Fn::GetAtt": ["MaintenanceScheduleDeadLetterQueue", "Arn"]}
    assert queues == {
        "DeadLetterDepth": (
            ["sqs:GetQueueAttributes"],
            [{"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}, dlq],
        ),
        "FailedRuns": (["sqs:SendMessage"], dlq),
    }
    assert {s["Sid"] for s in granted} == {
        "Sweep",
        "StalledImports",
        "RestartImports",
        "DeadLetterDepth",
        "FailedRuns",
        "Describe",
        "Manage",
    }
    assert env["IMPORT_STATE_MACHINE_ARN"] == {"Ref": "ImportStateMachine"}
    restart = {s["Sid"]: s for s in granted}
    assert restart["StalledImports"]["Resource"] == {"Fn::Sub": "${Table.Arn}/index/GSI2"}
    assert restart["RestartImports"]["Resource"] == {"Ref": "ImportStateMachine"}

    # Invoked asynchronously: a run that fails after Lambda's retries is not dropped.
    invoke_config = res["MaintenanceInvokeConfig"]["Properties"]
    assert invoke_config["FunctionName"] == {"Ref": "MaintenanceFunction"}
    assert invoke_config["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    alarmed = {
        json.dumps(a["Properties"]["Dimensions"])
        for a in of_type(res, "AWS::CloudWatch::Alarm").values()
    }
    assert (
        json.dumps(
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq["Fn::GetAtt"][0], "QueueName"]}}]
        )
        in alarmed
    )

    schedule = res["MaintenanceSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "MaintenanceScheduleExpression"}
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["MaintenanceFunction", "Arn"]}
    assert target["Input"] == "{}"  # every task
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["MaintenanceScheduleDeadLetterQueue", "Arn"]}
    }
    assert res["MaintenanceScheduleDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"]

    scheduler_role = res["MaintenanceScheduleRole"]["Properties"]
    trust = scheduler_role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    invoke = {
        json.dumps(s["Resource"]): as_list(s["Action"])
        for s in statements(res["MaintenanceScheduleRole"])
    }
    assert invoke == {
        json.dumps({"Fn::GetAtt": ["MaintenanceFunction", "Arn"]}): ["lambda:InvokeFunction"],
        json.dumps({"Fn::GetAtt": ["MaintenanceScheduleDeadLetterQueue", "Arn"]}): [
            "sqs:SendMessage"
        ],
    }
    alarm = res["MaintenanceErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": "MaintenanceFunction"}}
    ]


def test_the_schedule_expression_default_is_daily() -> None:
    parameter = source_template()["Parameters"]["MaintenanceScheduleExpression"]
    assert parameter["Default"] == "rate(1 day)"
    assert source_template()["Parameters"]["EnableMaintenanceSchedule"]["Default"] == "false"


def test_the_maintenance_handler_exists_in_the_package(on: Stack) -> None:
    handler = on.resources()["MaintenanceFunction"]["Properties"]["Handler"]
    assert base._handler_exists(handler), handler


# ------------------------------------------------------------------ VPC mode


def test_vpc_mode_puts_every_function_in_the_subnets_with_gateway_endpoints(
    on: Stack, off: Stack, translated: dict[str, Any]
) -> None:
    res = on.resources()
    functions = of_type(res, "AWS::Lambda::Function")
    assert len(functions) == 7
    for name, function in functions.items():
        vpc = function["Properties"]["VpcConfig"]
        assert vpc == {
            "SubnetIds": {"Ref": "SubnetIds"},
            "SecurityGroupIds": [{"Ref": "FunctionSecurityGroup"}],
        }, name
        role = res[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        eni = {s["Sid"]: s for s in statements(role) if s.get("Sid") in ("Describe", "Manage")}
        assert as_list(eni["Describe"]["Action"]) == [
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
        ]
        assert "ec2:CreateNetworkInterface" in eni["Manage"]["Action"]
        assert on.value(eni["Manage"]["Resource"]).startswith(
            "arn:${AWS::Partition}:ec2:us-east-1:"
        )
        assert function["Properties"]["ReservedConcurrentExecutions"] == {
            "Ref": "ReservedConcurrency"
        }
    group = res["FunctionSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group
    assert [(e["FromPort"], e["ToPort"]) for e in group["SecurityGroupEgress"]] == [(443, 443)]
    endpoints = of_type(res, "AWS::EC2::VPCEndpoint")
    services = {on.value(e["Properties"]["ServiceName"]) for e in endpoints.values()}
    assert services == {"com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"}
    assert all(e["Properties"]["VpcEndpointType"] == "Gateway" for e in endpoints.values())

    given_groups = stack(
        translated, SecurityGroupIds="sg-0123456789abcdef0", RouteTableIds=""
    ).resources()
    assert "FunctionSecurityGroup" not in given_groups
    assert not of_type(given_groups, "AWS::EC2::VPCEndpoint")
    api = given_groups["ApiFunction"]["Properties"]["VpcConfig"]
    assert api["SecurityGroupIds"] == {"Ref": "SecurityGroupIds"}
    assert stack(translated, SubnetIds="").broken_rules() == ["EnableVpc needs SubnetIds"]
    assert stack(translated, VpcId="").broken_rules() == ["EnableVpc needs VpcId"]

    assert not of_type(off.resources(), "AWS::EC2::VPCEndpoint")


# ------------------------------------------------------------------ zip or image


def test_the_image_variant_runs_every_handler_from_one_image(tmp_path: Path) -> None:
    script = load_script("sam_image_template")
    source = source_template()
    out_dir = tmp_path / "build"
    variant = script.image_variant(source, TEMPLATE.parent, out_dir)
    image_uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack:1"
    translated = translate(variant, {**REQUIRED_PARAMETERS, "ImageUri": image_uri}, out_dir)
    handlers = {
        name: r["Properties"]["Handler"]
        for name, r in source["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    functions = of_type(translated["Resources"], "AWS::Lambda::Function")
    assert set(functions) == set(handlers)
    for name, function in functions.items():
        props = function["Properties"]
        assert props["PackageType"] == "Image", name
        # SAM resolves the parameter in the function it publishes versions of (the API).
        assert props["Code"]["ImageUri"] in ({"Ref": "ImageUri"}, image_uri), name
        assert props["ImageConfig"] == {"Command": [handlers[name]]}, name
        assert "Handler" not in props, name
        assert "Runtime" not in props, name
        assert props["Architectures"] == ["arm64"], name
    output = tmp_path / "translated.json"
    output.write_text(json.dumps(translated))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    lint = subprocess.run([str(cfn_lint), str(output)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert source_template() == source  # the zip template itself is left as it was


def test_the_sam_transform_refuses_a_package_type_parameter() -> None:
    # Why the image is a template variant and not a parameter (decision 0401).
    source = source_template()
    source["Resources"]["ApiFunction"]["Properties"]["PackageType"] = {"Ref": "JwtAudience"}
    with pytest.raises(Exception, match="PackageType"):
        translate(source, REQUIRED_PARAMETERS)


@pytest.mark.parametrize(
    ("parameter", "accepted", "refused"),
    [
        ("DomainName", ["", "example.com", "links.example.co.uk"], ["Example.com", "x", "a b.com"]),
        ("MaintenanceScheduleExpression", ["rate(1 day)", "cron(0 3 * * ? *)"], ["daily", ""]),
        (
            "FrontendCertificateArn",
            ["", "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa"],
            ["arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c", "certificate"],
        ),
        (
            "CognitoDomain",
            ["", "shortstack.auth.eu-west-1.amazoncognito.com", "auth.example.com"],
            ["https://auth.example.com", "auth.example.com/"],
        ),
    ],
)
def test_parameter_patterns(parameter: str, accepted: list[str], refused: list[str]) -> None:
    pattern = source_template()["Parameters"][parameter]["AllowedPattern"]
    assert all(re.fullmatch(pattern, value) for value in accepted)
    assert not any(re.fullmatch(pattern, value) for value in refused)

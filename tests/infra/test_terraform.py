"""The Terraform configuration: same resources, parameters and handlers as the SAM template.

The configuration is parsed with python-hcl2 and checked against the SAM template;
`terraform fmt -check` runs when the binary exists. The AWS provider comes only from
the Terraform registry (unreachable here), so `terraform validate` and the
`terraform test` plans with mocked providers (infra/terraform/tests/) run when the
provider is in a local plugin directory (TF_PLUGIN_DIR, default /opt/tf-plugins).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from samtranslator.yaml_helper import yaml_parse

from shortstack.adapters.dynamodb.table import table_definition
from shortstack.api_config import load_api_settings

from .checkov import run_checkov

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
SAM = yaml_parse((ROOT / "infra" / "sam" / "template.yaml").read_text())


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of names and strings ('"table"'): drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [unquote(item) for item in value]
    return value


@pytest.fixture(scope="module")
def config() -> dict[str, list[Any]]:
    return load_config()


def load_config() -> dict[str, list[Any]]:
    """Every .tf file of the configuration, parsed and merged by block type."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as handle:
            for key, blocks in unquote(hcl2.load(handle)).items():
                merged.setdefault(key, []).extend(blocks)
    return merged


def resources(config: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in config["resource"]:
        for kind, named in block.items():
            for name, body in named.items():
                found[f"{kind}.{name}"] = body
    return found


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_every_sam_parameter_is_a_variable(config: dict[str, list[Any]]) -> None:
    variables = {name for block in config["variable"] for name in block}
    assert {snake(name) for name in SAM["Parameters"]} <= variables


def local(config: dict[str, list[Any]], name: str) -> Any:
    [block] = [b for b in config["locals"] if name in b]
    return block[name]


def test_the_same_resources_under_the_same_names(config: dict[str, list[Any]]) -> None:
    names = {key.split(".", 1)[1] for key in resources(config)}
    for logical_id in (
        "Table", "ImportsBucket", "EventBus", "EventsDeadLetterQueue", "EventsQueue",
        "EventsRule", "EventsQueuePolicy", "ImportStateMachine", "HttpApi", "FrontendBucket",
        "FrontendBucketPolicy", "FrontendHeaders", "Distribution", "AlarmTopic", "Dashboard",
        "ApiCertificate", "FrontendCertificate", "FrontendRecord", "WebAcl",
        "MaintenanceSchedule", "MaintenanceScheduleRole", "MaintenanceScheduleDeadLetterQueue",
        "FunctionSecurityGroup", "RedirectFunctionUrl", "RedirectOriginAccessControl",
        "RedirectOriginRequests", "RedirectCachePolicy", "ViewerHostFunction",
        "UploadsDeadLetterQueue",
    ):  # fmt: skip
        assert snake(logical_id) in names, logical_id
    # Pairs that are one for_each resource in Terraform, keyed by the SAM names.
    api_gateway_domains = local(config, "api_gateway_domains")
    assert "api_domain =" in api_gateway_domains
    # The short domain is a name of the distribution, like app.<domain> (decision 0404).
    assert "short_domain" not in api_gateway_domains
    assert "local.short_host" in local(config, "distribution_names")
    for kind in ("domain_name", "api_mapping"):
        found = [k for k in resources(config) if k.startswith(f"aws_apigatewayv2_{kind}.")]
        [key] = found
        assert "local.api_gateway_domains" in resources(config)[key]["for_each"]
    assert local(config, "gateway_endpoints").count('"dynamodb", "s3"') == 1


def test_functions_match_the_sam_handlers_and_settings(config: dict[str, list[Any]]) -> None:
    [local_block] = [b for b in config["locals"] if "function_specs" in b]
    functions = local_block["function_specs"]
    sam_functions = {
        snake(name): resource["Properties"]
        for name, resource in SAM["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert set(functions) == set(sam_functions)
    for name, spec in functions.items():
        assert spec["handler"] == sam_functions[name]["Handler"]
        assert spec["memory"] == sam_functions[name].get("MemorySize", 512)
        assert spec["timeout"] == sam_functions[name]["Timeout"]
    function = resources(config)["aws_lambda_function.function"]
    assert function["architectures"] == ["arm64"]
    assert function["tracing_config"] == [{"mode": "Active"}]
    environment = local_block["environment"]
    sam_environment = SAM["Globals"]["Function"]["Environment"]["Variables"]
    # PUBLIC_BASE_URL only with a custom domain: local.domain_environment in Terraform.
    assert set(environment) == set(sam_environment) - {"PUBLIC_BASE_URL"}
    assert "PUBLIC_BASE_URL" in local(config, "domain_environment")
    assert "local.domain_environment" in str(function["environment"])
    maintenance_environment = local(config, "function_environment")["maintenance_function"]
    sam_maintenance = SAM["Resources"]["MaintenanceFunction"]["Properties"]["Environment"]
    assert set(maintenance_environment) == set(sam_maintenance["Variables"])


def test_table_queue_and_routes_as_in_sam(config: dict[str, list[Any]]) -> None:
    found = resources(config)
    table = found["aws_dynamodb_table.table"]
    assert (table["hash_key"], table["range_key"]) == ("PK", "SK")
    expected = table_definition("any")
    indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": [
                {"AttributeName": index["hash_key"], "KeyType": "HASH"},
                {"AttributeName": index["range_key"], "KeyType": "RANGE"},
            ],
            "Projection": {
                "ProjectionType": index["projection_type"],
                **(
                    {"NonKeyAttributes": index["non_key_attributes"]}
                    if "non_key_attributes" in index
                    else {}
                ),
            },
        }
        for index in table["global_secondary_index"]
    ]
    assert indexes == expected["GlobalSecondaryIndexes"]
    assert (table["stream_enabled"], table["stream_view_type"]) == (
        True,
        expected["StreamSpecification"]["StreamViewType"],
    )
    assert table["ttl"] == [{"attribute_name": "ttl", "enabled": True}]
    dlq = found["aws_sqs_queue.events_dead_letter_queue"]
    assert dlq["message_retention_seconds"] == 1209600
    [routes_block] = [b for b in config["locals"] if "routes" in b]
    routes = routes_block["routes"]
    public = {key for key, (_, secured) in routes.items() if not secured}
    assert public == {
        "GET /health", "GET /docs", "GET /docs/static/{name}", "GET /redoc",
        "GET /openapi.json", "POST /api/v1/unlock/{short_id}", "GET /api/v1/unlock/{short_id}",
        "HEAD /api/v1/unlock/{short_id}", "GET /api/v1/qr/{short_id}", "HEAD /api/v1/qr/{short_id}",
    }  # fmt: skip
    # Short links reach the redirect function through its URL, behind CloudFront.
    assert not any(key.split(" ")[1] == "/{short_id}" for key in routes)


def test_the_rest_of_the_parity_list(config: dict[str, list[Any]]) -> None:
    found = resources(config)
    table = found["aws_dynamodb_table.table"]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    queue = found["aws_sqs_queue.events_queue"]
    assert "events_dead_letter_queue.arn" in str(queue["redrive_policy"])
    assert "maxReceiveCount = 5" in str(queue["redrive_policy"]).replace(":", " =")
    function = found["aws_lambda_function.function"]
    assert "var.reserved_concurrency" in str(function["reserved_concurrent_executions"])
    assert "log_retention_days" in str(found["aws_cloudwatch_log_group.function"])
    distribution = found["aws_cloudfront_distribution.distribution"]
    origins = {origin["origin_id"]: origin for origin in distribution["origin"]}
    assert set(origins) == {"frontend", "api", "redirect"}
    for signed in ("frontend", "redirect"):
        assert "origin_access_control" in str(origins[signed]["origin_access_control_id"])
    [behavior] = distribution["default_cache_behavior"]
    assert behavior["viewer_protocol_policy"] == "redirect-to-https"
    machine = found["aws_sfn_state_machine.import_state_machine"]
    assert "../statemachines/bulk_import.asl.json" in str(machine["definition"])
    authorizer = found["aws_apigatewayv2_authorizer.cognito_jwt"]
    assert authorizer["authorizer_type"] == "JWT"
    outputs = {name for block in config["output"] for name in block}
    assert {"api_url", "frontend_url", "table_name"} <= outputs


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on PATH")
def test_terraform_fmt_is_clean() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", str(TERRAFORM)],
        capture_output=True,
        text=True,
        env={"TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_alarms_watch_what_the_sam_alarms_watch(config: dict[str, list[Any]]) -> None:
    [block] = [b for b in config["locals"] if "alarm_definitions" in b]
    watched = str(block["alarm_definitions"])
    sam_metrics = {
        r["Properties"]["MetricName"]
        for r in SAM["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert all(metric in watched for metric in sam_metrics), sam_metrics
    alarm = resources(config)["aws_cloudwatch_metric_alarm.alarm"]
    assert "local.alarms" in str(alarm["for_each"])
    assert "alarm_topic" in str(alarm["alarm_actions"])


# ------------------------------------------------------------------ production extras (0401)

TERRAFORM_TESTS = TERRAFORM / "tests" / "extras.tftest.hcl"


def extras_on_variables() -> dict[str, Any]:
    """The variables of the `terraform test` run with every extra on (and the shared ones)."""
    with TERRAFORM_TESTS.open() as handle:
        tests = unquote(hcl2.load(handle))
    [shared] = tests["variables"]
    [run] = [r["every_extra_on"] for r in tests["run"] if "every_extra_on" in r]
    merged = {**shared, **run["variables"][0]}
    return {name: value for name, value in merged.items() if not name.startswith("__")}


def variables(config: dict[str, list[Any]]) -> dict[str, Any]:
    return {name: body for block in config["variable"] for name, body in block.items()}


def test_every_extra_is_off_by_default(config: dict[str, list[Any]]) -> None:
    found = variables(config)
    for name in ("enable_waf", "enable_maintenance_schedule", "enable_vpc"):
        assert found[name]["default"] is False, name
        assert SAM["Parameters"][name.title().replace("_", "")]["Default"] == "false"
    assert found["domain_name"]["default"] == ""
    assert found["package_type"]["default"] == "Zip"
    assert found["replica_regions"]["default"] == []
    assert found["maintenance_schedule_expression"]["default"] == "rate(1 day)"


def test_each_extra_exists_only_with_its_variable(config: dict[str, list[Any]]) -> None:
    found = resources(config)
    gates = {
        "aws_acm_certificate.api_certificate": "local.has_domain",
        "aws_acm_certificate.frontend_certificate": "var.frontend_certificate_arn",
        "aws_route53_record.frontend_record": "local.distribution_names",
        "aws_wafv2_web_acl.web_acl": "var.enable_waf",
        "aws_scheduler_schedule.maintenance_schedule": "var.enable_maintenance_schedule",
        "aws_iam_role.maintenance_schedule_role": "var.enable_maintenance_schedule",
        "aws_sqs_queue.maintenance_schedule_dead_letter_queue": "var.enable_maintenance_schedule",
        "aws_security_group.function_security_group": "var.enable_vpc",
        "aws_vpc_endpoint.gateway_endpoint": "local.gateway_endpoints",
        "aws_lambda_function_event_invoke_config.maintenance": "var.enable_maintenance_schedule",
    }
    for key, gate in gates.items():
        assert gate in str(found[key].get("count", found[key].get("for_each"))), key
    assert "var.domain_name" in local(config, "has_domain")
    assert "local.has_domain" in local(config, "distribution_names")
    assert "var.enable_maintenance_schedule" in local(config, "functions")
    assert "var.enable_vpc" in local(config, "gateway_endpoints")


def test_cloudfront_certificate_and_web_acl_come_from_us_east_1(
    config: dict[str, list[Any]],
) -> None:
    providers = {
        p["alias"]: p["region"] for b in config["provider"] for p in b.values() if "alias" in p
    }
    assert providers == {"us_east_1": "us-east-1"}
    found = resources(config)
    for key in ("aws_acm_certificate.frontend_certificate", "aws_wafv2_web_acl.web_acl"):
        assert found[key]["provider"] == "${aws.us_east_1}", key
    assert "provider" not in found["aws_acm_certificate.api_certificate"]  # regional, like the API
    distribution = found["aws_cloudfront_distribution.distribution"]
    assert "aws_wafv2_web_acl.web_acl[0].arn" in distribution["web_acl_id"]
    [viewer] = distribution["viewer_certificate"]
    assert "TLSv1.2_2021" in viewer["minimum_protocol_version"]
    assert "sni-only" in viewer["ssl_support_method"]


def test_the_web_acl_has_the_sam_rules(config: dict[str, list[Any]]) -> None:
    acl = resources(config)["aws_wafv2_web_acl.web_acl"]
    sam_acl = SAM["Resources"]["WebAcl"]["Properties"]
    assert acl["scope"] == sam_acl["Scope"] == "CLOUDFRONT"
    assert [(r["name"], r["priority"]) for r in acl["rule"]] == [
        (r["Name"], r["Priority"]) for r in sam_acl["Rules"]
    ]
    managed = [
        s["managed_rule_group_statement"][0]["name"]
        for r in acl["rule"]
        for s in r["statement"]
        if "managed_rule_group_statement" in s
    ]
    sam_managed = [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in sam_acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    ]
    assert managed == sam_managed
    [rate] = [
        s["rate_based_statement"][0]
        for r in acl["rule"]
        for s in r["statement"]
        if "rate_based_statement" in s
    ]
    assert rate == {"limit": "${var.waf_rate_limit}", "aggregate_key_type": "IP"}
    widgets = str(local(config, "waf_widgets"))
    assert "AllowedRequests" in widgets
    assert "BlockedRequests" in widgets


def test_maintenance_has_the_sam_permissions_schedule_and_dead_letters(
    config: dict[str, list[Any]],
) -> None:
    [table, unfinished, restart, queue, failed_runs] = local(config, "policies")[
        "maintenance_function"
    ]
    assert unfinished["resources"] == ["${aws_dynamodb_table.table.arn}/index/GSI2"]
    assert restart["actions"] == ["states:StartExecution"]
    sam_role = SAM["Resources"]["MaintenanceFunctionRole"]["Properties"]["Policies"]
    [sam_statements] = [
        p["PolicyDocument"]["Statement"] for p in sam_role if p.get("PolicyName") == "calls"
    ]
    sam_actions = {s["Sid"]: s["Action"] for s in sam_statements}
    assert set(table["actions"]) == set(sam_actions["Sweep"])
    assert table["resources"] == ["${aws_dynamodb_table.table.arn}"]
    assert queue["actions"] == [sam_actions["DeadLetterDepth"]]
    assert "events_dead_letter_queue.arn" in str(queue["resources"])
    assert "maintenance_schedule_dead_letter_queue" in str(queue["resources"])
    assert failed_runs["actions"] == [sam_actions["FailedRuns"]]
    invoke_config = resources(config)["aws_lambda_function_event_invoke_config.maintenance"]
    destination = invoke_config["destination_config"][0]["on_failure"][0]["destination"]
    assert "maintenance_schedule_dead_letter_queue[0].arn" in destination
    found = resources(config)
    [target] = found["aws_scheduler_schedule.maintenance_schedule"]["target"]
    assert 'function["maintenance_function"].arn' in target["arn"]
    assert target["input"] == "{}"
    assert target["retry_policy"][0]["maximum_retry_attempts"] >= 1
    assert "maintenance_schedule_dead_letter_queue" in target["dead_letter_config"][0]["arn"]
    schedule_policy = found["aws_iam_role_policy.maintenance_schedule_role"]["policy"]
    assert re.findall(r'Action = \[("[^"]+")\]', schedule_policy) == [
        '"lambda:InvokeFunction"',
        '"sqs:SendMessage"',
    ]
    assert 'function["maintenance_function"].arn' in schedule_policy


def test_image_packaging_and_vpc_mode_on_every_function(config: dict[str, list[Any]]) -> None:
    function = resources(config)["aws_lambda_function.function"]
    assert function["package_type"] == "${var.package_type}"
    dynamic = {name: body for block in function["dynamic"] for name, body in block.items()}
    assert dynamic["image_config"]["content"] == [{"command": ["${image_config.value}"]}]
    assert "each.value.handler" in dynamic["image_config"]["for_each"]
    assert "var.enable_vpc" in dynamic["vpc_config"]["for_each"]
    assert dynamic["vpc_config"]["content"][0]["subnet_ids"] == "${var.subnet_ids}"
    eni = str(local(config, "network_interface_statements"))
    assert "var.enable_vpc" in eni
    assert "ec2:CreateNetworkInterface" in eni
    endpoint = resources(config)["aws_vpc_endpoint.gateway_endpoint"]
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["route_table_ids"] == "${var.route_table_ids}"


def test_replica_regions_make_the_table_global(config: dict[str, list[Any]]) -> None:
    table = resources(config)["aws_dynamodb_table.table"]
    dynamic = {name: body for block in table["dynamic"] for name, body in block.items()}
    assert "var.replica_regions" in dynamic["replica"]["for_each"]
    assert dynamic["replica"]["content"][0]["point_in_time_recovery"] is True
    assert table["stream_enabled"] is True  # replicas need the stream, which is always on


def test_checkov_passes_with_every_extra_on(config: dict[str, list[Any]], tmp_path: Path) -> None:
    extras_on = extras_on_variables()
    assert extras_on["enable_waf"] is True
    assert set(extras_on) <= set(variables(config))
    tfvars = tmp_path / "extras-on.tfvars"
    # JSON strings, lists and booleans are HCL too.
    tfvars.write_text("".join(f"{name} = {json.dumps(v)}\n" for name, v in extras_on.items()))
    result = run_checkov(
        "-d", str(TERRAFORM), "--framework", "terraform", "--var-file", str(tfvars)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout


PLUGIN_DIR = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
HAS_PROVIDER = shutil.which("terraform") is not None and any(
    PLUGIN_DIR.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*")
)
needs_provider = pytest.mark.skipif(
    not HAS_PROVIDER, reason=f"terraform or the AWS provider in {PLUGIN_DIR} missing"
)


def terraform(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(directory),
        "TF_CLI_CONFIG_FILE": "/dev/null",
        "CHECKPOINT_DISABLE": "1",
    }
    return subprocess.run(
        ["terraform", *arguments, "-no-color"],
        cwd=directory,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of infra/ (the .tf files read ../statemachines) with the provider installed."""
    copy = tmp_path_factory.mktemp("terraform") / "infra"
    shutil.copytree(TERRAFORM, copy / "terraform", ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copytree(TERRAFORM.parent / "statemachines", copy / "statemachines")
    directory = copy / "terraform"
    init = terraform(
        directory, "init", "-backend=false", "-input=false", f"-plugin-dir={PLUGIN_DIR}"
    )
    assert init.returncode == 0, init.stdout + init.stderr
    return directory


@needs_provider
def test_terraform_validate(initialised: Path) -> None:
    result = terraform(initialised, "validate")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_provider
# Six plans of the whole configuration, CPU-bound: past the suite's 120 s on a loaded
# two-core machine, so it gets the subprocess's own bound.
@pytest.mark.timeout(300)
def test_terraform_plans_the_extras_on_and_off_with_mocked_providers(initialised: Path) -> None:
    result = terraform(initialised, "test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Success! [1-9]\d* passed, 0 failed", result.stdout), result.stdout


def test_the_api_functions_environment_is_read_without_pydantic(
    config: dict[str, list[Any]],
) -> None:
    """As in SAM: a setting only Settings may judge would cost each cold start of the API
    function Pydantic (api_config.py, decision 0405)."""
    [local_block] = [b for b in config["locals"] if "function_specs" in b]
    env = {
        **local_block["environment"],
        "PUBLIC_BASE_URL": "https://s.example.com",  # local.domain_environment's one variable
        **local(config, "function_environment")["api_function"],
    }
    # What the references and joins become, in a form Settings takes.
    resolved = {
        "JWT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "JWT_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI/.well-known/jwks.json",
        "FRONTEND_ORIGIN": "https://app.example.com",
    }
    given = {
        name: resolved.get(name, "from-the-stack") if "${" in value else value
        for name, value in env.items()
    }
    assert given["STAGE"] == "aws"
    assert load_api_settings(given) is not None, sorted(given)

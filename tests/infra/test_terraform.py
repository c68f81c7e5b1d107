"""The Terraform configuration: same resources, parameters and handlers as the SAM template.

`terraform validate` needs the AWS provider, which only the Terraform registry serves
(unreachable here), so the configuration is parsed with python-hcl2 and checked
against the SAM template, and `terraform fmt -check` runs when the binary exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from samtranslator.yaml_helper import yaml_parse

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


def test_the_same_resources_under_the_same_names(config: dict[str, list[Any]]) -> None:
    names = {key.split(".", 1)[1] for key in resources(config)}
    for logical_id in (
        "Table", "ImportsBucket", "EventBus", "EventsDeadLetterQueue", "EventsQueue",
        "EventsRule", "EventsQueuePolicy", "ImportStateMachine", "HttpApi", "FrontendBucket",
        "FrontendBucketPolicy", "FrontendHeaders", "Distribution", "AlarmTopic", "Dashboard",
    ):  # fmt: skip
        assert snake(logical_id) in names, logical_id


def test_functions_match_the_sam_handlers_and_settings(config: dict[str, list[Any]]) -> None:
    [local_block] = [b for b in config["locals"] if "functions" in b]
    functions = local_block["functions"]
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
    assert set(environment) == set(SAM["Globals"]["Function"]["Environment"]["Variables"])


def test_table_queue_and_routes_as_in_sam(config: dict[str, list[Any]]) -> None:
    found = resources(config)
    table = found["aws_dynamodb_table.table"]
    assert (table["hash_key"], table["range_key"]) == ("PK", "SK")
    assert [i["name"] for i in table["global_secondary_index"]] == ["GSI1", "GSI2"]
    assert table["ttl"] == [{"attribute_name": "ttl", "enabled": True}]
    dlq = found["aws_sqs_queue.events_dead_letter_queue"]
    assert dlq["message_retention_seconds"] == 1209600
    [routes_block] = [b for b in config["locals"] if "routes" in b]
    routes = routes_block["routes"]
    public = {key for key, (_, secured) in routes.items() if not secured}
    assert public == {
        "GET /health", "GET /docs", "GET /redoc", "GET /openapi.json",
        "GET /{short_id}", "HEAD /{short_id}",
    }  # fmt: skip


def test_the_rest_of_the_parity_list(config: dict[str, list[Any]]) -> None:
    found = resources(config)
    table = found["aws_dynamodb_table.table"]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    queue = found["aws_sqs_queue.events_queue"]
    assert "events_dead_letter_queue.arn" in str(queue["redrive_policy"])
    assert "maxReceiveCount = 3" in str(queue["redrive_policy"]).replace(":", " =")
    function = found["aws_lambda_function.function"]
    assert "var.reserved_concurrency" in str(function["reserved_concurrent_executions"])
    assert "log_retention_days" in str(found["aws_cloudwatch_log_group.function"])
    distribution = found["aws_cloudfront_distribution.distribution"]
    [origin] = distribution["origin"]
    assert "origin_access_control" in str(origin["origin_access_control_id"])
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
    [block] = [b for b in config["locals"] if "alarms" in b]
    watched = str(block["alarms"])
    sam_metrics = {
        r["Properties"]["MetricName"]
        for r in SAM["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert all(metric in watched for metric in sam_metrics), sam_metrics
    alarm = resources(config)["aws_cloudwatch_metric_alarm.alarm"]
    assert "local.alarms" in str(alarm["for_each"])
    assert "alarm_topic" in str(alarm["alarm_actions"])

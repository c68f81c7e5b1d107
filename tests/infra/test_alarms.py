"""Alarms that can notify someone, on the metrics a first deploy needs, in SAM and Terraform.

CloudWatch cannot use the AWS-managed SNS key (`alias/aws/sns`): an alarm that notifies a
topic encrypted with it fails every action with a KMS AccessDenied that shows only in the
alarm's history. cfn-lint and checkov are both happy with such a topic.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, source_template, translate
from .test_production_extras import ON
from .test_terraform import TERRAFORM, load_config, local, resources

# (namespace, metric): every one a single-metric alarm of its own.
REQUIRED = {
    ("AWS/Lambda", "Errors"),
    ("AWS/Lambda", "Throttles"),
    ("AWS/Lambda", "IteratorAge"),  # the stream consumer's lag
    ("AWS/ApiGateway", "5xx"),
    ("AWS/ApiGateway", "Latency"),
    ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ("AWS/Events", "FailedInvocations"),
    ("AWS/States", "ExecutionsFailed"),
}

# AlarmSet essential, the default (decision 0406): the account's ten free alarms, on what
# an operator must hear about first; the rest are early warnings of failures that end in
# one of these. Each SAM alarm's Terraform key in local.alarm_definitions.
ESSENTIAL = {
    "RedirectErrorsAlarm": "redirect-function-errors",
    "RedirectThrottlesAlarm": "redirect-function-throttles",
    "ApiErrorsAlarm": "api-function-errors",
    "HttpApi5xxAlarm": "http-api-5xx",
    "DeadLettersAlarm": "dead-letters",
    "UploadsDeadLettersAlarm": "uploads-dead-letters",
    "StreamErrorsAlarm": "stream-function-errors",
    "StreamIteratorAgeAlarm": "stream-iterator-age",
    "EventsQueueAgeAlarm": "events-queue-age",
    "ImportFailuresAlarm": "import-failures",
}
# What AlarmSet all adds, and what each early warning ends in when it is not heard.
ONLY_IN_ALL = {
    "EventsErrorsAlarm": "events-function-errors",  # retried, then DeadLettersAlarm
    "ImportTaskErrorsAlarm": "import-task-function-errors",  # retried, then ImportFailuresAlarm
    "UploadsErrorsAlarm": "uploads-function-errors",  # retried, then UploadsDeadLettersAlarm
    "EventsRuleFailedInvocationsAlarm": "events-rule-failed-invocations",  # then the DLQ
    "ApiThrottlesAlarm": "api-function-throttles",  # answered 5xx: HttpApi5xxAlarm
    "HttpApiLatencyAlarm": "http-api-latency",  # slow, not failing
}
# With the maintenance schedule: its DLQ's alarm in either set, its errors' in all.
MAINTENANCE = {"MaintenanceDeadLettersAlarm": "maintenance-dead-letters"}
MAINTENANCE_IN_ALL = {"MaintenanceErrorsAlarm": "maintenance-function-errors"}
FREE_ALARMS = 10


@pytest.fixture(scope="module", params=["extras off", "extras on"])
def deployed(request: pytest.FixtureRequest) -> dict[str, Any]:
    parameters, region = (
        (REQUIRED_PARAMETERS, "eu-west-1") if request.param == "extras off" else (ON, "us-east-1")
    )
    return Stack(translate(source_template(), parameters), parameters, region).resources()


def alarms(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"] for name, r in res.items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def test_no_topic_an_alarm_notifies_uses_the_aws_managed_sns_key(deployed: dict[str, Any]) -> None:
    notified = {
        action["Ref"] for alarm in alarms(deployed).values() for action in alarm["AlarmActions"]
    }
    assert notified
    for topic in notified:
        key = deployed[topic]["Properties"].get("KmsMasterKeyId")
        # A customer-managed key would need a key policy for cloudwatch.amazonaws.com;
        # this stack uses none (decision 0400), and never an alias/aws/* key.
        assert key is None, (topic, key)


def test_terraform_alarm_topic_is_not_under_the_aws_managed_sns_key() -> None:
    found = resources(load_config())
    topics = {
        match
        for alarm in (
            body for kind, body in found.items() if kind.startswith("aws_cloudwatch_metric_alarm.")
        )
        for match in re.findall(r"aws_sns_topic\.(\w+)", str(alarm["alarm_actions"]))
    }
    assert topics == {"alarm_topic"}
    for topic in topics:
        assert "kms_master_key_id" not in found[f"aws_sns_topic.{topic}"], topic
    assert "alias/aws/sns" not in "".join(p.read_text() for p in TERRAFORM.glob("*.tf"))


def test_every_alarm_watches_one_metric_and_notifies(deployed: dict[str, Any]) -> None:
    for name, alarm in alarms(deployed).items():
        assert "Metrics" not in alarm, name  # single metric, no math
        assert alarm["AlarmActions"], name


def test_all_alarms_watch_every_function_and_the_essential_ones_what_fails_visitors() -> None:
    def errors_alarms_and_functions(parameters: dict[str, str]) -> tuple[set[str], set[str]]:
        deployed = Stack(translate(source_template(), parameters), parameters, "eu-west-1")
        found = alarms(deployed.resources())
        functions = {
            n for n, r in deployed.resources().items() if r["Type"] == "AWS::Lambda::Function"
        }
        watched = {(a["Namespace"], a["MetricName"]) for a in found.values()}
        if parameters.get("AlarmSet") == "all":
            assert watched == REQUIRED
        errors = {
            a["Dimensions"][0]["Value"]["Ref"]
            for a in found.values()
            if a["MetricName"] == "Errors"
        }
        return errors, functions

    errors, functions = errors_alarms_and_functions({**REQUIRED_PARAMETERS, "AlarmSet": "all"})
    assert errors == functions  # the import task's included
    errors, functions = errors_alarms_and_functions(REQUIRED_PARAMETERS)
    # The functions whose failures nothing retries into a watched queue.
    assert errors == {"ApiFunction", "RedirectFunction", "StreamFunction"} < functions


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ESSENTIAL),
        ({"AlarmSet": "all"}, ESSENTIAL | ONLY_IN_ALL),
        ({"EnableMaintenanceSchedule": "true"}, ESSENTIAL | MAINTENANCE),
        (
            {"EnableMaintenanceSchedule": "true", "AlarmSet": "all"},
            ESSENTIAL | ONLY_IN_ALL | MAINTENANCE | MAINTENANCE_IN_ALL,
        ),
    ],
)
def test_the_alarm_set_selects_the_same_alarms_in_sam_and_terraform(
    changes: dict[str, str], expected: dict[str, str]
) -> None:
    parameters = {**REQUIRED_PARAMETERS, **changes}
    deployed = Stack(translate(source_template(), parameters), parameters, "eu-west-1")
    assert set(alarms(deployed.resources())) == set(expected)
    # Terraform keeps a definition when alarm_set is "all" or its key is essential; the
    # maintenance function's and its DLQ's exist only with the schedule. Its plans hold the
    # keys of the defaults (infra/terraform/tests/extras.tftest.hcl).
    [block] = [b for b in load_config()["locals"] if "essential_alarms" in b]
    assert "var.alarm_set" in block["alarms"]
    assert "local.essential_alarms" in block["alarms"]
    every = ESSENTIAL | ONLY_IN_ALL | MAINTENANCE | MAINTENANCE_IN_ALL
    assert set(block["essential_alarms"]) <= set(every.values())

    def terraform_keeps(key: str) -> bool:
        exists = "maintenance" not in key or changes.get("EnableMaintenanceSchedule") == "true"
        return exists and (changes.get("AlarmSet") == "all" or key in block["essential_alarms"])

    assert {key for key in every.values() if terraform_keeps(key)} == set(expected.values())


def test_the_default_alarms_are_the_accounts_free_ones() -> None:
    parameter = source_template()["Parameters"]["AlarmSet"]
    assert parameter["AllowedValues"] == ["essential", "all"]
    assert parameter["Default"] == "essential"
    variable = next(b["alarm_set"] for b in load_config()["variable"] if "alarm_set" in b)
    assert variable["default"] == "essential"
    assert len(ESSENTIAL) == FREE_ALARMS
    assert len(ESSENTIAL | ONLY_IN_ALL) == 16


def test_the_rule_alarm_names_the_rule_it_watches() -> None:
    template = source_template()["Resources"]
    [alarm] = [
        r["Properties"]
        for r in template.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"]["MetricName"] == "FailedInvocations"
    ]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    # The metric's dimensions are the bus and the rule's name; Ref of a rule on a custom
    # bus is "bus|rule", so the rule is named and the alarm uses that same name.
    assert dimensions["EventBusName"] == {"Ref": "EventBus"}
    assert dimensions["RuleName"] == template["EventsRule"]["Properties"]["Name"]


def test_terraform_has_the_same_alarms() -> None:
    watched = str(local(load_config(), "alarm_definitions"))
    sam = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in source_template()["Resources"].values()
        if a["Type"] == "AWS::CloudWatch::Alarm"
    }
    for namespace, metric in sam:
        assert f'"{namespace}"' in watched or namespace in watched, namespace
        assert metric in watched, metric
    assert json.dumps(sorted(sam)) == json.dumps(sorted(REQUIRED))

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
    watched = set()
    for name, alarm in alarms(deployed).items():
        assert "Metrics" not in alarm, name  # single metric, no math
        assert alarm["AlarmActions"], name
        watched.add((alarm["Namespace"], alarm["MetricName"]))
    assert watched >= REQUIRED
    functions_with_errors_alarms = {
        alarm["Dimensions"][0]["Value"]["Ref"]
        for alarm in alarms(deployed).values()
        if alarm["MetricName"] == "Errors"
    }
    functions = {n for n, r in deployed.items() if r["Type"] == "AWS::Lambda::Function"}
    assert functions_with_errors_alarms == functions  # the import task's included


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
    watched = str(local(load_config(), "alarms"))
    sam = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in source_template()["Resources"].values()
        if a["Type"] == "AWS::CloudWatch::Alarm"
    }
    for namespace, metric in sam:
        assert f'"{namespace}"' in watched or namespace in watched, namespace
        assert metric in watched, metric
    assert json.dumps(sorted(sam)) == json.dumps(sorted(REQUIRED))

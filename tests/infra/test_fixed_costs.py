"""The fixed monthly lines of `shortstack cost` count what the deployment really keeps.

`src/shortstack/data/deployment.json` ships with the package (the CLI runs without the
repository); here its counts are compared with what CloudFormation would create from
the translated SAM template with every extra off, for each alarm set. Terraform's plans
are held to the same alarm counts in infra/terraform/tests/extras.tftest.hcl.
"""

from __future__ import annotations

import json
import re

import pytest

from shortstack.pricing import ALARM_SETS

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, source_template, translate
from .test_terraform import TERRAFORM_TESTS

DATA = ROOT / "src" / "shortstack" / "data"
DEPLOYMENT = json.loads((DATA / "deployment.json").read_text())
FREE_ALARMS = json.loads((DATA / "aws_prices.json").read_text())["free_per_account"][
    "cloudwatch_alarms"
]["amount"]


@pytest.mark.parametrize("alarm_set", ALARM_SETS)
def test_the_shipped_counts_are_the_default_deployments(alarm_set: str) -> None:
    parameters = {**REQUIRED_PARAMETERS, "AlarmSet": alarm_set}
    template = translate(source_template(), parameters)
    resources = Stack(template, parameters, "eu-west-1").resources()
    kinds = [r["Type"] for r in resources.values()]
    assert DEPLOYMENT["cloudwatch_alarms"][alarm_set] == kinds.count("AWS::CloudWatch::Alarm")
    assert DEPLOYMENT["cloudwatch_dashboards"] == kinds.count("AWS::CloudWatch::Dashboard")
    assert DEPLOYMENT["kms_keys"] == kinds.count("AWS::KMS::Key") == 0
    # Each alarm watches one metric: CloudWatch bills a metric-math alarm per metric.
    assert all("Metrics" not in r["Properties"] for r in resources.values() if "Alarm" in r["Type"])


def test_an_idle_default_deployment_keeps_only_free_alarms() -> None:
    # With its defaults the stack keeps no more alarms than the account's free ones (it
    # kept 16, $0.60 an idle month), and the parameter's default is the cost model's.
    template = translate(source_template(), REQUIRED_PARAMETERS)
    resources = Stack(template, REQUIRED_PARAMETERS, "eu-west-1").resources()
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(alarms) == FREE_ALARMS
    assert source_template()["Parameters"]["AlarmSet"]["Default"] == ALARM_SETS[0]
    assert DEPLOYMENT["cloudwatch_alarms"][ALARM_SETS[0]] == FREE_ALARMS
    assert DEPLOYMENT["cloudwatch_alarms"]["all"] > FREE_ALARMS


def test_terraform_plans_the_same_number_of_alarms() -> None:
    plan_checks = TERRAFORM_TESTS.read_text()
    counts = [
        int(n)
        for n in re.findall(r"length\(aws_cloudwatch_metric_alarm\.alarm\) == (\d+)", plan_checks)
    ]
    # The default plan; every extra on with alarm_set = "all" adds the maintenance
    # schedule's two alarms.
    assert counts == [
        DEPLOYMENT["cloudwatch_alarms"]["essential"],
        DEPLOYMENT["cloudwatch_alarms"]["all"] + 2,
    ], "extras.tftest.hcl does not count the alarms of the default and the full plans"
    assert 'alarm_set                   = "all"' in plan_checks
    assert "aws_kms_key" not in "".join(
        p.read_text() for p in TERRAFORM_TESTS.parent.parent.glob("*.tf")
    )

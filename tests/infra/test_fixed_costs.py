"""The fixed monthly lines of `shortstack cost` count what the deployment really keeps.

`src/shortstack/data/deployment.json` ships with the package (the CLI runs without the
repository); here its counts are compared with what CloudFormation would create from
the translated SAM template with every extra off. Terraform's plan is held to the same
alarm count in infra/terraform/tests/extras.tftest.hcl.
"""

from __future__ import annotations

import json
import re

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, source_template, translate
from .test_terraform import TERRAFORM_TESTS

DEPLOYMENT = json.loads((ROOT / "src" / "shortstack" / "data" / "deployment.json").read_text())


def test_the_shipped_counts_are_the_default_deployments() -> None:
    template = translate(source_template(), REQUIRED_PARAMETERS)
    resources = Stack(template, REQUIRED_PARAMETERS, "eu-west-1").resources()
    kinds = [r["Type"] for r in resources.values()]
    assert DEPLOYMENT["cloudwatch_alarms"] == kinds.count("AWS::CloudWatch::Alarm")
    assert DEPLOYMENT["cloudwatch_dashboards"] == kinds.count("AWS::CloudWatch::Dashboard")
    assert DEPLOYMENT["kms_keys"] == kinds.count("AWS::KMS::Key") == 0
    # Each alarm watches one metric: CloudWatch bills a metric-math alarm per metric.
    assert all("Metrics" not in r["Properties"] for r in resources.values() if "Alarm" in r["Type"])


def test_terraform_plans_the_same_number_of_alarms() -> None:
    plan_checks = TERRAFORM_TESTS.read_text()
    counted = re.search(r"length\(aws_cloudwatch_metric_alarm\.alarm\) == (\d+)", plan_checks)
    assert counted, "extras.tftest.hcl does not count the alarms of the default plan"
    assert int(counted.group(1)) == DEPLOYMENT["cloudwatch_alarms"]
    assert "aws_kms_key" not in "".join(
        p.read_text() for p in TERRAFORM_TESTS.parent.parent.glob("*.tf")
    )

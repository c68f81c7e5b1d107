"""A checkov skip is only as good as its reason: the reasons that state facts, checked.

Each reason here states a fact the template could contradict without any linter noticing:
which key encrypts the table, how each function is invoked, whether the site has forms,
what input the schedule sends.
"""

from __future__ import annotations

import re
from typing import Any

from .sam_offline import ROOT, source_template
from .test_terraform import TERRAFORM

TEMPLATE = source_template()["Resources"]
TERRAFORM_TEXT = "".join(p.read_text() for p in sorted(TERRAFORM.glob("*.tf")))


def sam_reason(resource: str, check: str) -> str:
    skips = TEMPLATE[resource]["Metadata"]["checkov"]["skip"]
    [reason] = [s["comment"] for s in skips if s["id"] == check]
    return str(reason)


def terraform_reasons(check: str) -> list[str]:
    return re.findall(rf"#checkov:skip={check}:(.*)", TERRAFORM_TEXT)


def test_the_table_reason_names_the_key_that_encrypts_it() -> None:
    sse = TEMPLATE["Table"]["Properties"]["SSESpecification"]
    # SSEEnabled without a key id is the AWS-managed key aws/dynamodb (not the AWS-owned
    # key, which is what SSEEnabled false means).
    assert sse == {"SSEEnabled": True}
    [tf_reason] = terraform_reasons("CKV_AWS_119")
    for reason in (sam_reason("Table", "CKV_AWS_119"), tf_reason):
        assert "AWS-managed key" in reason
        assert "AWS-owned" not in reason
    table = TERRAFORM_TEXT.split('resource "aws_dynamodb_table"')[1].split("\nresource ")[0]
    assert re.search(r"server_side_encryption \{\s*enabled = true\s*\}", table)


def functions_invoked_asynchronously() -> set[str]:
    """What a schedule targets and what a bucket notifies: both invoke asynchronously."""
    scheduled = {
        r["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]
        for r in TEMPLATE.values()
        if r["Type"] == "AWS::Scheduler::Schedule"
    }
    notified = {
        notification["Function"]["Fn::GetAtt"][0]
        for r in TEMPLATE.values()
        if r["Type"] == "AWS::S3::Bucket"
        for notification in r["Properties"]
        .get("NotificationConfiguration", {})
        .get("LambdaConfigurations", [])
    }
    return scheduled | notified


def test_dead_letter_reasons_say_how_each_function_is_invoked() -> None:
    asynchronous = functions_invoked_asynchronously()
    assert asynchronous == {"MaintenanceFunction", "UploadsFunction"}
    invoke_configs = {
        r["Properties"]["FunctionName"]["Ref"]: r["Properties"]
        for r in TEMPLATE.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
    }
    for name, resource in TEMPLATE.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        reason = sam_reason(name, "CKV_AWS_116")
        if name in asynchronous:
            assert "asynchronously" in reason, name
            assert "OnFailure" in invoke_configs[name]["DestinationConfig"], name
        else:
            assert "asynchronously" not in reason, name
    [tf_reason] = terraform_reasons("CKV_AWS_116")
    assert "on-failure destination" in tf_reason
    assert "aws_lambda_function_event_invoke_config" in TERRAFORM_TEXT


def test_the_waf_reason_does_not_claim_a_site_without_forms() -> None:
    # The UI builds its forms in JavaScript: h("form", ...).
    has_forms = any('h("form"' in p.read_text() for p in (ROOT / "web").rglob("*.js"))
    assert has_forms
    reasons = [sam_reason("Distribution", "CKV_AWS_68"), *terraform_reasons("CKV_AWS_68")]
    for reason in reasons:
        assert not (has_forms and "no forms" in reason), reason
        assert "EnableWaf" in reason or "enable_waf" in reason


def test_the_schedule_reason_matches_its_input() -> None:
    [reason] = terraform_reasons("CKV_AWS_297")
    schedule: dict[str, Any] = TEMPLATE["MaintenanceSchedule"]["Properties"]
    assert schedule["Target"]["Input"] == "{}"
    assert "no input" not in reason
    assert '"{}"' in reason

"""Import files uploaded to S3 reach the uploads function, in SAM and Terraform alike.

Nothing in the code notices a file that lands in the bucket: only the bucket's
notification does, so a template without it deploys cleanly and every import through
an upload URL waits until it fails. The notification must cover the keys the code
hands out (domain/uploads.py), S3 must be allowed to invoke the function for this
bucket only, a landing that keeps failing must end in a queue an alarm watches, and
the presigned URL's signer (the API function) must be allowed to put those keys.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortstack.domain.imports import UploadTerms, new_import
from shortstack.domain.uploads import UPLOAD_PREFIX, upload_key

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, source_template, translate
from .test_production_extras import ON
from .test_terraform import load_config, local, resources

NOW = datetime(2026, 12, 1, tzinfo=UTC)
A_KEY = upload_key(
    new_import("alice", NOW, "links.csv", upload=UploadTerms(NOW + timedelta(hours=1)))
)


@pytest.fixture(scope="module", params=["extras off", "extras on"])
def deployed(request: pytest.FixtureRequest) -> dict[str, Any]:
    parameters, region = (
        (REQUIRED_PARAMETERS, "eu-west-1") if request.param == "extras off" else (ON, "us-east-1")
    )
    return Stack(translate(source_template(), parameters), parameters, region).resources()


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]
    ]


def test_the_keys_the_code_hands_out_match_the_notification_filter() -> None:
    assert A_KEY.startswith(UPLOAD_PREFIX)
    assert A_KEY.endswith(".csv")


def test_the_bucket_notifies_the_uploads_function_of_every_upload(
    deployed: dict[str, Any],
) -> None:
    bucket = deployed["ImportsBucket"]
    [notification] = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Function"] == {"Fn::GetAtt": ["UploadsFunction", "Arn"]}
    rules = {r["Name"]: r["Value"] for r in notification["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": UPLOAD_PREFIX, "suffix": ".csv"}
    handler = deployed["UploadsFunction"]["Properties"]["Handler"]
    assert handler == "shortstack.entrypoints.lambda_uploads.handler"


def test_s3_may_invoke_the_function_for_this_bucket_only(deployed: dict[str, Any]) -> None:
    bucket = deployed["ImportsBucket"]
    name = bucket["Properties"]["BucketName"]
    # S3 checks its permission when the notification is set: it must exist first.
    assert bucket["DependsOn"] == "UploadsFunctionInvokedByTheBucket"
    permission = deployed["UploadsFunctionInvokedByTheBucket"]["Properties"]
    assert permission["Principal"] == "s3.amazonaws.com"
    assert permission["FunctionName"] == {"Fn::GetAtt": ["UploadsFunction", "Arn"]}
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["SourceArn"] == {
        "Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": name}]
    }
    # Every function reads the bucket the notification is on.
    for resource in deployed.values():
        if resource["Type"] == "AWS::Lambda::Function":
            assert resource["Properties"]["Environment"]["Variables"]["IMPORTS_BUCKET"] == name


def test_a_landing_that_keeps_failing_ends_in_a_watched_queue(deployed: dict[str, Any]) -> None:
    [config] = [
        r["Properties"]
        for r in deployed.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
        and r["Properties"]["FunctionName"] == {"Ref": "UploadsFunction"}
    ]
    destination = config["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["UploadsDeadLetterQueue", "Arn"]}
    watched = [
        r["Properties"]
        for r in deployed.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"]["Dimensions"][0]["Value"]
        == {"Fn::GetAtt": ["UploadsDeadLetterQueue", "QueueName"]}
    ]
    assert [a["MetricName"] for a in watched] == ["ApproximateNumberOfMessagesVisible"]
    role = deployed[deployed["UploadsFunction"]["Properties"]["Role"]["Fn::GetAtt"][0]]
    sends = [s for s in statements(role) if s["Action"] == "sqs:SendMessage"]
    assert [s["Resource"] for s in sends] == [destination]


def test_the_signer_may_put_uploads_and_leftovers_expire(deployed: dict[str, Any]) -> None:
    api_role = deployed[deployed["ApiFunction"]["Properties"]["Role"]["Fn::GetAtt"][0]]
    puts = [s["Resource"] for s in statements(api_role) if s["Action"] == "s3:PutObject"]
    assert f"/{UPLOAD_PREFIX}*" in json.dumps(puts)
    bucket = deployed["ImportsBucket"]["Properties"]
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert {"Prefix": UPLOAD_PREFIX, "ExpirationInDays": 1}.items() <= next(
        r for r in rules if r.get("Prefix") == UPLOAD_PREFIX
    ).items()
    [cors, exports] = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["PUT"]
    assert cors["AllowedOrigins"] == {"Ref": "FrontendOrigins"}
    assert cors["AllowedHeaders"] == ["content-type"]
    # A links export is read by the web app after its 303 (decision 0109): GET only, and
    # the download's name readable.
    assert exports["AllowedMethods"] == ["GET"]
    assert exports["ExposedHeaders"] == ["content-disposition"]
    assert "AllowedHeaders" not in exports
    assert {"Prefix": "exports/", "ExpirationInDays": 1}.items() <= next(
        r for r in rules if r.get("Prefix") == "exports/"
    ).items()


def test_terraform_wires_the_same_flow() -> None:
    config = load_config()
    found = resources(config)
    notification = found["aws_s3_bucket_notification.imports_bucket"]
    [target] = notification["lambda_function"]
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert (target["filter_prefix"], target["filter_suffix"]) == (UPLOAD_PREFIX, ".csv")
    assert 'function["uploads_function"]' in target["lambda_function_arn"]
    permission = "aws_lambda_permission.uploads_function_invoked_by_the_bucket"
    assert notification["depends_on"] == [f"${{{permission}}}"]
    allowed = found[permission]
    assert allowed["principal"] == "s3.amazonaws.com"
    assert allowed["source_arn"] == "${aws_s3_bucket.imports_bucket.arn}"
    assert "account_id" in allowed["source_account"]
    [on_failure] = found["aws_lambda_function_event_invoke_config.uploads"]["destination_config"]
    assert "uploads_dead_letter_queue.arn" in str(on_failure)
    assert "uploads_dead_letter_queue.name" in str(local(config, "alarm_definitions"))
    assert "uploads-dead-letters" in local(config, "essential_alarms")
    lifecycle = str(found["aws_s3_bucket_lifecycle_configuration.imports_bucket"]["rule"])
    assert f"'prefix': '{UPLOAD_PREFIX}'" in lifecycle
    assert "'prefix': 'exports/'" in lifecycle
    [cors, exports] = found["aws_s3_bucket_cors_configuration.imports_bucket"]["cors_rule"]
    assert cors["allowed_methods"] == ["PUT"]
    assert exports["allowed_methods"] == ["GET"]
    assert exports["expose_headers"] == ["content-disposition"]
    environment = local(config, "function_environment")["uploads_function"]
    sam = source_template()["Resources"]["UploadsFunction"]["Properties"]["Environment"]
    assert set(environment) == set(sam["Variables"])

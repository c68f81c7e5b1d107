"""The upload flow on AWS settings, on moto: presigned PUT, S3 notification, the uploads Lambda.

The presigned URL comes out of the API Lambda fed a real API Gateway event; the file
is PUT to it (moto serves presigned URLs through `requests`); moto's S3 sends its
notification to an SQS queue, and that message body, an S3 event as S3 builds it,
is what `lambda_uploads.handler` gets. moto checks neither signatures nor expiry,
so what S3 would enforce (the signed length and type, the region's virtual host)
is read off the URL itself. tests/events/s3_object_created_upload.json is the
event in the format AWS documents for S3 -> Lambda notifications.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shortstack.domain.imports import ImportStatus
from shortstack.domain.uploads import LAMBDA_IMPORT_MAX_BYTES, owner_tag
from tests.conftest import IMPORT_BUCKET, TABLE_NAME
from tests.lambda_support import FakeLambdaContext, fresh_import, load_event, response_json

CSV = b"url,alias\nhttps://example.com/landing,landing-page\nhttps://example.com/pricing,\n"
STATE_MACHINE = "bulk-import"
AWS_ENV = {
    "STORAGE": "dynamodb",
    "STAGE": "aws",
    "TABLE_NAME": TABLE_NAME,
    "IMPORTS_BUCKET": IMPORT_BUCKET,
    "FRONTEND_ORIGIN": "https://app.example.com",
}


@pytest.fixture
def aws(moto_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The AWS settings on moto, with the bucket notifying a queue of landed uploads."""
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="uploads-landed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    s3.put_bucket_notification_configuration(
        Bucket=IMPORT_BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn["Attributes"]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.create_state_machine(
        name=STATE_MACHINE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/shortstack-workflow",
    )["stateMachineArn"]
    for name, value in {**AWS_ENV, "IMPORT_STATE_MACHINE_ARN": machine}.items():
        monkeypatch.setenv(name, value)
    return {"s3": s3, "sqs": sqs, "queue": queue, "sfn": sfn, "machine": machine}


@pytest.fixture
def uploads_lambda(aws: dict[str, Any]) -> Iterator[ModuleType]:
    module = fresh_import("shortstack.entrypoints.lambda_uploads")
    yield module
    module.container.close()


@pytest.fixture
def api_lambda(aws: dict[str, Any]) -> Iterator[ModuleType]:
    module = fresh_import("shortstack.entrypoints.lambda_api")
    yield module
    module.app.state.container.close()


def landed_events(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """What S3 sent about landed objects (its one-off s3:TestEvent left out)."""
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10)
    bodies = [json.loads(message["Body"]) for message in messages.get("Messages", [])]
    return [body for body in bodies if "Records" in body]


def executions(aws: dict[str, Any]) -> list[dict[str, Any]]:
    listed = aws["sfn"].list_executions(stateMachineArn=aws["machine"])["executions"]
    return [aws["sfn"].describe_execution(executionArn=e["executionArn"]) for e in listed]


def test_a_presigned_put_binds_key_length_and_type_in_the_region(
    api_lambda: ModuleType, aws: dict[str, Any]
) -> None:
    response = api_lambda.handler(
        load_event("apigw_v2_imports_uploads_create.json"), FakeLambdaContext()
    )
    assert response["statusCode"] == 201, response
    upload = response_json(response)
    url = urlsplit(upload["upload_url"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert url.scheme == "https"
    assert url.hostname == f"{IMPORT_BUCKET}.s3.amazonaws.com"  # us-east-1's virtual host
    assert url.path == f"/uploads/{owner_tag('local')}/{upload['import_id']}.csv"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-SignedHeaders"] == "content-length;content-type;host"
    assert query["X-Amz-Expires"] == "900"
    assert (upload["method"], upload["headers"]) == ("PUT", {"content-type": "text/csv"})
    job = api_lambda.app.state.container.imports.get("local", upload["import_id"])
    assert (job.status, job.upload.size) == (ImportStatus.AWAITING_UPLOAD, 80)


def test_outside_us_east_1_the_url_is_on_the_regional_endpoint(
    uploads_lambda: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortstack.adapters.aws import make_presigning_client
    from shortstack.adapters.s3.upload_urls import S3UploadInbox

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    job, _ = uploads_lambda.container.uploads.request("alice", "links.csv")
    target = S3UploadInbox(IMPORT_BUCKET, make_presigning_client()).target(job, "text/csv")
    assert urlsplit(target.url).hostname == f"{IMPORT_BUCKET}.s3.eu-west-1.amazonaws.com"
    assert "content-length" not in parse_qs(urlsplit(target.url).query)["X-Amz-SignedHeaders"][0]


def test_a_file_put_to_the_url_starts_one_execution_when_s3_says_it_landed(
    uploads_lambda: ModuleType, aws: dict[str, Any]
) -> None:
    import requests

    uploads = uploads_lambda.container.uploads
    job, target = uploads.request("alice", "links.csv", len(CSV))
    assert requests.put(target.url, data=CSV, headers=target.headers, timeout=10).ok
    [event] = landed_events(aws)
    [record] = event["Records"]
    assert (record["eventSource"], record["eventName"]) == ("aws:s3", "ObjectCreated:Put")

    answer = uploads_lambda.handler(event, FakeLambdaContext(function_name="shortstack-uploads"))
    key = f"uploads/{owner_tag('alice')}/{job.import_id}.csv"
    assert answer == {"outcomes": [{"key": key, "outcome": "started"}]}
    assert uploads_lambda.container.imports.get("alice", job.import_id).status is (
        ImportStatus.PENDING
    )
    stored = aws["s3"].get_object(Bucket=IMPORT_BUCKET, Key=f"imports/{job.import_id}/source.csv")
    assert stored["Body"].read() == CSV
    assert aws["s3"].list_objects_v2(Bucket=IMPORT_BUCKET, Prefix="uploads/")["KeyCount"] == 0
    [execution] = executions(aws)
    assert execution["name"] == job.import_id
    assert json.loads(execution["input"]) == {"import_id": job.import_id}

    # A repeated event and a second PUT to the same URL start nothing more.
    uploads_lambda.handler(event, FakeLambdaContext())
    assert requests.put(target.url, data=CSV, headers=target.headers, timeout=10).ok
    [second] = landed_events(aws)
    assert uploads_lambda.handler(second, FakeLambdaContext())["outcomes"][0]["outcome"] == (
        "ignored"
    )
    assert len(executions(aws)) == 1
    assert aws["s3"].list_objects_v2(Bucket=IMPORT_BUCKET, Prefix="uploads/")["KeyCount"] == 0


def test_the_documented_s3_event_runs_the_import_to_its_end(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a state machine the container runs the workflow itself (moto's Step
    # Functions would not run the Lambda tasks).
    monkeypatch.delenv("IMPORT_STATE_MACHINE_ARN")
    module = fresh_import("shortstack.entrypoints.lambda_uploads")
    try:
        container = module.container
        job, _ = container.uploads.request("alice", "links.csv", len(CSV))
        event = load_event(
            "s3_object_created_upload.json", bucket=IMPORT_BUCKET, import_id=job.import_id
        )
        [record] = event["Records"]
        assert record["s3"]["object"]["size"] == len(CSV)
        aws["s3"].put_object(Bucket=IMPORT_BUCKET, Key=record["s3"]["object"]["key"], Body=CSV)
        outcome = module.handler(event, FakeLambdaContext())["outcomes"][0]["outcome"]
        assert outcome == "started"
        done = container.imports.get("alice", job.import_id)
        assert (done.status, done.counts.loaded) == (ImportStatus.SUCCEEDED, 2)
        assert container.links.get("alice", "landing-page").url == "https://example.com/landing"
    finally:
        module.container.close()


def leaves(value: Any, path: str = "") -> set[tuple[str, str]]:
    """Every leaf of a JSON document as (path, type name)."""
    if isinstance(value, dict):
        return {leaf for name, inner in value.items() for leaf in leaves(inner, f"{path}.{name}")}
    if isinstance(value, list):
        return {leaf for inner in value for leaf in leaves(inner, f"{path}[]")}
    return {(path, type(value).__name__)}


def test_the_documented_event_has_everything_s3_sends(aws: dict[str, Any]) -> None:
    import requests

    from shortstack.adapters.aws import make_presigning_client

    key = f"uploads/{owner_tag('alice')}/{'a' * 32}.csv"
    url = make_presigning_client().generate_presigned_url(
        "put_object", Params={"Bucket": IMPORT_BUCKET, "Key": key}, ExpiresIn=60
    )
    assert requests.put(url, data=CSV, timeout=10).ok
    [sent] = landed_events(aws)
    documented = load_event("s3_object_created_upload.json", bucket=IMPORT_BUCKET, import_id="a")
    # moto sends a subset of S3's fields (no userIdentity, sequencer ...), with the same types.
    assert leaves(sent) <= leaves(documented)


def test_an_oversized_object_is_removed_and_fails_its_import(
    uploads_lambda: ModuleType, aws: dict[str, Any]
) -> None:
    import requests

    uploads = uploads_lambda.container.uploads
    uploads.max_bytes = 64
    job, target = uploads.request("alice", "links.csv")  # no size declared: S3 cannot bound it
    assert requests.put(target.url, data=CSV, headers=target.headers, timeout=10).ok
    [event] = landed_events(aws)
    assert uploads_lambda.handler(event, FakeLambdaContext())["outcomes"][0]["outcome"] == (
        "refused"
    )
    failed = uploads_lambda.container.imports.get("alice", job.import_id)
    assert (failed.status, failed.error) == (
        ImportStatus.FAILED,
        "the file is 80 bytes; an import takes at most 64",
    )
    assert aws["s3"].list_objects_v2(Bucket=IMPORT_BUCKET, Prefix="uploads/")["KeyCount"] == 0
    assert executions(aws) == []


def test_a_test_event_and_other_buckets_are_left_alone(uploads_lambda: ModuleType) -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": IMPORT_BUCKET}
    assert uploads_lambda.handler(test_event, FakeLambdaContext()) == {"outcomes": []}
    elsewhere = load_event("s3_object_created_upload.json", bucket="someone-elses", import_id="a")
    assert uploads_lambda.handler(elsewhere, FakeLambdaContext()) == {"outcomes": []}


def test_a_direct_post_on_aws_stops_where_a_lambda_event_would(api_lambda: ModuleType) -> None:
    event = load_event("apigw_v2_imports_uploads_create.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/imports"
    event["headers"]["content-type"] = "text/csv"
    event["headers"]["content-length"] = str(LAMBDA_IMPORT_MAX_BYTES + 1)
    event["body"] = "x" * (LAMBDA_IMPORT_MAX_BYTES + 1)
    response = api_lambda.handler(event, FakeLambdaContext())
    assert response["statusCode"] == 413
    message = response_json(response)["message"]
    assert message.startswith(f"request body larger than {LAMBDA_IMPORT_MAX_BYTES} bytes")
    assert "POST /api/v1/imports/uploads" in message

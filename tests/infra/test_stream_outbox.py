"""The table's stream as the outbox (decision 0105), as SAM and Terraform deploy it.

The stream consumer is the only function that publishes; its event source mapping has the
settings 0105 explains (a tumbling window, partial batch failures, bisection, bounded
retries, the events DLQ as the on-failure destination) and a filter that lets through
exactly the entities the code derives events from.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shortstack.adapters.dynamodb.stream_events import _DERIVE

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, source_template, translate
from .test_terraform import load_config, local, resources

MAPPING = {
    "StartingPosition": "TRIM_HORIZON",
    "BatchSize": 1000,
    "MaximumBatchingWindowInSeconds": 30,
    "TumblingWindowInSeconds": 900,
    "ParallelizationFactor": 1,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "BisectBatchOnFunctionError": True,
    "MaximumRetryAttempts": 5,
    "MaximumRecordAgeInSeconds": 86400,
}


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    translated = translate(source_template(), REQUIRED_PARAMETERS)
    found: dict[str, Any] = Stack(translated, REQUIRED_PARAMETERS, "eu-west-1").resources()
    return found


@pytest.fixture(scope="module")
def terraform() -> dict[str, dict[str, Any]]:
    return resources(load_config())


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_table_streams_new_and_old_images(sam: dict[str, Any]) -> None:
    stream = sam["Table"]["Properties"]["StreamSpecification"]
    assert stream == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_stream_mapping_has_the_settings_of_0105(
    sam: dict[str, Any], terraform: dict[str, Any]
) -> None:
    mapping = sam["StreamMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert mapping["FunctionName"] == {"Ref": "StreamFunction"}
    assert {key: mapping[key] for key in MAPPING} == MAPPING
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}}
    }
    tf = terraform["aws_lambda_event_source_mapping.stream_mapping"]
    assert tf["event_source_arn"] == "${aws_dynamodb_table.table.stream_arn}"
    assert "stream_function" in tf["function_name"]
    for key, value in MAPPING.items():
        assert tf[snake(key)] == value, key
    [destination] = tf["destination_config"]
    assert destination["on_failure"] == [
        {"destination_arn": "${aws_sqs_queue.events_dead_letter_queue.arn}"}
    ]


def test_the_filter_lets_through_exactly_the_entities_that_announce_events(
    sam: dict[str, Any], terraform: dict[str, Any]
) -> None:
    filters = sam["StreamMapping"]["Properties"]["FilterCriteria"]["Filters"]
    patterns = [json.loads(f["Pattern"])["dynamodb"] for f in filters]
    assert [set(p) for p in patterns] == [{"NewImage"}, {"OldImage"}]  # deletes too
    for pattern in patterns:
        [image] = pattern.values()
        assert set(image["entity"]["S"]) == set(_DERIVE)
    tf = json.dumps(terraform["aws_lambda_event_source_mapping.stream_mapping"])
    for entity in _DERIVE:
        assert f'\\\\"{entity}\\\\"' in tf or f'\\"{entity}\\"' in tf, entity
    assert "NewImage" in tf
    assert "OldImage" in tf


def test_only_the_stream_consumer_publishes(sam: dict[str, Any]) -> None:
    publishers = set()
    for name, resource in sam.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                if "events:PutEvents" in (actions if isinstance(actions, list) else [actions]):
                    publishers.add(name)
    assert publishers == {"StreamFunctionRole"}


def test_the_consumer_runs_with_every_functions_settings_and_its_own(
    sam: dict[str, Any],
) -> None:
    environment = sam["StreamFunction"]["Properties"]["Environment"]["Variables"]
    for name in ("STAGE", "STORAGE", "TABLE_NAME", "EVENT_BUS_NAME", "LOG_LEVEL"):
        assert name in environment, name
    assert environment["CLICK_EVENTS_ON_BUS"] == {"Ref": "ClickEventsOnBus"}
    assert source_template()["Parameters"]["ClickEventsOnBus"]["Default"] == "false"
    tf = local(load_config(), "function_environment")["stream_function"]
    assert "var.click_events_on_bus" in tf["CLICK_EVENTS_ON_BUS"]


def test_the_consumer_is_alarmed_on_errors_and_lag(
    sam: dict[str, Any], terraform: dict[str, Any]
) -> None:
    watched = {
        (r["Properties"]["MetricName"], json.dumps(r["Properties"]["Dimensions"]))
        for r in sam.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    stream = json.dumps([{"Name": "FunctionName", "Value": {"Ref": "StreamFunction"}}])
    assert {("Errors", stream), ("IteratorAge", stream)} <= watched
    [age] = [
        r["Properties"]
        for r in sam.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["MetricName"] == "IteratorAge"
    ]
    assert age["Threshold"] == 600000
    alarms = json.dumps(local(load_config(), "alarm_definitions"))
    assert "IteratorAge" in alarms
    assert "600000" in alarms
    # Both in the default, essential set (decision 0406).
    essential = local(load_config(), "essential_alarms")
    assert {"stream-function-errors", "stream-iterator-age"} <= set(essential)

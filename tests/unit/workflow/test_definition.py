"""Loading a definition: what the runner cannot honour is refused before anything runs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shortstack.adapters.workflow.definition import DefinitionError, load_definition

FN = "arn:aws:lambda:us-east-1:123456789012:function:tasks"
INVOKE = "arn:aws:states:::lambda:invoke"
FUNCTIONS = {FN: lambda payload: payload}


def load(definition: dict[str, Any], **substitutions: str) -> Any:
    return load_definition(json.dumps(definition), FUNCTIONS, substitutions)


def one(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": state}}


def task(**fields: Any) -> dict[str, Any]:
    """A Task state invoking FN, with `fields` added."""
    invoke = {"Type": "Task", "Resource": INVOKE, "Parameters": {"FunctionName": FN}}
    return {**invoke, "End": True, **fields}


def choice(rule: dict[str, Any]) -> dict[str, Any]:
    return one({"Type": "Choice", "Choices": [{**rule, "Next": "S"}]})


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            one({"Type": "Parallel", "Branches": [], "End": True}),
            "Type 'Parallel' is not supported",
        ),
        (one({"Type": "Wait", "Seconds": 1, "End": True}), "Type 'Wait' is not supported"),
        (one(task(TimeoutSeconds=5)), "['TimeoutSeconds'] are not supported"),
        (one({"Type": "Pass", "Bogus": 1, "End": True}), "['Bogus'] are not supported"),
        (one({"Type": "Pass", "InputPath": "$.a", "End": True}), "['InputPath'] are not supported"),
        (one({"Type": "Fail", "ErrorPath": "$.e"}), "['ErrorPath'] are not supported"),
        (one(task(Resource="arn:aws:states:::dynamodb:putItem")), "is not supported"),
        (one(task(Resource=FN)), f"Resource {FN!r} is not supported"),
        (
            one(task(Parameters={"FunctionName": FN.replace("tasks", "other")})),
            "no local function is bound",
        ),
        (
            one(task(Parameters={"FunctionName": FN, "Qualifier": "1"})),
            "Parameters ['Qualifier'] are not supported",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName.$": "$.f"},
                    "End": True,
                }
            ),
            "literal",
        ),
        (one({"Type": "Pass", "Next": "Nowhere"}), "'Nowhere', which does not exist"),
        (one({"Type": "Pass"}), "exactly one of Next or End"),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}},
            "can never be reached",
        ),
        ({"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}, "StartAt 'X'"),
        (one({"Type": "Pass", "Parameters": {"a.$": "$.items[*]"}, "End": True}), "wildcards"),
        (one({"Type": "Pass", "Parameters": {"a.$": "$..deep"}, "End": True}), "'..'"),
        (
            one({"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.x)"}, "End": True}),
            "intrinsic function 'States.Format'",
        ),
        (one({"Type": "Pass", "ResultPath": "items", "End": True}), "must start with '$'"),
        (one({"Type": "Pass", "Parameters": {"a.$": "$['x']"}, "End": True}), "no ['name']"),
        (
            one(task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])),
            "States.ALL must be in the last entry",
        ),
        (one(task(Retry=[{"ErrorEquals": ["States.ALL", "X"]}])), "alone"),
        (one(task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])), "BackoffRate"),
        (one(task(Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "FULL"}])), "retrier fields"),
        (one(task(Retry=[{"ErrorEquals": ["X"], "MaxDelaySeconds": 5}])), "retrier fields"),
        (
            choice({"Variable": "$.x", "StringEqualz": "a"}),
            "choice fields ['StringEqualz'] are not supported",
        ),
        (choice({"Variable": "$.x", "StringMatches": "a*"}), "['StringMatches']"),
        (choice({"Variable": "$.x", "StringLessThan": "a"}), "['StringLessThan']"),
        (choice({"Variable": "$.t", "TimestampEquals": "2026-01-01T00:00:00Z"}), "Timestamp"),
        (choice({"Variable": "$.x", "NumericEqualsPath": "$.y"}), "['NumericEqualsPath']"),
        (choice({"Variable": "$.x", "IsNull": True}), "['IsNull']"),
        (choice({"Variable": "$.x", "IsPresent": True}), "['IsPresent']"),
        (choice({"Variable": "$.x[0]", "NumericEquals": 1}), "no [0]"),
        (one({"Type": "Pass", "Parameters": {"a.$": "$.items[0]"}, "End": True}), "no [0]"),
        (one({"Type": "Pass", "ResultPath": "$.a[1]", "End": True}), "no [0]"),
        (
            one({"Type": "Pass", "Parameters": {"n.$": "$$.Execution.Name"}, "End": True}),
            "only $$.Map.Item.Value is supported",
        ),
        (
            one(
                {
                    "Type": "Map",
                    "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                    "End": True,
                }
            ),
            "only $$.Map.Item.Value is supported",
        ),
        (one({"Type": "Pass", "Result": 1, "End": True}), "['Result'] are not supported"),
        (one({"Type": "Pass", "OutputPath": None, "End": True}), "None is not a JSONPath"),
        (
            one({"Type": "Map", "ResultSelector": {}, "End": True}),
            "['ResultSelector'] are not supported",
        ),
        (
            one({"Type": "Pass", "Parameters": {"v.$": "$$.Map.Item.Value"}, "End": True}),
            "in a Map's ItemSelector",
        ),
        (one({"Type": "Pass", "ResultPath": "$$.Map.Item.Value", "End": True}), "context object"),
        (choice({"Not": {"Variable": "$.x", "IsPresent": True}}), "['Not']"),
        (choice({"Variable": "$.x", "NumericEquals": "1"}), "numeric operand"),
        (one({"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "a"}]}), "Next"),
        (
            one(
                {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                        "StartAt": "I",
                        "States": {"I": {"Type": "Succeed"}},
                    },
                    "End": True,
                }
            ),
            "DISTRIBUTED",
        ),
        (one({"Type": "Map", "ItemReader": {}, "End": True}), "['ItemReader'] are not supported"),
        (one({"Type": "Map", "Iterator": {}, "End": True}), "['Iterator'] are not supported"),
        (one({"Type": "Map", "Parameters": {}, "End": True}), "['Parameters'] are not supported"),
        (
            {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Succeed"}}},
            "['QueryLanguage'] are not supported",
        ),
        (
            {"StartAt": "S", "TimeoutSeconds": 10, "States": {"S": {"Type": "Succeed"}}},
            "TimeoutSeconds",
        ),
    ],
)
def test_unsupported_or_invalid_definitions_fail_at_load(
    definition: dict[str, Any], message: str
) -> None:
    with pytest.raises(DefinitionError, match=re.escape(message)):
        load(definition)


def test_errors_inside_a_map_processor_name_the_path() -> None:
    definition = one(
        {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass"}}},
            "End": True,
        }
    )
    with pytest.raises(DefinitionError, match=r"state 'I': needs exactly one of Next or End"):
        load(definition)


def test_substitutions_are_applied_and_missing_ones_are_named() -> None:
    definition = one(task(Parameters={"FunctionName": "${TaskArn}"}))
    machine = load(definition, TaskArn=FN)
    assert machine.states["S"].function == FN
    with pytest.raises(DefinitionError, match=r"\['TaskArn'\]"):
        load(definition)


def test_invalid_json_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        load_definition("{", FUNCTIONS)

"""Loading a definition: what the runner cannot honour is refused before anything runs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shortstack.adapters.workflow import DefinitionError, load_definition

FN = "arn:aws:lambda:us-east-1:123456789012:function:tasks"
FUNCTIONS = {FN: lambda payload: payload}


def load(definition: dict[str, Any], **substitutions: str) -> Any:
    return load_definition(json.dumps(definition), FUNCTIONS, substitutions)


def one(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": state}}


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            one({"Type": "Parallel", "Branches": [], "End": True}),
            "Type 'Parallel' is not supported",
        ),
        (
            one({"Type": "Task", "Resource": FN, "TimeoutSeconds": 5, "End": True}),
            "'TimeoutSeconds' is not supported",
        ),
        (one({"Type": "Pass", "Bogus": 1, "End": True}), "'Bogus' is not a field"),
        (
            one({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True}),
            "is not supported by the local runner",
        ),
        (
            one({"Type": "Task", "Resource": FN.replace("tasks", "other"), "End": True}),
            "no local function is bound",
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
        (
            one(
                {
                    "Type": "Task",
                    "Resource": FN,
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
                }
            ),
            "States.ALL must be in the last entry",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": FN,
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL", "X"]}],
                }
            ),
            "alone",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": FN,
                    "End": True,
                    "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
                }
            ),
            "BackoffRate",
        ),
        (
            one(
                {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "StringEqualz": "a", "Next": "S"}],
                }
            ),
            "unsupported choice fields",
        ),
        (
            one(
                {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "S"}],
                }
            ),
            "numeric operand",
        ),
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
        (one({"Type": "Map", "ItemReader": {}, "End": True}), "'ItemReader' is not supported"),
        (
            {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Succeed"}}},
            "JSONata",
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
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Wait", "End": True}}},
            "End": True,
        }
    )
    with pytest.raises(DefinitionError, match=r"state 'I': needs exactly one of Seconds"):
        load(definition)


def test_substitutions_are_applied_and_missing_ones_are_named() -> None:
    definition = one({"Type": "Task", "Resource": "${TaskArn}", "End": True})
    machine = load(definition, TaskArn=FN)
    assert machine.states["S"].function == FN
    with pytest.raises(DefinitionError, match=r"\['TaskArn'\]"):
        load(definition)


def test_invalid_json_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        load_definition("{", FUNCTIONS)

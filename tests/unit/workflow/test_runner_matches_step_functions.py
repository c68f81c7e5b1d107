"""The local runner and moto's Step Functions interpreter agree on Task-less definitions.

Two independent interpreters of the same ASL: where they agree on outputs,
errors and the path taken, the local runner's semantics are not just our own
reading of the specification.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from shortstack.adapters.workflow.runner import LocalStateMachine
from tests.moto_sfn import execute_on_moto, executing_stepfunctions

CHOICE_OPERATORS = {
    "StartAt": "Size",
    "States": {
        "Size": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericGreaterThanEquals": 10, "Next": "BigText"},
                {"Variable": "$.b", "BooleanEquals": True, "Next": "Small"},
                {"Variable": "$.s", "StringEquals": "small", "Next": "Small"},
                {"Variable": "$.n", "NumericLessThan": 0, "Next": "Negative"},
                {"Variable": "$.s", "StringEquals": "huge", "Next": "Big"},
                {"Variable": "$.n", "NumericEquals": 5, "Next": "Small"},
            ],
            "Default": "Zeroish",
        },
        "BigText": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.s", "StringEquals": "big", "Next": "Big"},
                {"Variable": "$.n", "NumericGreaterThan": 100, "Next": "Big"},
                {"Variable": "$.n", "NumericLessThanEquals": 10, "Next": "Small"},
            ],
            "Default": "Zeroish",
        },
        "Big": {"Type": "Pass", "Parameters": {"size": "big"}, "End": True},
        "Small": {"Type": "Pass", "Parameters": {"size": "small"}, "End": True},
        "Zeroish": {"Type": "Pass", "Parameters": {"size": "zeroish"}, "End": True},
        "Negative": {"Type": "Fail", "Error": "Negative", "Cause": "n < 0"},
    },
}

PATHS_AND_MAP = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {"id.$": "$.job.id", "chunks.$": "$.job.chunks", "fixed": {"a": [1, 2]}},
            "ResultPath": "$.shaped",
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.shaped.chunks",
            "MaxConcurrency": 2,
            "ItemSelector": {
                "id.$": "$.shaped.id",
                "chunk.$": "$$.Map.Item.Value",
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Tag",
                "States": {
                    "Tag": {
                        "Type": "Pass",
                        "Parameters": {"done": True, "chunk.$": "$.chunk"},
                        "ResultPath": "$.tag",
                        "Next": "Keep",
                    },
                    "Keep": {"Type": "Pass", "OutputPath": "$.tag", "End": True},
                },
            },
            "ResultPath": "$.results",
            "Next": "Any",
        },
        "Any": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.shaped.id", "StringEquals": "j1", "Next": "Out"}],
            "Default": "Out",
        },
        "Out": {"Type": "Succeed", "OutputPath": "$.results"},
    },
}

RESULT_PATHS = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Parameters": {"x": 1}, "ResultPath": "$.deep.er.x", "Next": "B"},
        "B": {"Type": "Pass", "ResultPath": None, "Parameters": {"ignored": 1}, "Next": "C"},
        "C": {
            "Type": "Pass",
            "Parameters": {"er.$": "$.deep.er"},
            "OutputPath": "$.er",
            "End": True,
        },
    },
}

MISSING_VARIABLE = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.nope", "NumericEquals": 1, "Next": "S"}],
            "Default": "S",
        },
        "S": {"Type": "Succeed"},
    },
}

NO_MATCH = {
    "StartAt": "C",
    "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}]},
        "S": {"Type": "Succeed"},
    },
}

CASES = [
    (CHOICE_OPERATORS, {"n": 12, "s": "big", "b": False}),
    (CHOICE_OPERATORS, {"n": 120, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": 10, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": 12, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": 1, "s": "small", "b": False}),
    (CHOICE_OPERATORS, {"n": 1, "s": "x", "b": True}),
    (CHOICE_OPERATORS, {"n": 5, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": 0, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": 0, "s": "huge", "b": False}),
    (CHOICE_OPERATORS, {"n": -1, "s": "x", "b": False}),
    (CHOICE_OPERATORS, {"n": "12", "s": "big", "b": "true"}),
    (PATHS_AND_MAP, {"job": {"id": "j1", "chunks": [0, 1, 2, 3, 4]}, "other": 1}),
    (PATHS_AND_MAP, {"job": {"id": "j1", "chunks": [7]}}),
    (RESULT_PATHS, {"keep": True}),
]


@pytest.fixture(scope="module")
def stepfunctions() -> Iterator[Any]:
    with executing_stepfunctions() as client:
        yield client


@pytest.mark.parametrize(("definition", "data"), CASES)
def test_local_runner_agrees_with_moto(
    stepfunctions: Any, definition: dict[str, Any], data: Any
) -> None:
    reference = execute_on_moto(stepfunctions, definition, data)
    local = LocalStateMachine.from_text(json.dumps(definition), {}).execute(data)
    assert local.status == reference.status
    assert local.error == reference.error
    if reference.status == "SUCCEEDED":
        assert local.output == reference.output
    assert sorted(local.entered) == sorted(reference.states_entered)


# Where moto's interpreter departs from the documented service, the runner follows the
# documentation (docs.aws.amazon.com/step-functions/latest/dg/state-choice.html and the
# "Error names" page): these cases pin both behaviours so a moto upgrade that fixes them shows.


def test_missing_choice_variable_fails_as_documented_where_moto_takes_the_default(
    stepfunctions: Any,
) -> None:
    reference = execute_on_moto(stepfunctions, MISSING_VARIABLE, {})
    local = LocalStateMachine.from_text(json.dumps(MISSING_VARIABLE), {}).execute({})
    assert reference.status == "SUCCEEDED"
    assert (local.status, local.error) == ("FAILED", "States.Runtime")


def test_no_choice_matched_fails_on_both_with_the_documented_error_name_locally(
    stepfunctions: Any,
) -> None:
    reference = execute_on_moto(stepfunctions, NO_MATCH, {"n": 2})
    local = LocalStateMachine.from_text(json.dumps(NO_MATCH), {}).execute({"n": 2})
    assert reference.status == local.status == "FAILED"
    assert reference.error == "States.Runtime"
    assert local.error == "States.NoChoiceMatched"

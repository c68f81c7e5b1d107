"""Workflows: the bulk-import state machine, run locally or by AWS Step Functions.

`definition` loads an Amazon States Language file and refuses what the local
runner cannot do; `runner` executes it in-process; `local` and `stepfunctions`
are the two implementations of the WorkflowStarter port.
"""

from shortstack.adapters.workflow.definition import DefinitionError, load_definition
from shortstack.adapters.workflow.runner import (
    Execution,
    ExecutionAborted,
    ExecutionResult,
    LocalStateMachine,
    StateError,
)

__all__ = [
    "DefinitionError",
    "Execution",
    "ExecutionAborted",
    "ExecutionResult",
    "LocalStateMachine",
    "StateError",
    "load_definition",
]

"""Workflows: the bulk-import state machine, run locally or by AWS Step Functions.

`definition` loads an Amazon States Language file and refuses what the local
runner cannot do (with `paths`, the JSONPath subset);
`runner` executes it in-process; `starters` holds the two WorkflowStarter
adapters, the local runner in a thread and Step Functions; `tasks` dispatches
the definition's tasks to the imports service, for the local runner and the
task Lambda alike.
"""

"""The Step Functions task Lambda of the bulk import: every state invokes this handler.

The state's Payload says which step to run (`{"task": "load", "import_id": ...,
"chunk": 3}`); the result goes back to the state machine as the Payload of
the invoke result. The container is built once per Lambda container.
"""

from __future__ import annotations

from typing import Any

from shortstack.adapters.workflow.tasks import run_task
from shortstack.bootstrap import bootstrap
from shortstack.config import Settings
from shortstack.observability import configure_logging

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
container = bootstrap(settings)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one workflow step; an exception fails the state (Retry/Catch match its type)."""
    return run_task(container.imports, event)

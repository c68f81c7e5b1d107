"""AWS Lambda entry for the HTTP API (API Gateway HTTP API, payload 2.0) through Mangum.

The container and app are built once per Lambda container, at import, so
warm invocations only route the request.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.http.app import create_app

app = create_app(bootstrap())
_mangum = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway event."""
    response: dict[str, Any] = _mangum(event, context)
    return response

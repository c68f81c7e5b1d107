"""AWS Lambda entry for the HTTP API (API Gateway HTTP API, payload 2.0) through Mangum.

The container and app are built once per Lambda container, at import, so
warm invocations only route the request.

Every Pydantic model defined while the app's modules load, FastAPI's own
OpenAPI models included, defers building its validator to its first use: a
first request builds what it touches, and the OpenAPI document's ~50 models
wait for `/openapi.json` or `/docs` (bench/README.md, "Cold starts").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mangum import Mangum
from pydantic import BaseModel

from shortstack.bootstrap import bootstrap


@contextmanager
def deferred_validators() -> Iterator[None]:
    """Models defined inside the block get `defer_build=True` unless they say otherwise.

    Pydantic merges each base's `model_config` into a new model's, BaseModel's too, so
    the setting reaches models we cannot configure (FastAPI's). Deferring changes when a
    validator is built, never what it does (tests/unit/test_lambda_api.py compares the
    OpenAPI documents and answers).
    """
    config = BaseModel.model_config
    previous = config.get("defer_build")
    config["defer_build"] = True
    try:
        yield
    finally:
        if previous is None:
            config.pop("defer_build", None)
        else:
            config["defer_build"] = previous


with deferred_validators():
    from shortstack.entrypoints.http.app import create_app

app = create_app(bootstrap())
_mangum = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway event."""
    response: dict[str, Any] = _mangum(event, context)
    return response

"""AWS Lambda entry for the HTTP API (API Gateway HTTP API, payload 2.0) through Mangum.

The container and app are built once per Lambda container, at import, so
warm invocations only route the request.

FastAPI's ~50 OpenAPI models defer building their validators until the
document is first asked for (`/openapi.json`, `/docs`): no API request uses
them. Our own request and response models are built at import as usual:
FastAPI builds the validators of every route it tries while matching the
first request anyway, so deferring them saved nothing, and a deferred model
is built through another path of Pydantic's (bench/README.md, "Cold starts").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mangum import Mangum
from pydantic import BaseModel

from shortstack.bootstrap import bootstrap
from shortstack.entrypoints.lambda_init import freeze_what_init_built


@contextmanager
def deferred_validators() -> Iterator[None]:
    """Models defined inside the block get `defer_build=True` unless they say otherwise.

    Pydantic merges each base's `model_config` into a new model's, BaseModel's too, so
    the setting reaches models we cannot configure (FastAPI's). Deferring changes when a
    validator is built, not what it does (tests/unit/test_lambda_api.py compares the
    OpenAPI documents).
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
    import fastapi.openapi.models  # noqa: F401

from shortstack.entrypoints.http.app import create_app  # noqa: E402

app = create_app(bootstrap())
_mangum = Mangum(app, lifespan="off")
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    # Under SnapStart this runs once, before the snapshot every new environment resumes
    # from: building the document builds every route and model here, not in each restored
    # environment's first request. It calls nothing outside the process (decision 0405).
    app.openapi()
freeze_what_init_built()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway event."""
    response: dict[str, Any] = _mangum(event, context)
    return response

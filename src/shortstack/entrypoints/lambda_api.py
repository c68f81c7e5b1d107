"""AWS Lambda entry for the HTTP API (API Gateway HTTP API, payload 2.0).

Two ways in, built once per Lambda container:

- the light front (lambda_api_front.py) answers the hot routes (health, a link, a page of
  links, a new link) without importing FastAPI, Starlette or Mangum. On DynamoDB it runs
  on the few services it needs (light_wiring.front_services), not on the whole container;
- every other request, and any the front does not fully understand, goes to the FastAPI
  app through Mangum. The container (bootstrap) and the app are built on the first such
  request (`full_app()`), on the same DynamoDB client; the front then uses the container.

A container that only ever serves the hot routes never loads the framework nor the rest
of the application: that is what the cold start saves
(docs/decisions/0405-the-api-lambdas-cold-start.md). Under SnapStart everything is built
at initialisation, before the snapshot, since restored environments do not pay for it.

When the app is loaded, FastAPI's ~50 OpenAPI models defer building their validators
until the document is first asked for (`/openapi.json`, `/docs`): no API request uses
them. Our own request and response models are built as usual: FastAPI builds the
validators of every route it tries while matching a request anyway, so deferring them
saved nothing, and a deferred model is built through another path of Pydantic's
(bench/README.md, "Cold starts").
"""

from __future__ import annotations

import gc

# No collection while the imports run: they build ~100,000 long-lived objects, and every
# collection on the way walked the young ones again (~47 M instructions of the cold start,
# bench/README.md "Cold starts"). freeze_what_init_built() turns it back on, and freezes
# the few cycles left uncollected with everything else (~0.2 MB).
gc.disable()

import os  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from shortstack.adapters import aws  # noqa: E402
from shortstack.api_config import api_settings  # noqa: E402
from shortstack.entrypoints.lambda_api_front import FallThrough, Front  # noqa: E402
from shortstack.entrypoints.lambda_init import freeze_what_init_built  # noqa: E402
from shortstack.light_wiring import front_services  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shortstack.bootstrap import Container
    from shortstack.config import Settings


@contextmanager
def deferred_validators() -> Iterator[None]:
    """Models defined inside the block get `defer_build=True` unless they say otherwise.

    Pydantic merges each base's `model_config` into a new model's, BaseModel's too, so
    the setting reaches models we cannot configure (FastAPI's). Deferring changes when a
    validator is built, not what it does (tests/unit/test_lambda_api.py compares the
    OpenAPI documents).
    """
    from pydantic import BaseModel

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


# The light front's settings without Pydantic (api_config.py); Settings itself when the
# environment holds what only it may judge. The container reads Settings (full_settings).
settings = api_settings()
_snap_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"
# On DynamoDB the front's services and, later, the container share one client (looked up
# in `aws` at call time: bench/cost_profile.py meters clients by substituting make_client).
_client = (
    aws.make_client("dynamodb", settings.aws_endpoint_url)
    if settings.storage == "dynamodb"
    else None
)
_container: Container | None = None
_full: tuple[FastAPI, Callable[[dict[str, Any], Any], dict[str, Any]]] | None = None


def full_settings() -> Settings:
    """Settings, the whole configuration: what the container is built on."""
    from shortstack.config import Settings

    return settings if isinstance(settings, Settings) else Settings()


def container() -> Container:
    """Every service (bootstrap), built on first need."""
    global _container
    if _container is None:
        from shortstack.bootstrap import bootstrap

        full = full_settings()
        if _client is not None:
            from shortstack.bootstrap.dynamodb import adapters_for

            _container = bootstrap(full, adapters=adapters_for(full, client=_client))
        else:
            _container = bootstrap(full)
    return _container


def full_app() -> tuple[FastAPI, Callable[[dict[str, Any], Any], dict[str, Any]]]:
    """The FastAPI app on the container and its Mangum adapter, built on first need."""
    global _full
    if _full is None:
        with deferred_validators():
            import fastapi.openapi.models  # noqa: F401
        from mangum import Mangum

        from shortstack.entrypoints.http.app import create_app

        app = create_app(container())
        _full = app, Mangum(app, lifespan="off")
        front.services = container()  # one set of services from now on
    return _full


front = Front(
    front_services(settings, _client) if _client is not None and not _snap_start else container()
)
if _snap_start:
    # Under SnapStart this runs once, before the snapshot every new environment resumes
    # from: importing the app and building its document builds every route and model
    # here, not in each restored environment's first request. It calls nothing outside
    # the process (decision 0405).
    full_app()[0].openapi()
freeze_what_init_built()


def __getattr__(name: str) -> Any:
    """`app`: the FastAPI app, built if no request has needed it yet (tests read it)."""
    if name == "app":
        return full_app()[0]
    raise AttributeError(name)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway event."""
    try:
        return front(event)
    except FallThrough:
        response: dict[str, Any] = full_app()[1](event, context)
        return response

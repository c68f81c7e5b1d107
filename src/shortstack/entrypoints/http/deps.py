"""FastAPI dependencies as Annotated aliases: the container's services and the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from shortstack.bootstrap import Container
from shortstack.domain.auth import Principal
from shortstack.entrypoints.http import operations
from shortstack.entrypoints.http.auth import authenticate
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.orphan_visits import OrphanVisitsService
from shortstack.service_layer.ports import ExportStore
from shortstack.service_layer.qr_codes import QrCodesService
from shortstack.service_layer.redirects import RedirectService
from shortstack.service_layer.users import UsersService
from shortstack.service_layer.webhooks import WebhooksService

# Every dependency is `async def` although none awaits: FastAPI runs a plain `def`
# dependency in a worker thread, which is dear on Lambda, where each invocation's event
# loop starts its thread pool afresh. Each reads the container from the request itself,
# not through a sub-dependency: FastAPI pays per request for every dependency it solves
# (bench/README.md, "Costs the code is shaped around").

# Who is making the request: `caller.sub` owns what they create, `caller.via` says how
# they were identified (none, jwt, gateway, api_key).
Caller = Principal
T = TypeVar("T")


def _container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    return _container_of(request)


async def get_caller(request: Request) -> Caller:
    """The authenticated caller (service_layer/auth.py); 401 when there is none."""
    return authenticate(request, _container_of(request).auth)


def _part_of_container(pick: Callable[[Container], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency answering one part of the container (a service)."""

    async def dependency(request: Request) -> T:
        return pick(_container_of(request))

    return dependency


ContainerDep = Annotated[Container, Depends(get_container)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ItemsDep = Annotated[ItemsService, Depends(_part_of_container(lambda c: c.items))]
UsersDep = Annotated[UsersService, Depends(_part_of_container(lambda c: c.users))]
LinksDep = Annotated[LinksService, Depends(_part_of_container(lambda c: c.links))]
RedirectsDep = Annotated[RedirectService, Depends(_part_of_container(lambda c: c.redirects))]
ApiKeysDep = Annotated[ApiKeysService, Depends(_part_of_container(lambda c: c.apikeys))]
WebhooksDep = Annotated[WebhooksService, Depends(_part_of_container(lambda c: c.webhooks))]
AnalyticsDep = Annotated[AnalyticsService, Depends(_part_of_container(lambda c: c.analytics))]
OrphanVisitsDep = Annotated[
    OrphanVisitsService, Depends(_part_of_container(lambda c: c.orphan_visits))
]
QrCodesDep = Annotated[QrCodesService, Depends(_part_of_container(lambda c: c.qr_codes))]
ExportsDep = Annotated[ExportStore | None, Depends(_part_of_container(lambda c: c.exports))]


def viewer_host(request: Request) -> str | None:
    """The host the client addressed (operations.viewer_host says which header on AWS)."""
    return operations.viewer_host(_container_of(request).settings, request.headers.get)


async def get_short_base(request: Request) -> str:
    """Where short links point (operations.short_base)."""
    return operations.short_base(_container_of(request).settings, viewer_host(request))


ShortBaseDep = Annotated[str, Depends(get_short_base)]

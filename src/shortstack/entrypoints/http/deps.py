"""FastAPI dependencies as Annotated aliases: the container's services and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shortstack.bootstrap import Container
from shortstack.domain.auth import Principal
from shortstack.entrypoints.http.auth import authenticate
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService, RedirectService
from shortstack.service_layer.users import UsersService

# Every dependency is `async def` although none awaits: FastAPI runs a plain `def`
# dependency in a worker thread, which cost ~500 us per request on Lambda, where each
# invocation's event loop starts its thread pool afresh (bench/README.md).

# Who is making the request: `caller.sub` owns what they create, `caller.via` says how
# they were identified (none, jwt, gateway, api_key).
Caller = Principal


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_caller(
    request: Request, container: Annotated[Container, Depends(get_container)]
) -> Caller:
    """The authenticated caller (service_layer/auth.py); 401 when there is none."""
    return authenticate(request, container.auth)


async def get_items(container: Annotated[Container, Depends(get_container)]) -> ItemsService:
    return container.items


async def get_users(container: Annotated[Container, Depends(get_container)]) -> UsersService:
    return container.users


async def get_links(container: Annotated[Container, Depends(get_container)]) -> LinksService:
    return container.links


async def get_apikeys(container: Annotated[Container, Depends(get_container)]) -> ApiKeysService:
    return container.apikeys


async def get_analytics(
    container: Annotated[Container, Depends(get_container)],
) -> AnalyticsService:
    return container.analytics


async def get_redirects(container: Annotated[Container, Depends(get_container)]) -> RedirectService:
    return container.redirects


ContainerDep = Annotated[Container, Depends(get_container)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ItemsDep = Annotated[ItemsService, Depends(get_items)]
UsersDep = Annotated[UsersService, Depends(get_users)]
LinksDep = Annotated[LinksService, Depends(get_links)]
RedirectsDep = Annotated[RedirectService, Depends(get_redirects)]
ApiKeysDep = Annotated[ApiKeysService, Depends(get_apikeys)]
AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics)]


async def get_short_base(
    request: Request, container: Annotated[Container, Depends(get_container)]
) -> str:
    """Where short links point: PUBLIC_BASE_URL, else (on AWS) the host this request came to.

    Behind API Gateway the API's own URL is only known after deployment, and the
    template cannot pass it to the functions without a dependency cycle.
    """
    settings = container.settings
    host = request.headers.get("host")
    if not settings.public_base_url and settings.stage == "aws" and host:
        return f"https://{host}"
    return settings.base_url


ShortBaseDep = Annotated[str, Depends(get_short_base)]

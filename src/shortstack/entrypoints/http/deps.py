"""FastAPI dependencies as Annotated aliases: the container's services and the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from shortstack.bootstrap import Container
from shortstack.service_layer.analytics import AnalyticsService
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService, RedirectService
from shortstack.service_layer.users import UsersService

LOCAL_USER = "local"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is making the request: the owner of what they create."""

    sub: str


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_caller(request: Request) -> Caller:
    """In AUTH_MODE=none every request acts as the built-in `local` user."""
    return Caller(sub=LOCAL_USER)


def get_items(container: Annotated[Container, Depends(get_container)]) -> ItemsService:
    return container.items


def get_users(container: Annotated[Container, Depends(get_container)]) -> UsersService:
    return container.users


def get_links(container: Annotated[Container, Depends(get_container)]) -> LinksService:
    return container.links


def get_analytics(container: Annotated[Container, Depends(get_container)]) -> AnalyticsService:
    return container.analytics


def get_redirects(container: Annotated[Container, Depends(get_container)]) -> RedirectService:
    return container.redirects


ContainerDep = Annotated[Container, Depends(get_container)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ItemsDep = Annotated[ItemsService, Depends(get_items)]
UsersDep = Annotated[UsersService, Depends(get_users)]
LinksDep = Annotated[LinksService, Depends(get_links)]
RedirectsDep = Annotated[RedirectService, Depends(get_redirects)]
AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics)]

"""The composition root: every entrypoint builds its services here, from one Settings.

Tests call `bootstrap()` with a Settings of their own (STORAGE=memory for
fakes) or with explicit adapters through `overrides`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shortstack.config import Settings
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.links import OwnHosts
from shortstack.service_layer.items import ItemsService
from shortstack.service_layer.links import LinksService, RedirectService
from shortstack.service_layer.ports import (
    EventPublisher,
    ItemRepository,
    LinkRepository,
    UserRepository,
)
from shortstack.service_layer.users import UsersService


@dataclass
class Container:
    """Everything an entrypoint needs, built once per process (per Lambda container)."""

    settings: Settings
    items: ItemsService
    users: UsersService
    publisher: EventPublisher
    links: LinksService
    redirects: RedirectService
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release connections and stop background work, newest first."""
        while self.closers:
            self.closers.pop()()


@dataclass
class Adapters:
    items: ItemRepository
    users: UserRepository
    publisher: EventPublisher
    links: LinkRepository
    closers: list[Callable[[], None]] = field(default_factory=list)


def _sqlite_adapters(settings: Settings) -> Adapters:
    from shortstack.adapters.memory import MemoryEventPublisher
    from shortstack.adapters.sqlite import (
        SqliteDatabase,
        SqliteItemRepository,
        SqliteLinkRepository,
        SqliteUserRepository,
    )

    db = SqliteDatabase(settings.sqlite_path)
    return Adapters(
        items=SqliteItemRepository(db),
        users=SqliteUserRepository(db),
        publisher=MemoryEventPublisher(),
        links=SqliteLinkRepository(db),
        closers=[db.close],
    )


def _dynamodb_adapters(settings: Settings) -> Adapters:
    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb import (
        DynamoDBItemRepository,
        DynamoDBLinkRepository,
        DynamoDBUserRepository,
    )
    from shortstack.adapters.memory import MemoryEventPublisher

    client = make_client("dynamodb", settings.aws_endpoint_url)
    return Adapters(
        items=DynamoDBItemRepository(client, settings.table_name),
        users=DynamoDBUserRepository(client, settings.table_name),
        publisher=MemoryEventPublisher(),
        links=DynamoDBLinkRepository(client, settings.table_name),
    )


def _memory_adapters(settings: Settings) -> Adapters:
    from shortstack.adapters.memory import (
        MemoryEventPublisher,
        MemoryItemRepository,
        MemoryLinkRepository,
        MemoryUserRepository,
    )

    return Adapters(
        items=MemoryItemRepository(),
        users=MemoryUserRepository(),
        publisher=MemoryEventPublisher(),
        links=MemoryLinkRepository(),
    )


_FACTORIES: dict[str, Callable[[Settings], Adapters]] = {
    "sqlite": _sqlite_adapters,
    "dynamodb": _dynamodb_adapters,
    "memory": _memory_adapters,
}


def bootstrap(
    settings: Settings | None = None, *, clock: Clock = utc_now, **overrides: Any
) -> Container:
    """Wire the adapters `settings.storage` names into the services; `overrides` replace some."""
    settings = settings or Settings()
    adapters = _FACTORIES[settings.storage](settings)
    for name, adapter in overrides.items():
        if not hasattr(adapters, name):
            raise TypeError(f"unknown adapter override {name!r}")
        setattr(adapters, name, adapter)
    return Container(
        settings=settings,
        items=ItemsService(adapters.items, adapters.publisher, clock),
        users=UsersService(adapters.users, adapters.publisher, clock),
        publisher=adapters.publisher,
        links=LinksService(
            adapters.links, adapters.publisher, OwnHosts.of(settings.base_url), clock
        ),
        redirects=RedirectService(adapters.links, adapters.publisher, clock),
        closers=adapters.closers,
    )

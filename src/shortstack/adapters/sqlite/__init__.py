"""The local default storage: one SQLite file under DATA_DIR, in WAL mode."""

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.items import SqliteItemRepository
from shortstack.adapters.sqlite.links import SqliteLinkRepository
from shortstack.adapters.sqlite.users import SqliteUserRepository

__all__ = [
    "SqliteDatabase",
    "SqliteItemRepository",
    "SqliteLinkRepository",
    "SqliteUserRepository",
]

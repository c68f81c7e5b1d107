"""Domain exceptions; the HTTP edge maps each one to a status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error a use case raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The resource does not exist, or belongs to someone else."""


class Conflict(DomainError):
    """A uniqueness rule would be broken."""


class Gone(DomainError):
    """The resource existed but can no longer be used (expired, disabled)."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidCursor(InvalidInput):
    """A pagination cursor that this service did not hand out."""

    def __init__(self) -> None:
        super().__init__("invalid pagination cursor", field="cursor")


class ItemNotFound(NotFound):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id!r} not found")


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"user {user_id!r} not found")


class UserIdTaken(Conflict):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"a user with userId {user_id!r} already exists")


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("a user with this email already exists")


class ImportNotFound(NotFound):
    def __init__(self, import_id: str) -> None:
        super().__init__(f"import {import_id!r} not found")


class ServiceUnavailable(DomainError):
    """A dependency the request needs is missing or down; retrying later may work."""

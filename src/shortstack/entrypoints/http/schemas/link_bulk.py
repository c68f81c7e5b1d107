"""A bulk change of links as the HTTP API reads and answers it (POST /api/v1/links/bulk).

One model per action, told apart by `action`: each states exactly the argument it takes,
so the document offers no body the route refuses (docs/decisions/0701).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Discriminator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from shortstack.domain.errors import DomainError
from shortstack.entrypoints.http.error_bodies import domain_error_body, status_for
from shortstack.entrypoints.http.preconditions import IF_MATCH_PATTERN
from shortstack.entrypoints.http.schemas.common import (
    ErrorBody,
    StrictModel,
    union_tag,
    union_tag_name,
)
from shortstack.entrypoints.http.schemas.links import ExpiresAt
from shortstack.entrypoints.http.schemas.links import Tag as LinkTag
from shortstack.service_layer.link_bulk import ACTIONS, BULK_MAX, Action, BulkAction, Outcome

# Taken as sent (no stripping: the lengths the schema states are what the client sent). An id
# longer than any short id or alias, or with characters none has, names no link: its 404.
ShortId = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)]
IfMatchValue = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=1024),
    Field(
        pattern=IF_MATCH_PATTERN,
        description="the link's ETag (or a list of them, or *): otherwise its 412",
    ),
]


class BulkTarget(StrictModel):
    """A link changed only while it still has this entity tag."""

    id: ShortId
    if_match: IfMatchValue


def _entry_kind(entry: Any) -> str | None:
    if isinstance(entry, str):
        return union_tag_name("id")
    if isinstance(entry, dict | BulkTarget):
        return union_tag_name("target")
    return None


# Told apart by the entry's JSON type, so an entry's errors are its kind's alone: a number
# was said twice, as neither a string nor an object, under Pydantic's names for the two.
IdEntry = Annotated[
    Annotated[ShortId, union_tag("id")] | Annotated[BulkTarget, union_tag("target")],
    Discriminator(
        _entry_kind,
        custom_error_type="short_id_type",
        custom_error_message="a short id is a string, or an object {id, if_match}",
    ),
]
Ids = Annotated[
    list[IdEntry],
    Field(
        min_length=1,
        max_length=BULK_MAX,
        description=f"1 to {BULK_MAX:,} short ids, each a string or {{id, if_match}}; an id "
        "listed twice is changed once, under every if_match given for it",
    ),
]


class _Bulk(StrictModel):
    ids: Ids
    action: Action  # each model names its own

    def targets(self) -> list[tuple[str, str | None]]:
        """(id, If-Match or None) per listed id, in order."""
        return [
            (target, None) if isinstance(target, str) else (target.id, target.if_match)
            for target in self.ids
        ]

    def change(self) -> BulkAction:
        """The action with the argument its model takes (the others have none)."""
        return BulkAction(
            self.action,
            tag=getattr(self, "tag", None),
            expires_at=getattr(self, "expires_at", None),
        )


class BulkDisable(_Bulk):
    action: Literal["disable"]


class BulkEnable(_Bulk):
    action: Literal["enable"]


class BulkClearExpiry(_Bulk):
    """The links never expire."""

    action: Literal["clear_expiry"]


class BulkDelete(_Bulk):
    action: Literal["delete"]


class BulkAddTag(_Bulk):
    """One more tag on each link (a link with it already is left as it is)."""

    action: Literal["add_tag"]
    tag: LinkTag


class BulkRemoveTag(_Bulk):
    """One tag off each link (a link without it is left as it is)."""

    action: Literal["remove_tag"]
    tag: LinkTag


class BulkSetExpiry(_Bulk):
    action: Literal["set_expiry"]
    expires_at: ExpiresAt = Field(description="in the future, within 3650 days")


def _an_object(body: Any) -> Any:
    """A body that is no object is refused as every other body route refuses it (dict_type,
    which the edge words for the Content-Type sent), not as a missing action."""
    if not isinstance(body, dict | BaseModel):
        raise PydanticCustomError("dict_type", "Input should be a valid dictionary")
    return body


def _action_of(body: Any) -> str | None:
    action = body.get("action") if isinstance(body, dict) else getattr(body, "action", None)
    return union_tag_name(action) if isinstance(action, str) else None


LinkBulkChange = Annotated[
    Annotated[BulkDisable, union_tag("disable")]
    | Annotated[BulkEnable, union_tag("enable")]
    | Annotated[BulkAddTag, union_tag("add_tag")]
    | Annotated[BulkRemoveTag, union_tag("remove_tag")]
    | Annotated[BulkSetExpiry, union_tag("set_expiry")]
    | Annotated[BulkClearExpiry, union_tag("clear_expiry")]
    | Annotated[BulkDelete, union_tag("delete")],
    Discriminator(
        _action_of,
        # Missing or unknown alike; pydantic's own words speak of "tags", not actions.
        custom_error_type="unknown_action",
        custom_error_message=f"action must be one of {', '.join(ACTIONS)}",
    ),
    BeforeValidator(_an_object),
]


class LinkBulkResult(BaseModel):
    """One link's outcome: the status a PATCH (a DELETE for `delete`) of it would answer."""

    id: str = Field(description="the short id, as listed")
    status: int = Field(
        description="200 changed (or already as asked), 204 deleted; 404 no such link of "
        "yours, 412 if_match stale, 422 the change breaks a rule of the link's, 503 retry"
    )
    error: ErrorBody | None = Field(default=None, description="why not, when not 2xx")

    @classmethod
    def of(cls, short_id: str, outcome: Outcome) -> LinkBulkResult:
        """One link's entry in the answer."""
        if isinstance(outcome, DomainError):
            error = ErrorBody(**domain_error_body(outcome))
            return cls(id=short_id, status=status_for(outcome), error=error)
        return cls(id=short_id, status=204 if outcome is None else 200)


class LinkBulkPublic(BaseModel):
    action: str
    changed: int = Field(description="links changed (or already as asked) or deleted")
    failed: int = Field(description="links left as they were; their results say why")
    results: list[LinkBulkResult] = Field(description="one per distinct id, in listed order")

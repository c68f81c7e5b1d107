"""The Items catalog: /api/v1/items (with or without the trailing slash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shortstack.domain.items import ItemChanges
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.domain.preconditions import ensure_allowed, entity_tag
from shortstack.entrypoints.http.deps import CallerDep, ItemsDep
from shortstack.entrypoints.http.pagination import add_next_page_headers
from shortstack.entrypoints.http.preconditions import (
    CONDITIONAL_READ,
    CONDITIONAL_WRITE,
    ETAG_HEADER,
    IfMatch,
    IfNoneMatch,
    IfNoneMatchWrite,
    condition,
    tagged,
    unchanged,
)
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.http.schemas.items import (
    Category,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    to_decimal,
)

router = APIRouter(prefix="/api/v1/items", tags=["items"])

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "no such item (or not yours)"}}
INVALID: Responses = {
    422: {"model": ErrorBody, "description": "invalid body, with per-field details"}
}
TAGGED: Responses = {200: {"headers": ETAG_HEADER}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemPublic,
    responses={201: {"headers": ETAG_HEADER}, **INVALID},
)
async def create_item(
    body: ItemCreate, response: Response, caller: CallerDep, items: ItemsDep
) -> ItemPublic:
    """Create an item; the server sets item_id, created_at and updated_at."""
    item = items.create(
        caller.sub,
        name=body.name,
        description=body.description,
        price=to_decimal(body.price),
        category=body.category,
    )
    tagged(response, entity_tag(item.version))
    return ItemPublic.of(item)


@router.get(
    "",
    response_model=list[ItemPublic],
    responses={400: {"model": ErrorBody, "description": "invalid cursor"}, **INVALID},
)
async def list_items(
    request: Request,
    response: Response,
    caller: CallerDep,
    items: ItemsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    category: Annotated[Category | None, Query()] = None,
) -> list[ItemPublic]:
    """A page of items, newest first; the next page's cursor is in X-Next-Cursor and Link."""
    page = items.list(caller.sub, category=category, limit=limit, cursor=cursor)
    add_next_page_headers(request, response, page.next_cursor, limit, {"category": category})
    return [ItemPublic.of(item) for item in page.items]


@router.get(
    "/{item_id}",
    response_model=ItemPublic,
    responses={**TAGGED, **CONDITIONAL_READ, **NOT_FOUND},
)
@router.head(
    "/{item_id}",
    operation_id="head_item",
    response_model=ItemPublic,
    responses={**TAGGED, **CONDITIONAL_READ, **NOT_FOUND},
)
async def get_item(
    item_id: str,
    response: Response,
    caller: CallerDep,
    items: ItemsDep,
    if_none_match: IfNoneMatch = None,
    if_match: IfMatch = None,
) -> ItemPublic | Response:
    """One item, with its ETag; 304 when If-None-Match names it, 412 when If-Match names
    none of its tags (checked first, RFC 9110 13.2.2)."""
    item = items.get(caller.sub, item_id)
    ensure_allowed(condition(if_match), item.version, f"item {item_id!r}")
    tag = entity_tag(item.version)
    not_modified = unchanged(if_none_match, tag)
    if not_modified is not None:
        return not_modified
    tagged(response, tag)
    return ItemPublic.of(item)


@router.put(
    "/{item_id}",
    response_model=ItemPublic,
    responses={**TAGGED, **NOT_FOUND, **CONDITIONAL_WRITE, **INVALID},
)
async def update_item(
    item_id: str,
    body: ItemUpdate,
    response: Response,
    caller: CallerDep,
    items: ItemsDep,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatchWrite = None,
) -> ItemPublic:
    """Partial update: only the fields sent change; updated_at moves. With If-Match, only
    if the item is still at that ETag (412 otherwise); with If-None-Match, only if it is at
    none of those."""
    body.refuse_nulls("name", "price", "category")
    sent = body.model_fields_set
    changes = ItemChanges(
        name=body.name,
        description=body.description,
        clear_description="description" in sent and body.description is None,
        price=to_decimal(body.price) if body.price is not None else None,
        category=body.category,
        expected=condition(if_match, if_none_match),
    )
    item = items.update(caller.sub, item_id, changes)
    tagged(response, entity_tag(item.version))
    return ItemPublic.of(item)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, **CONDITIONAL_WRITE},
)
async def delete_item(
    item_id: str,
    caller: CallerDep,
    items: ItemsDep,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatchWrite = None,
) -> Response:
    """Delete an item; 204 with no body. With If-Match, only if it is still at that ETag;
    with If-None-Match, only if it is at none of those."""
    items.delete(caller.sub, item_id, condition(if_match, if_none_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""The Items catalog: /api/v1/items (with or without the trailing slash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shortstack.domain.items import ItemChanges
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.entrypoints.http.deps import CallerDep, ItemsDep
from shortstack.entrypoints.http.pagination import add_next_page_headers
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


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ItemPublic, responses=INVALID)
async def create_item(body: ItemCreate, caller: CallerDep, items: ItemsDep) -> ItemPublic:
    """Create an item; the server sets item_id, created_at and updated_at."""
    item = items.create(
        caller.sub,
        name=body.name,
        description=body.description,
        price=to_decimal(body.price),
        category=body.category,
    )
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


@router.get("/{item_id}", response_model=ItemPublic, responses=NOT_FOUND)
async def get_item(item_id: str, caller: CallerDep, items: ItemsDep) -> ItemPublic:
    """One item."""
    return ItemPublic.of(items.get(caller.sub, item_id))


@router.put("/{item_id}", response_model=ItemPublic, responses={**NOT_FOUND, **INVALID})
async def update_item(
    item_id: str, body: ItemUpdate, caller: CallerDep, items: ItemsDep
) -> ItemPublic:
    """Partial update: only the fields sent change; updated_at moves."""
    body.refuse_nulls("name", "price", "category")
    sent = body.model_fields_set
    changes = ItemChanges(
        name=body.name,
        description=body.description,
        clear_description="description" in sent and body.description is None,
        price=to_decimal(body.price) if body.price is not None else None,
        category=body.category,
    )
    return ItemPublic.of(items.update(caller.sub, item_id, changes))


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_item(item_id: str, caller: CallerDep, items: ItemsDep) -> Response:
    """Delete an item; 204 with no body."""
    items.delete(caller.sub, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Short links: /api/v1/links (create, list, read, change, delete)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shortstack.domain.csv_export import LINK_COLUMNS, STATS_COLUMNS, link_row, stats_rows
from shortstack.domain.link_state import LinkState
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.entrypoints.http import operations, preconditions
from shortstack.entrypoints.http.csv_export import (
    CSV_CONTENT,
    Format,
    csv_download,
    csv_response,
    wants_csv,
)
from shortstack.entrypoints.http.deps import (
    AnalyticsDep,
    CallerDep,
    ExportsDep,
    LinksDep,
    ShortBaseDep,
    viewer_host,
)
from shortstack.entrypoints.http.pagination import next_page_headers
from shortstack.entrypoints.http.query import FromDay, ToDay, ViewerTimeZone
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses, leads_to
from shortstack.entrypoints.http.schemas.links import (
    ExportReady,
    LinkCreate,
    LinkPublic,
    LinkStatsPublic,
    LinkUpdate,
    Tag,
)
from shortstack.service_layer.link_browse import LinkQuery, Sort

router = APIRouter(prefix="/api/v1/links", tags=["links"])

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "no such link (or not yours)"}}
INVALID: Responses = {
    422: {"model": ErrorBody, "description": "invalid body or unsafe url; the message says why"}
}
# OpenAPI links: where an answer's short_id leads. Clients (and the stateful fuzzer, which
# otherwise reached the redirect only from /shorten's 302 links) can follow them.
_LEADS = {
    "FollowLink": (
        "follow_link",
        "the redirect, with the link's redirect_status (a GET counts a click)",
    ),
    "CheckLink": ("check_link", "the redirect's answer without counting a click"),
    "QrCode": ("qr_code", "the link's QR code, a picture of its short URL (public)"),
}
FOLLOW = leads_to("short_id", "short_id", **_LEADS)
FOLLOW_FROM_PATH = leads_to(None, "short_id", **_LEADS)  # a HEAD answer has no body


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LinkPublic,
    responses={
        201: {**FOLLOW, "headers": preconditions.ETAG_HEADER},
        409: {"model": ErrorBody, "description": "alias already taken (or no free id; retry)"},
        **INVALID,
    },
)
async def create_link(
    body: LinkCreate, request: Request, caller: CallerDep, links: LinksDep, short_base: ShortBaseDep
) -> Response:
    """Shorten a URL under a random id or a chosen alias.

    Expiry: `expires_at`, or `ttl_days` from now; `expires_at: null` never expires; with
    neither, the DEFAULT_LINK_TTL_DAYS setting (30 days unless the deployment says)."""
    answer, tag = operations.create_link(links, caller.sub, body, viewer_host(request), short_base)
    return Response(answer, status.HTTP_201_CREATED, {"ETag": tag}, "application/json")


FORMAT_DOC = "csv for a streamed CSV download (or send Accept: text/csv)"


@router.get(
    "",
    response_model=list[LinkPublic],
    responses={
        200: {"content": CSV_CONTENT, "description": "JSON: a page; CSV: every match"},
        303: {
            "model": ExportReady,
            "description": "CSV where a response cannot carry it (AWS): the file was "
            "written to storage; Location fetches it until expires_at",
        },
        400: {"model": ErrorBody, "description": "invalid cursor"},
        422: {
            "model": ErrorBody,
            "description": "invalid query, or a numbered page past what one answer carries "
            "(the message names the largest limit that fits it)",
        },
    },
)
async def list_links(
    request: Request,
    caller: CallerDep,
    links: LinksDep,
    exports: ExportsDep,
    short_base: ShortBaseDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    tag: Annotated[Tag | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="text in the alias, target or title (any case)"),
    ] = None,
    state: Annotated[
        list[LinkState] | None, Query(description="keep links in these states (repeatable)")
    ] = None,
    sort: Annotated[Sort | None, Query(description="created (newest first) or clicks")] = None,
    page: Annotated[
        int | None, Query(ge=1, le=10_000, description="page number; answers X-Total-Count")
    ] = None,
    format: Annotated[Format | None, Query(description=FORMAT_DOC)] = None,
) -> Response:
    """A page of your links, newest first; `?tag=` keeps those with that tag.

    With `q`, `state`, `sort` or `page` the answer is a numbered page of the matches and
    `X-Total-Count` says how many matched (`X-Total-Exact: false` when you have more
    than 10,000 links: searches then cover the newest 10,000). Without them, pages
    follow `cursor` through every link, however many.

    An answer carries at most about 2 MiB of links: a cursor page ends early and its
    cursor leads on; a numbered page that would pass it is a 422 naming the largest
    `limit` that fits it (only links near their size limits come close: 20 of the
    largest always fit).

    As CSV (`?format=csv` or `Accept: text/csv`): every link that matches `q`, `tag` and
    `state`, newest first, streamed (`sort`, `page`, `limit` and `cursor` shape JSON
    pages only); a header row, then one row a link with its click counts. On AWS, where
    a response holds at most 6 MB, the file is written to storage instead and the answer
    is a 303 whose `Location` fetches it for 15 minutes."""
    if wants_csv(request, format):
        query = LinkQuery(
            text=q.strip() or None if q else None, tag=tag, states=frozenset(state or ())
        )
        now = links.clock()
        rows = (link_row(link, short_base, now) for link in links.export(caller.sub, query))
        return await csv_download(LINK_COLUMNS, rows, "links.csv", store=exports, owner=caller.sub)
    if q is None and state is None and sort is None and page is None:
        # The bytes FastAPI would write for these links' models (test_link_public.py holds
        # them equal), written once: the page was already encoded to keep it within a response.
        body, next_cursor = operations.list_links_json(
            links, caller.sub, short_base, tag=tag, limit=limit, cursor=cursor
        )
        following = next_page_headers(request.url.path, next_cursor, limit, {"tag": tag})
        return Response(body, media_type="application/json", headers=following)
    query = LinkQuery(
        text=q.strip() or None if q else None,
        tag=tag,
        states=frozenset(state or ()),
        sort=sort or "created",
    )
    # Written once, as for a cursor page: measured to keep it within a response.
    body, found = operations.browse_links_json(
        links, caller.sub, short_base, query, page=page or 1, limit=limit
    )
    totals = {
        "X-Total-Count": str(found.total),
        "X-Total-Exact": "true" if found.exact else "false",
    }
    return Response(body, media_type="application/json", headers=totals)


TAGGED: Responses = {200: {**FOLLOW, "headers": preconditions.ETAG_HEADER}}
TAGGED_HEAD: Responses = {200: {**FOLLOW_FROM_PATH, "headers": preconditions.ETAG_HEADER}}


@router.get(
    "/{short_id}",
    response_model=LinkPublic,
    responses={**TAGGED, **preconditions.CONDITIONAL_READ, **NOT_FOUND},
)
@router.head(
    "/{short_id}",
    operation_id="head_link",
    response_model=LinkPublic,
    responses={**TAGGED_HEAD, **preconditions.CONDITIONAL_READ, **NOT_FOUND},
)
async def get_link(
    short_id: str,
    caller: CallerDep,
    links: LinksDep,
    short_base: ShortBaseDep,
    if_none_match: preconditions.IfNoneMatch = None,
    if_match: preconditions.IfMatch = None,
) -> Response:
    """One link with its click_count, is_active and expires_at, and its ETag; 304 when
    If-None-Match names it (a click changes the ETag: the body shows click_count); 412 when
    If-Match names none of its versions."""
    status_code, body, tag = operations.read_link_answer(
        links, caller.sub, short_id, short_base, if_none_match, if_match
    )
    if status_code == status.HTTP_304_NOT_MODIFIED:
        return Response(status_code=status_code, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


@router.patch(
    "/{short_id}",
    response_model=LinkPublic,
    responses={**TAGGED, **NOT_FOUND, **preconditions.CONDITIONAL_WRITE, **INVALID},
)
async def update_link(
    short_id: str,
    body: LinkUpdate,
    request: Request,
    caller: CallerDep,
    links: LinksDep,
    short_base: ShortBaseDep,
    if_match: preconditions.IfMatch = None,
    if_none_match: preconditions.IfNoneMatchWrite = None,
) -> Response:
    """Change only the fields sent: is_active, url, expires_at, title, tags, max_visits,
    rules, variants, password (null removes it)... With If-Match, only if the link is
    still at that ETag (412 otherwise; a click in between does not count as a change); with
    If-None-Match, only if it is at none of those."""
    expected = preconditions.condition(if_match, if_none_match)
    changes = replace(body.changes(), expected=expected)
    with operations.naming_the_answers_tag(links, caller.sub, short_id, short_base):
        link = links.update(
            caller.sub,
            short_id,
            changes,
            request_host=viewer_host(request),
            password=body.password,
        )
    answer, tag = operations.link_answer(links, link, short_base)
    return Response(answer, media_type="application/json", headers={"ETag": tag})


@router.delete(
    "/{short_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, **preconditions.CONDITIONAL_WRITE},
)
async def delete_link(
    short_id: str,
    caller: CallerDep,
    links: LinksDep,
    short_base: ShortBaseDep,
    if_match: preconditions.IfMatch = None,
    if_none_match: preconditions.IfNoneMatchWrite = None,
) -> Response:
    """Delete a link; 204 with no body. Its id then answers 404. With If-Match, only if it
    is still at that ETag; with If-None-Match, only if it is at none of those."""
    with operations.naming_the_answers_tag(links, caller.sub, short_id, short_base):
        links.delete(caller.sub, short_id, preconditions.condition(if_match, if_none_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{short_id}/stats",
    response_model=LinkStatsPublic,
    response_model_by_alias=True,
    responses={
        200: {"content": CSV_CONTENT, "description": "JSON: the report; CSV: the rows"},
        **NOT_FOUND,
        **INVALID,
    },
)
async def link_stats(
    short_id: str,
    request: Request,
    caller: CallerDep,
    analytics: AnalyticsDep,
    from_day: FromDay = None,
    to_day: ToDay = None,
    tz: ViewerTimeZone = None,
    format: Annotated[Format | None, Query(description=FORMAT_DOC)] = None,
) -> LinkStatsPublic | Response:
    """Clicks per day (UTC, or the local days of `tz`; last 30 days by default, at most
    366), clicks by hour of the day, top referrers, browsers, devices and countries. Clicks
    are folded in by the event consumer, shortly after.

    As CSV (`?format=csv` or `Accept: text/csv`): one row per day (and rolled-up month)
    and dimension value: `period_start,period,dimension,value,clicks`, the dimension
    `all` and `bots` giving each period's totals, `hours` and `bot_hours` its clicks and
    bots per UTC hour. With a `tz` other than UTC the `day` rows give the local days'
    totals and the values follow per UTC day (`utc_day`)."""
    report = analytics.report(caller.sub, short_id, from_day, to_day, tz)
    if wants_csv(request, format):
        rows = stats_rows(report.days, report.months, utc_days=report.utc_days)
        return csv_response(STATS_COLUMNS, rows, f"{report.short_id}-stats.csv")
    return LinkStatsPublic.of(report)

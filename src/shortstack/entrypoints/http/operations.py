"""What the hot routes do, free of any web framework.

The FastAPI routes (routes/health.py, routes/links.py) and the API Lambda's light front
(entrypoints/lambda_api_front.py) both call these: one definition of each operation's
work and answer, whichever way the request arrived. What is left to each caller is reading
the request (FastAPI's parameters, or the API Gateway event) and writing the response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from shortstack.domain.errors import LinkNotFound, PageTooLarge, PreconditionFailed
from shortstack.domain.preconditions import ensure_allowed, entity_tag, expected, not_modified
from shortstack.entrypoints.edge import ORIGIN_SECRET_HEADER, EdgeTrust
from shortstack.entrypoints.http.link_values import answer_json, link_json, link_values, page_json
from shortstack.service_layer.links import LinksService

if TYPE_CHECKING:
    from shortstack.api_config import ApiSettings
    from shortstack.config import Settings
    from shortstack.domain.links import Link
    from shortstack.entrypoints.http.schemas.health import Health

    # The request models load with the first create (lambda_api_front.py), not with reads.
    from shortstack.entrypoints.http.schemas.links import LinkCreate
    from shortstack.service_layer.link_browse import Browse, LinkQuery

# Pydantic and the response models load with the first answer that is a model (a new link,
# or any answer through FastAPI), not with a read of a link, a page of links or health: the
# light front writes those from their values (link_values.py).


def health_values(settings: Settings | ApiSettings) -> dict[str, str]:
    """What GET /health answers, the `Health` model's fields in its order."""
    return {"status": "healthy", "service": settings.service_name, "version": settings.version}


def health(settings: Settings | ApiSettings) -> Health:
    from shortstack.entrypoints.http.schemas.health import Health

    return Health(**health_values(settings))


def health_json(settings: Settings | ApiSettings) -> bytes:
    """`health`'s answer as the body FastAPI sends, written without the response model."""
    return answer_json(health_values(settings))


def viewer_host(
    settings: Settings | ApiSettings, header: Callable[[str], str | None]
) -> str | None:
    """The host the client addressed (`header` reads a request header by lower-case name).

    On AWS the API sits behind CloudFront, which cannot forward Host to API Gateway (the
    gateway answers only on its own name); the distribution's viewer-request function
    copies the viewer's Host into X-Forwarded-Host instead, replacing any the client sent
    (docs/decisions/0404). Locally nothing sets it, so it is not believed there. With an
    origin secret, a request without it (a call straight to the execute-api endpoint) is
    not believed either (0704).
    """
    if settings.stage == "aws":
        forwarded = header("x-forwarded-host")
        secret = settings.cloudfront_origin_secret
        if forwarded and (
            not secret or edge_trust(settings).carries_secret(header(ORIGIN_SECRET_HEADER))
        ):
            return forwarded
    return header("host")


def edge_trust(settings: Settings | ApiSettings) -> EdgeTrust:
    """Whose CloudFront-Viewer-* headers this app believes (docs/decisions/0704): nobody's by
    default; every request's behind one's own CloudFront (TRUST_CLOUDFRONT_VIEWER_HEADERS);
    on AWS those carrying the secret our distribution adds (CLOUDFRONT_ORIGIN_SECRET)."""
    return EdgeTrust(settings.trust_cloudfront_viewer_headers, settings.cloudfront_origin_secret)


def short_base(settings: Settings | ApiSettings, host: str | None) -> str:
    """Where short links point: PUBLIC_BASE_URL, else (on AWS) the host the client addressed.

    Without a custom short domain that is the distribution's own name, known only after
    deployment: the template cannot pass it to the functions without a dependency cycle.
    """
    if not settings.public_base_url and settings.stage == "aws" and host:
        return f"https://{host}"
    return settings.base_url


def link_answer(links: LinksService, link: Link, base: str) -> tuple[bytes, str]:
    """What the API shows of one link, as JSON, and that answer's ETag.

    The tag is the link's version and a digest of the answer: the body also shows what no
    write of the owner's versions (its clicks, its state as time passes), and a strong tag
    must change with any byte of it (If-None-Match). If-Match reads only the version, so
    a click between a read and a PATCH does not refuse the PATCH (domain/preconditions.py).
    """
    body = link_json(link_values(link, base, links.clock()))
    return body, entity_tag(link.version, hashlib.sha256(body).hexdigest()[:16])


def read_link_answer(
    links: LinksService,
    owner: str,
    short_id: str,
    base: str,
    if_none_match: str | None,
    if_match: str | None = None,
) -> tuple[int, bytes, str]:
    """A link's GET: 200, its JSON and ETag; or a 304 with no body when If-None-Match names
    that ETag. PreconditionFailed when If-Match names none of its versions (RFC 9110
    13.2.2: If-Match first)."""
    link = links.get(owner, short_id)
    body, tag = link_answer(links, link, base)
    try:
        ensure_allowed(expected(if_match), link.version, f"short link {short_id!r}")
    except PreconditionFailed as refused:
        raise refused.naming(tag) from None
    if not_modified(if_none_match, tag):
        return 304, b"", tag
    return 200, body, tag


@contextmanager
def naming_the_answers_tag(
    links: LinksService, owner: str, short_id: str, base: str
) -> Iterator[None]:
    """A link's write refused inside names the ETag a read of it answers now: its store
    knows only the version, and a link's ETag also digests its answer (decision 0004)."""
    try:
        yield
    except PreconditionFailed as refused:
        try:
            tag = link_answer(links, links.get(owner, short_id), base)[1]
        except LinkNotFound:  # deleted since: the version is all there is to name
            raise refused from None
        raise refused.naming(tag) from None


# A Lambda returns at most 6 MB, its body JSON-escaped once more inside the response (a
# quote doubles, an emoji's 4 bytes become 12): 100 links near their size limits (rules,
# variants, a preview) made a 7.4 MB page, which API Gateway answers with its own 500. A
# cursor page ends before its body passes this budget, and its cursor leads on from there;
# a numbered page, which cannot end early, is refused (docs/decisions/0702).
PAGE_BYTES_MAX = 2 * 1024 * 1024


def list_links_json(
    links: LinksService, owner: str, base: str, *, tag: str | None, limit: int, cursor: str | None
) -> tuple[bytes, str | None]:
    """A cursor page of the owner's links, newest first, as the JSON body of `list[LinkPublic]`
    (the bytes FastAPI would write, without its models), and the next page's cursor. The
    body stays within PAGE_BYTES_MAX: a page past it ends early and its cursor leads on."""
    listed = links.list(owner, tag=tag, limit=limit, cursor=cursor)
    now = links.clock()
    values = [link_values(link, base, now) for link in listed.items]
    body = page_json(values)
    if len(body) > PAGE_BYTES_MAX:
        # The same listing cut after the links that fit, so its cursor follows the last of them.
        listed = links.list(owner, tag=tag, limit=_fitting(values), cursor=cursor)
        body = page_json([link_values(link, base, now) for link in listed.items])
    return body, listed.next_cursor


def browse_links_json(
    links: LinksService, owner: str, base: str, query: LinkQuery, *, page: int, limit: int
) -> tuple[bytes, Browse]:
    """A numbered page of the owner's links that match `query`, as the JSON body of
    `list[LinkPublic]`, and the browse it came from (its total).

    Page `page` holds matches `(page - 1) * limit` onwards: cut short, the next page would
    skip what it left out. So a page whose body would pass PAGE_BYTES_MAX raises
    PageTooLarge (422), naming the largest `limit` that fits this page instead.
    """
    found = links.browse(owner, query, page=page, limit=limit)
    now = links.clock()
    values = [link_values(link, base, now) for link in found.items]
    body = page_json(values)
    if len(body) > PAGE_BYTES_MAX:
        fits = _fitting(values)
        raise PageTooLarge(
            f"these {len(values)} links make a {len(body) / 2**20:.1f} MiB answer, over the "
            f"{PAGE_BYTES_MAX // 2**20} MiB one may carry: ask for fewer a page "
            f"(limit={fits} fits this one)",
            fits,
        )
    return body, found


def _fitting(values: list[dict[str, Any]]) -> int:
    """How many of `values`, from the first, a page within PAGE_BYTES_MAX holds (at least 1)."""
    size, fits = 2, 0
    for value in values:
        size += len(answer_json(value)) + 1
        if size > PAGE_BYTES_MAX:
            break
        fits += 1
    return max(fits, 1)


def create_link(
    links: LinksService, owner: str, body: LinkCreate, host: str | None, base: str
) -> tuple[bytes, str]:
    """A new link's 201: its JSON (the bytes of `LinkPublic`) and its ETag."""
    link = links.create(owner, request_host=host, **create_fields(body))
    return link_answer(links, link, base)


def create_fields(body: LinkCreate) -> dict[str, Any]:
    """What LinksService.create takes from a body: one mapping for a POST and a batch entry."""
    return {
        "url": body.url,
        "alias": body.alias,
        "expires_at": body.expires_at,
        "ttl_days": body.ttl_days,
        "redirect_status": body.redirect_status,
        "title": body.title,
        "tags": body.tags,
        "max_visits": body.max_visits,
        "valid_since": body.valid_since,
        "fallback_url": body.fallback_url,
        "password": body.password,
        "forward_query": body.forward_query,
        "rules": [rule.to_domain() for rule in body.rules],
        "variants": [variant.to_domain() for variant in body.variants],
        "preview": body.preview.to_domain() if body.preview else None,
        "never_expires": "expires_at" in body.model_fields_set and body.expires_at is None,
    }

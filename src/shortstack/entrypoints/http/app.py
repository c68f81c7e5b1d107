"""The FastAPI application, built from a Container by `create_app`.

The same app object serves the local server (uvicorn) and the API Lambda
(Mangum). Routes are `async def` on purpose: under Mangum a sync route costs
a thread hop per invocation, several times the route's own work
(bench/README.md, "Costs the code is shaped around").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from typing import Any

from fastapi import Depends, FastAPI, Security
from fastapi.security import HTTPBearer
from starlette.middleware.cors import CORSMiddleware

from shortstack.bootstrap import BackgroundWork, Container
from shortstack.config import Settings
from shortstack.entrypoints.edge import unlock_path
from shortstack.entrypoints.http.answer_parts import ALLOWED_REQUEST_HEADERS, EXPOSED_HEADERS
from shortstack.entrypoints.http.deps import get_caller
from shortstack.entrypoints.http.docs import mount_docs
from shortstack.entrypoints.http.errors import install_error_handlers
from shortstack.entrypoints.http.middleware import (
    BodyLimit,
    CorrelationIdMiddleware,
    RequestLimitsMiddleware,
    SecurityHeadersMiddleware,
    TrailingSlashMiddleware,
)
from shortstack.entrypoints.http.openapi import install_openapi
from shortstack.entrypoints.http.operations import edge_trust
from shortstack.entrypoints.http.ratelimit import CreateRateLimitMiddleware, TokenBuckets
from shortstack.entrypoints.http.redirect_layer import (
    RedirectingFastAPI,
    RedirectLayer,
    top_level_paths,
)
from shortstack.entrypoints.http.routes import (
    health,
    imports,
    items,
    keys,
    link_batch,
    link_bulk,
    links,
    qr_codes,
    redirects,
    shorten,
    stats,
    uploads,
    users,
    visits,
    webhooks,
)
from shortstack.entrypoints.http.schemas.common import ErrorBody
from shortstack.entrypoints.http.schemas.webhooks import (
    HTTPS_WEBHOOK_URL_PATTERN as HTTPS_WEBHOOK_URL,
)
from shortstack.entrypoints.http.web import mount_frontend
from shortstack.observability import configure_logging, logger

BEARER = HTTPBearer(
    auto_error=False,
    description="a JWT from the identity provider (AUTH_MODE=jwt) or an API key `sk_...`",
)
PROTECTED_ROUTERS = tuple(
    module.router
    for module in (
        items,
        users,
        link_batch,
        link_bulk,
        links,
        stats,
        shorten,
        imports,
        uploads,
        keys,
        webhooks,
        visits,
    )
)
ALL_ROUTERS = (
    health.router,
    *PROTECTED_ROUTERS,
    uploads.landing,
    qr_codes.router,
    redirects.router,
)
DESCRIPTION = """
Items catalog, users and short links, with click analytics and bulk imports.
Every error body is JSON with a `message`; validation errors add `detail`.
"""


def create_app(container: Container, *, background: Sequence[BackgroundWork] = ()) -> FastAPI:
    """Build the HTTP app around an already wired container.

    `background` starts with the app, in order, and stops, newest first, before the
    app's shutdown closes the container (the local server's, entrypoints/local_background.py).
    """
    settings = container.settings
    configure_logging(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for work in background:
            work.start()
        yield
        for work in reversed(background):
            work.stop()
        container.close()

    app = RedirectingFastAPI(
        title="shortstack",
        version=settings.version,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        # FastAPI's own pages load their scripts from a CDN: docs.py serves them offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    app.include_router(health.router)
    mount_docs(app)
    # Everything but health, docs and redirects needs a caller (401 without one in jwt mode).
    # In jwt mode the HTTPBearer dependency documents the scheme (Swagger UI's Authorize
    # button; get_caller does the work). In none mode no credential is required, and the
    # document says so: only a bad `sk_` key can get a 401 there.
    documented_scheme = [Security(BEARER)] if settings.auth_mode == "jwt" else []
    protected: dict[str, Any] = {
        "dependencies": [*documented_scheme, Depends(get_caller)],
        "responses": {
            401: {"model": ErrorBody, "description": "no or invalid credentials"},
            503: {"model": ErrorBody, "description": "the token's signing keys are unreachable"},
        },
    }
    if settings.auth_mode == "none" and settings.stage == "aws":
        logger.warning("AUTH_MODE=none on AWS: every caller acts as the user 'local'")
    for router in PROTECTED_ROUTERS:
        app.include_router(router, **protected)
    # The local upload URL: its signature is its credential, like a presigned S3 URL's.
    app.include_router(uploads.landing)
    # A link's QR code: public like the short URL it encodes (decision 0115).
    app.include_router(qr_codes.router)
    mount_frontend(app, settings.web_dir)
    # Last: its /{short_id} matches every single-segment path that no route above claims.
    app.include_router(redirects.router)
    # On AWS, API Gateway throttles; a per-instance limit there would only mislead.
    rate_limited = settings.stage == "local" and settings.rate_limit_creates_per_minute > 0
    install_openapi(
        app,
        rate_limited_posts=rate_limited,
        unanswered={**redirects.UNANSWERED, **shorten.UNANSWERED},
        maximums={("ImportUploadCreate", "size"): settings.import_upload_max_bytes},
        patterns=(
            {}
            if settings.webhooks_allow_http
            else {(body, "url"): HTTPS_WEBHOOK_URL for body in ("WebhookCreate", "WebhookUpdate")}
        ),
    )

    # add_middleware wraps: the last one added runs first on a request.
    app.add_middleware(TrailingSlashMiddleware)
    if rate_limited:
        # Inside CORS, so a browser can read the 429 of a cross-origin POST.
        app.add_middleware(
            CreateRateLimitMiddleware, buckets=TokenBuckets(settings.rate_limit_creates_per_minute)
        )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            allow_headers=list(ALLOWED_REQUEST_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            max_age=600,
        )
    app.add_middleware(
        RequestLimitsMiddleware,
        default_limit=settings.max_body_bytes,
        limit_for=_body_limits(settings),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    # In front of everything: a redirect skips FastAPI's stack (see redirect_layer.py).
    # The routers carry their prefixes, so their routes' paths are the app's: reading them is
    # free, where iter_route_contexts(app.routes) would build every route's dependencies
    # (~75 ms per app: at each cold start, and in every test that builds an app).
    own_routes = (route for router in ALL_ROUTERS for route in router.routes)
    app.redirect_layer = RedirectLayer(
        container.redirects,
        top_level_paths(chain(app.routes, own_routes)),
        writer=container.group_commit,
        base_url=container.settings.base_url,
        edge=edge_trust(container.settings),
    )
    return app


def _body_limits(settings: Settings) -> Callable[[str], BodyLimit]:
    """Each path's body limit: CSV files and batches may be larger than any other body."""
    direct = BodyLimit(
        settings.import_max_bytes,
        f"send larger files through POST {uploads.PREFIX} (up to "
        f"{settings.import_upload_max_bytes} bytes)",
    )
    uploaded = BodyLimit(settings.import_upload_max_bytes)
    # A batch holds up to 1,000 link bodies.
    batch = BodyLimit(max(link_batch.MAX_BODY_BYTES, settings.max_body_bytes))
    default = BodyLimit(settings.max_body_bytes)
    # POST /shorten words its 400s as the classic contract does ({"error": ...}).
    classic = BodyLimit(settings.max_body_bytes, utf8_json=False)
    # The password form's target answers a form in a content coding itself (415), with the
    # page a browser is shown for the short link's other refusals.
    form = BodyLimit(settings.max_body_bytes, codings=False)
    upload_urls = uploads.PREFIX + "/"
    unlock_paths = unlock_path("")

    def limit_for(path: str) -> BodyLimit:
        exact = path.rstrip("/")
        if exact == imports.router.prefix:
            return direct
        if exact == link_batch.PATH:
            return batch
        if exact == shorten.PATH:
            return classic
        if path.startswith(unlock_paths):
            return form
        return uploaded if path.startswith(upload_urls) else default

    return limit_for

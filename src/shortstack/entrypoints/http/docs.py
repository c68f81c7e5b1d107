"""Swagger UI at /docs and ReDoc at /redoc, served whole by the app itself.

FastAPI's own pages load their scripts from a public CDN, so they are blank on a laptop
offline or in a locked-down deployment, and their inline start-up script needs
`unsafe-inline`. Here the dist files come from the fastapi-offline package (a pinned
dependency that ships Swagger UI's and ReDoc's builds), the start-up code is a file of
ours, and both pages carry the frontend's strict Content-Security-Policy: nothing,
favicon included, comes from another host.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from shortstack.entrypoints.http.web import CONTENT_SECURITY_POLICY, WEB_HEADERS

DOCS_STATIC = "/docs/static"
_OWN_DIR = Path(str(resources.files("shortstack") / "data" / "docs"))
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
# The dist files change only with the package version: a day in caches is safe.
_ASSET_HEADERS = {**WEB_HEADERS, "Cache-Control": "public, max-age=86400"}
# ReDoc styles itself through styled-components, which creates an empty <style> element and
# fills it through the CSSOM (not subject to CSP), plus one bundled stylesheet it inserts as
# text. The policy allows exactly those two texts by their hashes, not inline styles in
# general; a new ReDoc build with other text shows up as a CSP error in the browser tests.
REDOC_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty string
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # the bundled stylesheet
)
# The one URL of another host that ReDoc's build loads (a logo next to its credit line).
REDOC_LOGO_URL = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_REDOC_HEADERS = {
    **WEB_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", "style-src 'self' " + " ".join(REDOC_STYLE_HASHES)
    ),
}


def _vendor_dir() -> Path:
    """fastapi-offline's static folder, found without importing the package's FastAPI glue."""
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed: the API docs need its files")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _asset_files() -> dict[str, Path]:
    vendor = _vendor_dir()
    return {
        "swagger-ui-bundle.js": vendor / "swagger-ui-bundle.js",
        "swagger-ui.css": vendor / "swagger-ui.css",
        "swagger-init.js": _OWN_DIR / "swagger-init.js",
        "favicon.svg": _OWN_DIR / "favicon.svg",
        "docs-nav.css": _OWN_DIR / "docs-nav.css",
    }


_VIEWS = (("/docs", "Swagger UI"), ("/redoc", "ReDoc"))
_CURRENT = ' aria-current="page"'


def _nav(root: str, current: str) -> str:
    """The way back to the web app and to the other view of the same API.

    The app is at the root of the same origin, locally and behind CloudFront (decision 0404).
    """
    views = "".join(
        f'<a href="{root}{path}"{_CURRENT if path == current else ""}>{name}</a>'
        for path, name in _VIEWS
    )
    return (
        '<nav class="docs-nav" aria-label="shortstack">'
        f'<a class="docs-nav-home" href="{root}/">&larr; shortstack app</a>'
        f'<span class="docs-nav-views">{views}</span></nav>\n'
    )


def _page(title: str, head: str, body: str, nav: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<link rel="icon" type="image/svg+xml" href="{DOCS_STATIC}/favicon.svg">\n'
        f'<link rel="stylesheet" href="{DOCS_STATIC}/docs-nav.css">\n'
        f"{head}</head>\n<body>\n{nav}{body}</body>\n</html>\n"
    )


def swagger_page(openapi_url: str, root: str = "") -> str:
    """The Swagger UI page: our files only, started by swagger-init.js."""
    return _page(
        "shortstack API: Swagger UI",
        f'<link rel="stylesheet" href="{DOCS_STATIC}/swagger-ui.css">\n',
        f'<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>\n'
        f'<script src="{DOCS_STATIC}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{DOCS_STATIC}/swagger-init.js"></script>\n',
        _nav(root, "/docs"),
    )


def redoc_page(openapi_url: str, root: str = "") -> str:
    """The ReDoc page: its standalone build starts itself on the <redoc> element."""
    return _page(
        "shortstack API: ReDoc",
        "",
        # Search runs in a worker made from a blob: URL, which script-src 'self' refuses; the
        # sidebar lists every operation and the browser's own find still works.
        f'<redoc spec-url="{openapi_url}" disable-search="true"></redoc>\n'
        f'<script src="{DOCS_STATIC}/redoc.standalone.js"></script>\n',
        _nav(root, "/redoc"),
    )


def mount_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """/docs, /redoc and their files under /docs/static/ (FastAPI's own pages must be off)."""
    files = _asset_files()

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = swagger_page(root + openapi_url, root)
        return HTMLResponse(page, headers=WEB_HEADERS)

    @app.api_route("/redoc", methods=["GET", "HEAD"], include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = redoc_page(root + openapi_url, root)
        return HTMLResponse(page, headers=_REDOC_HEADERS)

    @app.api_route(
        DOCS_STATIC + "/{name}",
        methods=["GET", "HEAD"],
        include_in_schema=False,
        response_model=None,
    )
    async def docs_asset(name: str) -> Response:
        if name == "redoc.standalone.js":
            return Response(_redoc_script(), media_type="text/javascript", headers=_ASSET_HEADERS)
        path = files.get(name)
        if path is None:
            return JSONResponse({"message": f"no docs file {name!r}"}, status_code=404)
        return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=_ASSET_HEADERS)


@cache
def _redoc_script() -> bytes:
    """ReDoc's build with its sidebar logo read from here instead of the vendor's CDN."""
    script = (_vendor_dir() / "redoc.standalone.js").read_bytes()
    return script.replace(REDOC_LOGO_URL, f"{DOCS_STATIC}/favicon.svg".encode())

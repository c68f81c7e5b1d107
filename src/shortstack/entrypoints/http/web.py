"""Serves the single-page frontend from `web/` with a strict Content-Security-Policy.

The page lives at `/` and its files under `/assets/`: both names are reserved,
so they never collide with a short link's id.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
WEB_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


class _AssetFiles(StaticFiles):
    """StaticFiles that adds the page's security headers to every asset."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.extend((k.lower().encode(), v.encode()) for k, v in WEB_HEADERS.items())
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)  # type: ignore[arg-type]


def mount_frontend(app: FastAPI, web_dir: Path) -> None:
    """Serve `web_dir/index.html` at `/` and `web_dir/assets/` at `/assets`."""
    index = web_dir / "index.html"

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False, response_model=None)
    async def frontend_index() -> Response:
        if not index.is_file():
            return JSONResponse({"message": f"frontend not found in {web_dir}"}, status_code=404)
        return FileResponse(index, media_type="text/html", headers=WEB_HEADERS)

    assets = web_dir / "assets"
    if assets.is_dir():
        app.mount("/assets", _AssetFiles(directory=assets), name="assets")

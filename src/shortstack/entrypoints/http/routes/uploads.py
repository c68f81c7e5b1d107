"""Upload URLs for import files: POST /api/v1/imports/uploads, and the local URL itself.

`router` hands out the URL (authenticated like every API route). `landing` is the
URL on the local server: it carries no credentials but its signature, exactly like
a presigned S3 URL, so it sits outside the authenticated routers.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urljoin

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shortstack.entrypoints.http.deps import CallerDep, ContainerDep
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.http.schemas.imports import (
    CSV_TYPES,
    ImportPublic,
    ImportUploadCreate,
    ImportUploadPublic,
)

PREFIX = "/api/v1/imports/uploads"
router = APIRouter(prefix=PREFIX, tags=["imports"])
landing = APIRouter(prefix=PREFIX, tags=["imports"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportUploadPublic,
    responses={413: {"model": ErrorBody, "description": "`size` is over the server's limit"}},
)
async def request_upload(
    body: ImportUploadCreate,
    request: Request,
    response: Response,
    caller: CallerDep,
    container: ContainerDep,
) -> ImportUploadPublic:
    """Create an import awaiting its file; send the file to `upload_url`, then poll the import."""
    job, target = container.uploads.request(caller.sub, body.filename, body.size, body.content_type)
    response.headers["Location"] = f"/api/v1/imports/{job.import_id}"
    # Locally the URL is a path on this server; a presigned S3 URL is already absolute.
    url = urljoin(str(request.base_url), target.url)
    return ImportUploadPublic.of(job.import_id, target, url, container.uploads.max_bytes)


LANDING_ERRORS: Responses = {
    403: {"model": ErrorBody, "description": "a signature that does not match, or expired"},
    404: {"model": ErrorBody, "description": "no import awaits an upload under this id"},
    409: {"model": ErrorBody, "description": "the import already has its file"},
    413: {"model": ErrorBody, "description": "a file over the limit or the declared size"},
    415: {"model": ErrorBody, "description": "not sent as a CSV"},
    422: {"model": ErrorBody, "description": "not a CSV import: no rows, too many, not UTF-8"},
}
LANDING_BODY = {
    "requestBody": {
        "required": True,
        "description": "the CSV file itself, as the upload's `headers` said",
        "content": {"text/csv": {"schema": {"type": "string", "minLength": 1}}},
    }
}


@landing.put(
    "/{import_id}",
    response_model=ImportPublic,
    responses=LANDING_ERRORS,
    openapi_extra=LANDING_BODY,
)
async def receive_upload(
    import_id: str,
    request: Request,
    container: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(min_length=1, max_length=128)],
) -> ImportPublic | Response:
    """The local server's upload URL: store the file and start its import (no auth header)."""
    uploads = container.uploads
    declared = request.headers.get("content-length")
    job = uploads.admit(
        import_id, expires, signature, int(declared) if declared and declared.isdigit() else None
    )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CSV_TYPES:
        return JSONResponse(
            {"message": f"send the file as one of {', '.join(CSV_TYPES)}"},
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    # Checking a file of many megabytes takes a while: off the event loop.
    taken = await run_in_threadpool(uploads.receive, job, await request.body())
    return ImportPublic.of(taken, [], None)

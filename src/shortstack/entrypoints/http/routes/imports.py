"""Bulk imports: POST /api/v1/imports (CSV body or multipart `file`), GET /api/v1/imports/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile

from shortstack.domain.errors import InvalidInput
from shortstack.domain.imports import IMPORT_ID_PATTERN
from shortstack.entrypoints.http.deps import CallerDep, ContainerDep
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.http.schemas.imports import CSV_TYPES, ImportPublic

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class ImportIdConvertor(Convertor[str]):
    """Matches import ids only, so `/api/v1/imports/uploads` is no import's path: a GET there
    is a 405 naming POST, not an import that is not found."""

    regex = IMPORT_ID_PATTERN

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("import_id", ImportIdConvertor())

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "description": "a CSV of `url[,alias][,ttl_days]` rows (header optional; `title` and "
        "`tags` columns too), or the CSV export of YOURLS, Bitly, Shlink or Kutt, told by its "
        "header row; UTF-8",
        "content": {
            "text/csv": {"schema": {"type": "string", "minLength": 1}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "additionalProperties": False,
                }
            },
        },
    }
}
UPLOAD_ERRORS: Responses = {
    415: {"model": ErrorBody, "description": "not text/csv nor multipart/form-data"},
    422: {"model": ErrorBody, "description": "no rows, too many rows, or not UTF-8"},
}


async def read_upload(request: Request) -> tuple[bytes, str | None]:
    """The CSV bytes and file name of a raw or multipart upload; 4xx domain errors otherwise."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in CSV_TYPES:
        return await request.body(), None
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput(
                    "multipart upload needs a file in the field named 'file'", "file"
                )
            return await upload.read(), upload.filename
    raise UnsupportedUpload()


class UnsupportedUpload(Exception):
    """The body is neither a CSV nor a multipart form."""


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportPublic,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_DOC,
)
async def create_import(
    request: Request, response: Response, caller: CallerDep, container: ContainerDep
) -> ImportPublic | Response:
    """Start importing a CSV of links; 202 with the import's id, then poll its status."""
    try:
        data, filename = await read_upload(request)
    except UnsupportedUpload:
        return JSONResponse(
            {"message": "send the CSV as text/csv or as multipart/form-data field 'file'"},
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    job = container.imports.submit(caller.sub, data, filename)
    response.headers["Location"] = f"/api/v1/imports/{job.import_id}"
    return ImportPublic.of(job, [], None)


@router.get(
    "/{import_id:import_id}",
    response_model=ImportPublic,
    responses={404: {"model": ErrorBody, "description": "no such import (or not yours)"}},
)
async def get_import(
    import_id: Annotated[str, Path(pattern=f"^{IMPORT_ID_PATTERN}$")],
    response: Response,
    caller: CallerDep,
    container: ContainerDep,
    errors_limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> ImportPublic:
    """Status, counts and a page of per-row errors (`cursor` from `errors_next_cursor`)."""
    job, page = container.imports.status(caller.sub, import_id, limit=errors_limit, cursor=cursor)
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
    return ImportPublic.of(job, list(page.items), page.next_cursor)

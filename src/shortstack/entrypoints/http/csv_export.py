"""CSV answers: when a client asked for one, and how it is streamed.

A client asks with `?format=csv` or with an Accept header that prefers `text/csv` to
JSON. The rows go out as they are read, in chunks of a few hundred lines: one chunk per
hop to the thread pool (a sync iterator is read there, off the event loop), so 100,000
links cost a few hundred hops, not 100,000.

Where a response cannot carry a large file (a Lambda answers at most 6 MB), the same
chunks are written to an ExportStore instead and the client is sent there with a 303
See Other (decision 0109).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from shortstack.domain.csv_export import csv_lines
from shortstack.entrypoints.http.answer_parts import header_lines
from shortstack.entrypoints.http.schemas.links import ExportReady
from shortstack.service_layer.ports import ExportStore

Format = Literal["json", "csv"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
LINES_PER_CHUNK = 500
# How the OpenAPI document states the CSV form of a 200 next to its JSON.
CSV_CONTENT: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}}}


def wants_csv(request: Request, format: Format | None) -> bool:
    """`?format=` decides; without it, the Accept header's preference between the two
    (every Accept line: one list, as API Gateway hands it to the API Lambda)."""
    if format is not None:
        return format == "csv"
    best: tuple[float, int] = (0.0, 0)
    choice = "json"
    accept = header_lines(request.scope["headers"], (b"accept",)).get("accept", "")
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = {"text/csv": "csv", "application/json": "json"}.get(media.lower())
        # The higher quality wins; of two equal ones, the one named first.
        if kind and (quality, -position) > best:
            best, choice = (quality, -position), kind
    return choice == "csv" and best[0] > 0


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], filename: str
) -> StreamingResponse:
    """A streamed CSV download of `rows` under `header`."""
    return StreamingResponse(
        _chunks(csv_lines(header, rows)),
        media_type=CSV_MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def csv_download(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    filename: str,
    *,
    store: ExportStore | None,
    owner: str,
) -> StreamingResponse | JSONResponse:
    """The CSV streamed in the response or, with a `store`, written there and pointed at."""
    if store is None:
        return csv_response(header, rows, filename)
    chunks = _chunks(csv_lines(header, rows))
    link = await run_in_threadpool(store.publish, owner, filename, chunks)
    return JSONResponse(
        ExportReady.of(link).model_dump(mode="json"),
        status_code=303,
        headers={"location": link.url, "cache-control": "no-store"},
    )


def _chunks(lines: Iterator[str]) -> Iterator[bytes]:
    while chunk := "".join(islice(lines, LINES_PER_CHUNK)):
        yield chunk.encode()

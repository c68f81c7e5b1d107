"""The floor under the API Lambda: one async FastAPI route behind Mangum, nothing else.

`GET /api/v1/links/{short_id}` answers a dict without storage, middleware,
dependencies or auth. bench/warm_overhead.py times it next to the real API Lambda:
no FastAPI app on Mangum can be faster than this on the same machine.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/api/v1/links/{short_id}")
async def get_link(short_id: str) -> dict[str, str]:
    return {"short_id": short_id, "url": "https://example.com/landing"}


_mangum = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = _mangum(event, context)
    return response

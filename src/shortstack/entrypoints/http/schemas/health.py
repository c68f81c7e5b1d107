"""What GET /health answers."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    service: str
    version: str

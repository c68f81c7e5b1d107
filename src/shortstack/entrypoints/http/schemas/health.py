"""What GET /health answers: `operations.health_values`, the one list of its values."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    service: str
    version: str

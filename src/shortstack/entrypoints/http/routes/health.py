"""Liveness: answers without touching storage, so it stays cheap for load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from shortstack.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    service: str
    version: str


@router.get("/health", response_model=Health)
async def health(container: ContainerDep) -> Health:
    """Service name and version; 200 while the process can answer."""
    settings = container.settings
    return Health(status="healthy", service=settings.service_name, version=settings.version)

"""Liveness: answers without touching storage, so it stays cheap for load balancers."""

from __future__ import annotations

from fastapi import APIRouter

from shortstack.entrypoints.http import operations
from shortstack.entrypoints.http.deps import ContainerDep
from shortstack.entrypoints.http.schemas.health import Health

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
async def health(container: ContainerDep) -> Health:
    """Service name and version; 200 while the process can answer."""
    return operations.health(container.settings)

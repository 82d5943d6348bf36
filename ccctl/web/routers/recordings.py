"""A tenant's recordings (`ccctl recording list`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ccctl.recordings import index
from ccctl.stats.calls import parse_time
from ccctl.web.auth import allow, services

router = APIRouter(prefix="/api/tenants/{tenant}", tags=["recordings"])


@router.get("/recordings")
def list_recordings(
    tenant: str,
    since: str | None = None,
    until: str | None = None,
    held: bool | None = None,
    limit: int = 1000,
    svc=Depends(services),
    _=Depends(allow("recordings.read")),
) -> list[dict]:
    return index.list_recordings(
        svc,
        tenant=tenant,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        held=held,
        limit=max(1, min(limit, 10000)),
    )

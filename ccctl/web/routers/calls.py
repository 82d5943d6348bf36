"""A tenant's call rows (`ccctl calls list|show`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ccctl.stats import calls as calls_mod
from ccctl.web.auth import allow, services

router = APIRouter(prefix="/api/tenants/{tenant}", tags=["calls"])


@router.get("/calls")
def list_calls(
    tenant: str,
    queue: str | None = None,
    agent: str | None = None,
    disposition: str | None = None,
    caller: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 1000,
    svc=Depends(services),
    _=Depends(allow("calls.read")),
) -> list[dict]:
    """Calls, oldest first. An agent lists their own (agent=their extension)."""
    return calls_mod.list_calls(
        svc.engine,
        tenant=tenant,
        queue=queue,
        agent=agent,
        disposition=disposition,
        caller=caller,
        since=calls_mod.parse_time(since, "since"),
        until=calls_mod.parse_time(until, "until"),
        limit=max(1, min(limit, 10000)),
    )


@router.get("/calls/{uuid}")
def show_call(tenant: str, uuid: str, svc=Depends(services), _=Depends(allow("calls.read"))) -> dict:
    return calls_mod.get_call(svc.engine, uuid, tenant)

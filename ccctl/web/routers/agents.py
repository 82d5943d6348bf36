"""Agents: the live list, one seat's status (the phone's feature codes: login, ready, break
with a reason, logout), the wrap-up (code and note), and the seat's event stream (screen pop)."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ccctl.access.roles import Principal
from ccctl.stats.agent_day import agent_today
from ccctl.supervision import agents, monitor
from ccctl.web.auth import allow, services

router = APIRouter(prefix="/api/tenants/{tenant}", tags=["agents"])
HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an idle event stream (proxies close silent ones)."""


class StatusChange(BaseModel):
    action: Literal["login", "ready", "break", "logout"]
    reason: str | None = None


class Transfer(BaseModel):
    target: str = Field(min_length=1, max_length=80)
    """A seat or queue of the tenant: seat:EXT, queue:NAME, or the bare extension or name."""


class WrapUp(BaseModel):
    code: str
    note: str | None = Field(default=None, max_length=1000)


@router.get("/agent-codes")
def codes(tenant: str, svc=Depends(services), _=Depends(allow("tenant.read"))) -> dict:
    """The tenant's break reasons and wrap-up codes."""
    return agents.tenant_codes(svc, tenant)


@router.get("/agents")
def list_agents(tenant: str, svc=Depends(services), _=Depends(allow("agents.read"))) -> list[dict]:
    """Every seat's status and state now (`ccctl agent list`)."""
    return [a.as_dict() for a in agents.live_states(svc, tenant)]


@router.get("/agents/{extension}")
def seat(tenant: str, extension: str, svc=Depends(services), _=Depends(allow("agents.status"))) -> dict:
    return agents.seat_state(svc, tenant, extension)


@router.get("/agents/{extension}/today")
def today(tenant: str, extension: str, svc=Depends(services), _=Depends(allow("agents.status"))) -> dict:
    """The seat's figures since midnight (the tenant's time zone): calls answered, talk time,
    time on break by reason."""
    return agent_today(svc, tenant, extension)


@router.get("/agents/{extension}/phone")
def phone(tenant: str, extension: str, request: Request, svc=Depends(services), _=Depends(allow("phone"))) -> dict:
    """What the page's WebRTC phone registers with: FreeSWITCH's secure WebSocket on the host
    the page came from, the seat's SIP address and its secret (the agent's own seat only)."""
    from ccctl.config.entities import get_tenant, seat_password

    t = get_tenant(svc, tenant)
    host = request.url.hostname or "localhost"
    return {
        "wss": f"wss://{host}:{svc.settings.sip_wss_port}",
        "aor": f"sip:{extension}@{t.sip_domain}",
        "user": extension,
        "password": seat_password(svc, tenant, extension),
    }


@router.post("/agents/{extension}/status")
def set_status(
    tenant: str,
    extension: str,
    body: StatusChange,
    svc=Depends(services),
    who: Principal = Depends(allow("agents.status")),
) -> dict:
    """Log in, ready, break (with one of the tenant's reasons) or log out, as *22 *25 *24 *23."""
    status = agents.set_status(svc, tenant, extension, body.action, reason=body.reason, actor=who.actor)
    return {"tenant": tenant, "extension": extension, "status": status}


@router.post("/agents/{extension}/wrapup")
def wrap_up(
    tenant: str, extension: str, body: WrapUp, svc=Depends(services), who: Principal = Depends(allow("calls.wrapup"))
) -> dict:
    """The wrap-up code and a note for the seat's last call (*9 + code); the daemon puts both
    on the call row."""
    name = agents.set_disposition(svc, tenant, extension, body.code, note=body.note, actor=who.actor)
    return {"tenant": tenant, "extension": extension, "disposition": name}


@router.post("/agents/{extension}/transfer")
def transfer(
    tenant: str,
    extension: str,
    body: Transfer,
    svc=Depends(services),
    who: Principal = Depends(allow("calls.transfer")),
) -> dict:
    """Move the party the seat is talking to to another seat or a queue of the same tenant
    (blind); the seat's leg ends. Done by the box, not by the phone (SIP REFER stays off)."""
    return monitor.agent_transfer(svc, tenant, extension, body.target, actor=who.actor).as_dict()


@router.get("/agents/{extension}/events")
async def events(tenant: str, extension: str, request: Request, _=Depends(allow("agents.status"))) -> StreamingResponse:
    """Server-sent events of this seat: `call.offered` (the screen pop, while the phone rings:
    caller, customer, queue, wait, earlier calls) and `call.ended`."""
    feed = request.app.state.feed
    sub = feed.subscribe(tenant, extension)

    async def stream():
        try:
            yield ": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(sub.queue.get(), HEARTBEAT)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
                yield f"event: {event.get('type', 'message')}\ndata: {data}\n\n"
        finally:
            feed.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

"""The supervisor's operations: the live wallboard (figures of the queues, agents with state
and time in state, calls), and listen / whisper / barge / hang up on an agent's call, through
ccctl.supervision (audited, as `ccctl monitor` is)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ccctl.access.roles import Principal
from ccctl.supervision import monitor
from ccctl.web.auth import allow, services
from ccctl.web.boards import visible

router = APIRouter(prefix="/api/tenants/{tenant}", tags=["supervision"])


class Monitor(BaseModel):
    supervisor: str
    """The supervisor's own seat (extension): its phone rings, and listens once answered."""


@router.get("/wallboard")
def wallboard(tenant: str, request: Request, who: Principal = Depends(allow("wallboard.read"))) -> dict:
    """The tenant's live figures now (a supervisor limited to queues sees those queues)."""
    return visible(request.app.state.boards.board(tenant).snapshot(), who.queues)


@router.get("/wallboard/events")
async def wallboard_events(
    tenant: str, request: Request, who: Principal = Depends(allow("wallboard.read"))
) -> StreamingResponse:
    """Server-sent events: the wallboard's snapshot once a second (`event: board`)."""
    board = request.app.state.boards.board(tenant)

    async def stream():
        while not await request.is_disconnected():
            data = json.dumps(visible(board.snapshot(), who.queues), ensure_ascii=False, separators=(",", ":"))
            yield f"event: board\ndata: {data}\n\n"
            await asyncio.sleep(1.0)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def _eavesdrop(mode: str, svc, tenant: str, extension: str, body: Monitor, who: Principal) -> dict:
    act = {"listen": monitor.listen, "whisper": monitor.whisper, "barge": monitor.barge}[mode]
    return act(svc, tenant, body.supervisor, extension, actor=who.actor).as_dict()


@router.post("/agents/{extension}/listen")
def listen(
    tenant: str, extension: str, body: Monitor, svc=Depends(services), who: Principal = Depends(allow("monitor"))
) -> dict:
    """Ring the supervisor's seat; answered, it hears both sides of the agent's call, unheard."""
    return _eavesdrop("listen", svc, tenant, extension, body, who)


@router.post("/agents/{extension}/whisper")
def whisper(
    tenant: str, extension: str, body: Monitor, svc=Depends(services), who: Principal = Depends(allow("monitor"))
) -> dict:
    """As listen, and the agent (only) hears the supervisor."""
    return _eavesdrop("whisper", svc, tenant, extension, body, who)


@router.post("/agents/{extension}/barge")
def barge(
    tenant: str, extension: str, body: Monitor, svc=Depends(services), who: Principal = Depends(allow("monitor"))
) -> dict:
    """As listen, and both sides of the call hear the supervisor."""
    return _eavesdrop("barge", svc, tenant, extension, body, who)


@router.post("/agents/{extension}/hangup")
def hang_up(tenant: str, extension: str, svc=Depends(services), who: Principal = Depends(allow("monitor"))) -> dict:
    """End the agent's call on every leg."""
    return monitor.hangup(svc, tenant, extension, actor=who.actor).as_dict()

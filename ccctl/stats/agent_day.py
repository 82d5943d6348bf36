"""An agent's own figures today (the agent page's header): calls answered, talk time, and
time on break by reason, since midnight in the tenant's time zone."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ccctl.errors import NotFound
from ccctl.model import Call, Tenant
from ccctl.stats.history import Query, break_time


def midnight(tz: str, now: float) -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def agent_today(services, tenant: str, extension: str, *, now: float | None = None) -> dict:
    now = now or time.time()
    c = Call.__table__
    with services.engine.connect() as conn:
        tz = conn.execute(select(Tenant.timezone).where(Tenant.name == tenant)).scalar()
        if tz is None:
            raise NotFound(f"tenant {tenant} not found")
        since = midnight(tz, now)
        answered, talk = conn.execute(
            select(func.count(), func.coalesce(func.sum(c.c.talk_s), 0.0)).where(
                c.c.tenant == tenant,
                c.c.agent == extension,
                c.c.answered_at.is_not(None),
                c.c.entered_at >= since,
                c.c.entered_at < now,
            )
        ).one()
    breaks: dict[str, float] = {}
    q = Query(since=since, until=now, tenant=tenant, agent=extension, by="agent")
    for by_reason in break_time(services.engine, q).values():
        for reason, seconds in by_reason.items():
            breaks[reason] = round(breaks.get(reason, 0.0) + seconds, 1)
    return {"since": since, "calls": int(answered), "talk_s": round(float(talk), 1), "break_s": breaks}

"""The screen pop: what an agent's page shows while the phone rings, from a call.offered event.

The caller's number, the customer record matched by it, the queue, how long the caller has
waited, the IVR digits, and this number's earlier calls in the tenant.
"""

from __future__ import annotations

from sqlalchemy import select

from ccctl.cti.webhooks import customer_record
from ccctl.model import Call

EARLIER = 5


def earlier_calls(engine, tenant: str, number: str | None, *, before: str | None = None, limit: int = EARLIER):
    """The last LIMIT calls of NUMBER in TENANT, newest first (BEFORE: a call id left out)."""
    if not number:
        return []
    c = Call.__table__
    candidates = {number, number.lstrip("+"), "+" + number.lstrip("+")}
    q = (
        select(c.c.uuid, c.c.entered_at, c.c.queue, c.c.agent, c.c.disposition, c.c.wrapup_code, c.c.wrapup_note)
        .where(c.c.tenant == tenant, c.c.caller_number.in_(candidates))
        .order_by(c.c.entered_at.desc())
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings() if r["uuid"] != before]
    return rows[:limit]


def screen_pop(services, event: dict) -> dict:
    out = dict(event)
    if "customer" not in out:
        out["customer"] = customer_record(services.engine, out["tenant"], out.get("caller_number"))
    queued, at = out.get("queued_at"), out.get("at")
    out["wait_s"] = round(at - queued, 1) if isinstance(queued, (int, float)) and isinstance(at, (int, float)) else None
    out["earlier_calls"] = earlier_calls(
        services.engine, out["tenant"], out.get("caller_number"), before=out.get("call_id")
    )
    return out

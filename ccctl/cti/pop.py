"""The screen pop: what an agent's page shows while the phone rings, from a call.offered event.

The caller's number, the customer record matched by it, the queue, how long the caller has
waited, the IVR digits, this number's earlier calls in the tenant, and the link to the
customer in the tenant's CRM (its crm_url template).
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from ccctl.cti.webhooks import customer_record
from ccctl.model import Call, Tenant

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


def crm_link(template: str | None, number: str | None, customer: dict | None) -> str | None:
    """TEMPLATE (validated: http(s), {number} and optionally {customer_id}) filled in, each
    value percent-encoded so a caller's number can never change the link's shape. The
    customer's id is the customer_id (else id) field of its record, empty when none matched."""
    if not template or not number:
        return None
    fields = (customer or {}).get("fields") or {}
    cid = str(fields.get("customer_id") or fields.get("id") or "")
    return template.replace("{number}", quote(number, safe="")).replace("{customer_id}", quote(cid, safe=""))


def tenant_crm_url(engine, tenant: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(Tenant.crm_url).where(Tenant.name == tenant)).scalar()


def screen_pop(services, event: dict) -> dict:
    out = dict(event)
    if "customer" not in out:
        out["customer"] = customer_record(services.engine, out["tenant"], out.get("caller_number"))
    queued, at = out.get("queued_at"), out.get("at")
    out["wait_s"] = round(at - queued, 1) if isinstance(queued, (int, float)) and isinstance(at, (int, float)) else None
    out["earlier_calls"] = earlier_calls(
        services.engine, out["tenant"], out.get("caller_number"), before=out.get("call_id")
    )
    out["crm_link"] = crm_link(
        tenant_crm_url(services.engine, out["tenant"]), out.get("caller_number"), out["customer"]
    )
    return out

"""Usage of a month per tenant: what a hosting or leasing provider bills from
(`ccctl report usage`).

Definitions (a month runs from the 1st 00:00 to the next 1st 00:00 in the tenant's time zone):
- licensed_seats: the tenant's seat_limit; seats: the seats configured now.
- peak_logged_in: the most agents logged in at once (mod_callcenter status other than
  'Logged Out', from the agent status history the daemon records; the status an agent had when
  the month began counts from its first instant).
- calls: calls that entered in the month, by direction; answered: those connected to a person.
- minutes: connected time (answered to hang-up) of inbound and outbound calls; internal calls
  (seat to seat) are counted but not billed. Billable seconds per call: its whole seconds (as
  FreeSWITCH's billsec), at least the plan's minimum, rounded up to its increment (the tenant's
  `billing`, per started minute when left out).
- recordings: files and bytes on the box at the end of the month, and those made in it.
- lease: the tenant's lease price for one month (a quarterly price / 3, a yearly price / 12).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ccctl.config import spec as s
from ccctl.config import store
from ccctl.errors import InvalidInput, NotFound
from ccctl.model import AgentEvent, Call
from ccctl.model.owner import owned
from ccctl.recordings.index import R, stored_bytes

C = Call.__table__
A = AgentEvent.__table__
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
COLUMNS = [
    "tenant",
    "month",
    "plan",
    "licensed_seats",
    "peak_logged_in",
    "calls",
    "inbound_calls",
    "outbound_calls",
    "inbound_billable_min",
    "outbound_billable_min",
    "recording_bytes",
    "lease_price",
    "currency",
]


def month_range(month: str, tz: str = "UTC") -> tuple[float, float]:
    """[start, end) of MONTH (YYYY-MM) in time zone TZ, as Unix seconds."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InvalidInput(f"month {month!r}: use YYYY-MM, like 2026-11")
    y, mo = int(m.group(1)), int(m.group(2))
    zone = ZoneInfo(tz)
    start = datetime(y, mo, 1, tzinfo=zone)
    end = datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=zone)
    return start.timestamp(), end.timestamp()


def billable_seconds(talk_s: float, billing: s.Billing) -> int:
    whole = int(talk_s)
    if whole <= 0:
        return 0
    steps = -(-whole // billing.increment)
    return max(billing.minimum, steps * billing.increment)


def peak_logged_in(conn, tenant: str, since: float, until: float) -> int:
    """The most agents of TENANT logged in at the same moment in [SINCE, UNTIL)."""
    status: dict[str, str] = {}
    # Each agent's status when the period began: its last change before.
    last = (
        select(A.c.agent, func.max(A.c.at).label("at"))
        .where(owned(A, tenant), A.c.kind == "status", A.c.at < since)
        .group_by(A.c.agent)
        .subquery()
    )
    for agent, value in conn.execute(
        select(A.c.agent, A.c.value)
        .join(last, (A.c.agent == last.c.agent) & (A.c.at == last.c.at))
        .where(owned(A, tenant), A.c.kind == "status")
        .order_by(A.c.id)
    ):
        status[agent] = value
    logged = {a for a, v in status.items() if v != "Logged Out"}
    peak = len(logged)
    for agent, value in conn.execute(
        select(A.c.agent, A.c.value)
        .where(owned(A, tenant), A.c.kind == "status", A.c.at >= since, A.c.at < until)
        .order_by(A.c.at, A.c.id)
    ):
        if value == "Logged Out":
            logged.discard(agent)
        else:
            logged.add(agent)
            peak = max(peak, len(logged))
    return peak


def lease_for_month(lease: s.Lease | None) -> float | None:
    if lease is None:
        return None
    return round(lease.price / PERIOD_MONTHS[lease.period], 2)


def tenant_usage(services, t: s.Tenant, month: str) -> dict:
    since, until = month_range(month, t.timezone)
    billing = t.billing or s.Billing()
    calls = defaultdict(int)
    answered = defaultdict(int)
    talk = defaultdict(float)
    billed = defaultdict(int)
    with services.engine.connect() as conn:
        rows = conn.execute(
            select(C.c.direction, C.c.talk_s, C.c.answered_at).where(
                owned(C, t.name), C.c.entered_at >= since, C.c.entered_at < until
            )
        ).yield_per(20000)
        for direction, talk_s, answered_at in rows:
            calls[direction] += 1
            if answered_at is not None:
                answered[direction] += 1
            if direction in ("inbound", "outbound"):
                talk[direction] += talk_s or 0.0
                billed[direction] += billable_seconds(talk_s or 0.0, billing)
        peak = peak_logged_in(conn, t.name, since, until)
        files, size = stored_bytes(conn, t.name, until)
        made_files, made_bytes = conn.execute(
            select(func.count(), func.coalesce(func.sum(R.c.bytes), 0)).where(
                owned(R, t.name), R.c.started_at >= since, R.c.started_at < until
            )
        ).one()
    return {
        "tenant": t.name,
        "month": month,
        "timezone": t.timezone,
        "plan": t.plan,
        "licensed_seats": t.seat_limit,
        "seats": len(t.seats),
        "peak_logged_in": peak,
        "calls": sum(calls.values()),
        "answered": sum(answered.values()),
        "inbound_calls": calls["inbound"],
        "outbound_calls": calls["outbound"],
        "internal_calls": calls["internal"],
        "inbound_min": round(talk["inbound"] / 60, 2),
        "outbound_min": round(talk["outbound"] / 60, 2),
        "inbound_billable_min": round(billed["inbound"] / 60, 2),
        "outbound_billable_min": round(billed["outbound"] / 60, 2),
        "billing_increment": billing.increment,
        "billing_minimum": billing.minimum,
        "recording_files": files,
        "recording_bytes": size,
        "recordings_made": made_files,
        "recordings_made_bytes": int(made_bytes),
        "lease_price": lease_for_month(t.lease),
        "currency": t.lease.currency if t.lease else None,
        "lease_period": t.lease.period if t.lease else None,
    }


def usage(services, month: str, tenant: str | None = None) -> list[dict]:
    """One row per tenant (only TENANT when given) for MONTH (YYYY-MM)."""
    month_range(month)  # a bad month is an error before any work
    from ccctl.db import session_scope

    with session_scope(services.engine) as session:
        tenants = store.load_tenants(session, [tenant] if tenant else None)
    if tenant and not tenants:
        raise NotFound(f"tenant {tenant} not found")
    return [tenant_usage(services, t, month) for t in tenants]

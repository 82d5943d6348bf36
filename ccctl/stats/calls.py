"""Reading call rows: filtered lists, one call, and exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from ccctl.config import store
from ccctl.db import session_scope
from ccctl.errors import InvalidInput, NotFound
from ccctl.model import Call
from ccctl.model.call import DISPOSITIONS, AgentEvent
from ccctl.model.owner import owned
from ccctl.model.recording import Recording

C = Call.__table__
TIME_COLUMNS = ("entered_at", "ivr_left_at", "queued_at", "offered_at", "answered_at", "ended_at")
COLUMNS = [c.name for c in C.columns if c.name not in ("id", "tenant_uid")]
LIST_COLUMNS = [
    "entered",
    "uuid",
    "tenant",
    "direction",
    "caller_number",
    "did",
    "ivr_digits",
    "queue",
    "agent",
    "wait_s",
    "talk_s",
    "disposition",
    "hangup_side",
]


def parse_time(value: str | None, name: str) -> float | None:
    """ISO 8601 (naive = UTC), a date, or Unix seconds."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} {value!r}: use an ISO date/time (2026-11-22T09:00) or Unix seconds") from None
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_dict(row) -> dict:
    d = {c: row[c] for c in COLUMNS}
    for c in TIME_COLUMNS:
        d[c] = iso(d[c])
    d["entered"] = d["entered_at"]
    return d


def list_calls(
    engine: Engine,
    *,
    tenant=None,
    queue=None,
    agent=None,
    disposition=None,
    caller=None,
    since=None,
    until=None,
    limit: int | None = 1000,
) -> list[dict]:
    if disposition and disposition not in DISPOSITIONS:
        raise InvalidInput(f"disposition {disposition!r}: use one of {', '.join(DISPOSITIONS)}")
    cond = [owned(C, tenant)] if tenant else []
    for col, value in (
        ("queue", queue),
        ("agent", agent),
        ("disposition", disposition),
        ("caller_number", caller),
    ):
        if value:
            cond.append(C.c[col] == value)
    if since is not None:
        cond.append(C.c.entered_at >= since)
    if until is not None:
        cond.append(C.c.entered_at < until)
    stmt = select(C).where(and_(True, *cond)).order_by(C.c.entered_at, C.c.id)
    if limit:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [as_dict(r) for r in conn.execute(stmt).mappings()]


def get_call(engine: Engine, uuid: str, tenant: str | None = None) -> dict:
    cond = [C.c.uuid == uuid] + ([owned(C, tenant)] if tenant else [])
    with engine.connect() as conn:
        row = conn.execute(select(C).where(and_(*cond))).mappings().first()
    if row is None:
        raise NotFound(f"no call {uuid}" + (f" in tenant {tenant}" if tenant else ""))
    return as_dict(row)


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def require_tenant(services, name: str) -> None:
    """NotFound unless NAME is a configured tenant or one that call, agent-state or recording
    rows remember (a tenant removed keeps its history): a typo is exit 3, not an empty report."""
    with session_scope(services.engine) as session:
        if name in store.tenant_names(session):
            return
        for column in (Call.tenant, AgentEvent.tenant, Recording.tenant):
            if session.execute(select(column).where(column == name).limit(1)).first():
                return
    raise NotFound(f"tenant {name} not found")

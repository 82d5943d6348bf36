"""The agents' day per interval and agent (or queue, or tenant): logged-in time, time On
Break per break reason, calls per wrap-up code, and calls whose recording was masked.

Login and break time come from the agent status rows (history.agent_time, break_time; a queue
has none: agents serve many); wrap-up codes from the call rows (the code keyed after the call,
bucketed by the call's start, as every call figure); masked calls from the agent rows of kind
'mask' (one per call and group, bucketed by the first mask; a queue is the masked call's)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from ccctl.model import AgentEvent, Call
from ccctl.stats.history import Query, _bucket_of, _filters, agent_time, break_time

C = Call.__table__
A = AgentEvent.__table__
NO_REASON = "(none)"


def dispositions(engine: Engine, q: Query) -> dict[tuple, dict[str, int]]:
    """(bucket, group) -> {wrap-up code: calls}."""
    grp = C.c[q.by]
    stmt = (
        select(C.c.entered_at, grp, C.c.wrapup_code)
        .where(_filters(q, q.since, q.until), C.c.wrapup_code.is_not(None))
        .order_by(C.c.entered_at)
    )
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with engine.connect() as conn:
        for entered, g, code in conn.execute(stmt):
            out[(_bucket_of(q, entered), g)][code] += 1
    return {k: dict(v) for k, v in out.items()}


def masked_calls(engine: Engine, q: Query) -> dict[tuple, int]:
    """(bucket, group) -> calls with a masked recording span."""
    cond = [A.c.kind == "mask", A.c.at >= q.since, A.c.at < q.until]
    if q.tenant:
        cond.append(A.c.tenant == q.tenant)
    if q.agent:
        cond.append(A.c.agent == q.agent)
    first = (
        select(A.c.tenant, A.c.agent, A.c.value, func.min(A.c.at).label("at"))
        .where(and_(*cond))
        .group_by(A.c.tenant, A.c.agent, A.c.value)
        .subquery()
    )
    stmt = select(first.c.tenant, first.c.agent, first.c.at, C.c.queue).select_from(
        first.outerjoin(C, C.c.uuid == first.c.value)
    )
    if q.queue:
        stmt = stmt.where(C.c.queue == q.queue)
    # One per call and group, however often it was masked.
    counted: dict[tuple, set] = defaultdict(set)
    with engine.connect() as conn:
        for tenant, agent, at, queue, call in conn.execute(stmt.add_columns(first.c.value)):
            g = {"tenant": tenant, "agent": agent, "queue": queue}[q.by]
            counted[(_bucket_of(q, at), g)].add(call)
    return {k: len(v) for k, v in counted.items()}


def report(engine: Engine, q: Query, code_names: dict[str, str] | None = None) -> list[dict]:
    """One row per interval and group, oldest first: interval_start, the group, login_time,
    break:<reason> seconds, disposition:<code name> calls, masked_calls. Every row has every
    column of the report (0 where none), so the CSV has one header."""
    code_names = code_names or {}
    logins = agent_time(engine, q)
    breaks = break_time(engine, q)
    codes = dispositions(engine, q)
    masked = masked_calls(engine, q)
    reasons = sorted({r for v in breaks.values() for r in v}, key=lambda r: (r == "", r))
    keyed = sorted({c for v in codes.values() for c in v}, key=int)

    def label(code: str) -> str:
        return f"disposition:{code} {code_names[code]}" if code in code_names else f"disposition:{code}"

    rows = []
    for key in sorted(set(logins) | set(breaks) | set(codes) | set(masked), key=lambda k: (k[0], str(k[1]))):
        row = {
            "interval_start": datetime.fromtimestamp(key[0], timezone.utc).isoformat().replace("+00:00", "Z"),
            q.by: key[1],
            "login_time": round(logins.get(key, {}).get("login", 0.0), 1) if q.by != "queue" else None,
        }
        for r in reasons:
            row[f"break:{r or NO_REASON}"] = round(breaks.get(key, {}).get(r, 0.0), 1)
        for c in keyed:
            row[label(c)] = codes.get(key, {}).get(c, 0)
        row["masked_calls"] = masked.get(key, 0)
        rows.append(row)
    return rows

"""Contact-center statistics from call rows and agent-state rows, on SQLite and PostgreSQL.

The database returns only additive figures (counts, sums, maxima) per time bucket and group,
in one GROUP BY; ratios and averages are made here from them. That is what lets days merge
into months exactly, and keeps a month of a million calls one indexed scan.

Definitions (per group and interval, calls counted in the interval they entered):
- offered: calls that entered a queue; answered: an agent took them; abandoned: the caller
  hung up in the queue. Short abandons (waited under the threshold) are counted apart and
  left out of the abandon rate: abandon rate = (abandoned - short) / (offered - short).
- service level: answered within the queue's target / offered.
- ASA: mean wait of answered calls; average/longest wait over every queued call.
- AHT: mean talk + wrap-up of answered calls.
- occupancy: handle time / time agents were Available; login time: time not Logged Out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.engine import Engine

from ccctl.errors import InvalidInput
from ccctl.model import AgentEvent, Call
from ccctl.model.owner import owned
from ccctl.stats import rollup

C = Call.__table__
A = AgentEvent.__table__
INTERVALS = {"15m": 900, "1h": 3600, "1d": 86400, "1mo": None}
GROUPS = ("tenant", "queue", "agent")
SHORT_ABANDON_S = rollup.SHORT_ABANDON_S


@dataclass(frozen=True)
class Query:
    since: float
    until: float
    tenant: str | None = None
    queue: str | None = None
    agent: str | None = None
    interval: str | None = None
    """None: one row per group over the whole range."""
    by: str = "tenant"
    short_abandon: float = SHORT_ABANDON_S


def _bucket_expr(engine: Engine, step: int):
    if engine.dialect.name == "postgresql":
        return (func.floor(C.c.entered_at / step) * step).label("bucket")
    return (cast(C.c.entered_at / step, Integer) * step).label("bucket")


def _sum(cond, value=1):
    return func.sum(case((cond, value), else_=0))


def _month_start(ts: float) -> float:
    d = datetime.fromtimestamp(ts, timezone.utc)
    return datetime(d.year, d.month, 1, tzinfo=timezone.utc).timestamp()


def _bucket_of(q: Query, ts: float) -> float:
    if q.interval is None:
        return q.since
    step = INTERVALS[q.interval]
    return _month_start(ts) if step is None else math.floor(ts / step) * step


def _filters(q: Query, since: float, until: float):
    cond = [C.c.entered_at >= since, C.c.entered_at < until]
    for col in ("tenant", "queue", "agent"):
        if getattr(q, col):
            cond.append(C.c[col] == getattr(q, col))
    return and_(*cond)


def call_figures(engine: Engine, q: Query) -> dict[tuple, dict]:
    """(bucket, group) -> additive figures: whole 15-minute intervals from the rollup, the
    partial ones at the edges (and any other short-abandon threshold) from the call rows."""
    if q.interval not in INTERVALS and q.interval is not None:
        raise InvalidInput(f"interval {q.interval!r}: use one of {', '.join(INTERVALS)}")
    if q.by not in GROUPS:
        raise InvalidInput(f"--by {q.by!r}: use one of {', '.join(GROUPS)}")
    out: dict[tuple, dict] = {}
    lo = math.ceil(q.since / rollup.STEP) * rollup.STEP
    hi = math.floor(q.until / rollup.STEP) * rollup.STEP
    if q.short_abandon != rollup.SHORT_ABANDON_S or lo >= hi:
        _raw_figures(engine, q, q.since, q.until, out)
        return out
    _raw_figures(engine, q, q.since, lo, out)
    _raw_figures(engine, q, hi, q.until, out)
    step = None if q.interval is None else (INTERVALS[q.interval] or 86400)
    with engine.connect() as conn:
        for r in rollup.read(conn, lo, hi, q.by, step, q.tenant, q.queue, q.agent):
            bucket = q.since if step is None else _bucket_of(q, float(r["bucket"]))
            _merge(out, (bucket, r["grp"] or None), {k: float(r[k] or 0) for k in rollup.FIGURES})
    return out


def _merge(out: dict, key: tuple, vals: dict) -> None:
    cur = out.get(key)
    if cur is None:
        out[key] = dict(vals)
        return
    for k, v in vals.items():
        cur[k] = max(cur[k], v) if k == "longest_wait" else cur[k] + v


def _raw_figures(engine: Engine, q: Query, since: float, until: float, out: dict) -> None:
    if since >= until:
        return
    step = None if q.interval is None else (INTERVALS[q.interval] or 86400)
    d = C.c.disposition
    attempt = C.c.direction == "callback"
    queued = and_(C.c.queue.is_not(None), ~attempt)
    answered = and_(queued, d == "answered")
    abandoned = and_(queued, d == "abandoned")
    figures = [
        func.count().label("calls"),
        _sum(queued).label("offered"),
        _sum(answered).label("answered"),
        _sum(abandoned).label("abandoned"),
        _sum(and_(abandoned, C.c.wait_s < q.short_abandon)).label("short_abandoned"),
        _sum(and_(answered, C.c.wait_s <= C.c.sla_target)).label("within_sla"),
        _sum(answered, C.c.wait_s).label("answer_wait"),
        _sum(queued, C.c.wait_s).label("wait"),
        func.max(C.c.wait_s).label("longest_wait"),
        _sum(answered, C.c.talk_s + C.c.wrapup_s).label("handle"),
        _sum(answered, C.c.talk_s).label("talk"),
        _sum(d == "no_agent").label("no_agent"),
        _sum(d == "timed_out").label("timed_out"),
        _sum(d == "overflowed").label("overflowed"),
        _sum(d == "abandoned_ivr").label("abandoned_ivr"),
        _sum(d == "failed").label("failed"),
        _sum(d == "outbound").label("outbound"),
        func.count(C.c.survey_score).label("surveyed"),
        func.coalesce(func.sum(C.c.survey_score), 0).label("survey_score"),
        _sum(d == "callback").label("callbacks"),
        _sum(and_(attempt, d == "answered")).label("callbacks_reached"),
    ]
    group = C.c[q.by]
    cols = [group.label("grp")]
    keys = [group]
    if step is not None:
        b = _bucket_expr(engine, step)
        cols.append(b)
        keys.append(b)
    stmt = select(*cols, *figures).where(_filters(q, since, until)).group_by(*keys)
    with engine.connect() as conn:
        for r in conn.execute(stmt).mappings():
            bucket = q.since if step is None else _bucket_of(q, float(r["bucket"]))
            vals = {k: (float(r[k]) if r[k] is not None else 0.0) for k in r.keys() if k not in ("grp", "bucket")}
            _merge(out, (bucket, r["grp"]), vals)


def agent_time(engine: Engine, q: Query) -> dict[tuple, dict]:
    """(bucket, group) -> seconds logged in and seconds Available, from agent status rows.
    Groups: the agent, or the tenant (queue grouping has no agent time: agents serve many)."""
    if q.by == "queue":
        return {}
    cond = [A.c.at < q.until]
    if q.tenant:
        cond.append(owned(A, q.tenant))
    if q.agent:
        cond.append(A.c.agent == q.agent)
    stmt = (
        select(A.c.tenant, A.c.agent, A.c.value, A.c.at)
        .where(and_(*cond), A.c.kind == "status")
        .order_by(A.c.tenant, A.c.agent, A.c.at, A.c.id)
    )
    per_agent: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    with engine.connect() as conn:
        for t, agent, value, at in conn.execute(stmt):
            per_agent[(t, agent)].append((at, value))
    out: dict[tuple, dict] = defaultdict(lambda: {"login": 0.0, "available": 0.0})
    for (tenant, agent), changes in per_agent.items():
        grp = agent if q.by == "agent" else tenant
        for i, (at, status) in enumerate(changes):
            end = changes[i + 1][0] if i + 1 < len(changes) else q.until
            start, end = max(at, q.since), min(end, q.until)
            if end <= start or status == "Logged Out":
                continue
            for b, seconds in _split(q, start, end):
                cell = out[(b, grp)]
                cell["login"] += seconds
                if status.startswith("Available"):
                    cell["available"] += seconds
    return dict(out)


NO_REASON = ""
"""The reason of a break given without one (no default reason, or set by mod_callcenter itself)."""


def break_time(engine: Engine, q: Query) -> dict[tuple, dict[str, float]]:
    """(bucket, group) -> {break reason: seconds On Break}. A reason row (*24 + code, `ccctl
    agent break --reason`) names the break the agent is on: from its status row to the next."""
    if q.by == "queue":
        return {}
    cond = [A.c.at < q.until, A.c.kind.in_(("status", "reason"))]
    if q.tenant:
        cond.append(owned(A, q.tenant))
    if q.agent:
        cond.append(A.c.agent == q.agent)
    stmt = (
        select(A.c.tenant, A.c.agent, A.c.kind, A.c.value, A.c.at)
        .where(and_(*cond))
        .order_by(A.c.tenant, A.c.agent, A.c.at, A.c.id)
    )
    per_agent: dict[tuple[str, str], list[list]] = defaultdict(list)
    with engine.connect() as conn:
        for t, agent, kind, value, at in conn.execute(stmt):
            breaks = per_agent[(t, agent)]
            if kind == "status":
                breaks.append([at, value, NO_REASON])
            elif breaks and breaks[-1][1] == "On Break":
                breaks[-1][2] = value
    out: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (tenant, agent), changes in per_agent.items():
        grp = agent if q.by == "agent" else tenant
        for i, (at, status, reason) in enumerate(changes):
            if status != "On Break":
                continue
            end = changes[i + 1][0] if i + 1 < len(changes) else q.until
            start, end = max(at, q.since), min(end, q.until)
            for b, seconds in _split(q, start, end) if end > start else ():
                out[(b, grp)][reason] += seconds
    return {k: dict(v) for k, v in out.items()}


def _split(q: Query, start: float, end: float):
    """(bucket, seconds) pieces of [start, end)."""
    while start < end:
        b = _bucket_of(q, start)
        if q.interval is None:
            nxt = end
        elif INTERVALS[q.interval] is None:
            d = datetime.fromtimestamp(b, timezone.utc)
            nxt = datetime(d.year + d.month // 12, d.month % 12 + 1, 1, tzinfo=timezone.utc).timestamp()
        else:
            nxt = b + INTERVALS[q.interval]
        piece = min(end, nxt)
        yield b, piece - start
        start = piece


def _ratio(a: float, b: float, digits: int = 4):
    return round(a / b, digits) if b else None


def statistics(engine: Engine, q: Query) -> list[dict]:
    """One row per interval and group, oldest first."""
    calls = call_figures(engine, q)
    times = agent_time(engine, q)
    rows = []
    for key in sorted(set(calls) | set(times), key=lambda k: (k[0], str(k[1]))):
        f = calls.get(key) or defaultdict(float)
        t = times.get(key) or {"login": 0.0, "available": 0.0}
        offered, answered, ab, short = f["offered"], f["answered"], f["abandoned"], f["short_abandoned"]
        queued_n = offered
        rows.append(
            {
                "interval_start": datetime.fromtimestamp(key[0], timezone.utc).isoformat().replace("+00:00", "Z"),
                q.by: key[1],
                "offered": int(offered),
                "answered": int(answered),
                "abandoned": int(ab),
                "short_abandoned": int(short),
                "abandon_rate": _ratio(ab - short, offered - short),
                "service_level": _ratio(f["within_sla"], offered),
                "asa": _ratio(f["answer_wait"], answered, 1),
                "avg_wait": _ratio(f["wait"], queued_n, 1),
                "longest_wait": round(f["longest_wait"], 1) if f["longest_wait"] else (0.0 if queued_n else None),
                "aht": _ratio(f["handle"], answered, 1),
                "handled": int(answered),
                "no_agent": int(f["no_agent"]),
                "timed_out": int(f["timed_out"]),
                "overflowed": int(f["overflowed"]),
                "abandoned_ivr": int(f["abandoned_ivr"]),
                "failed": int(f["failed"]),
                "outbound": int(f["outbound"]),
                "calls": int(f["calls"]),
                "surveyed": int(f["surveyed"]),
                "survey_avg": _ratio(f["survey_score"], f["surveyed"], 2),
                "callbacks": int(f["callbacks"]),
                "callbacks_reached": int(f["callbacks_reached"]),
                "login_time": round(t["login"], 1) if q.by != "queue" else None,
                "occupancy": _ratio(f["handle"], t["available"]) if q.by != "queue" else None,
            }
        )
    return rows


COLUMNS = [
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "abandon_rate",
    "service_level",
    "asa",
    "avg_wait",
    "longest_wait",
    "aht",
    "handled",
    "occupancy",
    "login_time",
    "survey_avg",
    "surveyed",
    "callbacks",
]

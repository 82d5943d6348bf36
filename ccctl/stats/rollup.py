"""The 15-minute rollup of call rows: additive figures per tenant, queue, agent and interval.

write_rows() keeps it in step inside its own transaction: a new call adds its figures, a
live-events row replacing a CDR row swaps the CDR row's figures for its own, an ignored
duplicate adds nothing. Statistics then read a month as a few thousand rollup rows instead
of a million calls. The same definitions as the SQL over raw rows (stats.py), in Python.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ccctl.model import Call, CallRollup
from ccctl.model.owner import owned

R = CallRollup.__table__
C = Call.__table__
STEP = 900
SHORT_ABANDON_S = 5.0
FIGURES = (
    "calls",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "within_sla",
    "answer_wait",
    "wait",
    "longest_wait",
    "handle",
    "talk",
    "no_agent",
    "timed_out",
    "overflowed",
    "abandoned_ivr",
    "failed",
    "outbound",
    "surveyed",
    "survey_score",
    "callbacks",
    "callbacks_reached",
)
_COUNTED = ("no_agent", "timed_out", "overflowed", "abandoned_ivr", "failed", "outbound")
_NEEDS = (
    "tenant",
    "entered_at",
    "queue",
    "agent",
    "disposition",
    "wait_s",
    "talk_s",
    "wrapup_s",
    "sla_target",
    "direction",
    "survey_score",
)


ALL_AGENTS = "*"
"""The agent of the rows that sum every agent of a queue: what queries not split by agent
read (a tenth of the rows or fewer)."""


def keys(row) -> tuple[tuple, tuple]:
    base = (row["tenant"], math.floor(row["entered_at"] / STEP) * STEP, row["queue"] or "")
    return base + (row["agent"] or "",), base + (ALL_AGENTS,)


def figures(row) -> dict[str, float]:
    d = row["disposition"]
    attempt = row.get("direction") == "callback"
    # A callback attempt is the same caller's turn coming: it was offered once, as the request.
    queued = row["queue"] is not None and not attempt
    answered = queued and d == "answered"
    abandoned = queued and d == "abandoned"
    wait = row["wait_s"]
    f = dict.fromkeys(FIGURES, 0.0)
    f["calls"] = 1.0
    f["offered"] = float(queued)
    f["answered"] = float(answered)
    f["abandoned"] = float(abandoned)
    f["short_abandoned"] = float(abandoned and wait is not None and wait < SHORT_ABANDON_S)
    f["within_sla"] = float(
        answered and wait is not None and row["sla_target"] is not None and wait <= row["sla_target"]
    )
    f["answer_wait"] = (wait or 0.0) if answered else 0.0
    f["wait"] = (wait or 0.0) if queued else 0.0
    f["longest_wait"] = wait or 0.0
    f["handle"] = (row["talk_s"] + row["wrapup_s"]) if answered else 0.0
    f["talk"] = row["talk_s"] if answered else 0.0
    for name in _COUNTED:
        f[name] = float(d == name)
    score = row.get("survey_score")
    f["surveyed"] = float(score is not None)
    f["survey_score"] = float(score or 0)
    f["callbacks"] = float(d == "callback")
    f["callbacks_reached"] = float(attempt and d == "answered")
    return f


def apply(conn: Connection, insert, rows_by_source: dict[str, list[dict]]) -> set[tuple]:
    """Fold the rows about to be written into the rollup (call before the call upserts).
    Returns the intervals a replaced row left, whose longest wait recompute_longest() must
    take again from the call rows once they are written (a maximum cannot be subtracted)."""
    uuids = [r["uuid"] for rows in rows_by_source.values() for r in rows]
    existing: dict[str, dict] = {}
    for i in range(0, len(uuids), 500):
        stmt = select(C.c.uuid, C.c.source, *[C.c[n] for n in _NEEDS]).where(C.c.uuid.in_(uuids[i : i + 500]))
        existing.update({r["uuid"]: dict(r) for r in conn.execute(stmt).mappings()})
    delta: dict[tuple, dict[str, float]] = {}

    def add(row, sign: float) -> None:
        values = figures(row)
        for k in keys(row):
            cell = delta.setdefault(k, dict.fromkeys(FIGURES, 0.0))
            for name, value in values.items():
                if name == "longest_wait":
                    cell[name] = max(cell[name], value) if sign > 0 else cell[name]
                else:
                    cell[name] += sign * value

    left: set[tuple] = set()
    for source, rows in rows_by_source.items():
        for row in rows:
            old = existing.get(row["uuid"])
            if old is None:
                add(row, 1)
                existing[row["uuid"]] = {**row}
            elif source == "events" and old["source"] != "events":
                add(old, -1)
                add(row, 1)
                left.update(keys(old))
                existing[row["uuid"]] = {**row}
    if not delta:
        return left
    stmt = insert(R)
    set_ = {
        n: (func_max(conn, R.c[n], stmt.excluded[n]) if n == "longest_wait" else R.c[n] + stmt.excluded[n])
        for n in FIGURES
    }
    stmt = stmt.on_conflict_do_update(index_elements=["tenant", "bucket", "queue", "agent"], set_=set_)
    conn.execute(stmt, [{"tenant": k[0], "bucket": k[1], "queue": k[2], "agent": k[3], **v} for k, v in delta.items()])
    return left


def recompute_longest(conn: Connection, keys: set[tuple]) -> None:
    from sqlalchemy import func, update

    for tenant, bucket, queue, agent in keys:
        cond = [
            owned(C, tenant),
            C.c.entered_at >= bucket,
            C.c.entered_at < bucket + STEP,
            func.coalesce(C.c.queue, "") == queue,
        ]
        if agent != ALL_AGENTS:
            cond.append(func.coalesce(C.c.agent, "") == agent)
        longest = conn.execute(select(func.max(C.c.wait_s)).where(*cond)).scalar()
        conn.execute(
            update(R)
            .where(owned(R, tenant), R.c.bucket == bucket, R.c.queue == queue, R.c.agent == agent)
            .values(longest_wait=longest or 0.0)
        )


def func_max(conn: Connection, a, b):
    from sqlalchemy import func

    return func.greatest(a, b) if conn.dialect.name == "postgresql" else func.max(a, b)


def read(
    conn: Connection, since: float, until: float, group: str, step: int | None, tenant=None, queue=None, agent=None
):
    """Figures of the whole 15-minute intervals within [SINCE, UNTIL), summed in the database
    per GROUP column (as 'grp') and, with STEP, per STEP-second interval (as 'bucket')."""
    from sqlalchemy import Integer, cast, func

    cond = [R.c.bucket >= since, R.c.bucket + STEP <= until, R.c.calls > 0]
    for col, value in (("tenant", tenant), ("queue", queue), ("agent", agent)):
        if value:
            cond.append(R.c[col] == value)
    if not agent and group != "agent":
        cond.append(R.c.agent == ALL_AGENTS)
    elif not agent:
        cond.append(R.c.agent != ALL_AGENTS)
    cols = [R.c[group].label("grp")]
    keys = [R.c[group]]
    if step is not None:
        if conn.dialect.name == "postgresql":
            b = (func.floor(R.c.bucket / step) * step).label("bucket")
        else:
            b = (cast(R.c.bucket / step, Integer) * step).label("bucket")
        cols.append(b)
        keys.append(b)
    sums = [(func.max if n == "longest_wait" else func.sum)(R.c[n]).label(n) for n in FIGURES]
    return conn.execute(select(*cols, *sums).where(*cond).group_by(*keys)).mappings()

"""The masked spans of recordings (*4 ... *5 from a seat's phone, `ccctl agent mask`): which
call, which seat, from when to when. They are the agent rows of kind 'mask' and 'unmask' the
daemon writes (value: the call's uuid); a mask never resumed ends with its call."""

from __future__ import annotations

from sqlalchemy import select

from ccctl.model import AgentEvent, Call
from ccctl.recordings.index import iso

A = AgentEvent.__table__
C = Call.__table__


def pair(rows: list[tuple[str, str, str, float]], ends: dict[str, float]) -> list[dict]:
    """(call, seat, kind, at) rows in time order -> spans: each mask runs to the next unmask
    of its call (a second *4 while masked changes nothing), else to the call's end in ENDS,
    else it is still open (None)."""
    open_: dict[str, dict] = {}
    out: list[dict] = []
    for call, seat, kind, at in rows:
        if kind == "mask" and call not in open_:
            span = {"call": call, "seat": seat, "start": at, "end": None}
            open_[call] = span
            out.append(span)
        elif kind == "unmask" and call in open_:
            open_.pop(call)["end"] = at
    for call, span in open_.items():
        span["end"] = ends.get(call)
    return out


def spans(
    conn, tenant: str, *, since: float | None = None, until: float | None = None, call: str | None = None
) -> list[dict]:
    """TENANT's masked spans that began in [SINCE, UNTIL) (or of one CALL), oldest first:
    {tenant, call, seat, start, end, seconds} with times in Unix seconds."""
    cond = [A.c.tenant == tenant, A.c.kind.in_(("mask", "unmask"))]
    if call is not None:
        cond.append(A.c.value == call)
    if since is not None:
        cond.append(A.c.at >= since)
    rows = conn.execute(select(A.c.value, A.c.agent, A.c.kind, A.c.at).where(*cond).order_by(A.c.at, A.c.id)).all()
    calls = {r[0] for r in rows}
    ends = dict(conn.execute(select(C.c.uuid, C.c.ended_at).where(C.c.uuid.in_(calls))).all()) if calls else {}
    out = []
    for span in pair([tuple(r) for r in rows], ends):
        if until is not None and span["start"] >= until:
            continue
        seconds = None if span["end"] is None else round(max(0.0, span["end"] - span["start"]), 3)
        out.append({"tenant": tenant, **span, "seconds": seconds})
    return out


def as_rows(found: list[dict]) -> list[dict]:
    """SPANS for people and JSON: ISO 8601 times."""
    return [{**s, "start": iso(s["start"]), "end": iso(s["end"])} for s in found]

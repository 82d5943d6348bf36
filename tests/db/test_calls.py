"""Call rows and statistics on SQLite and PostgreSQL: upserts that never duplicate a call,
batched writes that survive a locked database, and figures checked by hand."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from sqlalchemy import func, select

from ccctl.daemon.store import BatchWriter, known_calls, write_rows
from ccctl.db import open_engine
from ccctl.model import Call
from ccctl.stats.history import Query, statistics

T0 = 1_763_800_000.0 - (1_763_800_000.0 % 3600)  # an hour boundary


def row(
    uuid: str,
    disposition: str,
    *,
    at: float = 0,
    wait: float | None = None,
    talk: float = 0,
    wrapup: float = 0,
    queue: str | None = "sales",
    agent: str | None = None,
    sla: int | None = 20,
    source: str = "events",
    tenant: str = "acme",
) -> dict:
    entered = T0 + at
    queued = entered + 5 if queue else None
    answered = queued + wait if disposition == "answered" and queued else None
    return {
        "uuid": uuid,
        "tenant": tenant,
        "direction": "inbound",
        "caller_number": "4915112345678",
        "caller_name": None,
        "called_number": "4000000001",
        "did": "4000000001",
        "ivr_path": "main",
        "ivr_digits": "1",
        "queue": queue,
        "agent": agent,
        "entered_at": entered,
        "ivr_left_at": entered + 5,
        "queued_at": queued,
        "offered_at": queued,
        "answered_at": answered,
        "ended_at": (answered or queued or entered) + talk + (wait or 0 if disposition != "answered" else 0),
        "wait_s": wait,
        "talk_s": talk,
        "wrapup_s": wrapup,
        "sla_target": sla,
        "disposition": disposition,
        "hangup_cause": "NORMAL_CLEARING",
        "hangup_side": "caller",
        "recording": None,
        "node": "local",
        "source": source,
    }


CALLS = [
    row("a1", "answered", at=10, wait=10, talk=60, wrapup=10, agent="1001"),  # within SLA
    row("a2", "answered", at=100, wait=30, talk=120, wrapup=10, agent="1002"),  # outside SLA
    row("a3", "answered", at=4000, wait=2, talk=30, wrapup=10, agent="1001"),  # next hour
    row("b1", "abandoned", at=200, wait=12),
    row("b2", "abandoned", at=300, wait=3),  # short abandon
    row("c1", "no_agent", at=400, wait=30),
    row("d1", "overflowed", at=500, wait=60),
    row("e1", "abandoned_ivr", at=600, queue=None),
    row("f1", "answered", at=700, wait=0, talk=50, queue=None, agent="1003", sla=None),  # direct to a seat
    row("z1", "answered", at=800, wait=1, talk=10, agent="2001", tenant="other"),
]


@pytest.fixture
def engine(db_url):
    e = open_engine(db_url)
    yield e
    e.dispose()


def test_one_row_per_call_whichever_path_comes_first(engine):
    cdr = row("u1", "abandoned", wait=7, source="cdr")
    write_rows(engine, [cdr], [])
    write_rows(engine, [cdr], [])  # a second reconciliation pass
    live = row("u1", "answered", wait=7, talk=3, agent="1001")
    write_rows(engine, [live, live], [])  # the same call twice in one batch
    write_rows(engine, [row("u1", "failed", source="cdr")], [])  # a late CDR never overwrites live events
    with engine.connect() as c:
        rows = c.execute(select(Call.__table__).where(Call.uuid == "u1")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["source"] == "events" and rows[0]["disposition"] == "answered" and rows[0]["agent"] == "1001"
    assert known_calls(engine, ["u1", "nope"]) == {"u1"}


def test_statistics_by_hand(engine):
    write_rows(
        engine,
        CALLS,
        [
            {"tenant": "acme", "agent": "1001", "kind": "status", "value": "Available", "at": T0, "node": "local"},
            {
                "tenant": "acme",
                "agent": "1001",
                "kind": "status",
                "value": "On Break",
                "at": T0 + 1800,
                "node": "local",
            },
            {
                "tenant": "acme",
                "agent": "1001",
                "kind": "status",
                "value": "Logged Out",
                "at": T0 + 2700,
                "node": "local",
            },
            {"tenant": "acme", "agent": "1001", "kind": "state", "value": "Waiting", "at": T0, "node": "local"},
        ],
    )
    q = Query(T0, T0 + 7200, tenant="acme", interval="1h", by="queue")
    rows = statistics(engine, q)
    first = next(
        r for r in rows if r["interval_start"].endswith("00:00Z") and r["queue"] == "sales" and r["offered"] == 6
    )
    # sales, first hour: a1, a2 answered; b1, b2 abandoned (b2 short); c1 no agent; d1 overflowed
    assert (first["offered"], first["answered"], first["abandoned"], first["short_abandoned"]) == (6, 2, 2, 1)
    assert first["abandon_rate"] == pytest.approx(1 / 5, abs=1e-4)  # (2 - 1) / (6 - 1)
    assert first["service_level"] == pytest.approx(1 / 6, abs=1e-4)  # a1 only within 20 s
    assert first["asa"] == 20.0  # (10 + 30) / 2
    assert first["avg_wait"] == pytest.approx((10 + 30 + 12 + 3 + 30 + 60) / 6, abs=0.1)
    assert first["longest_wait"] == 60.0
    assert first["aht"] == 100.0  # (70 + 130) / 2
    assert (first["no_agent"], first["overflowed"]) == (1, 1)
    second = [r for r in rows if r["queue"] == "sales" and r is not first]
    assert len(second) == 1 and second[0]["answered"] == 1 and second[0]["service_level"] == 1.0

    whole = statistics(engine, Query(T0, T0 + 7200, tenant="acme", by="tenant"))
    assert len(whole) == 1
    w = whole[0]
    assert (w["calls"], w["offered"], w["answered"], w["abandoned_ivr"]) == (9, 7, 3, 1)
    assert w["login_time"] == 2700.0  # Available 1800 s + On Break 900 s; Logged Out after
    # occupancy = handle time of answered queue calls / Available time
    assert w["occupancy"] == pytest.approx((70 + 130 + 40) / 1800, abs=1e-4)

    per_agent = {r["agent"]: r for r in statistics(engine, Query(T0, T0 + 7200, tenant="acme", by="agent"))}
    assert per_agent["1001"]["handled"] == 2 and per_agent["1001"]["aht"] == 55.0
    assert per_agent["1001"]["occupancy"] == pytest.approx((70 + 40) / 1800, abs=1e-4)

    month = statistics(engine, Query(T0 - 86400 * 40, T0 + 86400, tenant="acme", interval="1mo", by="tenant"))
    assert sum(r["offered"] for r in month) == 7 and sum(r["answered"] for r in month) == 3
    other = statistics(engine, Query(T0, T0 + 7200, tenant="other"))
    assert [r["answered"] for r in other] == [1]  # tenants never mix


def test_writer_survives_a_locked_database(tmp_path, caplog):
    path = tmp_path / "locked.db"
    engine = open_engine(f"sqlite:///{path}")
    lock = sqlite3.connect(path, timeout=0)
    lock.execute("BEGIN EXCLUSIVE")
    fast = []

    def write(e, calls, agents):
        fast.append(time.monotonic())
        with e.connect() as c:
            c.exec_driver_sql("PRAGMA busy_timeout=100")
            c.commit()
        write_rows(e, calls, agents)

    with caplog.at_level(logging.ERROR, logger="ccctl.daemon"):
        writer = BatchWriter(engine, write=write)
        writer.put_call(row("L1", "answered", wait=1, talk=1, agent="1001"))
        deadline = time.monotonic() + 30
        while writer.failures < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer.failures >= 2, "the write should have been retried"
        lock.rollback()
        lock.close()
        assert writer.flush(60)
        writer.close()
    assert "cannot write 1 call and 0 agent rows" in caplog.text
    assert caplog.text.count("cannot write") == 1  # one line per failure streak, not per retry
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(Call.__table__)).scalar() == 1


def test_rollup_agrees_with_the_call_rows(engine):
    """Whole intervals come from the rollup; the same figures straight from the call rows must
    match, including after live rows replaced reconciled ones and duplicates were ignored."""
    import random

    from ccctl.stats import history as st

    rnd = random.Random(3)
    disps = ["answered", "abandoned", "no_agent", "overflowed", "abandoned_ivr", "failed", "timed_out"]
    rows = []
    for i in range(600):
        d = rnd.choice(disps)
        queue = None if d in ("abandoned_ivr", "failed") else rnd.choice(["sales", "support"])
        rows.append(
            row(
                f"r{i}",
                d,
                at=rnd.uniform(0, 6 * 3600),
                wait=rnd.uniform(0, 40) if queue else None,
                talk=rnd.uniform(0, 300) if d == "answered" else 0,
                wrapup=10 if d == "answered" else 0,
                queue=queue,
                agent=rnd.choice(["1001", "1002"]) if d == "answered" else None,
                source=rnd.choice(["events", "cdr"]),
            )
        )
    for i in range(0, 600, 50):
        write_rows(engine, rows[i : i + 50], [])
    # later: live rows for some reconciled calls (a different outcome), repeated CDR rows (ignored)
    replaced = [
        dict(r, source="events", disposition="answered", agent="1003", talk_s=42.0, wrapup_s=10.0)
        for r in rows
        if r["source"] == "cdr" and r["queue"]
    ][:40]
    write_rows(engine, replaced + [dict(r, disposition="failed") for r in rows[:30] if r["source"] == "cdr"], [])
    for by in ("tenant", "queue", "agent"):
        for interval in (None, "15m", "1h", "1d"):
            q = Query(T0, T0 + 6 * 3600, tenant="acme", interval=interval, by=by)
            fast = st.call_figures(engine, q)
            slow: dict = {}
            st._raw_figures(engine, q, q.since, q.until, slow)
            assert set(fast) == set(slow), (by, interval)
            for k in slow:
                for name, v in slow[k].items():
                    assert fast[k][name] == pytest.approx(v, abs=1e-6), (by, interval, k, name)

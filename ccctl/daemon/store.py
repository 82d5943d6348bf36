"""Call and agent-state rows into the database: short transactions of their own, batched,
and retried when the database is locked or the disk is full.

A row assembled from live events wins over one reconciled from the CDR (it has the finer
timestamps and the IVR digits); a CDR row never overwrites it. The unique call uuid is what
keeps a call from being stored twice, whichever path sees it first.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from ccctl.model import AgentEvent, Call, Recording
from ccctl.model.audit import AuditEntry
from ccctl.stats import rollup

log = logging.getLogger("ccctl.daemon")
CALL = Call.__table__
AGENT = AgentEvent.__table__
RECORDING = Recording.__table__
AUDIT = AuditEntry.__table__
_UPDATABLE = [c.name for c in CALL.columns if c.name not in ("id", "uuid", "wrapup_code", "wrapup_note")]
"""What a row from events replaces of one from the CDR; the wrap-up code keyed after the call
(set_wrapup_code) stays."""


def _insert(engine: Engine):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


_NULLABLE = {c.name: None for c in CALL.columns if c.nullable and c.name not in ("id", "tenant_uid")}
"""tenant_uid is left out: its column default fills it (the current tenant of the row's name)."""


def write_rows(engine: Engine, calls: list[dict], agents: list[dict]) -> None:
    """One transaction: upsert CALLS by uuid (events rows replace CDR rows, never the
    reverse), append AGENTS."""
    insert = _insert(engine)
    with engine.begin() as conn:
        by_source: dict[str, list[dict]] = {}
        for row in calls:
            # A batch is one executemany: every row names every column (a writer that
            # predates a nullable column leaves it out).
            row = {**_NULLABLE, **row}
            by_source.setdefault(row["source"], []).append(row)
        # A batch can hold the same call twice (CDR pass and hangup close together).
        by_source = {src: list({r["uuid"]: r for r in rows}.values()) for src, rows in by_source.items()}
        left = rollup.apply(conn, insert, by_source) if by_source else set()
        for source, rows in by_source.items():
            stmt = insert(CALL)
            if source == "events":
                stmt = stmt.on_conflict_do_update(
                    index_elements=["uuid"],
                    set_={c: stmt.excluded[c] for c in _UPDATABLE},
                    where=CALL.c.source != "events",
                )
            else:
                stmt = stmt.on_conflict_do_nothing(index_elements=["uuid"])
            conn.execute(stmt, rows)
        if left:
            rollup.recompute_longest(conn, left)
        if agents:
            # 'call' (the call a wrap-up code was keyed in), 'note' (the agent page's wrap-up
            # note) and 'audit' (a mask keyed on the phone) are no columns of the agent's history.
            conn.execute(
                AGENT.insert(), [{k: v for k, v in row.items() if k not in ("call", "audit", "note")} for row in agents]
            )
            audited = [seat_audit_row(row) for row in agents if row.get("audit")]
            if audited:
                conn.execute(AUDIT.insert(), audited)
            for row in agents:
                if row["kind"] == "wrapup" and row.get("call"):
                    # Keyed during the call: its row, if stored already (else the row brings
                    # the code from the call's channel variable).
                    values = {"wrapup_code": row["value"], **({"wrapup_note": row["note"]} if row.get("note") else {})}
                    conn.execute(CALL.update().where(CALL.c.uuid == row["call"]).values(**values))
                elif row["kind"] == "wrapup":
                    set_wrapup_code(conn, row)
                elif row["kind"] == "mask":
                    # The recordings index marks the call (a file indexed later is marked by the scan).
                    conn.execute(
                        RECORDING.update()
                        .where(RECORDING.c.tenant == row["tenant"], RECORDING.c.call_uuid == row["value"])
                        .values(masked=True)
                    )


def seat_audit_row(row: dict) -> dict:
    """A mask or unmask keyed on the seat's phone, audited as a supervisor's is (with the call,
    the seat and the time), the seat its actor."""
    return {
        "at": row["at"],
        "actor": f"seat:{row['agent']}",
        "tenant": row["tenant"],
        "action": f"recording.{row['kind']}",
        "subject": row["agent"],
        "call": row["value"],
        "result": "ok",
        "detail": "keyed on the phone",
    }


def set_wrapup_code(conn, row: dict) -> None:
    """The wrap-up code an agent keyed (*9 + code, an agent row of kind 'wrapup') goes on that
    agent's last answered call that ended before it, with the note given on the agent page."""
    last = conn.execute(
        select(CALL.c.id)
        .where(
            CALL.c.tenant == row["tenant"],
            CALL.c.agent == row["agent"],
            CALL.c.answered_at.is_not(None),
            CALL.c.ended_at <= row["at"],
        )
        .order_by(CALL.c.ended_at.desc())
        .limit(1)
    ).scalar()
    if last is not None:
        values = {"wrapup_code": row["value"]}
        if row.get("note"):
            values["wrapup_note"] = row["note"]
        conn.execute(CALL.update().where(CALL.c.id == last).values(**values))


def known_calls(engine: Engine, uuids: Iterable[str]) -> set[str]:
    uuids = list(uuids)
    found: set[str] = set()
    with engine.connect() as conn:
        for i in range(0, len(uuids), 500):
            found.update(conn.execute(select(CALL.c.uuid).where(CALL.c.uuid.in_(uuids[i : i + 500]))).scalars())
    return found


class BatchWriter:
    """A thread that writes what the reader hands it, in batches: the Event Socket reader
    never waits for the database. A failed write is logged once per failure streak and
    retried with backoff, with nothing dropped."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 5000,
        max_delay: float = 0.2,
        write: Callable[[Engine, list[dict], list[dict]], None] = write_rows,
        on_written: Callable[[list[dict]], None] | None = None,
    ):
        self.engine = engine
        self.max_batch, self.max_delay = max_batch, max_delay
        self._write = write
        self._on_written = on_written
        # A list under a plain lock, not a queue.Queue: handing over an item must cost the
        # reader next to nothing (a Queue wakes the writer on every put).
        self._lock = threading.Lock()
        self._calls: list[dict] = []
        self._agents: list[dict] = []
        self._flushes: list[threading.Event] = []
        self._stop = threading.Event()
        self._kick = threading.Event()
        self.written_calls = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="ccctl-writer", daemon=True)
        self._thread.start()

    def put_call(self, row: dict) -> None:
        with self._lock:
            self._calls.append(row)

    def put_agent(self, row: dict) -> None:
        with self._lock:
            self._agents.append(row)

    def pending(self) -> int:
        with self._lock:
            return len(self._calls) + len(self._agents)

    def flush(self, timeout: float = 30) -> bool:
        """Wait until everything handed in so far is written; False on timeout."""
        done = threading.Event()
        with self._lock:
            self._flushes.append(done)
        self._kick.set()
        return done.wait(timeout)

    def close(self, timeout: float = 30) -> None:
        self.flush(timeout)
        self._stop.set()
        self._kick.set()
        self._thread.join(timeout)

    def _take(self) -> tuple[list[dict], list[dict], list[threading.Event]]:
        with self._lock:
            calls, agents, flushes = self._calls[: self.max_batch], self._agents, self._flushes
            self._calls, self._agents = self._calls[self.max_batch :], []
            self._flushes = [] if not self._calls else flushes
            return calls, agents, ([] if self._calls else flushes)

    def _run(self) -> None:
        while True:
            if self.pending() < self.max_batch:
                self._kick.wait(self.max_delay)
                self._kick.clear()
            calls, agents, flushes = self._take()
            delay = 0.5
            while calls or agents:
                try:
                    self._write(self.engine, calls, agents)
                except (OperationalError, DBAPIError, OSError) as exc:
                    self.failures += 1
                    if delay == 0.5:
                        msg = str(getattr(exc, "orig", exc) or exc).splitlines()[0]
                        log.error(
                            "cannot write %d call and %d agent rows (%s); retrying until it works",
                            len(calls),
                            len(agents),
                            msg,
                        )
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                if delay > 0.5:
                    log.warning("database writable again: %d call rows written", len(calls))
                self.written_calls += len(calls)
                if self._on_written and calls:
                    self._on_written(calls)
                break
            for f in flushes:
                f.set()
            if self._stop.is_set() and not self.pending():
                return

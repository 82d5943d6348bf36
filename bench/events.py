"""bench/events: how fast the daemon turns events into call rows, and `ccctl stats` over a
million calls. Figures, not pass/fail.

1. A recorded FreeSWITCH event stream (tests/data/events/scripted_calls.esl, recorded by the
   FreeSWITCH tier) is replayed over a local socket at full speed, COPIES times with fresh
   channel uuids each time, to
   - a raw reader (recv only) and a parsing reader (EventStream): the socket's read rate;
   - the daemon itself (assembly, batched writes) into SQLite and into PostgreSQL: events/s
     until every call row is in the database.
2. 1,000,000 call rows over a month on SQLite and PostgreSQL: `ccctl stats` for the month
   (per queue, by day) and for one day by 15 minutes.

    .venv/bin/python bench/events.py [--copies 4000] [--rows 1000000] [--skip-pg]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccctl import app  # noqa: E402
from ccctl.config import spec as s  # noqa: E402
from ccctl.config.gather import esl_password  # noqa: E402
from ccctl.config.write import apply_tenants  # noqa: E402
from ccctl.daemon.assemble import HEADERS, SMALL, SUBSCRIBE  # noqa: E402
from ccctl.daemon.run import Daemon  # noqa: E402
from ccctl.daemon.store import write_rows  # noqa: E402
from ccctl.freeswitch.esl import EventStream, HeaderPicker  # noqa: E402
from ccctl.model import Call  # noqa: E402
from ccctl.settings import Settings  # noqa: E402
from ccctl.stats.history import Query, statistics  # noqa: E402
from ccctl.testing.fake_esl import ReplayEventSocket  # noqa: E402

STREAM = ROOT / "tests" / "data" / "events" / "scripted_calls.esl"


class ServerProcess:
    """The replay server in a process of its own, copies made before it serves: what is
    measured is the reader, not the server (nor a shared interpreter lock)."""

    def __init__(self, data: bytes, copies: int, password: str = "pw"):
        import multiprocessing as mp

        parent, child = mp.get_context("fork").Pipe()
        self.password = password
        self.proc = mp.get_context("fork").Process(
            target=self._serve, args=(data, copies, password, child), daemon=True
        )
        self.proc.start()
        self.port = parent.recv()

    @staticmethod
    def _serve(data, copies, password, pipe):
        server = ReplayEventSocket(data, password=password, copies=copies, prepare=True)
        pipe.send(server.port)
        while True:
            time.sleep(3600)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.join(10)


def stream_shape(data: bytes) -> tuple[int, int]:
    """(events, caller hangups) in one copy of the stream."""
    return data.count(b"Content-Type: text/event-plain"), len(_call_uuids(data))


def _call_uuids(data: bytes) -> set[str]:
    from ccctl.daemon.assemble import Directory, call_row, event_variables
    from ccctl.freeswitch.esl import parse_plain_event

    uuids = set()
    for msg in data.split(b"Content-Type: text/event-plain")[1:]:
        body = msg.split(b"\n\n", 1)[1]
        e = parse_plain_event(body)
        if e.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE" and call_row(
            event_variables(e), None, Directory(), "x", "x"
        ):
            uuids.add(e["Unique-ID"])
    return uuids


def raw_read(server, total_events: int, mode: str) -> float:
    """Seconds to read TOTAL_EVENTS events off the socket: 'recv' (bytes only), 'parse'
    (every header of every event) or 'pick' (the headers the daemon reads, as it does)."""
    t0 = time.perf_counter()
    if mode in ("parse", "pick"):
        only = HeaderPicker(HEADERS, SMALL) if mode == "pick" else None
        with EventStream("127.0.0.1", server.port, server.password, SUBSCRIBE) as st:
            n = 0
            while n < total_events:
                if st.next_event(only) is not None:
                    n += 1
        return time.perf_counter() - t0
    marker = b"text/event-plain"
    with EventStream("127.0.0.1", server.port, server.password, SUBSCRIBE) as st:
        tail = st._buf[st._pos :]  # what the handshake read past its reply
        seen = tail.count(marker)
        while seen < total_events:
            chunk = st._sock.recv(1 << 20)
            if not chunk:
                break
            joined = tail[-20:] + chunk
            seen += joined.count(marker) - tail[-20:].count(marker)
            tail = chunk
    return time.perf_counter() - t0


def daemon_ingest(db_url: str, data: bytes, copies: int, calls_per_copy: int, events_per_copy: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
    settings = Settings(db=db_url, fs_cdr_dir=tmp / "cdr", spool_dir=tmp / "spool", fs_deploy="off")
    ctx = app.open(settings, deploy=False)
    apply_tenants(ctx, [s.Tenant(name="acme", queues=[s.Queue(name=q) for q in ("sales", "support", "billing")])])
    server = ServerProcess(data, copies, password=esl_password(ctx))
    ctx.settings = settings.with_(esl_port=server.port)
    stop = threading.Event()
    d = Daemon(ctx, stop=stop)
    t = threading.Thread(target=d.run, daemon=True)
    t0 = time.perf_counter()
    t.start()
    want = calls_per_copy * copies
    while d.writer.written_calls < want:
        time.sleep(0.01)
        if time.perf_counter() - t0 > 600:
            break
    elapsed = time.perf_counter() - t0
    stop.set()
    t.join(30)
    server.close()
    with ctx.engine.connect() as conn:
        from sqlalchemy import func, select

        rows = conn.execute(select(func.count()).select_from(Call.__table__)).scalar()
    ctx.engine.dispose()
    return {
        "events": events_per_copy * copies,
        "rows": rows,
        "seconds": elapsed,
        "events_per_s": events_per_copy * copies / elapsed,
        "rows_per_s": rows / elapsed,
    }


def fill(db_url: str, n: int, days: int = 30) -> tuple[float, float]:
    """N call rows over DAYS days for tenant acme (queues sales/support/billing, 20 agents)."""
    from ccctl.db import open_engine

    engine = open_engine(db_url)
    rnd = random.Random(8)
    end = time.time() - time.time() % 86400
    start = end - days * 86400
    batch = []
    disp = ["answered"] * 80 + ["abandoned"] * 8 + ["no_agent"] * 3 + ["overflowed"] * 3 + ["abandoned_ivr"] * 6
    for i in range(n):
        entered = start + (i / n) * (end - start)
        d = rnd.choice(disp)
        queue = None if d == "abandoned_ivr" else rnd.choice(("sales", "support", "billing"))
        wait = rnd.expovariate(1 / 15) if queue else None
        answered = entered + 10 + wait if d == "answered" else None
        talk = rnd.expovariate(1 / 180) if answered else 0.0
        batch.append(
            {
                "uuid": f"{i:08x}-0000-4000-8000-000000000000",
                "tenant": "acme",
                "direction": "inbound",
                "caller_number": f"49151{i % 100000:07d}",
                "caller_name": None,
                "called_number": "4000000001",
                "did": "4000000001",
                "ivr_path": "main",
                "ivr_digits": "1",
                "queue": queue,
                "agent": f"10{rnd.randrange(20):02d}" if answered else None,
                "entered_at": entered,
                "ivr_left_at": entered + 10,
                "queued_at": entered + 10 if queue else None,
                "offered_at": None,
                "answered_at": answered,
                "ended_at": (answered or entered + 10 + (wait or 0)) + talk,
                "wait_s": wait,
                "talk_s": talk,
                "wrapup_s": 10.0 if answered else 0.0,
                "sla_target": 20 if queue else None,
                "disposition": d,
                "hangup_cause": "NORMAL_CLEARING",
                "hangup_side": "caller",
                "recording": None,
                "node": "local",
                "source": "events",
            }
        )
        if len(batch) == 20000:
            write_rows(engine, batch, [])
            batch = []
    if batch:
        write_rows(engine, batch, [])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE call")
    engine.dispose()
    return start, end


def time_stats(db_url: str, start: float, end: float) -> dict:
    from ccctl.db import open_engine

    engine = open_engine(db_url)
    out = {}
    for name, q in (
        ("month, per queue by day", Query(start, end, tenant="acme", interval="1d", by="queue")),
        ("month, whole tenant", Query(start, end, tenant="acme", by="tenant")),
        ("one day by 15 min", Query(end - 86400, end, tenant="acme", interval="15m", by="queue")),
    ):
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            rows = statistics(engine, q)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        out[name] = (best, len(rows))
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=2000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    data = STREAM.read_bytes()
    events, calls = stream_shape(data)
    print(
        f"stream: {STREAM.name}: {events} events, {calls} calls per copy; {args.copies} copies "
        f"= {events * args.copies} events, {calls * args.copies} calls"
    )
    total = events * args.copies
    server = ServerProcess(data, args.copies)
    for mode, what in (("recv", "recv only"), ("parse", "every header parsed"), ("pick", "daemon's headers parsed")):
        print(f"socket read, {what:24s}: {total / raw_read(server, total, mode):10,.0f} events/s")
    server.close()

    urls = {"sqlite": lambda: f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    cluster = None
    if not args.skip_pg:
        from ccctl.testing.postgres import NoPostgres, new_database, private_cluster

        try:
            cluster = private_cluster()
            base = cluster.__enter__()
            urls["postgresql"] = lambda: new_database(base)
        except NoPostgres as exc:
            print(f"PostgreSQL skipped: {exc}")
            cluster = None
    try:
        for name, url in urls.items():
            r = daemon_ingest(url(), data, args.copies, calls, events)
            print(
                f"daemon -> {name:10s}: {r['events_per_s']:10,.0f} events/s  ({r['rows']:,} call rows in "
                f"{r['seconds']:.2f} s, {r['rows_per_s']:,.0f} rows/s)"
            )
        for name, url in urls.items():
            u = url()
            t0 = time.perf_counter()
            start, end = fill(u, args.rows)
            print(f"{name}: {args.rows:,} call rows written in {time.perf_counter() - t0:.1f} s")
            for what, (secs, n) in time_stats(u, start, end).items():
                print(f"  stats {what:26s}: {secs * 1000:8.1f} ms ({n} rows out)")
    finally:
        if cluster is not None:
            cluster.__exit__(None, None, None)


if __name__ == "__main__":
    main()

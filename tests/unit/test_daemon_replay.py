"""The daemon on event streams recorded from the real FreeSWITCH tier (tests/data/events,
refreshed with CCCTL_RECORD_EVENTS=1 there), replayed over a local socket: the same call rows
as the live run, from the events and from FreeSWITCH's CDR alike; nothing twice."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from ccctl import app
from ccctl.app import Services
from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.write import apply_tenants
from ccctl.daemon.cdr import reconcile
from ccctl.daemon.run import Daemon, load_directory
from ccctl.daemon.store import write_rows
from ccctl.settings import Settings
from ccctl.stats.calls import list_calls
from ccctl.testing.fake_esl import ReplayEventSocket

DATA = Path(__file__).parent.parent / "data" / "events"
STREAM = DATA / "scripted_calls.esl"
if not STREAM.exists():
    pytest.skip(
        f"no recorded event stream at {STREAM} (record one: CCCTL_RECORD_EVENTS=1 on the FreeSWITCH tier)",
        allow_module_level=True,
    )
EXPECTED = json.loads(STREAM.with_suffix(".rows.json").read_text())
KEYS = (
    "uuid",
    "tenant",
    "direction",
    "caller_number",
    "did",
    "ivr_path",
    "ivr_digits",
    "queue",
    "agent",
    "disposition",
    "hangup_cause",
    "hangup_side",
    "sla_target",
)
CDR_KEYS = tuple(k for k in KEYS if k != "ivr_digits")  # digits come from DTMF events only


def box(tmp_path, port: int = 0) -> Services:
    settings = Settings(
        db=str(tmp_path / "c.db"),
        fs_cdr_dir=tmp_path / "cdr",
        spool_dir=tmp_path / "spool",
        fs_deploy="off",
        esl_port=port or 8021,
    )
    ctx = app.open(settings, deploy=False)
    apply_tenants(
        ctx,
        [
            s.Tenant(
                name="acme",
                queues=[
                    s.Queue(name="sales", wrapup=0),
                    s.Queue(name="support", wrapup=0),
                    s.Queue(name="billing", wrapup=0, max_wait=4),
                ],
            )
        ],
    )
    return ctx


def run_daemon(ctx: Services, server: ReplayEventSocket, want_rows: int) -> Daemon:
    ctx.settings = ctx.settings.with_(esl_port=server.port)
    stop = threading.Event()
    d = Daemon(ctx, stop=stop)
    t = threading.Thread(target=d.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while d.writer.written_calls < want_rows and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    t.join(30)
    return d


def test_replayed_stream_gives_the_rows_of_the_live_run(tmp_path):
    ctx = box(tmp_path)
    server = ReplayEventSocket(STREAM.read_bytes(), password=esl_password(ctx))
    run_daemon(ctx, server, len(EXPECTED))
    server.close()
    rows = list_calls(ctx.engine, tenant="acme")
    assert [{k: r[k] for k in KEYS} for r in rows] == [{k: r[k] for k in KEYS} for r in EXPECTED]
    for got, want in zip(rows, EXPECTED):
        for k in ("wait_s", "talk_s"):
            assert got[k] == pytest.approx(want[k], abs=1e-6), (k, got, want)
        for k in ("entered_at", "ivr_left_at", "queued_at", "offered_at", "answered_at", "ended_at"):
            assert got[k] == want[k], (k, got, want)


def test_two_copies_are_twice_the_calls_and_a_reconnect_repeats_nothing(tmp_path):
    ctx = box(tmp_path)
    server = ReplayEventSocket(STREAM.read_bytes(), password=esl_password(ctx), copies=2)
    run_daemon(ctx, server, 2 * len(EXPECTED))
    # a second connection replays the same calls again (as a flapping socket might): no new rows
    run_daemon(ctx, server, 0)
    server.close()
    rows = list_calls(ctx.engine, tenant="acme")
    assert len(rows) == 2 * len(EXPECTED) == len({r["uuid"] for r in rows})
    assert sorted(r["disposition"] for r in rows) == sorted(2 * [r["disposition"] for r in EXPECTED])


def test_cdr_reconciliation_gives_the_same_rows_once(tmp_path):
    ctx = box(tmp_path)
    cdr = tmp_path / "cdr"
    cdr.mkdir()
    for f in (DATA / "cdr").glob("*.cdr.json"):
        (cdr / f.name).write_bytes(f.read_bytes())
    directory = load_directory(ctx.engine)
    counts = reconcile(
        ctx.engine, cdr, directory, "local", write=lambda rows: write_rows(ctx.engine, rows, []), grace=0
    )
    assert counts["inserted"] == len(EXPECTED) and counts["moved"] == counts["files"]
    rows = list_calls(ctx.engine, tenant="acme")
    assert [{k: r[k] for k in CDR_KEYS} for r in rows] == [{k: r[k] for k in CDR_KEYS} for r in EXPECTED]
    for got, want in zip(rows, EXPECTED):
        assert got["source"] == "cdr"
        if want["wait_s"] is not None:
            assert got["wait_s"] == pytest.approx(want["wait_s"], abs=1.5), (got, want)  # CDR: whole seconds
    # files moved to done/: a second pass finds nothing; copying them back inserts nothing
    assert (
        reconcile(ctx.engine, cdr, directory, "local", write=lambda rows: write_rows(ctx.engine, rows, []), grace=0)[
            "files"
        ]
        == 0
    )
    for f in (DATA / "cdr").glob("*.cdr.json"):
        (cdr / f.name).write_bytes(f.read_bytes())
    again = reconcile(ctx.engine, cdr, directory, "local", write=lambda rows: write_rows(ctx.engine, rows, []), grace=0)
    assert again["inserted"] == 0 and len(list_calls(ctx.engine, tenant="acme")) == len(EXPECTED)


def test_rows_carry_the_identity_of_the_current_tenant_of_the_channels_name(tmp_path):
    """FreeSWITCH names the tenant; the daemon's rows are keyed by the identity of the tenant
    that holds the name now: after acme was removed and added again, none are the old acme's."""
    from sqlalchemy import select

    from ccctl.model import AgentEvent, Call, Tenant

    ctx = box(tmp_path)
    uid = lambda: ctx.engine.connect().execute(select(Tenant.uid).where(Tenant.name == "acme")).scalar()  # noqa: E731
    old = uid()
    apply_tenants(ctx, [], remove=["acme"])
    apply_tenants(
        ctx,
        [
            s.Tenant(
                name="acme",
                queues=[s.Queue(name=q, wrapup=0) for q in ("sales", "support")]
                + [s.Queue(name="billing", wrapup=0, max_wait=4)],
            )
        ],
    )
    new = uid()
    assert new and old and new != old
    server = ReplayEventSocket(STREAM.read_bytes(), password=esl_password(ctx))
    run_daemon(ctx, server, len(EXPECTED))
    server.close()
    with ctx.engine.connect() as conn:
        calls = conn.execute(select(Call.tenant, Call.tenant_uid)).all()
        events = conn.execute(select(AgentEvent.tenant, AgentEvent.tenant_uid)).all()
    assert len(calls) == len(EXPECTED) and set(calls) == {("acme", new)}
    assert set(events) <= {("acme", new)}


def test_header_picker_reads_what_a_full_parse_reads():
    from ccctl.daemon.assemble import HEADERS, SMALL
    from ccctl.freeswitch.esl import HeaderPicker, parse_plain_event

    picker = HeaderPicker(HEADERS, SMALL)
    data, bodies, pos = STREAM.read_bytes(), [], 0
    while pos < len(data):
        end = data.index(b"\n\n", pos)
        n = int(data[pos:end].split(b"Content-Length: ")[1].split(b"\n")[0])
        bodies.append(data[end + 2 : end + 2 + n])
        pos = end + 2 + n
    assert len(bodies) > 40
    for body in bodies:
        full = parse_plain_event(body)
        keys = SMALL.get(full["Event-Name"], HEADERS)
        assert picker.parse(body) == {k: v for k, v in full.items() if k in keys or k == "Event-Name"}


def test_the_offer_carries_the_ivr_path_and_digits(tmp_path):
    """The screen pop's IVR path: the recorded stream's offers (agent-offering, while the
    phone rings) name the IVRs the caller went through and the digits pressed there, as the
    call rows later written say."""
    from ccctl.daemon.assemble import Assembler
    from ccctl.freeswitch.esl import parse_plain_event

    ctx = box(tmp_path)
    asm = Assembler(load_directory(ctx.engine), "test")
    data, offers = STREAM.read_bytes(), []
    while data:
        head, _, rest = data.partition(b"\n\n")
        length = int(next(h for h in head.split(b"\n") if h.startswith(b"Content-Length:")).split(b":")[1])
        offers += [x for kind, x in asm.feed(parse_plain_event(rest[:length])) if kind == "offer"]
        data = rest[length:].lstrip(b"\n")
    rows = {r["uuid"]: r for r in EXPECTED}
    assert offers  # the stream has one call offered to an agent
    for offer in offers:
        row = rows[offer["call_id"]]
        assert offer["ivr_path"] == row["ivr_path"].split(">"), offer
        assert offer["ivr_digits"] == row["ivr_digits"] and offer["ivr_digits"], offer

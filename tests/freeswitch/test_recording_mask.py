"""Pausing a recording for sensitive data on a real FreeSWITCH: *4 keyed on the seat's phone
(RFC 2833 from the phone's own RTP stream) masks the call's recording, *5 resumes, and
`ccctl agent mask|unmask` does the same for a supervisor. The file holds silence for each
masked span and audio before and after, both parties kept hearing each other while masked,
the daemon records each span (call, seat, start, end), the audit log has each mask and unmask
(the seat's keys as the seat's, the supervisor's as the supervisor's), and the recordings
index marks the call.

Recorded by policy: the agent's own call to a customer (the agent's leg records). On demand:
a queue call (the seat is the other leg), *2 starts it, *4 ... *5 masks."""

from __future__ import annotations

import array
import signal
import time
import wave

import pytest

from ccctl.testing import sip
from ccctl.testing.box import start_site_box
from ccctl.testing.sip import EventLog

from .test_supervise import HEARD, PW, Phone, _hear, _registered, _wait

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

BETA_DID = "4000000077"
SITE = f"""
tenants:
  - name: acme
    recording: {{mode: all}}
    seats:
      - {{extension: "1001", name: Agent, password: {PW["1001"]}}}
      - {{extension: "1002", name: Customer, password: {PW["1002"]}}}
  - name: beta
    recording: {{mode: on_demand}}
    seats:
      - {{extension: "2001", name: Beta Agent, skills: {{sales: 5}}, password: {PW["2001"]}}}
    queues:
      - {{name: sales, skill: sales, wrapup: 0, no_agent: {{timeout: 0, target: hangup}}}}
    numbers:
      - {{number: "{BETA_DID}", target: "queue:sales"}}
"""
MARGIN = 0.6
"""Seconds a silent span in the file may run past the span between the keys' events."""


def matches(run: tuple[float, float], keys: tuple[float, float]) -> bool:
    """Whether silent RUN (seconds into the file) is the span masked between KEYS (seconds
    after the recording started, by the events' clock). The file's clock runs slow on a busy
    box (frames are written as they come, and a late one is dropped), so the span may start
    early and be shorter, never longer."""
    (start, end), (m, u) = run, keys
    return 0.6 * (u - m) <= end - start <= (u - m) + MARGIN and m - 1.5 < start < m + MARGIN


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("mask")
    b = start_site_box(fs_install, root, SITE)
    yield b
    b.fs.stop()


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def samples(path) -> tuple[array.array, int]:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        data = array.array("h", w.readframes(w.getnframes()))
        return data[:: w.getnchannels()], w.getframerate()


def rms(data: array.array, rate: int, start: float, end: float) -> float:
    part = data[int(start * rate) : int(end * rate)]
    assert len(part) > rate * 0.2, (start, end, len(data) / rate)
    return (sum(x * x for x in part) / len(part)) ** 0.5 / 32768


def zero_runs(data, rate) -> list[tuple[float, float]]:
    out, start = [], None
    for i, x in enumerate(data):
        if x == 0 and start is None:
            start = i
        elif x != 0 and start is not None:
            if i - start > rate * 0.2:
                out.append((round(start / rate, 2), round(i / rate, 2)))
            start = None
    if start is not None:
        out.append((round(start / rate, 2), round(len(data) / rate, 2)))
    return out


def test_masked_spans_are_silent_while_the_call_goes_on(box, tmp_path):
    from sqlalchemy import select

    from ccctl.model import AgentEvent
    from ccctl.model.audit import AuditEntry
    from ccctl.recordings import index, masks
    from ccctl.supervision import audit, masking

    from .test_daemon import DaemonProcess

    svc = box.services
    events = EventLog(box.fs.password, ["RECORD_START", "CUSTOM", "ccctl::agent"], port=svc.settings.esl_port)
    daemon = DaemonProcess(svc.settings, tmp_path / "daemon.log").start()
    customer = Phone(tmp_path, "1002", "127.0.3.2", 500)
    phones = {"customer": customer}
    try:
        _wait(lambda: "1002@acme.cc.local" in _registered(box), 15, "registration")
        agent = phones["agent"] = Phone(tmp_path, "1001", "127.0.3.1", 900, dial="1002")
        agent.media_up()
        customer.media_up()
        started = events.wait_for(lambda e: e.get("Event-Name") == "RECORD_START", timeout=10)[0]
        call = started["Unique-ID"]
        t0 = int(started["Event-Date-Timestamp"]) / 1e6
        time.sleep(2.5)

        def keyed(action: str, n: int) -> float:
            got = events.wait_for(lambda e: e.get("CCCTL-Action") == action, n, timeout=10)[-1]
            assert got.get("CCCTL-Call") == call, got
            return int(got["Event-Date-Timestamp"]) / 1e6 - t0

        agent.peer.dtmf("*4")
        m1 = keyed("mask", 1)
        heard = _hear(phones, 3)  # masked: the call's audio still flows both ways
        assert heard["agent"]["customer"] > HEARD and heard["customer"]["agent"] > HEARD, heard
        agent.peer.dtmf("*5")
        u1 = keyed("unmask", 1)
        time.sleep(2.5)

        out = masking.set_mask(svc, "acme", "1001", True, actor="sup")
        assert out["call"] == call, out
        m2 = keyed("mask", 2)
        heard = _hear(phones, 2.5)
        assert heard["agent"]["customer"] > HEARD and heard["customer"]["agent"] > HEARD, heard
        masking.set_mask(svc, "acme", "1001", False, actor="sup")
        u2 = keyed("unmask", 2)
        time.sleep(2.5)
    finally:
        for p in phones.values():
            p.close()
        box.api("hupall NORMAL_CLEARING", check=False)
        events.close()
    try:
        deadline = time.monotonic() + 20
        spans: list = []
        while time.monotonic() < deadline and len(spans) < 2:
            with svc.engine.connect() as conn:
                spans = masks.spans(conn, "acme", call=call)
            time.sleep(0.3)
    finally:
        daemon.kill(signal.SIGTERM)

    files = sorted((box.fs.dirs["recordings"] / "acme").rglob(f"{call}.wav"))
    assert len(files) == 1, files
    data, rate = samples(files[0])
    # The file's clock trails the events' under load (frames written as they come), so the
    # spans are found in the file (silence: samples exactly zero) and matched to the keys.
    runs = [r for r in zero_runs(data, rate) if r[1] - r[0] > 0.5]
    keyed_spans = [(m1, u1), (m2, u2)]
    print(f"recording {files[0].name} ({len(data) / rate:.1f} s): silent {runs}, masked by the keys {keyed_spans}")
    assert len(runs) == 2, (runs, keyed_spans)
    for (start, end), (m, u) in zip(runs, keyed_spans):
        assert matches((start, end), (m, u)), (runs, keyed_spans)
    figures = {
        "before": rms(data, rate, 0.3, runs[0][0]),
        "between": rms(data, rate, runs[0][1], runs[1][0]),
        "after": rms(data, rate, runs[1][1], len(data) / rate - 0.3),
    }
    print(f"RMS outside the masks: {figures}")
    assert min(figures.values()) > 0.01, figures

    # Audited: each span with its call, seat and times; the index marks the call.
    assert [(s["call"], s["seat"]) for s in spans] == [(call, "1001"), (call, "1001")], spans
    assert abs((spans[0]["end"] - spans[0]["start"]) - (u1 - m1)) < 0.2, (spans, m1, u1)
    assert abs((spans[1]["end"] - spans[1]["start"]) - (u2 - m2)) < 0.2, (spans, m2, u2)
    (rec,) = [r for r in index.list_recordings(svc, tenant="acme") if r["call"] == call]
    assert rec["masked"] is True, rec
    # The audit log: the seat's keys (written by the daemon, the seat the actor, at the span's
    # times) and the supervisor's commands, each once.
    rows = [(e.actor, e.action, e.result, e.subject) for e in audit.entries(svc, "acme") if e.call == call]
    assert rows == [
        ("seat:1001", "recording.mask", "ok", "1001"),
        ("seat:1001", "recording.unmask", "ok", "1001"),
        ("sup", "recording.mask", "ok", "1001"),
        ("sup", "recording.unmask", "ok", "1001"),
    ], rows
    with svc.engine.connect() as conn:
        seat_times = conn.execute(
            select(AuditEntry.at)
            .where(AuditEntry.call == call, AuditEntry.actor == "seat:1001")
            .order_by(AuditEntry.at)
        ).scalars()
        assert [round(x, 3) for x in seat_times] == [round(spans[0]["start"], 3), round(spans[0]["end"], 3)]
    # The agents' report counts the call once for its seat, however often it was masked.
    from ccctl.stats.agent_report import report
    from ccctl.stats.history import Query

    (row,) = report(svc.engine, Query(time.time() - 3600, time.time() + 1, "acme", agent="1001", by="agent"))
    assert row["masked_calls"] == 1, row
    with svc.engine.connect() as conn:
        kinds = conn.execute(
            select(AgentEvent.kind).where(AgentEvent.value == call).order_by(AgentEvent.at, AgentEvent.id)
        ).scalars()
        assert list(kinds) == ["mask", "unmask", "mask", "unmask"]


def test_on_demand_queue_call_masked_by_the_seat_on_the_other_leg(box, tmp_path):
    """A queue call: the caller's channel records, the seat (the other leg) keys *4 before
    anything is recorded (nothing to mask: no span), *2 (start), then *4 and *5, one second
    apart per key: the file has audio, two seconds of silence, audio."""
    from ccctl.supervision.agents import set_status
    from ccctl.testing.sip import AgentPool, Seat, start_call

    from .test_on_demand_recording import seat_pressing

    svc = box.services
    keys = seat_pressing(tmp_path / "agents", "*4*2*4*5", gap_ms=1000)
    with (
        EventLog(box.fs.password, ["RECORD_START", "CUSTOM", "ccctl::agent"], port=svc.settings.esl_port) as events,
        AgentPool(box, tmp_path / "agents", [Seat("2001", "beta.cc.local", PW["2001"])], answer=keys),
    ):
        set_status(svc, "beta", "2001", "login")
        caller = start_call(tmp_path / "caller", BETA_DID, wait_ms=500, talk_ms=14000)
        started = events.wait_for(lambda e: e.get("Event-Name") == "RECORD_START", timeout=30)[0]
        call = started["Unique-ID"]
        t0 = int(started["Event-Date-Timestamp"]) / 1e6
        got = events.wait_for(lambda e: e.get("CCCTL-Action") in ("mask", "unmask"), 2, timeout=20)
        assert [(e["CCCTL-Action"], e["CCCTL-Call"], e.get("CCCTL-Queue-Agent")) for e in got] == [
            ("mask", call, "2001@beta.cc.local"),
            ("unmask", call, "2001@beta.cc.local"),
        ], got
        m, u = (int(e["Event-Date-Timestamp"]) / 1e6 - t0 for e in got)
        assert caller.wait().ok
    files = sorted((box.fs.dirs["recordings"] / "beta").rglob(f"{call}.wav"))
    assert len(files) == 1, files
    data, rate = samples(files[0])
    runs = [r for r in zero_runs(data, rate) if r[1] - r[0] > 0.5]
    print(f"recording {files[0].name} ({len(data) / rate:.1f} s): silent {runs}, masked by the keys {(m, u)}")
    assert len(runs) == 1 and matches(runs[0], (m, u)), (runs, m, u)
    before, after = rms(data, rate, 0.1, runs[0][0]), rms(data, rate, runs[0][1], len(data) / rate - 0.3)
    print(f"RMS before {before:.3f}, after {after:.3f}")
    assert before > 0.001 and after > 0.001

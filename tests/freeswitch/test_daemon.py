"""The event daemon against a real FreeSWITCH and real SIP (sipp), in the loopback namespace.

A scripted set of calls (answered, abandoned after 10 s in queue, abandoned in the IVR, no
agent, overflowed) must come out of `ccctl calls` and `ccctl stats` exactly as it happened;
a screen-pop webhook reaches a receiver on 127.0.0.1, signed, with the caller's customer
record, before the agent answers. Then the gaps: the daemon killed mid-call and a call made
while it is down, and FreeSWITCH restarted under it: no call lost, none twice.

Set CCCTL_RECORD_EVENTS=1 to refresh the recorded event stream the unit tier replays
(tests/data/events/scripted_calls.esl)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccctl import app
from ccctl.cli.main import app as cli_app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.config.write import apply_tenants
from ccctl.cti.webhooks import SIGNATURE_HEADER, tenant_secret, verify
from ccctl.daemon.assemble import FILTERS, SUBSCRIBE
from ccctl.model import AgentEvent
from ccctl.stats.calls import list_calls
from ccctl.stats.live import realtime
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.box import fs_settings, start_box
from ccctl.testing.sip import Agents, EventLog, Seat, call, start_call
from tests.unit.test_webhooks import Receiver

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

TENANT, DOMAIN, DID = "acme", "acme.cc.local", "4000000001"
CALLER = "4915112345678"
RECORDED = Path(__file__).parent.parent / "data" / "events" / "scripted_calls.esl"


def tenant(webhook: str | None = None) -> s.Tenant:
    """1001 serves sales, 1002 billing. IVR main: 1 sales, 2 support (nobody: no-agent
    timeout 3 s), 3 billing (at most 4 s, then overflow to seat 1002)."""
    return s.Tenant(
        name=TENANT,
        seats=[
            s.Seat(extension="1001", name="Alice", skills={"sales": 5}),
            s.Seat(extension="1002", name="Bob", skills={"billing": 5}),
        ],
        queues=[
            s.Queue(name="sales", wrapup=0, service_level=20, no_agent=s.NoAgent(timeout=60, target="hangup")),
            s.Queue(name="support", wrapup=0, no_agent=s.NoAgent(timeout=3, target="hangup")),
            s.Queue(
                name="billing",
                wrapup=0,
                max_wait=4,
                overflow="seat:1002",
                no_agent=s.NoAgent(timeout=60, target="hangup"),
            ),
        ],
        ivrs=[
            s.Ivr(
                name="main",
                greeting=s.Greeting(text="Welcome."),
                timeout=5,
                hours=None,
                options={"1": "queue:sales", "2": "queue:support", "3": "queue:billing"},
            )
        ],
        numbers=[s.Number(number=DID, target="ivr:main")],
        customers=[s.Customer(number="+" + CALLER, name="Erika Muster", fields={"account": "A-17"})],
        webhooks=[s.Webhook(url=webhook)] if webhook else [],
    )


class DaemonProcess:
    """`ccctl daemon` as the box runs it: its own process, settings from the environment."""

    def __init__(self, settings, log: Path):
        self.log = log
        self.env = {
            **os.environ,
            "CCCTL_DB": settings.db,
            "CCCTL_ESL_PORT": str(settings.esl_port),
            "CCCTL_FS_CDR_DIR": str(settings.fs_cdr_dir),
            "CCCTL_SPOOL_DIR": str(settings.spool_dir),
            "CCCTL_FS_DEPLOY": "off",
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> "DaemonProcess":
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from ccctl.cli.main import run; run()", "daemon"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self.wait_log("connected to FreeSWITCH", count=self.text().count("connected to FreeSWITCH") + 1)
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_log(self, needle: str, count: int = 1, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"daemon log has {self.text().count(needle)} of {count} {needle!r}:\n{self.text()}"
                )
            time.sleep(0.05)
        return time.monotonic()

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill(signal.SIGTERM)


@contextlib.contextmanager
def box_and_daemon(fs_install, tmp_path: Path, t: s.Tenant):
    """T applied, FreeSWITCH started on it, and a daemon process (not yet started): (ctx, box,
    daemon). Both are stopped when the block ends."""
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [t])
    box = start_box(fs_install, root)
    daemon = DaemonProcess(ctx.settings, tmp_path / "daemon.log")
    try:
        yield ctx, box, daemon
    finally:
        daemon.kill(signal.SIGTERM)
        box.fs.stop()


def _waiting(box, queue: str) -> bool:
    """Does a caller wait in QUEUE now? (mod_callcenter keeps rows of members gone before, so
    their count is no answer: a member row in state Waiting is.)"""
    out = box.fs.api(f"callcenter_config queue list members {queue}@{DOMAIN}", check=False)
    return any("Waiting" in line.split("|") for line in out.splitlines())


def wait_rows(engine, n: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        rows = list_calls(engine, tenant=TENANT)
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def ts(iso: str | None) -> float | None:
    from ccctl.stats.calls import parse_time

    return parse_time(iso, "t") if iso else None


def check(cond: bool, msg: str, *sources) -> None:
    if not cond:
        raise AssertionError(msg + "\n" + "\n\n".join(x() if callable(x) else str(x) for x in sources))


def test_scripted_calls_are_recorded_exactly(fs_install, tmp_path):
    rx = Receiver()
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [tenant(rx.url)])
    box = start_box(fs_install, root)
    stream = open(tmp_path / "events.esl", "wb")
    daemon = DaemonProcess(ctx.settings, tmp_path / "daemon.log")
    try:
        with (
            EventLog(box.fs.password, SUBSCRIBE, record=stream, filters=FILTERS),
            daemon,
            Agents(
                box,
                tmp_path / "seats",
                [
                    Seat("1001", DOMAIN, seat_password(box.services, TENANT, "1001"), 3000, ring_ms=1500),
                    Seat("1002", DOMAIN, seat_password(box.services, TENANT, "1002"), 2000),
                ],
            ) as agents,
        ):
            set_status(box.services, TENANT, "1001", "ready")
            set_status(box.services, TENANT, "1002", "break")
            diag = [agents.diagnostics, daemon.text, lambda: box.fs.log_tail(80)]
            # A: answered by Alice after 1.5 s of ringing; she hangs up after 3 s.
            a = call(tmp_path / "a", DID, digits="1", wait_ms=1500, talk_ms=9000)
            check(a.ok and a.answered and len(agents["1001"].calls) == 1, f"A: {a}", a.diagnostics, *diag)
            # B: nobody ready in sales: the caller gives up after about 10 s in the queue.
            set_status(box.services, TENANT, "1001", "break")
            b_call = start_call(tmp_path / "b", DID, digits="1", wait_ms=1500, talk_ms=10500)
            time.sleep(7)
            live = {r["queue"]: r for r in realtime(box.services, TENANT)}  # `ccctl stats --now`
            members = box.api("callcenter_config queue list members")
            b = b_call.wait()
            check(b.ok and b.ended == "local-bye", f"B: {b}", b.diagnostics, *diag)
            set_status(box.services, TENANT, "1001", "ready")
            # C: hangs up during the IVR greeting.
            c = call(tmp_path / "c", DID, digits="", wait_ms=500, talk_ms=1500)
            check(c.ok and c.ended == "local-bye", f"C: {c}", c.diagnostics, *diag)
            # D: support has no agent at all: hung up after the 3 s no-agent timeout.
            d = call(tmp_path / "d", DID, digits="2", wait_ms=1500, talk_ms=20000)
            check(d.ok and d.ended == "remote-bye", f"D: {d}", d.diagnostics, *diag)
            # E: billing's only agent is on break: after 4 s the call overflows to seat 1002.
            e = call(tmp_path / "e", DID, digits="3", wait_ms=1500, talk_ms=20000)
            check(e.ok and e.ended == "remote-bye" and len(agents["1002"].calls) == 1, f"E: {e}", e.diagnostics, *diag)

            rows = wait_rows(ctx.engine, 5)
            check(len(rows) == 5, f"{len(rows)} rows: {rows}", *diag)
            webhook_seen = [(t, h, body) for (h, body), t in zip(rx.requests, rx.times)]
    finally:
        stream.close()
        rx.close()
        box.fs.stop()
        daemon.kill(signal.SIGTERM)

    ra, rb, rc, rd, re_ = rows
    for r in rows:
        assert (r["tenant"], r["direction"], r["did"], r["caller_number"]) == (TENANT, "inbound", DID, CALLER), r
        assert r["ivr_path"] == "main" and r["node"] == "local" and r["source"] == "events", r
    assert [r["disposition"] for r in rows] == ["answered", "abandoned", "abandoned_ivr", "no_agent", "overflowed"]
    assert [r["queue"] for r in rows] == ["sales", "sales", None, "support", "billing"]
    assert [r["ivr_digits"] for r in rows] == ["1", "1", None, "2", "3"]

    # A: every timestamp in order; ring time is the wait; talk is Alice's 3 s.
    order = [ts(ra[k]) for k in ("entered_at", "ivr_left_at", "queued_at", "offered_at", "answered_at", "ended_at")]
    assert all(x is not None for x in order) and order == sorted(order), ra
    assert ra["agent"] == "1001" and ra["hangup_side"] == "agent" and ra["hangup_cause"] == "NORMAL_CLEARING", ra
    assert 1.3 <= ra["wait_s"] <= 4.0, ra["wait_s"]
    assert 2.5 <= ra["talk_s"] <= 4.5, ra["talk_s"]
    assert ts(ra["answered_at"]) - ts(ra["offered_at"]) >= 1.3  # the 1.5 s of ringing
    # B: about 10 s in the queue, then the caller hung up.
    assert 9.0 <= rb["wait_s"] <= 12.5 and rb["hangup_side"] == "caller" and rb["agent"] is None, rb
    # C: never left the IVR.
    assert rc["ivr_left_at"] is None and rc["queued_at"] is None and rc["hangup_side"] == "caller", rc
    # D: 3 s no-agent timeout (mod_callcenter counts whole seconds).
    assert 2.0 <= rd["wait_s"] <= 5.0 and rd["hangup_side"] == "system", rd
    # E: 4 s max wait, then on to seat 1002.
    assert 3.0 <= re_["wait_s"] <= 6.0, re_

    # The screen pop for A: signed, with the customer, before Alice answered.
    offers = [(t, h, json.loads(body)) for t, h, body in webhook_seen if json.loads(body)["type"] == "call.offered"]
    assert len(offers) == 1, [(t, e["call_id"], e["queue"], e["agent"], e["at"]) for t, _, e in offers]
    t_rx, headers, event = offers[0]
    assert verify(
        tenant_secret(ctx.engine, TENANT),
        json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode(),
        headers[SIGNATURE_HEADER.lower()],
    )
    assert event["call_id"] == ra["uuid"] and event["agent"] == "1001" and event["queue"] == "sales"
    assert event["customer"]["name"] == "Erika Muster" and event["ivr_digits"] == "1"
    assert t_rx < ts(ra["answered_at"]), (t_rx, ra["answered_at"])

    # Agent status changes were stored (occupancy and login time come from them).
    from sqlalchemy import select

    with ctx.engine.connect() as conn:
        statuses = [
            v
            for (v,) in conn.execute(
                select(AgentEvent.value)
                .where(AgentEvent.agent == "1001", AgentEvent.kind == "status")
                .order_by(AgentEvent.at)
            )
        ]
    assert statuses[-3:] == ["Available", "On Break", "Available"], statuses

    # What `ccctl stats` and `ccctl calls` say.
    runner = CliRunner()
    env = {"CCCTL_DB": ctx.settings.db, "CCCTL_FS_DEPLOY": "off"}
    r = runner.invoke(cli_app, ["stats", "--tenant", TENANT, "--json"], env=env)
    assert r.exit_code == 0, r.output
    [st] = json.loads(r.stdout)
    assert (
        st["offered"],
        st["answered"],
        st["abandoned"],
        st["no_agent"],
        st["overflowed"],
        st["abandoned_ivr"],
        st["calls"],
    ) == (4, 1, 1, 1, 1, 1, 5), st
    assert st["service_level"] == 0.25 and st["short_abandoned"] == 0 and st["abandon_rate"] == 0.25, st
    assert st["asa"] == round(ra["wait_s"], 1) and st["longest_wait"] == round(rb["wait_s"], 1), st
    assert st["login_time"] > 0 and st["occupancy"] is not None, st
    r = runner.invoke(cli_app, ["calls", "list", "--tenant", TENANT, "--disposition", "abandoned", "--json"], env=env)
    assert r.exit_code == 0 and [x["uuid"] for x in json.loads(r.stdout)] == [rb["uuid"]], r.output
    r = runner.invoke(cli_app, ["calls", "show", ra["uuid"], "--json"], env=env)
    assert r.exit_code == 0 and json.loads(r.stdout)["agent"] == "1001"
    r = runner.invoke(cli_app, ["calls", "export", "--tenant", TENANT], env=env)
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 6

    assert live["sales"]["waiting"] == 1 and 2 <= live["sales"]["longest_wait"] <= 8, (live, members)
    assert [k.split("/")[0] for k in live["sales"]["agents"]] == ["On Break"] and live["support"]["waiting"] == 0, live

    if os.environ.get("CCCTL_RECORD_EVENTS"):
        RECORDED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "events.esl", RECORDED)
        (RECORDED.with_suffix(".rows.json")).write_text(json.dumps(rows, indent=1) + "\n")
        cdr = RECORDED.parent / "cdr"
        shutil.rmtree(cdr, ignore_errors=True)
        cdr.mkdir()
        for r in rows:
            [found] = list((root / "cdr").rglob(f"{r['uuid']}.cdr.json"))
            shutil.copy(found, cdr / found.name)


def test_no_call_lost_or_twice_across_daemon_kills_and_a_freeswitch_restart(fs_install, tmp_path):
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [tenant()])
    box = start_box(fs_install, root)
    daemon = DaemonProcess(ctx.settings, tmp_path / "daemon.log")
    try:
        with Agents(
            box, tmp_path / "seats", [Seat("1001", DOMAIN, seat_password(box.services, TENANT, "1001"), 6000)]
        ) as agents:
            set_status(box.services, TENANT, "1001", "ready")
            diag = [agents.diagnostics, daemon.text, lambda: box.fs.log_tail(80)]
            daemon.start()
            # F: the daemon is killed (SIGKILL) while Alice talks, and restarted before the end.
            f = start_call(tmp_path / "f", DID, digits="1", wait_ms=1500, talk_ms=15000)
            deadline = time.monotonic() + 20
            while not agents["1001"].calls and time.monotonic() < deadline:
                time.sleep(0.1)
            check(bool(agents["1001"].calls), "F never reached Alice", f.sipp.diagnostics, *diag)
            daemon.kill()
            time.sleep(1)
            daemon.start()
            fr = f.wait()
            check(fr.ok and fr.answered, f"F: {fr}", fr.diagnostics, *diag)
            # G: made from start to end while the daemon is down: only the CDR knows it.
            daemon.kill()
            g = call(tmp_path / "g", DID, digits="2", wait_ms=1500, talk_ms=20000)
            check(g.ok and g.answered, f"G: {g}", g.diagnostics, *diag)
            daemon.start()
            rows = wait_rows(ctx.engine, 2)
            check([r["disposition"] for r in rows] == ["answered", "no_agent"], f"after the daemon gaps: {rows}", *diag)
            assert rows[0]["agent"] == "1001" and 5 <= rows[0]["talk_s"] <= 7.5, rows[0]
            assert rows[1]["source"] == "cdr" and 2.0 <= rows[1]["wait_s"] <= 5.5, rows[1]

            # H: in the queue for support when FreeSWITCH stops; I: right after it is back.
            h = start_call(tmp_path / "h", DID, digits="2", wait_ms=1500, talk_ms=20000, source_ip="127.0.0.3")
            # Stop FreeSWITCH only once H waits in the queue (a fixed sleep raced a loaded machine).
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not _waiting(box, "support"):
                time.sleep(0.1)
            check(_waiting(box, "support"), "H never reached the support queue", h.sipp.diagnostics, *diag)
            connects = daemon.text().count("connected to FreeSWITCH")
            box.fs.stop()
            h.wait()
            box.fs.start()
            ready = time.monotonic()
            back = daemon.wait_log("connected to FreeSWITCH", count=connects + 1, timeout=30)
            print(f"daemon reconnected {back - ready:.2f} s after FreeSWITCH was ready")
            assert back - ready <= 5.0, daemon.text()
            i = call(tmp_path / "i", DID, digits="2", wait_ms=1500, talk_ms=20000)
            check(i.ok and i.answered, f"I: {i}", i.diagnostics, *diag)
            rows = wait_rows(ctx.engine, 4)
    finally:
        daemon.kill(signal.SIGTERM)
        box.fs.stop()
    check(len(rows) == 4, f"{len(rows)} rows: {rows}", daemon.text)
    assert len({r["uuid"] for r in rows}) == 4
    # H was cut off by FreeSWITCH's shutdown while it waited; I went its normal way after
    assert (rows[2]["queue"], rows[2]["disposition"], rows[2]["hangup_cause"]) == (
        "support",
        "failed",
        "SYSTEM_SHUTDOWN",
    )
    assert (rows[3]["queue"], rows[3]["disposition"]) == ("support", "no_agent"), rows
    assert "Traceback" not in daemon.text(), daemon.text()

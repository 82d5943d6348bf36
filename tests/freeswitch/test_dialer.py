"""The dialer against a real FreeSWITCH: customers are a sipp UAS behind the tenant's SIP trunk
(numbers ending 1 answer, 2 are busy, 3 never answer), agents are registered sipp seats.

Progressive: never more customer calls up than available agents; do-not-call numbers and
contacts outside their calling window are never dialed; every attempt is a call row with its
disposition; busy is retried by the rules; the agent gets the contact in a CTI event."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.config.write import apply_tenants
from ccctl.db import session_scope
from ccctl.media.prompts import Prompt
from ccctl.model import Call, Contact
from ccctl.outbound import campaigns, dnc
from ccctl.outbound.dialer import ABANDON_TEXT, Dialer
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.box import fs_settings, start_box
from ccctl.testing.sip import Agents, Seat, Sipp

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

TENANT, DOMAIN = "acme", "acme.cc.local"
CARRIER = "127.0.0.9"
ANSWER = ["+49301111001", "+49301112001", "+49301113001", "+49301114001", "+49301115001"]
BUSY, SILENT, LISTED, LATE = "+49301111002", "+49301111003", "+49301111011", "+49301111021"


def tenant() -> s.Tenant:
    return s.Tenant(
        name=TENANT,
        timezone="Europe/Berlin",
        call_limit=10,
        seats=[
            s.Seat(extension="1001", name="Alice", skills={"sales": 5}),
            s.Seat(extension="1002", name="Bob", skills={"sales": 5}),
        ],
        queues=[s.Queue(name="sales", wrapup=0, no_agent=s.NoAgent(timeout=60, target="hangup"))],
        trunks=[s.Trunk(name="carrier", host=CARRIER, port=5060)],
    )


def window_around_now(zone: str = "UTC") -> tuple[str, str]:
    """Open now in ZONE, the contacts' (a window is kept in each contact's own zone), closed
    twelve hours away (where the late contact lives). Contacts from bare German numbers live in
    Europe/Berlin: a window taken from UTC's hour was closed for them after 22:00 UTC."""
    h = datetime.now(ZoneInfo(zone)).hour
    return f"{max(0, h - 1):02d}:00", ("23:59" if h >= 22 else f"{h + 2:02d}:00")


def customer_channels(box) -> int:
    """Calls up on the carrier side (the external profile) right now."""
    text = box.api("show channels", check=False)
    return sum(1 for line in text.splitlines() if "sofia/external/" in line)


def test_progressive_campaign_end_to_end(fs_install, tmp_path):
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [tenant()])
    box = start_box(fs_install, root)
    customers = Sipp(
        tmp_path / "customers",
        "customer.xml",
        ["-i", CARRIER, "-bind_local", "-p", "5060", "-mi", CARRIER, "-mp", "7100", "-rtp_echo"],
        timeout_s=600,
    )
    start, end = window_around_now()
    campaigns.add(
        ctx,
        TENANT,
        "winback",
        queue="sales",
        mode="progressive",
        caller_id="+4940999000",
        window_start=start,
        window_end=end,
        days="all",
        ring_timeout=6,
        max_concurrent=5,
        retries={"busy": [1, 1], "no_answer": [0, 60]},
    )
    f = tmp_path / "contacts.csv"
    f.write_text(
        "number,name,timezone\n"
        + "".join(f"{n},Customer {i},UTC\n" for i, n in enumerate(ANSWER))
        + f"{BUSY},Busy,UTC\n{SILENT},Silent,UTC\n{LISTED},Listed,UTC\n{LATE},Late,Etc/GMT-12\n"
    )
    assert campaigns.import_file(ctx, TENANT, "winback", f).imported == 9
    dnc.add(ctx, TENANT, [LISTED])
    events: list[dict] = []
    stop = threading.Event()
    dialer = Dialer(ctx.engine, ctx.settings, box.fs.password, node="test", notify=events.append)
    thread = threading.Thread(target=dialer.run, args=(stop,), daemon=True)
    seats = [Seat(ext, DOMAIN, seat_password(box.services, TENANT, ext), talk_ms=2500) for ext in ("1001", "1002")]
    most = 0
    try:
        with Agents(box, tmp_path / "seats", seats):
            for ext in ("1001", "1002"):
                set_status(box.services, TENANT, ext, "ready")
            campaigns.set_state(ctx, TENANT, "winback", "running")
            thread.start()
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                most = max(most, customer_channels(box))
                st = campaigns.status(ctx, TENANT, "winback")["by_state"]
                if st.get("pending", 0) <= 1 and not st.get("dialing"):  # only the late one left
                    break
                time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
        customers.kill()
        box.fs.stop()

    diag = f"\n{customers.diagnostics()}"
    status = campaigns.status(ctx, TENANT, "winback")
    assert status["by_state"] == {"done": 5, "failed": 2, "dnc": 1, "pending": 1}, str(status) + diag
    assert 1 <= most <= 2, f"{most} customer calls up with 2 agents"

    invites = [ln for ln in customers.log_lines() if ln.startswith("invite ")]
    assert not any(LISTED.lstrip("+") in ln for ln in invites), "a do-not-call number was dialed"
    assert not any(LATE.lstrip("+") in ln for ln in invites), "a contact outside its window was dialed"

    with session_scope(ctx.engine) as session:
        rows = session.scalars(select(Call).where(Call.campaign == "winback")).all()
        late = session.scalars(select(Contact).where(Contact.number == LATE)).one()
    by_number: dict[str, list[str]] = {}
    for r in rows:
        assert r.direction == "outbound" and r.source == "dialer" and r.caller_number == "+4940999000"
        by_number.setdefault(r.called_number, []).append(r.disposition)
    assert by_number[BUSY] == ["busy", "busy"]  # one retry, then failed
    assert by_number[SILENT] == ["no_answer"]
    for n in ANSWER:
        assert by_number[n] == ["outbound"], by_number
    connected = [r for r in rows if r.disposition == "outbound"]
    assert all(r.agent in ("1001", "1002") and r.talk_s > 1 for r in connected)
    assert late.attempts == 0 and late.next_at > time.time()

    cti = [e for e in events if e["type"] == "campaign.connected"]
    assert sorted(e["contact"]["number"] for e in cti) == sorted(ANSWER)
    assert all(e["agent"] in ("1001", "1002") for e in cti)


def _run_dialer(ctx, box, seconds: float, until, events: list) -> None:
    stop = threading.Event()
    dialer = Dialer(ctx.engine, ctx.settings, box.fs.password, node="test", notify=events.append)
    thread = threading.Thread(target=dialer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(10)


def test_abandoned_callee_hears_a_message_and_preview_dials_on_accept(fs_install, tmp_path):
    """Agent 1001 rings 5 s before it answers: the callee waits more than 2 s, so the call is
    abandoned (message, hangup, disposition abandoned). Then a preview campaign: the contact is
    offered to 1002 (CTI event), dialed only once accepted, and connected to 1002."""
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [tenant()])
    box = start_box(fs_install, root)
    customers = Sipp(
        tmp_path / "customers",
        "customer.xml",
        ["-i", CARRIER, "-bind_local", "-p", "5060", "-mi", CARRIER, "-mp", "7100", "-rtp_echo"],
        timeout_s=600,
    )
    start, end = window_around_now("Europe/Berlin")  # _parsed: the numbers' zone
    common = dict(
        queue="sales",
        caller_id="+4940999000",
        window_start=start,
        window_end=end,
        days="all",
        retries={"abandoned": [0, 60]},
    )
    campaigns.add(ctx, TENANT, "slow", mode="progressive", **common)
    campaigns.add_contacts(ctx, TENANT, "slow", _parsed([ANSWER[0]]))
    campaigns.add(ctx, TENANT, "look", mode="preview", **common)
    campaigns.add_contacts(ctx, TENANT, "look", _parsed([ANSWER[1]]))
    events: list[dict] = []
    pw = lambda ext: seat_password(box.services, TENANT, ext)  # noqa: E731
    try:
        with Agents(box, tmp_path / "seats", [Seat("1001", DOMAIN, pw("1001"), talk_ms=2000, ring_ms=5000)]):
            set_status(box.services, TENANT, "1001", "ready")
            campaigns.set_state(ctx, TENANT, "slow", "running")
            _run_dialer(ctx, box, 40, lambda: campaigns.status(ctx, TENANT, "slow")["by_state"].get("failed"), events)
            set_status(box.services, TENANT, "1001", "logout")
            # Its abandoned contact has a retry due later: stopped, it cannot ring 1002 (busy on
            # it, 1002 would not be idle for the preview offer).
            campaigns.set_state(ctx, TENANT, "slow", "stopped")
        with Agents(box, tmp_path / "seats2", [Seat("1002", DOMAIN, pw("1002"), talk_ms=2000)], first_ip=2):
            set_status(box.services, TENANT, "1002", "ready")
            campaigns.set_state(ctx, TENANT, "look", "running")
            offered = lambda: [e for e in events if e["type"] == "campaign.preview"]  # noqa: E731
            _run_dialer(ctx, box, 30, offered, events)
            assert offered() and offered()[0]["agent"] == "1002" and offered()[0]["contact"]["number"] == ANSWER[1]
            before = [ln for ln in customers.log_lines() if ln.startswith("invite ")]
            assert not any(ANSWER[1].lstrip("+") in ln for ln in before), "preview dialed before the accept"
            campaigns.accept(ctx, TENANT, "look", ANSWER[1], "1002")
            _run_dialer(ctx, box, 40, lambda: campaigns.status(ctx, TENANT, "look")["by_state"].get("done"), events)
    finally:
        customers.kill()
        box.fs.stop()

    diag = f"\n{customers.diagnostics()}"
    with session_scope(ctx.engine) as session:
        rows = {r.campaign: r for r in session.scalars(select(Call).where(Call.campaign.is_not(None)))}
    slow, look = rows.get("slow"), rows.get("look")
    assert slow is not None and slow.disposition == "abandoned" and slow.agent is None, diag
    assert slow.wait_s is not None and slow.wait_s >= 2.0
    ended = [ln for ln in customers.log_lines() if ln.startswith("ended bye")]
    assert ended, "the abandoned callee was not hung up" + diag
    message = root / "sounds" / Prompt(ABANDON_TEXT["en"], "en").name
    assert message.is_file() and message.stat().st_size > 1000, "no abandon message was made"
    assert any(e["type"] == "campaign.abandoned" for e in events)
    assert look is not None and look.disposition == "outbound" and look.agent == "1002", diag


def _parsed(numbers):
    from ccctl.outbound.contacts import from_numbers

    return from_numbers([(n, None) for n in numbers], "DE", "UTC")


def test_outbound_survey_campaign_stores_the_score_from_real_dtmf(fs_install, tmp_path):
    """A campaign of kind ivr with target `survey` dials the customer into the survey IVR: the
    callee is connected on answer (never 'abandoned' for want of an agent), hears the question,
    keys 4 by RFC 2833, and the attempt's call row has survey_score 4."""
    root = tmp_path / "fs"
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [tenant()])
    box = start_box(fs_install, root)
    work = tmp_path / "customers"
    work.mkdir()
    sip.build_dtmf_pcap("4", work / "digits.pcap")
    scenario = work / "survey_customer.xml"
    scenario.write_bytes((sip.SCENARIOS / "survey_customer.xml").read_bytes())
    customers = Sipp(
        work,
        scenario,
        ["-i", CARRIER, "-bind_local", "-p", "5060", "-mi", CARRIER, "-mp", "7100", "-set", "wait_ms", "2500"],
        timeout_s=300,
    )
    start, end = window_around_now()
    campaigns.add(
        ctx,
        TENANT,
        "nps",
        kind="ivr",
        target="survey",
        mode="progressive",
        caller_id="+4940999000",
        window_start=start,
        window_end=end,
        days="all",
        ring_timeout=10,
        max_concurrent=1,
    )
    f = tmp_path / "contacts.csv"
    f.write_text(f"number,name,timezone\n{ANSWER[0]},Customer,UTC\n")
    assert campaigns.import_file(ctx, TENANT, "nps", f).imported == 1
    campaigns.set_state(ctx, TENANT, "nps", "running")
    events: list[dict] = []

    def scored():
        with session_scope(ctx.engine) as session:
            return session.scalars(select(Call).where(Call.campaign == "nps")).all()

    try:
        _run_dialer(ctx, box, 60, scored, events)
    finally:
        customers.kill()
        box.fs.stop()
    rows = scored()
    assert len(rows) == 1, f"{rows}\n{customers.diagnostics()}"
    r = rows[0]
    assert r.disposition == "outbound" and r.agent is None and r.survey_score == 4, (r, customers.diagnostics())
    assert "digits sent" in customers.log_lines()
    assert not [e for e in events if e["type"] == "campaign.abandoned"]

"""Wrap-up codes and missed offers on a real FreeSWITCH, with sipp seats:

- a queue that requires a wrap-up code holds the agent's next offer until the code is keyed
  (*9 + code from the seat's phone, or `ccctl agent disposition`); *26 cannot skip it, nor a
  code the queue does not take;
- an agent who misses max_no_answer offers in a row is put On Break, and the daemon records
  the tenant's missed-calls reason for that break (statistics and wallboard read it);
- a code keyed during the call (*9 + code + #) never reaches the caller, goes on that call's
  row, and releases the agent for the next offer as soon as the call ends."""

from __future__ import annotations

import time

import pytest

from ccctl.errors import Conflict, InvalidInput
from ccctl.render.disposition import HELD_REALM, HOLD
from ccctl.supervision.agents import end_wrapup, parse_table, set_disposition, set_status
from ccctl.testing import sip
from ccctl.testing.box import start_site_box
from ccctl.testing.sip import AgentPool, EventLog, Seat, start_call

from .seat_sip import seat_call

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

DID, MISSED_DID, WRAPUP_DID = "4000000031", "4000000032", "4000000033"
PW = {"3001": "gamma-pass-30011", "3002": "gamma-pass-30022", "3003": "gamma-pass-30033", "3004": "gamma-pass-30044"}
SITE = f"""
tenants:
  - name: gamma
    pause_reasons: {{1: lunch, 9: missed calls}}
    missed_calls_reason: 9
    dispositions: {{1: sold, 2: complaint}}
    seats:
      - {{extension: "3001", name: Agent, skills: {{orders: 5}}, password: {PW["3001"]}}}
      - {{extension: "3002", name: Sleepy, skills: {{night: 5}}, password: {PW["3002"]}}}
      - {{extension: "3003", name: Careful, skills: {{support: 5}}, password: {PW["3003"]}}}
      - {{extension: "3004", name: Keyer, skills: {{orders: 5}}, password: {PW["3004"]}}}
    queues:
      - {{name: orders, wrapup: 0, require_disposition: true, dispositions: [2], max_wait: 600,
          no_agent: {{timeout: 0, target: hangup}}}}
      - {{name: night, wrapup: 0, max_wait: 600, no_agent: {{timeout: 0, target: hangup}}}}
      - {{name: support, wrapup: 600, max_wait: 600, no_agent: {{timeout: 0, target: hangup}}}}
    numbers:
      - {{number: "{DID}", target: "queue:orders"}}
      - {{number: "{MISSED_DID}", target: "queue:night"}}
      - {{number: "{WRAPUP_DID}", target: "queue:support"}}
"""
UNAVAILABLE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- A registered seat that never takes a call: every INVITE gets 480 (no answer). -->
<scenario name="agent unavailable">
  <recv request="INVITE"/>
  <send>
    <![CDATA[

      SIP/2.0 480 Temporarily Unavailable
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
</scenario>
"""


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("wrapup")
    b = start_site_box(fs_install, root, SITE)
    yield b
    b.fs.stop()


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def _agent(box, ext: str) -> dict[str, str]:
    return {r["name"]: r for r in parse_table(box.api("callcenter_config agent list"))}[f"{ext}@gamma.cc.local"]


def _bridged(events: EventLog, n: int, timeout: float, queue: str = "orders") -> list[dict[str, str]]:
    return events.wait_for(
        lambda e: e.get("CC-Action") == "bridge-agent-start" and e.get("CC-Queue") == f"{queue}@gamma.cc.local",
        n,
        timeout=timeout,
    )


def _key(tmp_path, code: str, ext: str = "3001") -> None:
    """The seat dials CODE from its phone and hears the confirmation (or refusal)."""
    n = len(list(tmp_path.glob("key-*")))
    out = seat_call(tmp_path / f"key-{n}", ext, "gamma.cc.local", PW[ext], code, talk_ms=15000)
    assert out.code == 200 and out.ended == "remote-bye", out.diagnostics()


def test_next_offer_waits_for_the_wrap_up_code(box, tmp_path):
    svc = box.services
    seat = Seat("3001", "gamma.cc.local", PW["3001"])
    with (
        EventLog(box.fs.password, ["CUSTOM", "callcenter::info"], port=svc.settings.esl_port) as events,
        AgentPool(box, tmp_path / "seat", [seat], talk_ms=2000),
    ):
        set_status(svc, "gamma", "3001", "login")
        first = start_call(tmp_path / "c1", DID, wait_ms=500, talk_ms=8000, source_ip="127.0.0.21")
        _bridged(events, 1, 30)
        assert first.wait().ok
        # The seat hung up after 2 s: held for a code, whatever the queue's wrap-up (0).
        assert int(_agent(box, "3001")["ready_time"]) == HOLD
        with pytest.raises(Conflict, match="must key a wrap-up code first"):
            end_wrapup(svc, "gamma", "3001", actor="sup")
        # Answered by the queue at once: it stays on the line while the seat keys its codes.
        second = start_call(tmp_path / "c2", DID, wait_ms=500, talk_ms=40000, source_ip="127.0.0.22")
        events.wait_for(
            lambda e: e.get("CC-Action") == "member-queue-start" and e.get("CC-Queue") == "orders@gamma.cc.local",
            2,
            timeout=20,
        )
        held_from = time.monotonic()
        _key(tmp_path, "*26")  # end wrap-up now: refused while a code is due
        time.sleep(max(0.0, 6 - (time.monotonic() - held_from)))
        offers = events.matching(lambda e: e.get("CC-Action") == "agent-offering")
        assert len(offers) == 1, f"offered while a code was due: {offers}"
        assert int(_agent(box, "3001")["ready_time"]) == HOLD

        _key(tmp_path, "*91")  # sold: not a code an orders call takes (refused, still held)
        assert int(_agent(box, "3001")["ready_time"]) == HOLD
        keyed = time.monotonic()
        _key(tmp_path, "*92")  # complaint: released
        _bridged(events, 2, 20)
        print(f"held {keyed - held_from:.1f} s; offered {time.monotonic() - keyed:.1f} s after *92")
        assert second.wait().ok

        # The library releases the same way (a supervisor keying for the agent).
        deadline = time.monotonic() + 10
        while int(_agent(box, "3001")["ready_time"]) != HOLD and time.monotonic() < deadline:
            time.sleep(0.2)
        assert int(_agent(box, "3001")["ready_time"]) == HOLD
        assert box.api(f"hash select/{HELD_REALM}/3001@gamma.cc.local").strip() == str(HOLD)
        with pytest.raises(InvalidInput, match="does not take wrap-up code 1"):
            set_disposition(svc, "gamma", "3001", "sold", actor="sup")
        assert set_disposition(svc, "gamma", "3001", "complaint", actor="sup") == "complaint"
        assert int(_agent(box, "3001")["ready_time"]) == 0
        assert not box.api(f"hash select/{HELD_REALM}/3001@gamma.cc.local", check=False).strip().isdigit()


def test_missed_offers_put_the_agent_on_break_with_the_missed_calls_reason(box, tmp_path):
    from sqlalchemy import select

    from ccctl.model import AgentEvent

    from .test_daemon import DaemonProcess

    svc = box.services
    scenario = tmp_path / "unavailable.xml"
    scenario.write_text(UNAVAILABLE)
    seat = Seat("3002", "gamma.cc.local", PW["3002"])
    with (
        DaemonProcess(svc.settings, tmp_path / "daemon.log"),
        AgentPool(box, tmp_path / "seat", [seat], answer=scenario, ip="127.0.1.2"),
    ):
        set_status(svc, "gamma", "3002", "login")
        # Offers 1 s apart instead of the rendered 10 s: the count is what matters here.
        box.api("callcenter_config agent set no_answer_delay_time 3002@gamma.cc.local 1")
        caller = start_call(tmp_path / "c", MISSED_DID, wait_ms=500, talk_ms=30000, source_ip="127.0.0.23")
        deadline = time.monotonic() + 40
        while _agent(box, "3002")["status"] != "On Break" and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _agent(box, "3002")["status"] == "On Break", _agent(box, "3002")
        rows: list = []
        deadline = time.monotonic() + 20
        while ("reason", "missed calls") not in rows and time.monotonic() < deadline:
            time.sleep(0.3)
            with svc.engine.connect() as conn:
                rows = conn.execute(
                    select(AgentEvent.kind, AgentEvent.value)
                    .where(AgentEvent.tenant == "gamma", AgentEvent.agent == "3002")
                    .order_by(AgentEvent.at, AgentEvent.id)
                ).all()
        caller.sipp.kill()
    assert ("reason", "missed calls") in rows, rows
    assert rows[rows.index(("reason", "missed calls")) - 1] == ("status", "On Break"), rows
    # The agents' report: time on break for missed calls since then.
    from ccctl.stats.agent_report import report
    from ccctl.stats.history import Query

    (row,) = report(svc.engine, Query(time.time() - 3600, time.time(), "gamma", agent="3002", by="agent"))
    assert row["break:missed calls"] > 0 and row["login_time"] > 0, row


def test_star_26_ends_a_real_wrap_up(box, tmp_path):
    """mod_callcenter counts wrap-up from the end of the call (wrap_up_time): *26 ends it, and
    the next answered call has the queue's wrap-up again."""
    svc = box.services
    with (
        EventLog(box.fs.password, ["CUSTOM", "callcenter::info"], port=svc.settings.esl_port) as events,
        AgentPool(box, tmp_path / "seat", [Seat("3003", "gamma.cc.local", PW["3003"])], talk_ms=2000, ip="127.0.1.3"),
    ):
        set_status(svc, "gamma", "3003", "login")
        first = start_call(tmp_path / "c1", WRAPUP_DID, wait_ms=500, talk_ms=8000, source_ip="127.0.0.24")
        _bridged(events, 1, 30, "support")
        assert first.wait().ok
        second = start_call(tmp_path / "c2", WRAPUP_DID, wait_ms=500, talk_ms=6000, source_ip="127.0.0.25")
        events.wait_for(
            lambda e: e.get("CC-Action") == "member-queue-start" and e.get("CC-Queue") == "support@gamma.cc.local",
            2,
            timeout=20,
        )
        time.sleep(4)
        assert len(events.matching(lambda e: e.get("CC-Action") == "agent-offering")) == 1, "offered in wrap-up"
        keyed = time.monotonic()
        _key(tmp_path, "*26", "3003")
        _bridged(events, 2, 20, "support")
        print(f"offered {time.monotonic() - keyed:.1f} s after *26 (wrap-up 600 s)")
        assert int(_agent(box, "3003")["wrap_up_time"]) == 600  # back for the next call
        assert second.wait().ok


def test_a_code_keyed_during_the_call_never_reaches_the_caller(box, tmp_path):
    """The seat keys 1 (an ordinary digit: the caller gets it), then *97# (no such code) and
    *91# (sold: not a code an orders call takes), both refused aloud, then *92# (complaint) during a queue call that requires
    a code. The caller's RTP carries the 1 and nothing of the codes; the call's row has code 2;
    the agent is offered the next caller as soon as the call ends (wrap-up 0), not held."""
    from sqlalchemy import select

    from ccctl.media import prompts
    from ccctl.model import Call

    from .rtp import RtpPeer, media_scenario
    from .test_daemon import DaemonProcess
    from .test_on_demand_recording import seat_pressing

    svc = box.services
    keys = seat_pressing(tmp_path / "seat", "1 *97#     *91#     *92#", gap_ms=600)
    refusal = prompts.standard("agent_unknown_code", "en").ref.rsplit("/", 1)[-1]
    caller_media = RtpPeer("127.0.0.26", 41000, 700)
    scenario = media_scenario(sip.SCENARIOS / "caller.xml", tmp_path / "caller-media.xml", 41000)
    with (
        EventLog(
            box.fs.password,
            ["CHANNEL_EXECUTE", "CUSTOM", "callcenter::info", "ccctl::agent"],
            port=svc.settings.esl_port,
        ) as ev,
        DaemonProcess(svc.settings, tmp_path / "daemon.log"),
        AgentPool(
            box,
            tmp_path / "seat",
            [Seat("3004", "gamma.cc.local", PW["3004"])],
            answer=keys,
            talk_ms=22000,
            ip="127.0.1.4",
        ),
    ):
        try:
            set_status(svc, "gamma", "3004", "login")
            first = start_call(
                tmp_path / "c1", DID, wait_ms=500, talk_ms=40000, source_ip="127.0.0.26", audio=False, scenario=scenario
            )
            (bridged,) = _bridged(ev, 1, 30)
            call = bridged["CC-Member-Session-UUID"]
            second = start_call(tmp_path / "c2", DID, wait_ms=500, talk_ms=40000, source_ip="127.0.0.27")
            got = ev.wait_for(lambda e: e.get("CCCTL-Action") == "disposition", timeout=30)
            assert [(e["CCCTL-Code"], e["CCCTL-Call"], e["CCCTL-Agent"]) for e in got] == [
                ("2", call, "3004@gamma.cc.local")
            ], got
            refused = ev.matching(
                lambda e: e.get("Application") == "playback" and refusal in e.get("Application-Data", "")
            )
            assert len(refused) == 2, "*97 (no such code) and *91 (not an orders code) are refused aloud"
            assert int(_agent(box, "3004")["ready_time"]) == 0  # released during the call
            assert first.wait().ok  # the seat hung up after 22 s
            ended = time.monotonic()
            _bridged(ev, 2, 20)
            print(f"next offer bridged {time.monotonic() - ended:.1f} s after the call ended")
            heard = caller_media.digits_received()
            print(f"the caller received the digits {heard}")
            assert heard == ["1"], heard
            second.sipp.kill()
        finally:
            caller_media.close()
        deadline, code = time.monotonic() + 20, None
        while code is None and time.monotonic() < deadline:
            time.sleep(0.3)
            with svc.engine.connect() as conn:
                code = conn.execute(select(Call.wrapup_code).where(Call.uuid == call)).scalar()
        assert code == "2"

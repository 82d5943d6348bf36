"""End to end with real SIP and RTP (sipp) against a real FreeSWITCH, all on loopback: a
carrier call reaches a DID, the IVR takes a digit, mod_callcenter offers the call to the
longest-idle registered seat, which answers; media flows both ways, the call is recorded and
ends cleanly. Also: no recording when the tenant says none, the IVR's closed branch, a queue
with no agent, hold music at full rate to a caller who sends no audio, and the tenant's
concurrent-call cap.

Each test starts its own FreeSWITCH (fixed ports: one at a time) from its own database."""

from __future__ import annotations

import array
import time
import wave
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.config.write import apply_tenants
from ccctl.supervision.agents import parse_table, set_status
from ccctl.testing import sip
from ccctl.testing.box import fs_settings, start_box
from ccctl.testing.sip import Agents, EventLog, Seat, call, start_call

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

TENANT = "acme"
DOMAIN = "acme.cc.local"
DID = "4000000001"
HANGUP = "CHANNEL_HANGUP_COMPLETE"
CC_EVENT = "callcenter::info"


def tenant(recording: str = "all", queue: dict | None = None, ivr: dict | None = None, **over) -> s.Tenant:
    """Two sales seats, queue sales (longest idle agent, no wrap-up), IVR main (1: sales,
    always open) behind DID 4000000001."""
    spec = dict(
        name=TENANT,
        recording=s.Recording(mode=recording),
        seats=[
            s.Seat(extension="1001", name="Alice", skills={"sales": 5}),
            s.Seat(extension="1002", name="Bob", skills={"sales": 5}),
        ],
        queues=[
            s.Queue(
                **{
                    "name": "sales",
                    "strategy": "longest-idle-agent",
                    "wrapup": 0,
                    "no_agent": s.NoAgent(timeout=30, target="hangup"),
                    **(queue or {}),
                }
            )
        ],
        ivrs=[
            s.Ivr(
                **{
                    "name": "main",
                    "greeting": s.Greeting(text="Welcome. For sales press 1."),
                    "options": {"1": "queue:sales"},
                    "timeout": 5,
                    "hours": None,
                    **(ivr or {}),
                }
            )
        ],
        numbers=[s.Number(number=DID, target="ivr:main")],
    )
    spec.update(over)
    return s.Tenant(**spec)


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


@contextmanager
def running_box(fs_install, root, t: s.Tenant):
    """A fresh FreeSWITCH serving only T, with an Event Socket listener for channel hangups
    and callcenter events. On a failure inside, FreeSWITCH's log tail is printed."""
    ctx = app.open(fs_settings(root), deploy=False)
    apply_tenants(ctx, [t])
    box = start_box(fs_install, root)
    try:
        with EventLog(box.fs.password, [HANGUP, "CUSTOM", CC_EVENT]) as events:
            yield box, events
    except BaseException:
        print("\n==== FreeSWITCH log (tail)\n" + box.fs.log_tail(200))
        raise
    finally:
        box.fs.stop()


def seats(box, talk_ms: dict[str, int | None]) -> list[Seat]:
    return [Seat(ext, DOMAIN, seat_password(box.services, TENANT, ext), talk) for ext, talk in talk_ms.items()]


def agent_rows(box) -> dict[str, dict[str, str]]:
    return {r["name"].split("@")[0]: r for r in parse_table(box.api("callcenter_config agent list"))}


def wait_agent_state(box, ext: str, state: str, timeout: float = 5) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        row = agent_rows(box)[ext]
        if row["state"] == state or time.monotonic() > deadline:
            return row
        time.sleep(0.1)


def hangup_of(events: EventLog, sip_call_id: str, timeout: float = 10) -> dict[str, str]:
    """The CHANNEL_HANGUP_COMPLETE of the FreeSWITCH channel for SIP Call-ID SIP_CALL_ID."""
    return events.wait_for(
        lambda e: e.get("Event-Name") == HANGUP and e.get("variable_sip_call_id") == sip_call_id, timeout=timeout
    )[0]


def cc_event(events: EventLog, action: str, member_session: str, timeout: float = 10) -> dict[str, str]:
    return events.wait_for(
        lambda e: (
            e.get("Event-Subclass") == CC_EVENT
            and e.get("CC-Action") == action
            and e.get("CC-Member-Session-UUID") == member_session
        ),
        timeout=timeout,
    )[0]


def wav_stats(path) -> tuple[float, float]:
    """(seconds, RMS level 0..1) of a 16-bit WAV file."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        samples = array.array("h", w.readframes(w.getnframes()))
        seconds = w.getnframes() / w.getframerate()
    rms = (sum(x * x for x in samples) / max(1, len(samples))) ** 0.5 / 32768
    return seconds, rms


def recordings(box) -> list:
    d = box.fs.dirs["recordings"] / TENANT
    return sorted(p for p in d.rglob("*") if p.is_file() and "voicemail" not in p.parts) if d.exists() else []


def check(cond: bool, msg: str, *sources) -> None:
    """assert COND, with the diagnostics of SOURCES (callables or text) in the message."""
    if not cond:
        raise AssertionError(msg + "\n" + "\n\n".join(x() if callable(x) else str(x) for x in sources))


def test_ivr_to_longest_idle_agent_with_media_and_recording(fs_install, tmp_path):
    with (
        running_box(fs_install, tmp_path / "fs", tenant("all")) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 1500, "1002": 4000})) as agents,
    ):
        # Warm-up: only Alice is ready, so she takes the first call and becomes the agent
        # offered a call most recently.
        set_status(box.services, TENANT, "1001", "ready")
        first = call(tmp_path / "call-1", DID, digits="1", wait_ms=1500, talk_ms=8000)
        check(
            first.ok and first.answered and len(agents["1001"].calls) == 1,
            f"warm-up call failed: {first}",
            first.diagnostics,
            agents.diagnostics,
        )
        assert agents["1002"].calls == []

        # Both ready (wrap-up is 0, so Alice is Waiting again): Alice comes first by tier
        # position, Bob has been idle longest. longest-idle-agent must pick Bob.
        set_status(box.services, TENANT, "1002", "ready")
        row = wait_agent_state(box, "1001", "Waiting")
        assert row["status"] == "Available" and row["state"] == "Waiting", row
        result = call(tmp_path / "call-2", DID, digits="1", wait_ms=1500, talk_ms=12000)
        check(result.ok and result.answered, f"call failed: {result}", result.diagnostics, agents.diagnostics)
        check(
            len(agents["1002"].calls) == 1 and len(agents["1001"].calls) == 1,
            "the second call should go to the longest-idle agent, 1002",
            agents.diagnostics,
        )
        assert agents["1002"].ended == ["local-bye"]  # Bob hung up after his 4 s
        assert result.ended == "remote-bye"  # and FreeSWITCH then cleared the caller
        rows = agent_rows(box)
        assert (rows["1001"]["calls_answered"], rows["1002"]["calls_answered"]) == ("1", "1"), rows

        # Both legs ended normally, with RTP both ways on each.
        caller_leg = hangup_of(events, result.call_id)
        agent_leg = hangup_of(events, agents["1002"].calls[0])
        assert caller_leg["variable_cc_agent"] == f"1002@{DOMAIN}"
        for name, leg in (("caller", caller_leg), ("agent", agent_leg)):
            assert leg["Hangup-Cause"] == "NORMAL_CLEARING", (name, leg["Hangup-Cause"])
            rx = int(leg.get("variable_rtp_audio_in_packet_count", 0))
            tx = int(leg.get("variable_rtp_audio_out_packet_count", 0))
            print(f"{name} leg: RTP packets in={rx} out={tx}")
            assert rx > 50 and tx > 50, f"{name} leg RTP in={rx} out={tx}"

        # The recording is of the caller's channel, <recordings>/<tenant>/<day>/<uuid>.wav,
        # from the agent's answer to the hangup.
        rec = Path(caller_leg["variable_cc_record_filename"])
        days = {datetime.now(tz).strftime("%Y-%m-%d") for tz in (ZoneInfo("UTC"), None)}
        assert rec.parent.parent == box.fs.dirs["recordings"] / TENANT and rec.parent.name in days, rec
        assert rec.name == f"{caller_leg['Unique-ID']}.wav", rec
        check(rec.exists(), f"no recording {rec}", lambda: "\n".join(map(str, recordings(box))))
        seconds, rms = wav_stats(rec)
        talk = int(agent_leg["variable_billmsec"]) / 1000
        print(f"recording {rec.name}: {seconds:.2f}s, rms {rms:.3f}; agent talked {talk:.2f}s")
        assert abs(seconds - 4.0) <= 1.0, f"recording lasts {seconds:.2f}s, the agent talked 4.0 s"
        assert rms > 0.01, f"recording is silent (rms {rms:.4f})"
        assert len(recordings(box)) == 2  # the warm-up call's and this one
        assert all(a.sipp.running() for a in agents.agents.values())  # seats outlive their calls


def test_recording_none_writes_no_file(fs_install, tmp_path):
    """Two calls in a row to the one ready seat (which answers both): no recording at all."""
    with (
        running_box(fs_install, tmp_path / "fs", tenant("none")) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 2000})) as agents,
    ):
        set_status(box.services, TENANT, "1001", "ready")
        for i in (1, 2):
            wait_agent_state(box, "1001", "Waiting")
            result = call(tmp_path / f"call-{i}", DID, digits="1", wait_ms=1500, talk_ms=10000)
            check(
                result.ok and result.answered and len(agents["1001"].calls) == i,
                f"call {i} failed: {result}",
                result.diagnostics,
                agents.diagnostics,
            )
            leg = hangup_of(events, result.call_id)
            assert leg["Hangup-Cause"] == "NORMAL_CLEARING"
            assert leg["variable_cc_agent"] == f"1001@{DOMAIN}"
            assert "variable_cc_record_filename" not in leg
        assert agents["1001"].ended == ["local-bye", "local-bye"]
        assert recordings(box) == []


def _today_and_tomorrow() -> list[str]:
    now = datetime.now(ZoneInfo("UTC"))  # the tenant's time zone
    return [now.strftime("%m-%d"), (now + timedelta(days=1)).strftime("%m-%d")]


def _not_today() -> str:
    return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(datetime.now(ZoneInfo("UTC")).weekday() + 3) % 7]


@pytest.mark.parametrize("why", ["holiday", "hours"])
def test_closed_ivr_takes_the_closed_branch(fs_install, tmp_path, why):
    """Closed (a holiday today, or no open hours today): the caller hears the closed prompt
    and is hung up; the menu's digits lead nowhere, no agent is offered the call."""
    closed = {"holidays": _today_and_tomorrow()} if why == "holiday" else {"hours": {_not_today(): "09:00-17:00"}}
    with (
        running_box(fs_install, tmp_path / "fs", tenant("all", ivr=closed)) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": None})) as agents,
    ):
        set_status(box.services, TENANT, "1001", "ready")
        result = call(tmp_path / "call", DID, digits="1", wait_ms=1000, talk_ms=15000)
        check(
            result.ok and result.answered and result.ended == "remote-bye", f"call failed: {result}", result.diagnostics
        )
        leg = hangup_of(events, result.call_id)
        assert leg["Hangup-Cause"] == "NORMAL_CLEARING"
        expected = {f"holiday {d}" for d in _today_and_tomorrow()} if why == "holiday" else {"hours"}
        assert leg.get("variable_ccctl_closed") in expected, leg.get("variable_ccctl_closed")
        assert "variable_ccctl_ivr" not in leg and "variable_cc_queue" not in leg
        assert result.duration < 12, result  # the closed prompt, then hangup
        assert agents["1001"].calls == []


def test_queue_without_agents_gives_up_after_no_agent_timeout(fs_install, tmp_path):
    """Nobody logged in; the queue's no-agent timeout is 3 s with target hangup: the caller
    leaves the queue 3 s after entering it (mod_callcenter counts whole epoch seconds and
    checks every 0.5 s, hence the window)."""
    t = tenant("none", queue={"no_agent": s.NoAgent(timeout=3, target="hangup")})
    with running_box(fs_install, tmp_path / "fs", t) as (box, events):
        queue = parse_table(box.api("callcenter_config queue list"))[0]
        timeout = int(queue["max_wait_time_with_no_agent"]) + int(queue["max_wait_time_with_no_agent_time_reached"])
        assert timeout == 3
        result = call(tmp_path / "call", DID, digits="1", wait_ms=1500, talk_ms=20000)
        check(
            result.ok and result.answered and result.ended == "remote-bye", f"call failed: {result}", result.diagnostics
        )
        leg = hangup_of(events, result.call_id)
        uuid = leg["Unique-ID"]
        start = cc_event(events, "member-queue-start", uuid)
        end = cc_event(events, "member-queue-end", uuid)
        assert end["CC-Cancel-Reason"] == "NO_AGENT_TIMEOUT", end.get("CC-Cancel-Reason")
        waited = (int(leg["variable_end_uepoch"]) - int(start["Event-Date-Timestamp"])) / 1e6
        print(f"in queue {waited:.2f}s before the hangup (no-agent timeout {timeout}s)")
        assert timeout - 1 <= waited <= timeout + 2, waited
        assert leg["Hangup-Cause"] == "NORMAL_CLEARING"
        assert leg["variable_cc_cancel_reason"] == "NO_AGENT_TIMEOUT"
        assert leg["variable_ccctl_queue"] == "sales"


def test_a_caller_who_sends_no_audio_hears_hold_music_at_full_rate(fs_install, tmp_path):
    """A caller muted by their carrier (no RTP at all) waits in a queue: FreeSWITCH still sends
    hold music at 50 packets a second. Media paced by the far end's packets (an RTP profile
    without a timer, and playback without its own) would send about one a second instead."""
    t = tenant(
        "none",
        queue={"no_agent": s.NoAgent(timeout=6, target="hangup")},
        numbers=[s.Number(number=DID, target="queue:sales")],
    )
    with running_box(fs_install, tmp_path / "fs", t) as (box, events):
        result = call(tmp_path / "call", DID, wait_ms=0, talk_ms=20000, audio=False)
        check(result.ok and result.ended == "remote-bye", f"call failed: {result}", result.diagnostics)
        leg = hangup_of(events, result.call_id)
        start = cc_event(events, "member-queue-start", leg["Unique-ID"])
        in_queue = (int(leg["variable_end_uepoch"]) - int(start["Event-Date-Timestamp"])) / 1e6
        sent, heard = int(leg["variable_rtp_audio_out_packet_count"]), int(leg["variable_rtp_audio_in_packet_count"])
        print(f"{sent} packets sent in {in_queue:.1f} s in the queue ({sent / in_queue:.1f}/s); {heard} received")
        assert heard == 0, "the caller was meant to send no audio"
        assert in_queue >= 5, in_queue
        assert sent >= 40 * in_queue, f"{sent} packets in {in_queue:.1f} s: hold music was not sent at 50/s"


def test_call_over_the_tenant_cap_gets_503(fs_install, tmp_path):
    with running_box(fs_install, tmp_path / "fs", tenant("none", call_limit=1)) as (box, events):
        first = start_call(tmp_path / "call-1", DID, wait_ms=8000, talk_ms=500)
        deadline = time.monotonic() + 10
        while "final 200" not in first.sipp.log_lines() and time.monotonic() < deadline:
            time.sleep(0.1)
        second = call(tmp_path / "call-2", DID, source_ip="127.0.0.3", wait_ms=500, talk_ms=500)
        one = first.wait()
        check(one.ok and one.answered and one.ended == "local-bye", f"first call: {one}", one.diagnostics)
        check(second.ok and second.code == 503 and not second.answered, f"second call: {second}", second.diagnostics)
        refused = hangup_of(events, second.call_id)
        assert refused.get("variable_ccctl_refused") == "call_limit"
        assert "Tenant call limit reached" in second.sipp.messages.read_text()
        # the cap counts calls up, not calls made: a third call after the first ended goes in
        third = call(tmp_path / "call-3", DID, wait_ms=500, talk_ms=500)
        check(third.ok and third.answered, f"third call: {third}", third.diagnostics)

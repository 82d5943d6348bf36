"""On-demand recording on a real FreeSWITCH: a queue call is not recorded until the seat
presses *2 on its phone, and stops growing after *3 while the call goes on. The seat is sipp
answering and then sending RFC 2833 digits (DTMF injected through the API skips the DTMF hooks
that feature codes hang on, so only real digits from the phone prove anything)."""

from __future__ import annotations

import time

import pytest

from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.sip import SCENARIOS, AgentPool, Seat, build_dtmf_pcap, start_call

from .test_calls import DOMAIN, TENANT, check, recordings, running_box, wav_stats
from .test_recordings import QUEUE_DID, recorded_tenant

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def seat_pressing(workdir, digits: str, gap_ms: int):
    """agent_answer.xml that, 1.5 s after answering, presses DIGITS GAP_MS apart on its phone."""
    workdir.mkdir(parents=True, exist_ok=True)
    build_dtmf_pcap(digits, workdir / "digits.pcap", gap_ms=gap_ms)
    text = (SCENARIOS / "agent_answer.xml").read_text()
    marker = "  <!-- Talk time: -d milliseconds, then the seat hangs up. -->"
    assert marker in text
    press = (
        '  <pause milliseconds="1500"/>\n  <nop><action><log message="pressing"/>'
        '<exec play_pcap_audio="digits.pcap"/></action></nop>\n'
    )
    scenario = workdir / "agent_keys.xml"
    scenario.write_text(text.replace(marker, press + marker))
    return scenario


def test_seat_starts_and_stops_recording_with_feature_codes(fs_install, tmp_path):
    t = recorded_tenant(1).model_copy(update={"recording": s.Recording(mode="on_demand")})
    with running_box(fs_install, tmp_path / "fs", t) as (box, events):
        seat = Seat("1001", DOMAIN, seat_password(box.services, TENANT, "1001"))
        # *2 at 1.5 s + 2 s after the answer, *3 4 s later.
        keys = seat_pressing(tmp_path / "agents", "*2*3", gap_ms=2000)
        with AgentPool(box, tmp_path / "agents", [seat], answer=keys):
            set_status(box.services, TENANT, "1001", "ready")
            caller = start_call(tmp_path / "caller", QUEUE_DID, wait_ms=500, talk_ms=14000)
            bridged = events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", timeout=30)[0]
            member = bridged["CC-Member-Session-UUID"]
            time.sleep(1.5)
            assert recordings(box) == [], "on demand: nothing is recorded before the seat asks"
            deadline = time.monotonic() + 6
            while not recordings(box) and time.monotonic() < deadline:
                time.sleep(0.2)
            files = recordings(box)
            check(len(files) == 1, f"*2 started no recording: {files}", lambda: box.fs.log_tail(40))
            assert files[0].stem == member, "named by the call's uuid, as every recording"
            time.sleep(6)  # *3 came 4 s after *2
            stopped = files[0].stat().st_size
            time.sleep(2)
            assert files[0].stat().st_size == stopped, "the file still grows after *3"
            result = caller.wait()
            check(result.ok, "the call did not complete", result.diagnostics)
        seconds, rms = wav_stats(files[0])
        print(f"on-demand recording {files[0].name}: {seconds:.2f}s, rms {rms:.3f}")
        assert 3.0 <= seconds <= 8.0 and rms > 0.001

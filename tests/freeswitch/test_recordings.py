"""No recording lost: a hundred calls that all start recording at once on the first call of
the day (a fresh recordings folder) each leave a recording with audio; a recording that does
fail is logged with the call's uuid and counted in `ccctl status`.

One FreeSWITCH per test, all on loopback (scripts/in-netns). The hundred-call test is heavy
for a shared 2-core machine, so its timeouts are generous and it asserts outcomes, not timing."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.freeswitch.status import box_status
from ccctl.recordings import folders
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.sip import AgentPool, Agents, Seat, call, caller_load

from .test_calls import DOMAIN, TENANT, check, hangup_of, running_box, seats, wav_stats

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

QUEUE_DID = "4000000009"
N = 100


def recorded_tenant(n_seats: int) -> s.Tenant:
    """N_SEATS seats serving queue sales, a DID straight into it, every call recorded."""
    return s.Tenant(
        name=TENANT,
        seat_limit=max(n_seats, 10),
        call_limit=0,
        recording=s.Recording(mode="all"),
        seats=[s.Seat(extension=str(1001 + i), name=f"Agent {i}", skills={"sales": 5}) for i in range(n_seats)],
        queues=[
            s.Queue(
                name="sales",
                strategy="longest-idle-agent",
                wrapup=0,
                max_wait=600,
                no_agent=s.NoAgent(timeout=0, target="hangup"),
            )
        ],
        numbers=[s.Number(number=QUEUE_DID, target="queue:sales")],
    )


def today_folders() -> list:
    """The per-day folder names FreeSWITCH may use now (its strftime is local time)."""
    return sorted({datetime.now().strftime("%Y-%m-%d"), datetime.utcnow().strftime("%Y-%m-%d")})


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def test_hundred_concurrent_first_of_day_recordings(fs_install, tmp_path):
    with running_box(fs_install, tmp_path / "fs", recorded_tenant(N)) as (box, events):
        root = box.fs.dirs["recordings"] / TENANT
        # The tenant's folder is ccctl's; the day's folder does not exist yet: the first calls make it.
        assert root.is_dir() and not any(p.name[:4].isdigit() for p in root.iterdir()), list(root.iterdir())
        pool_seats = [Seat(str(1001 + i), DOMAIN, seat_password(box.services, TENANT, str(1001 + i))) for i in range(N)]
        with AgentPool(box, tmp_path / "agents", pool_seats, register_timeout=120):
            for x in pool_seats:
                set_status(box.services, TENANT, x.extension, "ready")
            # All hundred up at once (ramped at 25/s), talking for 25 s: their recordings all
            # start within a few seconds, the first ones racing for the day's folder.
            load = caller_load(tmp_path / "callers", QUEUE_DID, total=N, concurrent=N, rate=25, talk_ms=25000)
            bridged = events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", count=N, timeout=240)
            rc = load.wait(300)
            check(rc == 0, f"callers' sipp exited {rc}", load.diagnostics)
            members = {e["CC-Member-Session-UUID"] for e in bridged}
            ended = events.wait_for(
                lambda e: e.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE" and e.get("Unique-ID") in members,
                count=N,
                timeout=120,
            )
        files = sorted(p for p in root.rglob("*.wav") if "voicemail" not in p.parts)
        print(f"{len(members)} calls bridged, {len(files)} recordings in {sorted({p.parent.name for p in files})}")
        causes = {e.get("variable_record_completion_cause") for e in ended} - {None}
        failed = {c for c in causes if not c.startswith("success")}  # success-silence: a normal end
        check(not failed, f"recording completion causes {causes}", lambda: "\n".join(box.fs.errors()[:20]))
        assert {p.stem for p in files} == members, "one recording per bridged call, named by its uuid"
        assert {p.parent.name for p in files} <= set(today_folders())
        silent = []
        for p in files:
            seconds, rms = wav_stats(p)
            if seconds < 10 or rms < 0.01:
                silent.append((p.name, round(seconds, 1), round(rms, 4)))
        assert not silent, f"recordings without audio: {silent[:10]}"
        assert not [e for e in box.fs.errors() if "Error creating" in e or "Error opening" in e]
        status = box_status(box.services)
        assert status["recording_failures"] == 0 and status["tenants"][0]["recording_failures"] == 0


def test_failed_recording_is_logged_and_counted(fs_install, tmp_path):
    """A recording FreeSWITCH cannot write (here: a file stands where the day's folder goes)
    is logged with the call's uuid and counted in `ccctl status`; the call itself goes on."""
    with (
        running_box(fs_install, tmp_path / "fs", recorded_tenant(1)) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 2000})),
    ):
        root = box.fs.dirs["recordings"] / TENANT
        for day in today_folders():
            (root / day).write_text("not a folder")
        assert box_status(box.services)["recording_failures"] == 0
        set_status(box.services, TENANT, "1001", "ready")
        result = call(tmp_path / "call", QUEUE_DID, wait_ms=500, talk_ms=8000)
        check(result.ok and result.answered, f"call failed: {result}", result.diagnostics)
        leg = hangup_of(events, result.call_id)
        uuid = leg["Unique-ID"]
        assert leg["variable_cc_agent"] == f"1001@{DOMAIN}"  # the call was served all the same
        assert leg.get("variable_record_completion_cause") == "uri-failure"
        deadline = time.monotonic() + 10
        while f"ccctl recording-failed call={uuid}" not in box.fs.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        line = next((x for x in box.fs.log_text().splitlines() if f"ccctl recording-failed call={uuid}" in x), None)
        check(line is not None, "no log line for the failed recording", lambda: box.fs.log_tail(80))
        assert "[ERR]" in line and f"tenant={TENANT}" in line and "cause=uri-failure" in line, line
        status = box_status(box.services)
        assert status["recording_failures"] == 1, status
        assert status["tenants"][0]["recording_failures"] == 1
        with box.fs.esl() as esl:
            assert folders.failed_calls(esl, TENANT) == [uuid]


def test_call_to_a_seat_is_recorded_on_the_callers_channel(fs_install, tmp_path):
    """DID straight to a seat: the recording starts once the bridge is up, on the caller's
    channel (which carries the failure hooks), and holds the conversation."""
    t = recorded_tenant(1).model_copy(update={"numbers": [s.Number(number=QUEUE_DID, target="seat:1001")]})
    with (
        running_box(fs_install, tmp_path / "fs", t) as (box, events),
        Agents(box, tmp_path / "seats", seats(box, {"1001": 4000})) as agents,
    ):
        result = call(tmp_path / "call", QUEUE_DID, wait_ms=300, talk_ms=10000)
        check(
            result.ok and result.answered and len(agents["1001"].calls) == 1,
            f"call failed: {result}",
            result.diagnostics,
            agents.diagnostics,
        )
        leg = hangup_of(events, result.call_id)
        files = [p for p in (box.fs.dirs["recordings"] / TENANT).rglob("*.wav") if "voicemail" not in p.parts]
        assert [p.name for p in files] == [f"{leg['Unique-ID']}.wav"], files
        assert files[0].parent.name in today_folders()
        seconds, rms = wav_stats(files[0])
        print(f"seat call recording: {seconds:.2f}s, rms {rms:.3f}")
        assert 3.0 <= seconds <= 5.5 and rms > 0.01, (seconds, rms)  # the seat talked 4 s
        assert not (leg.get("variable_record_completion_cause") or "success").startswith("uri")
        assert box_status(box.services)["recording_failures"] == 0

"""Supervision on a real FreeSWITCH: who hears whom when a supervisor listens, whispers or barges
(each party's media end is a Python RTP peer sending its own tone), three-way, force hang-up,
cross-tenant refusal, the stuck-agent watchdog, and a seat's password reset."""

from __future__ import annotations

import json
import time

import pytest

from ccctl.config.credentials import credentials, reset_password
from ccctl.config.entities import get_tenant
from ccctl.errors import Conflict, NotFound
from ccctl.supervision import audit, monitor
from ccctl.supervision.watchdog import Watchdog
from ccctl.testing.box import start_site_box
from ccctl.testing.sip import FS_IP, INTERNAL_PORT, SCENARIOS, Sipp

from .rtp import RtpPeer, media_scenario
from .seat_sip import _csv, register_once

PW = {
    "1001": "agent-pass-1001",
    "1002": "customer-pass-1002",
    "1003": "third-pass-10033",
    "1009": "super-pass-10099",
    "2001": "beta-pass-200111",
    "2009": "beta-super-20099",
}
SITE = f"""
tenants:
  - name: acme
    seats:
      - {{extension: "1001", name: Agent, password: {PW["1001"]}}}
      - {{extension: "1002", name: Customer, password: {PW["1002"]}}}
      - {{extension: "1003", name: Third, password: {PW["1003"]}}}
      - {{extension: "1009", name: Supervisor, supervisor: true, password: {PW["1009"]}}}
  - name: beta
    seats:
      - {{extension: "2001", name: Beta Agent, password: {PW["2001"]}}}
      - {{extension: "2009", name: Beta Supervisor, supervisor: true, password: {PW["2009"]}}}
"""
TONE = {"customer": 500, "agent": 900, "supervisor": 1700, "third": 2500}
HEARD, SILENT = 1000.0, 300.0
"""Amplitudes (of 8000 sent): a tone is heard above HEARD, absent below SILENT."""


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("supervise")
    b = start_site_box(fs_install, root, SITE)
    yield b
    b.fs.stop()


def _fs_media(sipp: Sipp, own: int) -> tuple[int, int] | None:
    """(port, payload type) FreeSWITCH chose, from the SDP in a sipp message trace (the m=
    line that is not our own)."""
    if not sipp.messages.exists():
        return None
    lines = [ln.split() for ln in sipp.messages.read_text(errors="replace").splitlines() if ln.startswith("m=audio ")]
    theirs = [(int(m[1]), int(m[3])) for m in lines if int(m[1]) != own]
    return theirs[-1] if theirs else None


class Phone:
    """A seat whose SIP is sipp (registers and answers, or dials) and whose media is an RtpPeer."""

    def __init__(self, workdir, ext: str, ip: str, tone: int, *, dial: str | None = None, password: str = ""):
        self.ext, self.port = ext, 40000
        self.peer = RtpPeer(ip, self.port, tone)
        d = workdir / f"phone-{ext}"
        d.mkdir(parents=True, exist_ok=True)
        csv = _csv(d, ext, "acme.cc.local", ext, password or PW[ext])
        if dial is None:
            answer = media_scenario(SCENARIOS / "agent_answer.xml", d / "answer.xml", self.port)
            args = [
                "-oocsf",
                str(answer),
                "-inf",
                str(csv),
                "-i",
                ip,
                "-bind_local",
                "-p",
                "5060",
                "-mi",
                ip,
                "-mp",
                "6000",
                "-d",
                "3600000",
                "-set",
                "ring_ms",
                "0",
                "-m",
                "1",
                "-l",
                "1",
                f"{FS_IP}:{INTERNAL_PORT}",
            ]
            self.sipp = Sipp(d, "register.xml", args, timeout_s=600)
        else:
            scenario = media_scenario(SCENARIOS / "seat_call.xml", d / "call.xml", self.port)
            args = [
                "-inf",
                str(csv),
                "-s",
                dial,
                "-set",
                "talk_ms",
                "600000",
                "-i",
                ip,
                "-bind_local",
                "-p",
                "5070",
                "-mi",
                ip,
                "-mp",
                "7100",
                "-m",
                "1",
                "-l",
                "1",
                f"{FS_IP}:{INTERNAL_PORT}",
            ]
            self.sipp = Sipp(d, scenario, args, timeout_s=600)

    def media_up(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.peer.remote is None:
            found = _fs_media(self.sipp, self.port)
            if found:
                self.peer.payload_type = found[1]
                self.peer.remote = (FS_IP, found[0])
                return
            assert time.monotonic() < deadline, f"no media for {self.ext}\n{self.sipp.diagnostics()}"
            time.sleep(0.1)

    def ended(self) -> bool:
        return any(ln.startswith("ended ") for ln in self.sipp.log_lines())

    def close(self) -> None:
        self.sipp.kill()
        self.peer.close()


def _wait(pred, timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _registered(box) -> set[str]:
    text = box.api("sofia status profile internal reg", check=False)
    return {ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("User:")}


def _hear(phones: dict, seconds: float = 2.5) -> dict[str, dict[str, float]]:
    """What each phone hears of each party's tone over the next SECONDS."""
    for p in phones.values():
        p.peer.mark()
    time.sleep(seconds)
    out = {who: {src: round(p.peer.level(hz)) for src, hz in TONE.items() if src != who} for who, p in phones.items()}
    for who, p in phones.items():
        out[who]["packets"] = p.peer.packets()
        out[who]["from"] = p.peer.remote
    return out


@pytest.fixture()
def call(box, tmp_path):
    """A live call in tenant acme: the customer (seat 1002) talking to the agent (seat 1001);
    the supervisor (1009) and a third seat (1003) registered and idle."""

    # The seat's password as the box has it now: an earlier test in this module resets 1003's.
    def pw(ext):
        return credentials(box.services, "acme", ext).password

    phones = {
        "agent": Phone(tmp_path, "1001", "127.0.3.1", TONE["agent"], password=pw("1001")),
        "supervisor": Phone(tmp_path, "1009", "127.0.3.9", TONE["supervisor"], password=pw("1009")),
        "third": Phone(tmp_path, "1003", "127.0.3.3", TONE["third"], password=pw("1003")),
    }
    try:
        _wait(
            lambda: {"1001@acme.cc.local", "1009@acme.cc.local", "1003@acme.cc.local"} <= _registered(box),
            15,
            "registrations",
        )
        phones["customer"] = Phone(tmp_path, "1002", "127.0.3.2", TONE["customer"], dial="1001")
        phones["customer"].media_up()
        phones["agent"].media_up()
        _wait(lambda: json.loads(box.api("show calls as json")).get("row_count", 0) == 1, 10, "the call")
        yield phones
    finally:
        for p in phones.values():
            p.close()
        for ext in ("1001", "1003", "1009"):
            box.api(f"sofia profile internal flush_inbound_reg {ext}@acme.cc.local", check=False)
        box.api("hupall NORMAL_CLEARING", check=False)


def _drop(box, result) -> None:
    box.api(f"uuid_kill {result.channel}", check=False)
    time.sleep(0.5)


def test_listen_whisper_barge_reach_the_right_ears(box, call):
    talk = {k: call[k] for k in ("customer", "agent")}
    base = _hear(talk)
    assert base["agent"]["customer"] > HEARD and base["customer"]["agent"] > HEARD, base

    r = monitor.listen(box.services, "acme", "1009", "1001", actor="alice")
    call["supervisor"].media_up()
    heard = _hear(call)
    assert heard["supervisor"]["agent"] > HEARD and heard["supervisor"]["customer"] > HEARD, heard
    assert heard["agent"]["supervisor"] < SILENT and heard["customer"]["supervisor"] < SILENT, heard
    _drop(box, r)

    r = monitor.whisper(box.services, "acme", "1009", "1001", actor="alice")
    heard = _hear(call)
    assert heard["agent"]["supervisor"] > HEARD, heard
    assert heard["customer"]["supervisor"] < SILENT, heard
    assert heard["supervisor"]["customer"] > HEARD, heard
    _drop(box, r)

    r = monitor.barge(box.services, "acme", "1009", "1001", actor="alice")
    heard = _hear(call)
    assert heard["agent"]["supervisor"] > HEARD and heard["customer"]["supervisor"] > HEARD, heard
    assert heard["agent"]["customer"] > HEARD and heard["customer"]["agent"] > HEARD, heard
    _drop(box, r)

    rows = [e for e in audit.entries(box.services, "acme") if e.actor == "alice"]
    assert [(e.action, e.result, e.call) for e in rows][-3:] == [
        ("monitor.listen", "ok", r.call),
        ("monitor.whisper", "ok", r.call),
        ("monitor.barge", "ok", r.call),
    ]


@pytest.mark.parametrize(
    "code, agent_hears, customer_hears", [("33", False, False), ("34", True, False), ("35", True, True)]
)
def test_feature_codes_from_the_supervisors_phone(box, call, tmp_path, code, agent_hears, customer_hears):
    """*33/*34/*35 + extension dialled from the supervisor's own phone: the same modes."""
    sup = Phone(tmp_path / "dialing", "1009", "127.0.3.19", TONE["supervisor"], dial=f"*{code}1001")
    try:
        sup.media_up()
        heard = _hear({"agent": call["agent"], "customer": call["customer"], "supervisor": sup})
        assert heard["supervisor"]["agent"] > HEARD and heard["supervisor"]["customer"] > HEARD, heard
        assert (heard["agent"]["supervisor"] > HEARD) == agent_hears, heard
        assert (heard["customer"]["supervisor"] > HEARD) == customer_hears, heard
        assert max(heard["agent"]["supervisor"], heard["customer"]["supervisor"]) < SILENT or agent_hears, heard
    finally:
        sup.close()


def test_three_way_puts_three_parties_in_one_call(box, call):
    r = monitor.three_way(box.services, "acme", "1001", "1003", actor="alice")
    call["third"].media_up()
    heard = _hear({k: call[k] for k in ("customer", "agent", "third")})
    assert heard["third"]["customer"] > HEARD and heard["third"]["agent"] > HEARD, heard
    assert heard["customer"]["third"] > HEARD and heard["agent"]["third"] > HEARD, heard
    _drop(box, r)


def test_cross_tenant_is_refused_and_audited(box, call):
    with box.fs.esl() as esl:
        agent_leg = monitor._agent_channel(esl, get_tenant(box.services, "acme"), "1001")
        customer_leg = monitor._live(esl)[1][agent_leg]
    with pytest.raises(Conflict):
        monitor.hangup(box.services, "beta", customer_leg, actor="mallory")
    with pytest.raises(Conflict):
        monitor.listen(box.services, "beta", "2009", "1001", actor="mallory")
    time.sleep(1)
    assert not call["customer"].ended() and not call["agent"].ended()
    rows = [e for e in audit.entries(box.services, "beta") if e.actor == "mallory"]
    assert [(e.action, e.result) for e in rows] == [("monitor.hangup", "refused"), ("monitor.listen", "refused")]
    assert rows[0].call is None and "not a call of tenant beta" in rows[0].detail


def test_force_hangup_ends_both_legs(box, call):
    r = monitor.hangup(box.services, "acme", "1001", actor="alice")
    assert len(r.ended) == 2
    _wait(lambda: call["customer"].ended() and call["agent"].ended(), 10, "both legs to end")
    _wait(lambda: json.loads(box.api("show calls as json")).get("row_count", 0) == 0, 10, "no call left")


def test_watchdog_corrects_a_stuck_agent(box):
    agent = "1001@acme.cc.local"
    box.api(f"callcenter_config agent set status {agent} Available")
    box.api(f"callcenter_config agent set state {agent} 'In a queue call'")
    dog = Watchdog(box.services, interval=0.5, unregistered_after=3600)
    assert dog.check_once() == []  # once could be a call being set up
    fixed = dog.check_once()
    assert [(c.agent, c.now) for c in fixed] == [(agent, "state Waiting")]
    assert "|Available|Waiting|" in next(
        ln for ln in box.api("callcenter_config agent list").splitlines() if ln.startswith(agent)
    )
    # Available with no phone registered: logged out once the grace time is over
    dog = Watchdog(box.services, interval=0.5, unregistered_after=1)
    dog.start()
    try:
        _wait(
            lambda: any(c.agent == agent and c.now == "status Logged Out" for c in dog.corrections),
            10,
            "the watchdog to log the agent out",
        )
    finally:
        dog.stop.set()
    assert "|Logged Out|" in next(
        ln for ln in box.api("callcenter_config agent list").splitlines() if ln.startswith(agent)
    )
    rows = [e for e in audit.entries(box.services, "acme") if e.action == "watchdog.correct" and e.subject == "1001"]
    assert {e.detail.split(":")[0] for e in rows} >= {
        "state In a queue call -> state Waiting",
        "status Available -> status Logged Out",
    }


def test_reset_password_makes_the_old_one_fail(box, tmp_path):
    old = credentials(box.services, "acme", "1003").password
    assert register_once(tmp_path / "before", "1003", "acme.cc.local", old).code == 200
    new = reset_password(box.services, "acme", "1003", actor="alice").password
    assert new != old
    assert register_once(tmp_path / "old", "1003", "acme.cc.local", old).code in (401, 403)
    assert register_once(tmp_path / "new", "1003", "acme.cc.local", new).code == 200
    # The one-shot registration's contact is gone with its sipp; a later call must not ring it.
    box.api("sofia profile internal flush_inbound_reg 1003@acme.cc.local", check=False)
    assert [(e.action, e.result) for e in audit.entries(box.services, "acme") if e.actor == "alice"][-1] == (
        "seat.reset-password",
        "ok",
    )


def test_the_agents_own_transfer_moves_the_customer_to_another_seat(box, call):
    """The agent page's transfer (ccctl.supervision.monitor.agent_transfer): the customer's leg
    goes to seat 1003 through the tenant's own dialplan, the agent's leg ends, and the customer
    and 1003 hear each other. A target of another tenant is refused, and the call stays."""
    with pytest.raises(NotFound):
        monitor.agent_transfer(box.services, "acme", "1001", "2001", actor="web:1001")
    assert not call["customer"].ended() and not call["agent"].ended()
    r = monitor.agent_transfer(box.services, "acme", "1001", "1003", actor="web:1001")
    call["third"].media_up()
    _wait(lambda: call["agent"].ended(), 10, "the agent's leg to end")
    heard = _hear({k: call[k] for k in ("customer", "third")})
    assert heard["third"]["customer"] > HEARD and heard["customer"]["third"] > HEARD, heard
    assert not call["customer"].ended()
    rows = [e for e in audit.entries(box.services, "acme") if e.actor == "web:1001"]
    assert [(e.action, e.result) for e in rows] == [("agent.transfer", "refused"), ("agent.transfer", "ok")]
    assert rows[-1].call == r.call

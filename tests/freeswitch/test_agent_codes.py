"""An agent's feature codes from a real seat's phone (sipp, digest-authenticated INVITE):
*22 log in, *24 + reason on break, *25 ready, *23 log out, refusals where a code does not
apply, and a seat of another tenant (with the same extension) changing nothing here."""

from __future__ import annotations

import time

import pytest

from ccctl.testing.box import start_site_box
from ccctl.testing.sip import EventLog

from .seat_sip import seat_call

PW = {"acme": "acme-pass-10011", "beta": "beta-pass-10011"}
SITE = f"""
tenants:
  - name: acme
    pause_reasons: {{1: lunch, 2: training, 9: missed calls}}
    default_pause_reason: 2
    dispositions: {{1: sold}}
    seats:
      - {{extension: "1001", name: Agent, skills: {{sales: 5}}, password: {PW["acme"]}}}
    queues:
      - {{name: sales, skill: sales}}
  - name: beta
    seats:
      - {{extension: "1001", name: Beta Agent, skills: {{sales: 5}}, password: {PW["beta"]}}}
    queues:
      - {{name: sales, skill: sales}}
"""


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("agentcodes")
    b = start_site_box(fs_install, root, SITE)
    yield b
    b.fs.stop()


def _dial(box, tmp_path, tenant: str, code: str):
    n = len(list(tmp_path.glob("dial-*")))
    out = seat_call(tmp_path / f"dial-{n}-{tenant}", "1001", f"{tenant}.cc.local", PW[tenant], code, talk_ms=15000)
    assert out.code == 200, out.diagnostics()
    assert out.ended == "remote-bye", out.diagnostics()  # the confirmation played, then FreeSWITCH hung up
    return out


def _status(box, tenant: str) -> str:
    return box.api(f"callcenter_config agent get status 1001@{tenant}.cc.local").strip()


def _state(box, tenant: str) -> str:
    return box.api(f"callcenter_config agent get state 1001@{tenant}.cc.local").strip()


def test_codes_drive_the_seats_own_agent(box, tmp_path):
    box.api("callcenter_config agent set status 1001@acme.cc.local 'Logged Out'")
    box.api("callcenter_config agent set status 1001@beta.cc.local 'Logged Out'")
    with EventLog(box.fs.password, ["CUSTOM", "ccctl::agent"], port=box.services.settings.esl_port) as events:
        _dial(box, tmp_path, "acme", "*22")
        assert _status(box, "acme") == "Available"
        assert _state(box, "acme") == "Waiting"
        assert _status(box, "beta") == "Logged Out"

        _dial(box, tmp_path, "acme", "*241")
        assert _status(box, "acme") == "On Break"
        got = events.wait_for(lambda e: e.get("CCCTL-Action") == "break", 1, timeout=10)
        assert got[-1].get("CCCTL-Reason") == "lunch" and got[-1].get("CCCTL-Agent") == "1001@acme.cc.local", got

        _dial(box, tmp_path, "acme", "*25")
        assert _status(box, "acme") == "Available"

        _dial(box, tmp_path, "acme", "*24")  # alone: the tenant's default reason
        assert _status(box, "acme") == "On Break"
        got = events.wait_for(lambda e: e.get("CCCTL-Action") == "break", 2, timeout=10)
        assert got[-1].get("CCCTL-Reason") == "training", got

        # Another tenant's seat, same extension: its codes reach only its own agent.
        _dial(box, tmp_path, "beta", "*23")
        assert _status(box, "acme") == "On Break"
        _dial(box, tmp_path, "beta", "*22")
        assert _status(box, "beta") == "Available" and _status(box, "acme") == "On Break"

        _dial(box, tmp_path, "acme", "*91")
        got = events.wait_for(lambda e: e.get("CCCTL-Action") == "disposition", 1, timeout=10)
        assert got[-1].get("CCCTL-Code") == "1" and got[-1].get("CCCTL-Agent") == "1001@acme.cc.local", got

        _dial(box, tmp_path, "acme", "*23")
        assert _status(box, "acme") == "Logged Out"
        assert _status(box, "beta") == "Available"


def test_codes_that_do_not_apply_change_nothing(box, tmp_path):
    box.api("callcenter_config agent set status 1001@acme.cc.local 'Logged Out'")
    for code in ("*23", "*24", "*25", "*26", "*2477"):  # logged out already; not logged in; unknown reason
        _dial(box, tmp_path, "acme", code)
        assert _status(box, "acme") == "Logged Out", code
    box.api("callcenter_config agent set status 1001@acme.cc.local 'Available'")
    _dial(box, tmp_path, "acme", "*22")  # logged in already
    _dial(box, tmp_path, "acme", "*25")  # not on break
    assert _status(box, "acme") == "Available"


def test_the_same_operations_from_the_library_are_audited(box):
    from ccctl.supervision import agents, audit

    svc = box.services
    with EventLog(box.fs.password, ["CUSTOM", "ccctl::agent"], port=svc.settings.esl_port) as events:
        assert agents.set_status(svc, "acme", "1001", "login", actor="sup") == "Available"
        assert agents.set_status(svc, "acme", "1001", "break", reason="missed calls", actor="sup") == "On Break"
        assert _status(box, "acme") == "On Break"
        got = events.wait_for(lambda e: e.get("CCCTL-Action") == "break", 1, timeout=10)
        assert got[-1].get("CCCTL-Reason") == "missed calls" and got[-1].get("CCCTL-Agent") == "1001@acme.cc.local"
        assert agents.set_disposition(svc, "acme", "1001", "1", actor="sup") == "sold"
        got = events.wait_for(lambda e: e.get("CCCTL-Action") == "disposition", 1, timeout=10)
        assert got[-1].get("CCCTL-Code") == "1", got
    agents.set_status(svc, "acme", "1001", "ready", actor="sup")
    agents.end_wrapup(svc, "acme", "1001", actor="sup")
    assert _status(box, "acme") == "Available"
    rows = [(e.action, e.result, e.detail) for e in audit.entries(svc, "acme") if e.actor == "sup"]
    assert rows == [
        ("agent.login", "ok", None),
        ("agent.break", "ok", "missed calls"),
        ("agent.disposition", "ok", "1 sold"),
        ("agent.ready", "ok", None),
        ("agent.wrapup", "ok", None),
    ]


def test_the_daemon_records_the_reason_after_the_break(box, tmp_path):
    from sqlalchemy import select

    from ccctl.model import AgentEvent

    from .test_daemon import DaemonProcess

    svc = box.services
    box.api("callcenter_config agent set status 1001@acme.cc.local 'Available'")
    with DaemonProcess(svc.settings, tmp_path / "daemon.log"):
        _dial(box, tmp_path, "acme", "*249")
        deadline = time.monotonic() + 20
        rows: list = []
        while time.monotonic() < deadline:
            with svc.engine.connect() as conn:
                rows = conn.execute(
                    select(AgentEvent.kind, AgentEvent.value)
                    .where(AgentEvent.tenant == "acme", AgentEvent.agent == "1001")
                    .order_by(AgentEvent.at, AgentEvent.id)
                ).all()
            if ("reason", "missed calls") in rows:
                break
            time.sleep(0.2)
    assert ("reason", "missed calls") in rows, rows
    assert rows.index(("status", "On Break")) < rows.index(("reason", "missed calls")), rows


def test_end_wrapup_now(box, tmp_path):
    from ccctl.supervision.agents import parse_table

    def ready_time() -> int:
        rows = {r["name"]: r for r in parse_table(box.api("callcenter_config agent list"))}
        return int(rows["1001@acme.cc.local"]["ready_time"])

    box.api("callcenter_config agent set status 1001@acme.cc.local 'Available'")
    box.api("callcenter_config agent set state 1001@acme.cc.local 'Waiting'")
    box.api(f"callcenter_config agent set ready_time 1001@acme.cc.local {int(time.time()) + 600}")
    assert ready_time() > time.time()  # in wrap-up: offered nothing for ten minutes
    _dial(box, tmp_path, "acme", "*26")
    assert ready_time() == 0
    assert (_status(box, "acme"), _state(box, "acme")) == ("Available", "Waiting")

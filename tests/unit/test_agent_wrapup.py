"""Queues that require a wrap-up code and the missed-calls break reason: the site file's rules
(one clear line at validate and apply, nothing applied), the rendered hold, and what the daemon
and the wallboard make of mod_callcenter's max-no-answer."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.validate import check_tenant
from ccctl.daemon.assemble import Assembler, Directory
from ccctl.render import disposition
from ccctl.render.callcenter import agent_contact
from ccctl.render.dialplan import tenant_context
from ccctl.supervision.wallboard import Board

SEATS = [
    {"extension": "1001", "name": "A", "skills": {"sales": 5}},
    {"extension": "1002", "name": "B", "skills": {"other": 5}},
]


def _tenant(**kw) -> s.Tenant:
    return s.Tenant(**{"name": "acme", "seats": SEATS, "queues": [{"name": "sales"}, {"name": "other"}], **kw})


def test_missed_calls_reason_must_be_a_reason():
    msgs = [str(p) for p in check_tenant(_tenant(pause_reasons={1: "lunch"}, missed_calls_reason=9))]
    assert msgs == ["error: acme: pause_reasons: missed_calls_reason 9 is not one of the pause reasons"]


def test_a_required_code_needs_codes_to_key():
    msgs = [str(p) for p in check_tenant(_tenant(require_disposition=True))]
    assert msgs == [
        "error: acme: dispositions: queue sales requires a wrap-up code, and the tenant has no dispositions to key"
    ]
    assert check_tenant(_tenant(require_disposition=True, dispositions={1: "sold"})) == []


@pytest.mark.parametrize(
    "bad, line",
    [
        ("missed_calls_reason: 7", "missed_calls_reason 7 is not one of the pause reasons"),
        ("default_pause_reason: 5", "default_pause_reason 5 is not one of the pause reasons"),
        ("dispositions: {100: too many}", "a code is 1-99"),
        ("dispositions: {0: zero}", "a code is 1-99"),
    ],
)
def test_bad_codes_at_validate_and_apply_one_line_nothing_applied(tmp_path, sounds_dir, bad, line):
    site = tmp_path / "site.yaml"
    site.write_text(
        "tenants:\n  - name: acme\n    pause_reasons: {1: lunch}\n    " + bad + "\n"
        "    seats: [{extension: '1001', name: A}]\n"
    )
    env = {
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "fs" / "recordings"),
        "CCCTL_ESL_PORT": "1",
    }
    runner = CliRunner()
    for command in ("validate", "apply"):
        r = runner.invoke(app, [command, "-f", str(site)], env=env)
        assert r.exit_code == 1, (command, r.output)
        problems = [ln for ln in r.output.splitlines() if "error" in ln.lower()]
        assert len(problems) == 1 and line in problems[0], (command, r.output)
        assert "Traceback" not in r.output
    listed = runner.invoke(app, ["tenant", "list", "--json"], env=env)
    assert json.loads(listed.stdout or "[]") == []


def test_only_agents_of_a_requiring_queue_hold_and_only_its_callers_ask_for_it():
    t = _tenant(dispositions={1: "sold"}, queues=[{"name": "sales", "require_disposition": True}, {"name": "other"}])
    assert disposition.queue_hold(t, t.queues[0]) == f"ccctl_hold={disposition.HOLD}"
    assert disposition.queue_hold(t, t.queues[1]) == "ccctl_hold=0"
    assert "api_on_answer_hold='callcenter_config agent set ready_time 1001@acme.cc.local ${ccctl_hold}'" in (
        agent_contact(t, t.seats[0])
    )
    assert "api_on_answer_hold" not in agent_contact(t, t.seats[1])  # serves no such queue
    plain = _tenant(dispositions={1: "sold"})
    assert disposition.queue_hold(plain, plain.queues[0]) is None
    # *91 releases the hold (ready_time 0, the note dropped) only where a queue holds.
    datas = {e.get("data") for e in tenant_context(t).iter("action")}
    assert "delete/ccctl_held/${ccctl_agent}" in datas
    assert "delete/ccctl_held/${ccctl_agent}" not in {e.get("data") for e in tenant_context(plain).iter("action")}


def _cc(action: str, **headers) -> dict[str, str]:
    return {
        "Event-Name": "CUSTOM",
        "Event-Subclass": "callcenter::info",
        "CC-Action": action,
        "CC-Agent": "1001@acme.cc.local",
        "Event-Date-Timestamp": "1700000000000000",
        **headers,
    }


def test_the_daemon_gives_the_missed_offers_break_its_reason():
    a = Assembler(Directory({"acme.cc.local": "acme"}, missed_reasons={"acme": "missed calls"}), "n")
    assert a.feed(_cc("agent-max-no-answer")) == []
    got = a.feed(_cc("agent-status-change", **{"CC-Agent-Status": "On Break"}))
    assert [(k, row["kind"], row["value"]) for k, row in got] == [
        ("agent", "status", "On Break"),
        ("agent", "reason", "missed calls"),
    ]
    # A break of another kind later: no reason made up.
    got = a.feed(_cc("agent-status-change", **{"CC-Agent-Status": "On Break"}))
    assert [(row["kind"], row["value"]) for _, row in got] == [("status", "On Break")]


def test_the_wallboard_shows_the_break_reason():
    t = _tenant(pause_reasons={1: "lunch", 9: "missed calls"}, missed_calls_reason=9)
    b = Board([t], clock=lambda: 1.7e9)
    b.feed(_cc("agent-status-change", **{"CC-Agent-Status": "On Break"}))
    b.feed(
        {
            "Event-Name": "CUSTOM",
            "Event-Subclass": "ccctl::agent",
            "CCCTL-Action": "break",
            "CCCTL-Agent": "1001@acme.cc.local",
            "CCCTL-Reason": "lunch",
        }
    )
    agent = next(a for a in b.snapshot()["agents"] if a["extension"] == "1001")
    assert (agent["status"], agent["reason"]) == ("On Break", "lunch")
    b.feed(_cc("agent-status-change", **{"CC-Agent-Status": "Available"}))
    b.feed(_cc("agent-max-no-answer"))
    b.feed(_cc("agent-status-change", **{"CC-Agent-Status": "On Break"}))
    agent = next(a for a in b.snapshot()["agents"] if a["extension"] == "1001")
    assert (agent["status"], agent["reason"]) == ("On Break", "missed calls")


def test_the_wallboard_is_seeded_with_the_reasons_of_breaks_in_progress(tmp_path):
    from ccctl import app
    from ccctl.daemon.store import write_rows
    from ccctl.settings import Settings
    from ccctl.supervision.agents import AgentState
    from ccctl.supervision.wallboard import break_reasons_now
    from ccctl.testing.rows import status

    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    rows = [
        status("acme", "1001", "On Break", 10.0),
        status("acme", "1001", "lunch", 10.0, kind="reason"),
        status("acme", "1002", "On Break", 10.0),
        status("acme", "1002", "lunch", 10.0, kind="reason"),
        status("acme", "1002", "Available", 20.0),  # back: no reason any more
    ]
    write_rows(services.engine, [], rows)
    reasons = break_reasons_now(services.engine, ["acme"], 0.0)
    assert reasons == {("acme", "1001"): "lunch"}
    b = Board([_tenant()], clock=lambda: 100.0)
    state = dict(calls_answered=0, no_answer_count=0, talk_time=0, last_bridge_end=0, wrap_up_time=0)
    b.seed_agents([AgentState("acme", "1001", "A", "On Break", "Idle", **state)])
    b.seed_reasons(reasons)
    assert [(a["extension"], a["reason"]) for a in b.snapshot()["agents"]] == [("1001", "lunch"), ("1002", None)]


def test_a_queue_takes_only_codes_of_the_tenant():
    t = _tenant(dispositions={1: "sold"}, queues=[{"name": "sales", "dispositions": [1, 3]}, {"name": "other"}])
    msgs = [str(p) for p in check_tenant(t)]
    assert msgs == ["error: acme: dispositions: queue sales: wrap-up code 3 is not one of the tenant's (1)"]


def test_a_narrowed_code_is_taken_only_after_a_call_of_a_queue_taking_it():
    t = _tenant(
        dispositions={1: "sold", 2: "complaint"}, queues=[{"name": "sales", "dispositions": [2]}, {"name": "other"}]
    )
    assert disposition.queues_taking(t, "2") is None  # every queue takes it
    assert disposition.queues_taking(t, "1") == ["other@acme.cc.local"]
    exts = {e.get("name"): e for e in tenant_context(t).iter("extension")}
    fields = [(c.get("field"), c.get("expression")) for c in exts["agent-disposition-1"].iter("condition")]
    assert ("${hash(select/ccctl_last_queue/${ccctl_agent})}", r"^(?:other@acme\.cc\.local)?$") in fields
    # Every agent notes the queue of its calls (an agent serving only unnarrowed queues too).
    for seat in t.seats:
        assert "api_on_answer_queue='hash insert/ccctl_last_queue/" in agent_contact(t, seat)
    assert "api_on_answer_queue" not in agent_contact(_tenant(dispositions={1: "sold"}), t.seats[0])


def test_a_code_keyed_during_the_call_goes_on_that_call(tmp_path):
    """*9 + code in a call names the call (CCCTL-Call), never the agent's earlier call; the row
    brings the code (the channel variable) or, stored already, is marked."""
    from ccctl import app
    from ccctl.daemon.assemble import call_row
    from ccctl.daemon.store import write_rows
    from ccctl.model import Call
    from ccctl.settings import Settings
    from ccctl.testing.rows import call

    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    a = Assembler(Directory(tenants_by_domain={"acme.cc.local": "acme"}), "local")
    earlier = {**call("c-earlier", "acme", "inbound", 100.0, 10), "agent": "1001"}
    now = {**call("c-now", "acme", "inbound", 200.0, 60), "agent": "1001"}
    write_rows(services.engine, [earlier], [])
    (kind, row), *_ = a.feed(
        {
            "Event-Subclass": "ccctl::agent",
            "CCCTL-Action": "disposition",
            "CCCTL-Agent": "1001@acme.cc.local",
            "CCCTL-Code": "2",
            "CCCTL-Call": "c-now",
            "Event-Date-Timestamp": str(int(230 * 1e6)),
        }
    )
    assert (kind, row["kind"], row["call"]) == ("agent", "wrapup", "c-now")

    def codes() -> dict:
        with services.engine.connect() as conn:
            return dict(conn.execute(Call.__table__.select().with_only_columns(Call.uuid, Call.wrapup_code)).all())

    write_rows(services.engine, [], [row])  # the call still up: no row to mark yet, nor the earlier one
    assert codes() == {"c-earlier": None}
    write_rows(services.engine, [{**now, "wrapup_code": "2"}], [])
    assert codes() == {"c-earlier": None, "c-now": "2"}
    write_rows(services.engine, [], [{**row, "value": "1"}])  # keyed again, the row stored: changed
    assert codes() == {"c-earlier": None, "c-now": "1"}
    # The call row reads the code from the caller's channel at hangup.
    v = {"direction": "inbound", "ccctl_tenant": "acme", "uuid": "x", "ccctl_wrapup_code": "2", "start_epoch": "1"}
    assert call_row(v, None, Directory(), "local", "events")["wrapup_code"] == "2"

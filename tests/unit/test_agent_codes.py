"""The agent's phone feature codes: the site file's break reasons and wrap-up codes (schema and
the one validation), the rendered extensions, and what the daemon makes of the events they fire."""

from __future__ import annotations

import pytest
from lxml import etree
from pydantic import ValidationError
from sqlalchemy import select

from ccctl import app
from ccctl.config import codes
from ccctl.config import spec as s
from ccctl.config.validate import check_tenant
from ccctl.daemon.assemble import Assembler, Directory
from ccctl.daemon.store import AGENT, CALL, write_rows
from ccctl.render.dialplan import tenant_context
from ccctl.settings import Settings

SEATS = [{"extension": "1001", "name": "A"}, {"extension": "1002", "name": "B"}]


def _tenant(**kw) -> s.Tenant:
    return s.Tenant(name="acme", seats=SEATS, **kw)


def test_codes_from_the_site_file_are_strings_sorted_by_number():
    t = _tenant(
        pause_reasons={9: "missed calls", 1: "lunch", "12": "training"},
        default_pause_reason=1,
        dispositions={2: "callback requested", 1: "sold"},
    )
    assert list(t.pause_reasons.items()) == [("1", "lunch"), ("9", "missed calls"), ("12", "training")]
    assert t.default_pause_reason == "1" and list(t.dispositions) == ["1", "2"]
    assert check_tenant(t) == []


@pytest.mark.parametrize("codes_", [{0: "x"}, {100: "x"}, {"01": "x"}, {"a": "x"}, {1: ""}, {1: "a,b"}, {1: "${x}"}])
def test_bad_codes_and_names_are_refused(codes_):
    with pytest.raises(ValidationError):
        _tenant(pause_reasons=codes_)
    with pytest.raises(ValidationError):
        _tenant(dispositions=codes_)


def test_default_reason_must_be_a_reason():
    msgs = [str(p) for p in check_tenant(_tenant(pause_reasons={1: "lunch"}, default_pause_reason=2))]
    assert msgs == ["error: acme: pause_reasons: default_pause_reason 2 is not one of the pause reasons"]


def test_a_code_dialling_the_same_number_as_another_is_one_clear_error():
    # The schema keeps codes to 1-2 digits, which keeps them apart today; the rule is what
    # guards a code added later. Built without the schema to reach it.
    t = s.Tenant.model_construct(**{**_tenant().__dict__, "dispositions": {"196": "echo"}})
    msgs = [str(p) for p in check_tenant(t)]
    assert msgs == ["error: acme: feature codes: the echo test *9196 dials *9196, as wrap-up code 196 (echo) does"]
    assert all(number.startswith("*") or number.isdigit() for number, _ in codes.dialled(_tenant()))


def _extensions(t: s.Tenant) -> dict[str, etree._Element]:
    ctx = tenant_context(t)
    return {e.get("name"): e for e in ctx.iter("extension")}


def test_rendered_codes_act_on_the_callers_own_agent_only():
    t = _tenant(pause_reasons={1: "lunch"}, default_pause_reason=1, dispositions={3: "sold"})
    exts = _extensions(t)
    assert {n for n in exts if n.startswith("agent-")} == {
        "agent-login",
        "agent-logout",
        "agent-break",
        "agent-break-1",
        "agent-break-unknown",
        "agent-ready",
        "agent-wrapup",
        "agent-disposition-3",
        "agent-disposition-unknown",
    }
    numbers = {n: exts[n].find("condition").get("expression") for n in exts if n.startswith("agent-")}
    assert numbers["agent-login"] == r"^\*22$" and numbers["agent-break-1"] == r"^\*241$"
    assert numbers["agent-disposition-3"] == r"^\*93$"
    text = etree.tostring(tenant_context(t)).decode()
    # Who: the authenticated caller, one of this tenant's seats, as an agent of this tenant's domain.
    assert 'field="${user_name}" expression="^(1001|1002)$"' in text
    assert "ccctl_agent=$1@acme.cc.local" in text
    assert "callcenter_config(agent set status ${ccctl_agent} 'On Break')" in text
    assert "CCCTL-Action=break,CCCTL-Agent=${ccctl_agent},CCCTL-Reason=lunch" in text
    # Agent codes sit before the catch-all.
    names = list(exts)
    assert names.index("agent-login") < names.index("unallocated")


def test_no_seats_no_codes():
    assert not [n for n in _extensions(s.Tenant(name="acme")) if n.startswith("agent-")]


def _event(action: str, **headers: str) -> dict[str, str]:
    return {
        "Event-Name": "CUSTOM",
        "Event-Subclass": codes.AGENT_EVENT,
        "CCCTL-Action": action,
        "CCCTL-Agent": "1001@acme.cc.local",
        "Event-Date-Timestamp": "1700000100000000",
        **{f"CCCTL-{k.capitalize()}": v for k, v in headers.items()},
    }


def test_break_reason_and_wrapup_code_become_agent_rows(tmp_path):
    a = Assembler(Directory(tenants_by_domain={"acme.cc.local": "acme"}), "local")
    assert a.feed(_event("break", reason="lunch")) == [
        (
            "agent",
            {
                "tenant": "acme",
                "agent": "1001",
                "kind": "reason",
                "value": "lunch",
                "at": 1700000100.0,
                "node": "local",
            },
        )
    ]
    [(kind, row)] = a.feed(_event("disposition", code="2", name="callback requested"))
    assert (kind, row["kind"], row["value"]) == ("agent", "wrapup", "2")
    assert a.feed({**_event("break", reason="lunch"), "CCCTL-Agent": "1001@other.cc.local"}) == []

    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    call = {
        "uuid": "u1",
        "tenant": "acme",
        "direction": "inbound",
        "agent": "1001",
        "entered_at": 1700000000.0,
        "answered_at": 1700000010.0,
        "ended_at": 1700000090.0,
        "disposition": "answered",
        "node": "local",
        "source": "events",
        "talk_s": 80.0,
        "wrapup_s": 0.0,
    }
    write_rows(services.engine, [call], [])
    write_rows(services.engine, [], [row, {**row, "kind": "reason", "value": "lunch"}])
    with services.engine.connect() as conn:
        assert conn.execute(select(CALL.c.wrapup_code).where(CALL.c.uuid == "u1")).scalar() == "2"
        assert conn.execute(select(AGENT.c.kind, AGENT.c.value).order_by(AGENT.c.id)).all() == [
            ("wrapup", "2"),
            ("reason", "lunch"),
        ]


def test_time_on_break_per_reason(tmp_path):
    from ccctl.stats.history import Query, break_time

    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    rows = [
        ("status", "Available", 0),
        ("status", "On Break", 100),
        ("reason", "lunch", 100.01),
        ("status", "Available", 1900),
        ("status", "On Break", 2000),
        ("status", "Logged Out", 2300),
        ("status", "On Break", 3000),
        ("reason", "training", 3000.5),
        ("status", "Available", 3600),
    ]
    write_rows(
        services.engine,
        [],
        [
            {"tenant": "acme", "agent": "1001", "kind": k, "value": v, "at": float(at), "node": "local"}
            for k, v, at in rows
        ],
    )
    got = break_time(services.engine, Query(since=0, until=7200, tenant="acme", by="agent"))
    assert got == {(0, "1001"): {"lunch": 1800.0, "": 300.0, "training": 600.0}}
    hourly = break_time(services.engine, Query(since=0, until=7200, tenant="acme", by="agent", interval="1h"))
    assert hourly[(0, "1001")] == {"lunch": 1800.0, "": 300.0, "training": 600.0}


def test_stats_breaks_cli(tmp_path):
    import json

    from typer.testing import CliRunner

    from ccctl.cli.main import app as cli
    from ccctl.db import open_engine

    db = tmp_path / "c.db"
    engine = open_engine(f"sqlite:///{db}")
    write_rows(
        engine,
        [],
        [
            {"tenant": "acme", "agent": "1001", "kind": k, "value": v, "at": at, "node": "local"}
            for k, v, at in [
                ("status", "On Break", 1000.0),
                ("reason", "lunch", 1000.0),
                ("status", "Available", 1600.0),
            ]
        ],
    )
    engine.dispose()
    r = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db),
            "stats",
            "--breaks",
            "--tenant",
            "acme",
            "--agent",
            "1001",
            "--since",
            "0",
            "--until",
            "3600",
            "--json",
        ],
        env={"CCCTL_FS_DEPLOY": "off"},
    )
    assert r.exit_code == 0, r.output
    assert [(x["agent"], x["reason"], x["seconds"]) for x in json.loads(r.stdout)] == [("1001", "lunch", 600.0)]


def test_a_feature_code_is_not_a_call_row():
    from ccctl.daemon.assemble import call_row

    v = {
        "direction": "inbound",
        "ccctl_tenant": "acme",
        "ccctl_target": "agent:login",
        "uuid": "u",
        "destination_number": "*22",
        "start_epoch": "1700000000",
        "end_epoch": "1700000002",
    }
    directory = Directory(tenants_by_domain={"acme.cc.local": "acme"})
    assert call_row(v, None, directory, "local", "events") is None
    assert call_row({**v, "ccctl_target": "echo"}, None, directory, "local", "events") is not None


def test_the_wrapup_note_of_the_agent_page_goes_on_the_call_row(tmp_path):
    """The note rides on the wrap-up code's event (a header the daemon keeps) and lands on the
    same call row as the code; the agent-state row stays as it was."""
    from ccctl.daemon.assemble import HEADERS

    assert "CCCTL-Note" in HEADERS  # the daemon's header picker drops anything else
    a = Assembler(Directory(tenants_by_domain={"acme.cc.local": "acme"}), "local")
    [(_, row)] = a.feed({**_event("disposition", code="1", name="sold"), "CCCTL-Note": "gold plan; call Friday"})
    assert row["note"] == "gold plan; call Friday"
    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    call = {
        "uuid": "u1",
        "tenant": "acme",
        "direction": "inbound",
        "agent": "1001",
        "entered_at": 1700000000.0,
        "answered_at": 1700000010.0,
        "ended_at": 1700000090.0,
        "disposition": "answered",
        "node": "local",
        "source": "events",
        "talk_s": 80.0,
        "wrapup_s": 0.0,
    }
    write_rows(services.engine, [call], [row])
    with services.engine.connect() as conn:
        got = conn.execute(select(CALL.c.wrapup_code, CALL.c.wrapup_note).where(CALL.c.uuid == "u1")).one()
        assert tuple(got) == ("1", "gold plan; call Friday")
        assert conn.execute(select(AGENT.c.kind, AGENT.c.value)).all() == [("wrapup", "1")]

"""Supervisor commands, the audit log and seat credentials without a FreeSWITCH: argument
checks, tenancy, audit rows, the commands FreeSWITCH is sent (a wire-level fake answers), and
that no output but `seat credentials`/`reset-password` ever carries a seat password.
The real-FreeSWITCH tier (tests/freeswitch/test_supervise.py) proves the calls themselves."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl import app
from ccctl.cli.main import app as cli_app
from ccctl.config import entities
from ccctl.config.credentials import credentials, qr_text
from ccctl.config.gather import esl_password
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.settings import Settings
from ccctl.supervision import audit, monitor
from ccctl.testing.fake_esl import FakeEventSocket

AGENT_LEG = "aaaaaaaa-1111-2222-3333-444444444444"
CUSTOMER_LEG = "bbbbbbbb-1111-2222-3333-444444444444"
HUAXIA_LEG = "cccccccc-1111-2222-3333-444444444444"


def _channels() -> str:
    rows = [
        {"uuid": AGENT_LEG, "presence_id": "1001@acme.cc.local", "callstate": "ACTIVE", "created_epoch": "1"},
        {"uuid": CUSTOMER_LEG, "presence_id": "", "callstate": "ACTIVE", "created_epoch": "1"},
        {"uuid": HUAXIA_LEG, "presence_id": "2001@huaxia.cc.local", "callstate": "ACTIVE", "created_epoch": "1"},
    ]
    return json.dumps({"row_count": len(rows), "rows": rows})


@pytest.fixture
def box(tmp_path, sounds_dir, example):
    """The example site (acme 1001-1003, huaxia 2001-2002; acme 1003 made a supervisor) with
    a fake Event Socket that shows acme 1001 and huaxia 2001 on calls."""
    fake = FakeEventSocket(
        replies={
            "show channels as json": _channels(),
            "show calls as json": json.dumps({"row_count": 1, "rows": [{"uuid": CUSTOMER_LEG, "b_uuid": AGENT_LEG}]}),
            "uuid_exists": "true",
            f"uuid_getvar {HUAXIA_LEG} ccctl_tenant": "huaxia",
            "uuid_getvar": "acme",
            "originate": "+OK dddddddd-0000-0000-0000-000000000000",
        }
    )
    settings = Settings(
        db=str(tmp_path / "db.sqlite"),
        fs_conf_dir=tmp_path / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / "recordings",
        esl_port=fake.port,
        fs_deploy="off",
    )
    ctx = app.open(settings, deploy=False)
    apply_tenants(ctx, load_site(str(example)).tenants)
    entities.set_item(ctx, "seat", "acme", "1003", {"supervisor": True})
    fake.password = esl_password(ctx)
    yield ctx, fake
    fake.close()


def test_listen_rings_the_supervisor_into_the_agents_leg(box):
    ctx, fake = box
    r = monitor.listen(ctx, "acme", "1003", "1001", actor="alice")
    assert (r.call, r.channel) == (AGENT_LEG, "dddddddd-0000-0000-0000-000000000000")
    originate = next(c for c in fake.received if c.startswith("originate"))
    assert originate.endswith(f"user/1003@acme.cc.local &eavesdrop({AGENT_LEG})")
    assert "eavesdrop_require_group=acme" in originate and "whisper" not in originate
    monitor.whisper(ctx, "acme", "1003", "1001")
    assert "eavesdrop_whisper_bleg=true" in fake.received[-1] and "whisper_aleg" not in fake.received[-1]
    monitor.barge(ctx, "acme", "1003", "1001")
    assert "eavesdrop_whisper_aleg=true" in fake.received[-1] and "eavesdrop_whisper_bleg=true" in fake.received[-1]
    rows = audit.entries(ctx, "acme")
    assert [(e.actor, e.action, e.subject, e.call, e.result) for e in rows][0] == (
        "alice",
        "monitor.listen",
        "1003->1001",
        AGENT_LEG,
        "ok",
    )
    assert [e.action for e in rows] == ["monitor.listen", "monitor.whisper", "monitor.barge"]
    assert rows[1].actor == audit.current_actor()


@pytest.mark.parametrize(
    "call, args, error, detail",
    [
        (monitor.listen, ("acme", "1003", "2001"), Conflict, "agent 2001 is not a seat of tenant acme"),
        (monitor.listen, ("acme", "2001", "1001"), Conflict, "supervisor 2001 is not a seat of tenant acme"),
        (monitor.listen, ("acme", "1002", "1001"), Conflict, "is not a supervisor"),
        (monitor.listen, ("acme", "1003", "1003"), InvalidInput, "their own seat"),
        (monitor.barge, ("acme", "1003", "9999"), NotFound, "seat acme/9999 not found"),
        (monitor.whisper, ("acme", "1003", "1002"), NotFound, "has no call in progress"),
        (monitor.hangup, ("acme", HUAXIA_LEG), Conflict, "is not a call of tenant acme"),
        (monitor.hangup, ("acme", "2001"), Conflict, "is not a seat of tenant acme"),
        (monitor.hangup, ("acme", "not a uuid!"), NotFound, "not found"),
        (monitor.three_way, ("acme", "1001", "1001"), InvalidInput, "agent's own seat"),
        (monitor.three_way, ("acme", "1001", "sales"), InvalidInput, "not a queue"),
        (monitor.three_way, ("acme", "1001", "12"), NotFound, "and not a number"),
        (monitor.transfer, ("acme", "1001", "queue:nosuch"), NotFound, "queue acme/nosuch not found"),
        (monitor.transfer, ("acme", "1001", "voicemail:1001"), InvalidInput, "a seat, queue, IVR or number"),
        (monitor.transfer, ("acme", HUAXIA_LEG, "1002"), Conflict, "is not a call of tenant acme"),
    ],
)
def test_refusals_are_errors_and_audited(box, call, args, error, detail):
    ctx, fake = box
    with pytest.raises(error, match=detail):
        call(ctx, *args, actor="mallory")
    row = audit.entries(ctx, args[0])[-1]
    assert (row.actor, row.result) == ("mallory", "refused") and detail in row.detail
    assert not any(c.startswith(("originate", "uuid_kill", "uuid_transfer", "uuid_broadcast")) for c in fake.received)


def test_hangup_ends_both_legs_and_transfer_moves_the_other_party(box):
    ctx, fake = box
    r = monitor.hangup(ctx, "acme", "1001")
    assert r.ended == [AGENT_LEG, CUSTOMER_LEG]
    assert [c for c in fake.received if c.startswith("uuid_kill")] == [
        f"uuid_kill {AGENT_LEG} NORMAL_CLEARING",
        f"uuid_kill {CUSTOMER_LEG} NORMAL_CLEARING",
    ]
    monitor.transfer(ctx, "acme", "1001", "support")
    assert fake.received[-1] == f"uuid_transfer {CUSTOMER_LEG} cc-queue-support XML acme"
    monitor.transfer(ctx, "acme", CUSTOMER_LEG, "1002")
    assert fake.received[-1] == f"uuid_transfer {CUSTOMER_LEG} cc-seat-1002 XML acme"
    monitor.transfer(ctx, "acme", "1001", "seat:1002", attended=True)
    assert (
        fake.received[-1] == f"uuid_broadcast {AGENT_LEG} att_xfer::{{ccctl_tenant=acme}}user/1002@acme.cc.local aleg"
    )
    r = monitor.three_way(ctx, "acme", "1001", "1002")
    assert r.channel and fake.received[-1].endswith(f"user/1002@acme.cc.local &eavesdrop({AGENT_LEG})")
    assert [e.action for e in audit.entries(ctx, "acme") if e.result == "ok"] == [
        "monitor.hangup",
        "monitor.transfer",
        "monitor.transfer",
        "monitor.transfer",
        "monitor.three-way",
    ]


def _cli(ctx, *args):
    env = {"CCCTL_DB": ctx.settings.db, "CCCTL_FS_DEPLOY": "off", "CCCTL_ESL_PORT": str(ctx.settings.esl_port)}
    return CliRunner().invoke(cli_app, list(args), env=env)


def test_cli_cross_tenant_exit_4_and_audit_list(box):
    ctx, _ = box
    r = _cli(ctx, "monitor", "listen", "acme", "1003", "2001", "--actor", "eve")
    assert r.exit_code == 4 and "not a seat of tenant acme" in r.stderr
    assert _cli(ctx, "monitor", "listen", "acme", "1003", "1001", "--json").exit_code == 0
    rows = json.loads(_cli(ctx, "audit", "list", "--tenant", "acme", "--json").stdout)
    assert [(x["actor"], x["action"], x["result"]) for x in rows] == [
        ("eve", "monitor.listen", "refused"),
        (audit.current_actor(), "monitor.listen", "ok"),
    ]
    assert json.loads(_cli(ctx, "audit", "list", "--tenant", "huaxia", "--json").stdout) == []
    assert json.loads(_cli(ctx, "audit", "list", "--since", "2099-01-01", "--json").stdout) == []
    assert len(json.loads(_cli(ctx, "audit", "list", "--since", "1h", "--json").stdout)) == 2
    bad = _cli(ctx, "audit", "list", "--since", "yesterday-ish")
    assert bad.exit_code == 1 and "--since" in bad.stderr
    assert "monitor.listen" in _cli(ctx, "audit", "list").stdout


def test_credentials_and_only_they_print_the_password(box, tmp_path):
    ctx, _ = box
    creds = credentials(ctx, "acme", "1001")
    assert (creds.user, creds.domain, creds.server, creds.port) == ("1001", "acme.cc.local", "127.0.0.1", 5060)
    shown = json.loads(_cli(ctx, "seat", "credentials", "acme", "1001", "--json").stdout)
    assert shown["password"] == creds.password and len(creds.password) >= 12
    qr = _cli(ctx, "seat", "credentials", "acme", "1001", "--qr").stdout
    assert creds.password in qr and "█" in qr
    assert qr_text(creds.provisioning()).count("\n") > 10
    assert json.loads(creds.provisioning())["sip"]["password"] == creds.password
    secrets = [
        credentials(ctx, t, e).password
        for t, e in (("acme", "1001"), ("acme", "1002"), ("acme", "1003"), ("huaxia", "2001"), ("huaxia", "2002"))
    ]
    outputs = [
        _cli(ctx, *args)
        for args in (
            ("export",),
            ("export", "--json"),
            ("seat", "list"),
            ("seat", "list", "--json"),
            ("seat", "show", "acme", "1001"),
            ("seat", "show", "acme", "1001", "--json"),
            ("tenant", "show", "acme"),
            ("tenant", "show", "acme", "--json"),
            ("tenant", "list", "--json"),
            ("audit", "list", "--json"),
        )
    ]
    r = _cli(ctx, "seat", "reset-password", "acme", "1002", "--json")
    assert r.exit_code == 0, r.output
    new = json.loads(r.stdout)["password"]
    assert new not in secrets
    outputs += [_cli(ctx, "audit", "list", "--json"), _cli(ctx, "export")]
    for out in outputs:
        assert out.exit_code == 0, out.output
        for secret in secrets + [new]:
            assert secret not in out.output
    assert credentials(ctx, "acme", "1002").password == new
    assert audit.entries(ctx, "acme")[-1].action == "seat.reset-password"
    assert _cli(ctx, "seat", "reset-password", "acme", "9999").exit_code == 3
    assert audit.entries(ctx, "acme")[-1].result == "refused"

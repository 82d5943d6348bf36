"""Masked recording spans from the agent rows (ccctl/recordings/masks.py) and the seat a mask
event names (ccctl/daemon/assemble.py)."""

from __future__ import annotations

from ccctl.daemon.assemble import Assembler, Directory, mask_seat
from ccctl.recordings.masks import pair


def test_a_mask_runs_to_its_unmask_or_to_the_end_of_its_call():
    rows = [
        ("c1", "1001", "mask", 10.0),
        ("c2", "1002", "mask", 11.0),
        ("c1", "1001", "mask", 12.0),  # masked already: nothing new
        ("c1", "1001", "unmask", 15.0),
        ("c1", "1001", "unmask", 16.0),  # not masked: nothing
        ("c1", "1001", "mask", 20.0),
    ]
    assert pair(rows, {"c2": 30.0}) == [
        {"call": "c1", "seat": "1001", "start": 10.0, "end": 15.0},
        {"call": "c2", "seat": "1002", "start": 11.0, "end": 30.0},
        {"call": "c1", "seat": "1001", "start": 20.0, "end": None},  # the call goes on
    ]


def test_the_seat_of_a_mask_is_the_one_on_the_seats_leg():
    inbound = {"CCCTL-Direction": "inbound", "CCCTL-User": ""}
    assert mask_seat({**inbound, "CCCTL-Queue-Agent": "1001@acme.cc.local", "CCCTL-Target": "queue:sales"}) == "1001"
    assert mask_seat({**inbound, "CCCTL-Target": "seat:1003"}) == "1003"
    assert mask_seat({**inbound, "CCCTL-Target": "ivr:main"}) is None
    assert mask_seat({"CCCTL-Direction": "internal", "CCCTL-User": "1002", "CCCTL-Target": "seat:1005"}) == "1002"


def test_mask_events_become_agent_rows_of_known_tenants_only():
    a = Assembler(Directory({"acme.cc.local": "acme"}), "node1")
    e = {
        "Event-Name": "CUSTOM",
        "Event-Subclass": "ccctl::agent",
        "CCCTL-Action": "mask",
        "CCCTL-Call": "u-1",
        "CCCTL-Tenant": "acme",
        "CCCTL-Direction": "internal",
        "CCCTL-User": "1001",
        "Event-Date-Timestamp": "1700000000000000",
    }
    row = {"tenant": "acme", "agent": "1001", "kind": "mask", "value": "u-1", "at": 1.7e9, "node": "node1"}
    assert a.feed(e) == [("agent", {**row, "audit": True})]  # keyed on the phone: the store audits it
    assert a.feed({**e, "CCCTL-By": "library"}) == [("agent", row)]
    assert a.feed({**e, "CCCTL-Tenant": "other"}) == []
    assert a.feed({**e, "CCCTL-Call": ""}) == []


def test_mask_commands_refuse_clearly(tmp_path, sounds_dir):
    """`ccctl agent mask`: an unknown seat exit 3, a tenant recording nothing exit 4, one line;
    `ccctl recording masks` lists the spans from the agent rows."""
    import json

    from typer.testing import CliRunner

    from ccctl.cli.main import app
    from ccctl.daemon.store import write_rows
    from ccctl.testing import rows as r

    env = {
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "fs" / "recordings"),
        "CCCTL_ESL_PORT": "1",
        "CCCTL_FS_DEPLOY": "off",
    }
    site = tmp_path / "site.yaml"
    site.write_text("tenants:\n  - name: acme\n    seats: [{extension: '1001', name: A}]\n")
    runner = CliRunner()
    assert runner.invoke(app, ["apply", "-f", str(site)], env=env).exit_code == 0
    out = runner.invoke(app, ["agent", "mask", "acme", "1009"], env=env)
    assert out.exit_code == 3 and "seat acme/1009 not found" in out.output, out.output
    out = runner.invoke(app, ["agent", "mask", "acme", "1001"], env=env)
    assert out.exit_code == 4 and out.output.count("\n") == 1 and "records no calls" in out.output, out.output
    assert "Traceback" not in out.output

    from ccctl.db import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    write_rows(
        engine,
        [{**r.call("u-1", "acme", "inbound", 1000.0, 60), "agent": "1001"}],
        [r.status("acme", "1001", "u-1", 1010.0, kind="mask"), r.status("acme", "1001", "u-1", 1025.5, kind="unmask")],
    )
    engine.dispose()
    out = runner.invoke(app, ["recording", "masks", "acme", "--json"], env=env)
    assert out.exit_code == 0, out.output
    assert [(m["call"], m["seat"], m["seconds"], m["start"]) for m in json.loads(out.stdout)] == [
        ("u-1", "1001", 15.5, "1970-01-01T00:16:50Z")
    ]


def test_the_mask_names_the_file_being_recorded():
    """The file comes from uuid_buglist (the day folder of a call that began before midnight is
    yesterday's); a channel with no recording running matches nothing."""
    import re

    from ccctl.render.masking import RECORDING_TARGET

    buglist = (
        "<media-bugs>\n <media-bug>\n  <function>eavesdrop</function>\n  <target>x</target>\n"
        "  <thread-locked>0</thread-locked>\n </media-bug>\n"
        " <media-bug>\n  <function>session_record</function>\n"
        "  <target>/var/lib/freeswitch/recordings/acme/2026-12-05/u-1.wav</target>\n"
        "  <thread-locked>0</thread-locked>\n </media-bug>\n</media-bugs>\n"
    )
    assert re.search(RECORDING_TARGET, buglist)[1] == "/var/lib/freeswitch/recordings/acme/2026-12-05/u-1.wav"
    assert re.search(RECORDING_TARGET, "<media-bugs>\n</media-bugs>\n") is None


def test_the_daemon_audits_a_mask_keyed_on_the_phone_not_one_the_library_audited(tmp_path):
    from ccctl import app
    from ccctl.daemon.store import write_rows
    from ccctl.settings import Settings
    from ccctl.supervision import audit

    services = app.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off"), deploy=False)
    a = Assembler(Directory(tenants_by_domain={"acme.cc.local": "acme"}), "local")
    base = {
        "Event-Subclass": "ccctl::agent",
        "CCCTL-Tenant": "acme",
        "CCCTL-Call": "c1",
        "CCCTL-Direction": "outbound",
        "CCCTL-User": "1001",
    }
    rows = []
    for action, at, by in [("mask", 10, ""), ("unmask", 14, ""), ("mask", 20, "library"), ("unmask", 22, "library")]:
        rows += [
            r
            for _, r in a.feed({**base, "CCCTL-Action": action, "CCCTL-By": by, "Event-Date-Timestamp": f"{at}000000"})
        ]
    write_rows(services.engine, [], rows)
    got = [(e.actor, e.action, e.subject, e.call, e.result) for e in audit.entries(services, "acme")]
    assert sorted(got) == [
        ("seat:1001", "recording.mask", "1001", "c1", "ok"),
        ("seat:1001", "recording.unmask", "1001", "c1", "ok"),
    ]

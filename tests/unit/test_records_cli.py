"""The recording, report, backup and restore commands through the CLI (SQLite), and the
on-demand recording feature codes in the rendered dialplan."""

from __future__ import annotations

import json
import os
import time

import pytest
from lxml import etree
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.render import dialplan


@pytest.fixture
def box(tmp_path):
    runner = CliRunner()
    rec = tmp_path / "recordings"
    env = {"CCCTL_DB": str(tmp_path / "cli.db"), "CCCTL_FS_DEPLOY": "off", "CCCTL_FS_RECORDINGS_DIR": str(rec)}

    def run(*args, db=None):
        return runner.invoke(app, list(args), env={**env, **({"CCCTL_DB": db} if db else {})})

    assert run("tenant", "add", "acme", "recording.retention_days=30", "recording.mode=all").exit_code == 0
    for name, age in (("old", 40), ("new", 1)):
        p = rec / "acme" / "2026-01-01" / f"{name}.wav"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * 2048)
        t = time.time() - age * 86400
        os.utime(p, (t, t))
    run.rec = rec
    return run


def test_purge_in_a_script_needs_yes_and_a_dry_run_deletes_nothing(box):
    old = box.rec / "acme" / "2026-01-01" / "old.wav"
    r = box("recording", "purge")
    assert r.exit_code == 2 and "--yes" in r.stderr and old.exists()
    r = box("recording", "purge", "--dry-run", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["files"] == 1 and old.exists()
    r = box("recording", "hold", "acme", "old", "--reason", "case 7", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["recordings"] == 1
    r = box("recording", "purge", "--yes", "--json")
    assert json.loads(r.stdout)["files"] == 0 and json.loads(r.stdout)["held"] == 1 and old.exists()
    assert box("recording", "release", "acme", "old").exit_code == 0
    r = box("recording", "purge", "--yes")
    assert r.exit_code == 0 and "1 file(s), 2.0 KiB freed" in r.stdout and not old.exists()
    assert (box.rec / "acme" / "2026-01-01" / "new.wav").exists()


def test_list_show_usage_and_a_tenant_hold(box):
    listed = json.loads(box("recording", "list", "--tenant", "acme", "--json").stdout)
    assert [r["call"] for r in listed] == ["old", "new"] and listed[0]["status"] == "due"
    assert json.loads(box("recording", "show", "acme", "--json").stdout)["retention_days"] == 30  # the policy
    assert json.loads(box("recording", "show", "acme", "new", "--json").stdout)[0]["status"] == "kept"
    assert box("recording", "show", "acme", "nosuch").exit_code == 3
    assert box("recording", "hold", "acme").exit_code == 0  # the whole tenant
    usage = json.loads(box("recording", "usage", "--json").stdout)[0]
    assert usage["tenant_hold"] is True and usage["due_files"] == 0 and usage["bytes"] == 4096


def test_report_usage_needs_a_tenant_or_all(box):
    assert box("report", "usage", "--month", "2026-11").exit_code == 1
    r = box("report", "usage", "--all", "--month", "2026-11", "--csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("tenant,month,")
    assert box("report", "usage", "--tenant", "acme", "--month", "2026-1").exit_code == 1


def test_backup_then_restore_into_a_new_database(box, tmp_path):
    archive = tmp_path / "b.ccbackup"
    assert box("backup", str(archive)).exit_code == 0
    assert box("backup", str(archive)).exit_code == 1  # never overwrites
    new = str(tmp_path / "new.db")
    assert box("restore", str(archive), db=new).exit_code == 0
    assert json.loads(box("tenant", "list", "--json", db=new).stdout)[0]["name"] == "acme"
    r = box("restore", str(archive), db=new)
    assert r.exit_code == 4 and "--force" in r.stderr
    assert box("restore", str(archive), "--force", db=new).exit_code == 0


def test_on_demand_recording_has_its_feature_codes():
    def binds(mode):
        t = s.Tenant(name="od", recording=s.Recording(mode=mode), seats=[s.Seat(extension="1001", name="A")])
        x = dialplan.tenant_context(t)
        return [
            (e.tag, e.get("data")) for e in x.iter("action", "anti-action") if e.get("application") == "bind_meta_app"
        ]

    found = binds("on_demand")
    path = "$${recordings_dir}/od/${strftime(%Y-%m-%d)}/${uuid}.wav"
    # The seat is the B leg of an inbound call and the A leg of its own calls.
    mask = [
        ("action", "4 b a execute_extension::cc-record-mask XML od"),
        ("action", "5 b a execute_extension::cc-record-unmask XML od"),
        ("anti-action", "4 a a execute_extension::cc-record-mask XML od"),
        ("anti-action", "5 a a execute_extension::cc-record-unmask XML od"),
    ]
    assert found == [
        ("action", f"2 b a record_session::{path}"),
        ("action", f"3 b a stop_record_session::{path}"),
        ("anti-action", f"2 a a record_session::{path}"),
        ("anti-action", f"3 a a stop_record_session::{path}"),
        *mask,
    ]
    # *4 / *5 (mask, unmask) wherever a call can be recorded; nothing at all without recording.
    assert binds("all") == mask and binds("none") == []
    etree.tostring(dialplan.tenant_context(s.Tenant(name="od", recording=s.Recording(mode="on_demand"))))

"""Issue 19: a removed tenant's data never reaches a later tenant of the same name (calls,
usage, recordings and their folder, webhook secret, campaigns), on SQLite and PostgreSQL;
removal is refused while the tenant keeps data, unless --archive FILE or --purge."""

from __future__ import annotations

import json
import tarfile
import time

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.daemon.store import write_rows
from ccctl.db import open_engine
from ccctl.model import AuditEntry, Campaign, Contact, Dnc, Recording, Tenant
from ccctl.testing.rows import call, status


@pytest.fixture
def cli(db_url, tmp_path):
    env = {
        "CCCTL_FS_DEPLOY": "off",
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "rec"),
        "CCCTL_SPOOL_DIR": str(tmp_path / "spool"),
        "CCCTL_FS_SOUNDS_DIR": str(tmp_path / "sounds"),
    }

    def run(*args):
        return CliRunner().invoke(app, ["--db", db_url, *args], env=env)

    for name, domain in (("alpha", "alpha.example"), ("beta", "beta.example")):
        r = run("tenant", "add", name, f"domain={domain}")
        assert r.exit_code == 0, r.output
    run.db_url, run.rec = db_url, tmp_path / "rec"
    return run


def _history(run, tenant: str, uuid: str, *, recording: bool = True):
    """What the daemon and FreeSWITCH leave behind for TENANT: a call row, its recording file,
    an agent status row, a campaign with a contact, a do-not-call entry, an audit row."""
    now = time.time()
    path = f"{tenant}/{time.strftime('%Y-%m-%d')}/{uuid}.wav"
    if recording:
        f = run.rec / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"RIFF" + b"\0" * 1000)
    engine = open_engine(run.db_url)
    row = {
        **call(uuid, tenant, "inbound", now - 3600, 61.0),
        "caller_number": "4915100000001",
        "recording": path if recording else None,
    }
    write_rows(engine, [row], [status(tenant, "1001", "Available", now - 3600)])
    with Session(engine) as session:
        c = Campaign(tenant=tenant, name="c2", state="running", created_at=now)
        session.add(c)
        session.flush()
        session.add(Contact(campaign_id=c.id, number="+4915100000002", timezone="UTC"))
        session.add(Dnc(tenant=tenant, number="+4915100000003", added_at=now))
        session.add(AuditEntry(at=now, actor="root", tenant=tenant, action="monitor.listen", result="ok"))
        session.commit()
    engine.dispose()


def _uids(run):
    engine = open_engine(run.db_url)
    with Session(engine) as session:
        out = dict(session.exec(select(Tenant.name, Tenant.uid)).all())
    engine.dispose()
    return out


def _leftovers(run, model, tenant):
    engine = open_engine(run.db_url)
    with Session(engine) as session:
        n = len(session.exec(select(model).where(model.tenant == tenant)).all())
    engine.dispose()
    return n


def _empty(run, tenant):
    r = run("calls", "list", "--tenant", tenant, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    r = run("report", "usage", "--tenant", tenant, "--json")
    assert r.exit_code == 0, r.output
    u = json.loads(r.stdout)
    assert (u["tenant"], u["calls"], u["inbound_billable_min"], u["recording_files"]) == (tenant, 0, 0, 0)
    r = run("recording", "list", "--tenant", tenant, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    assert not any((run.rec / tenant).rglob("*.wav"))
    r = run("campaign", "status", tenant, "c2")
    assert r.exit_code == 3, r.output
    for model in (Campaign, Dnc, AuditEntry):
        assert _leftovers(run, model, tenant) == 0, model


def test_a_removed_tenants_data_does_not_reach_the_next_tenant_of_the_same_name(cli, tmp_path):
    run = cli
    _history(run, "beta", "b-1")
    _history(run, "alpha", "a-1", recording=False)
    r = run("calls", "list", "--tenant", "beta", "--json")
    assert [c["caller_number"] for c in json.loads(r.stdout)] == ["4915100000001"]
    assert "tenant_uid" not in r.stdout  # the identity is internal: users see names
    r = run("recording", "list", "--tenant", "beta", "--json")
    assert [x["tenant"] for x in json.loads(r.stdout)] == ["beta"] and "uid" not in r.stdout
    old_secret = run("events", "secret", "alpha").stdout.strip()
    assert old_secret
    before = _uids(run)

    # Kept data: refused, one line, nothing changed.
    r = run("tenant", "remove", "beta", "--yes")
    assert r.exit_code == 4, r.output
    assert len(r.output.strip().splitlines()) == 1 and "--archive" in r.output and "inside retention" in r.output
    assert (run.rec / "beta").is_dir() and json.loads(run("calls", "list", "--tenant", "beta", "--json").stdout)
    # --purge in a script needs --yes.
    assert run("tenant", "remove", "beta", "--purge").exit_code == 2

    r = run("tenant", "remove", "beta", "--purge", "--yes")
    assert r.exit_code == 0, r.output
    assert not (run.rec / "beta").exists()
    r = run("tenant", "add", "beta", "domain=other-customer.example")
    assert r.exit_code == 0, r.output
    _empty(run, "beta")

    out = tmp_path / "alpha.tar.gz"
    r = run("tenant", "remove", "alpha", "--archive", str(out), "--yes")
    assert r.exit_code == 0, r.output
    with tarfile.open(out) as tar:
        names = tar.getnames()
        calls = json.load(tar.extractfile("calls-all.json"))
        usage = json.load(tar.extractfile("usage.json"))
    assert {"manifest.json", "calls.csv", "calls-all.csv", "usage.json"} <= set(names)
    assert [c["uuid"] for c in calls] == ["a-1"] and usage[0]["tenant"] == "alpha" and usage[0]["calls"] == 1
    assert run("tenant", "add", "alpha").exit_code == 0
    _empty(run, "alpha")
    new_secret = run("events", "secret", "alpha").stdout.strip()
    assert new_secret and new_secret != old_secret

    after = _uids(run)
    assert after["alpha"] != before["alpha"] and after["beta"] != before["beta"]


def test_legal_hold_refuses_removal_and_archive_keeps_the_files(cli, tmp_path):
    run = cli
    _history(run, "beta", "b-1")
    assert run("recording", "set", "beta", "legal_hold=true", "retention_days=1").exit_code == 0
    r = run("tenant", "remove", "beta", "--yes")
    assert r.exit_code == 4 and "legal hold" in r.output, r.output
    out = tmp_path / "beta-archive"
    r = run("tenant", "remove", "beta", "--archive", str(out), "--yes")
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["call"] for e in manifest["recordings"]] == ["b-1"]
    assert (out / manifest["recordings"][0]["file"]).read_bytes().startswith(b"RIFF")
    assert not (run.rec / "beta").exists()
    assert run("tenant", "add", "beta").exit_code == 0
    _empty(run, "beta")


def test_a_tenant_without_kept_data_is_removed_without_flags(cli):
    run = cli
    _history(run, "beta", "b-old", recording=False)
    assert run("recording", "set", "beta", "retention_days=1").exit_code == 0
    engine = open_engine(run.db_url)
    with engine.begin() as conn:  # the call is older than the retention
        from ccctl.model import Call

        conn.execute(Call.__table__.update().values(entered_at=time.time() - 3 * 86400))
    engine.dispose()
    r = run("tenant", "remove", "beta", "--yes")
    assert r.exit_code == 0, r.output
    assert run("tenant", "add", "beta").exit_code == 0
    _empty(run, "beta")


def test_rows_written_while_no_tenant_holds_the_name_do_not_reach_a_new_one(cli):
    """The daemon writes a removed tenant's call that ended after the removal: no tenant owns
    it, and a tenant that takes the name later does not see it."""
    run = cli
    assert run("tenant", "remove", "beta", "--yes").exit_code == 0
    _history(run, "beta", "late")  # its recording file too
    engine = open_engine(run.db_url)
    with Session(engine) as session:
        assert [r.tenant_uid for r in session.exec(select(Dnc).where(Dnc.tenant == "beta"))] == [None]
    engine.dispose()
    assert run("tenant", "add", "beta").exit_code == 0
    _empty(run, "beta")
    assert _leftovers(run, Recording, "beta") == 0
    # set aside, not lost: the call is still in the box's history, under no tenant
    r = run("calls", "list", "--json")
    assert [(c["uuid"], c["tenant"]) for c in json.loads(r.stdout)] == [("late", "beta~orphan")]


def test_rows_of_a_removed_identity_left_under_the_name_stay_out_of_every_view(cli):
    """Rows that keep the removed tenant's identity after a new tenant took its name (a daemon
    that wrote with what it knew, a restore of an older backup): every operational view of the
    new tenant is keyed by its identity, so none of them shows, counts or bills those rows;
    its recording file on disk is neither listed nor exported."""
    from ccctl.model import AgentEvent, Call, CallbackRequest

    run = cli
    old = _uids(run)["beta"]
    assert run("customer", "add", "beta", "+4915100000009", "Old Customer").exit_code == 0
    r = run("tenant", "remove", "beta", "--purge", "--yes")
    assert r.exit_code == 0, r.output
    assert run("tenant", "add", "beta").exit_code == 0
    new = _uids(run)["beta"]
    assert new != old

    now = time.time()
    path = f"beta/{time.strftime('%Y-%m-%d')}/stale.wav"
    f = run.rec / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(b"RIFF" + b"\0" * 1000)
    engine = open_engine(run.db_url)
    with Session(engine) as session:
        row = {**call("stale", "beta", "inbound", now - 600, 61.0), "recording": path}
        session.add(Call(**row, tenant_uid=old))
        session.add(AgentEvent(**status("beta", "1001", "Available", now - 600), tenant_uid=old))
        session.add(
            Recording(tenant="beta", tenant_uid=old, path=path, call_uuid="stale", started_at=now - 600, bytes=1004)
        )
        c = Campaign(tenant="beta", tenant_uid=old, name="c2", state="running", created_at=now)
        session.add(c)
        session.add(Dnc(tenant="beta", tenant_uid=old, number="+4915100000003", added_at=now))
        session.add(
            AuditEntry(at=now, actor="root", tenant="beta", tenant_uid=old, action="monitor.listen", result="ok")
        )
        session.add(
            CallbackRequest(
                tenant="beta",
                tenant_uid=old,
                queue="sales",
                number="+4915100000001",
                call_uuid="stale",
                since=now - 600,
                requested_at=now - 600,
                next_at=now,
                updated_at=now,
            )
        )
        session.commit()
    engine.dispose()

    r = run("calls", "list", "--tenant", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    assert run("calls", "show", "stale", "--tenant", "beta").exit_code == 3
    r = run("report", "usage", "--tenant", "beta", "--json")
    u = json.loads(r.stdout)
    assert (u["calls"], u["inbound_billable_min"], u["recording_files"], u["peak_logged_in"]) == (0, 0, 0, 0), u
    r = run("recording", "list", "--tenant", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    assert run("recording", "show", "beta", "stale").exit_code == 3
    day = time.strftime("%Y-%m-%d")
    r = run(
        "recording",
        "export",
        "--tenant",
        "beta",
        "--since",
        day,
        "--until",
        "2100-01-01",
        "--out",
        str(run.rec.parent / "x.tar.gz"),
    )
    assert r.exit_code == 0, r.output
    with tarfile.open(run.rec.parent / "x.tar.gz") as tar:
        assert json.load(tar.extractfile("manifest.json"))["recordings"] == []
    assert run("campaign", "status", "beta", "c2").exit_code == 3
    r = run("campaign", "list", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = run("dnc", "list", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = run("audit", "list", "--tenant", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = run("callback", "list", "--tenant", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = run("customer", "list", "beta", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = run("stats", "--tenant", "beta", "--by", "agent", "--json")
    assert r.exit_code == 0, r.output
    assert "1001" not in r.stdout


def test_the_event_log_of_a_removed_tenant_is_not_the_next_ones(cli, tmp_path):
    """The daemon keeps each tenant's event log open. The removed tenant's log goes with it;
    the new tenant of the name gets a log of its own: its events are shown, the old ones never."""
    from ccctl.cti.webhooks import EventLogs

    run = cli
    logs = EventLogs(tmp_path / "spool")  # the running daemon's
    logs.append({"type": "call.ended", "tenant": "beta", "call_id": "old-call", "at": 1.0})
    r = run("events", "--tenant", "beta", "--json")
    assert [json.loads(x)["call_id"] for x in r.stdout.splitlines()] == ["old-call"]
    assert run("tenant", "remove", "beta", "--purge", "--yes").exit_code == 0
    assert run("tenant", "add", "beta").exit_code == 0
    logs.append({"type": "call.ended", "tenant": "beta", "call_id": "new-call", "at": 2.0})
    r = run("events", "--tenant", "beta", "--json")
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["call_id"] for x in r.stdout.splitlines()] == ["new-call"]
    logs.close()

"""`ccctl fleet join` on a real PostgreSQL: a single box (SQLite, the example site and rows of
every operational kind) joins a fleet that already has a node and a tenant of its own (so the
integer ids collide). Everything comes across, tenant identities kept, homed on the new node,
the node's tree is the tree the box runs; each refusal leaves both databases as they were."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlmodel import SQLModel

from ccctl import app
from ccctl.config import gather
from ccctl.config import spec as s
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import CcError, Conflict
from ccctl.fleet import carry, nodes
from ccctl.fleet.join import join
from ccctl.fleet.scope import scope
from ccctl.model import (
    Account,
    AgentEvent,
    AuditEntry,
    Call,
    CallbackRequest,
    CallRollup,
    Campaign,
    Contact,
    Dnc,
    Number,
    Recording,
    Seat,
    SeatSkill,
    Setting,
    Tenant,
)
from ccctl.model.owner import owned
from ccctl.settings import Settings
from ccctl.testing import rows

EXAMPLE = Path(__file__).parents[2] / "examples" / "site.yaml"
PASSWORD = "Fl33tPw-never-shown"


def box_settings(tmp_path, sounds_dir, db, node="b1") -> Settings:
    return Settings(
        db=db,
        node=node,
        fs_conf_dir=tmp_path / "box" / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / "box" / "recordings",
        fs_cdr_dir=tmp_path / "box" / "cdr",
        spool_dir=tmp_path / "box" / "spool",
        fs_deploy="off",
    )


def operational_rows(services) -> None:
    """One or more rows of every operational kind, as the daemon and the commands write them."""
    now = time.time()
    with session_scope(services.engine) as session:
        acme_uid = session.execute(select(Tenant.uid).where(Tenant.name == "acme")).scalar_one()
        calls = [rows.call(f"c{i}", "acme", "inbound", now - 3600 + i, 30) for i in range(3)]
        calls.append(rows.call("ghost-1", "ghost", "inbound", now - 7200, 10))  # no tenant holds "ghost"
        session.execute(insert(Call), calls)
        # a row written by name alone while acme held it: it gets acme's identity in the fleet
        session.execute(text("UPDATE call SET tenant_uid = NULL WHERE uuid = 'c0'"))
        session.execute(insert(AgentEvent), [rows.status("acme", "1001", "Available", now - 60)])
        session.add(Recording(tenant="acme", path="acme/2026-12-06/c1.wav", call_uuid="c1", started_at=now, bytes=9))
        session.add(AuditEntry(at=now, actor="root", tenant="acme", action="seat.reset-password", result="ok"))
        session.add(CallRollup(tenant="acme", bucket=now - now % 3600, queue="sales", agent="", calls=3))
        session.add(
            CallbackRequest(
                tenant="acme",
                queue="support",
                number="+4915112345678",
                call_uuid="c2",
                since=now,
                requested_at=now,
                next_at=now,
                updated_at=now,
            )
        )
        camp = Campaign(tenant="acme", name="renewals", queue="sales", created_at=now)
        session.add(camp)
        session.flush()
        session.add_all(
            [Contact(campaign_id=camp.id, number=f"+4930111{i}", timezone="Europe/Berlin") for i in range(2)]
        )
        session.add(Dnc(tenant="acme", number="+493099999", added_at=now))
        session.add(
            Account(login="1001@acme.cc.local", role="agent", tenant_uid=acme_uid, password_hash="x", created_at=now)
        )
        session.add(Account(login="boxadmin", role="admin", password_hash="x", created_at=now))
        session.add(Setting(key=f"webhook_secret.{acme_uid}", value="whsec"))


@pytest.fixture
def box(tmp_path, sounds_dir):
    services = app.open(box_settings(tmp_path, sounds_dir, f"sqlite:///{tmp_path}/box.db"), deploy=False)
    apply_tenants(services, load_site(str(EXAMPLE)).tenants)
    gather.esl_password(services)  # made at the box's first render
    operational_rows(services)
    return services


@pytest.fixture
def fleet(postgres_url, tmp_path, sounds_dir):
    """A fleet with node n1 and tenant 'other' on it: the box's ids are taken there already."""
    from ccctl.testing.postgres import new_database

    url = new_database(postgres_url)
    admin = app.open(box_settings(tmp_path / "admin", sounds_dir, url, node="admin"), deploy=False)
    nodes.add_node(admin, "n1", sip_address="10.0.0.1:5060", trunk_address="10.0.0.1:5080")
    apply_tenants(admin, [s.Tenant(name="other", seats=[s.Seat(extension="1001", name="O")], home_node="n1")])
    with session_scope(admin.engine) as session:
        session.add(Call(**rows.call("other-1", "other", "inbound", time.time(), 5)))
    # a role of its own, whose password the outputs below must never show
    role = f"joiner_{os.urandom(3).hex()}"
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{PASSWORD}'"))
    admin.engine.dispose()
    u = admin.engine.url.set(username=role, password=PASSWORD)
    return u.render_as_string(hide_password=False), admin


def snapshot(engine) -> dict:
    """Every row of every table, in a stable order."""
    out = {}
    with engine.connect() as conn:
        for table in [*SQLModel.metadata.sorted_tables]:
            out[table.name] = sorted(map(repr, conn.execute(select(table)).all()))
        out["alembic_version"] = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return out


def test_join_carries_everything_with_identities_kept(box, fleet, tmp_path):
    url, admin = fleet
    settings_file = tmp_path / "ccctl.local"
    settings_file.write_text("CCCTL_SIP_IP=10.0.0.5\n")
    before = snapshot(box.engine)
    with session_scope(box.engine) as session:
        box_tenants = dict(session.execute(select(Tenant.name, Tenant.uid)).all())
        box_seats = sorted(session.execute(select(Seat.extension, Seat.name, Seat.password)).all())
        box_skills = sorted(session.execute(select(Seat.extension, SeatSkill.skill, SeatSkill.level).join(Seat)).all())
    restarted = []
    row = join(box, url, "b1", address="10.0.0.5", settings_file=settings_file, restart=lambda: restarted.append(1))
    assert restarted == [1]
    assert row["tenants"] == ["acme", "huaxia"] and row["tree_unchanged"], row["tree_changes"]
    assert PASSWORD not in repr(row)
    assert snapshot(box.engine) == before  # the box's own database is its state when it joined

    node = app.open(box.settings.with_(db=url, node="b1"), deploy=False)
    with session_scope(node.engine) as session:
        fleet_tenants = dict(session.execute(select(Tenant.name, Tenant.uid)).all())
        assert fleet_tenants == {**box_tenants, "other": fleet_tenants["other"]}
        homes = dict(session.execute(select(Tenant.name, Tenant.home_node)).all())
        assert homes == {"acme": "b1", "huaxia": "b1", "other": "n1"}
        ids = dict(session.execute(select(Tenant.name, Tenant.id)).all())
        assert len(set(ids.values())) == 3  # the box's ids were taken: new ones, references moved
        seats = sorted(
            session.execute(
                select(Seat.extension, Seat.name, Seat.password).where(Seat.tenant_id != ids["other"])
            ).all()
        )
        assert seats == box_seats
        skills = sorted(
            session.execute(
                select(Seat.extension, SeatSkill.skill, SeatSkill.level)
                .join(Seat)
                .where(Seat.tenant_id != ids["other"])
            ).all()
        )
        assert skills == box_skills
        numbers = dict(session.execute(select(Number.number, Number.tenant_id)).all())
        assert numbers["+493012345678"] == ids["acme"]
        acme_calls = sorted(session.execute(select(Call.uuid).where(owned(Call, "acme"))).scalars())
        assert acme_calls == ["c0", "c1", "c2"]
        assert set(session.execute(select(Call.tenant_uid).where(Call.tenant == "acme")).scalars()) == {
            box_tenants["acme"]
        }
        assert set(session.execute(select(Call.node).where(Call.tenant == "acme")).scalars()) == {"b1"}
        assert session.execute(select(Call.uuid).where(Call.uuid == "ghost-1")).first() is None
        for model in (AgentEvent, Recording, AuditEntry, CallRollup, CallbackRequest, Dnc, Campaign):
            assert session.execute(select(func.count()).where(owned(model, "acme"))).scalar_one() >= 1, model
        contacts = session.execute(
            select(func.count()).select_from(Contact).join(Campaign).where(owned(Campaign, "acme"))
        ).scalar_one()
        assert contacts == 2
        logins = set(session.execute(select(Account.login)).scalars())
        assert "1001@acme.cc.local" in logins and "boxadmin" not in logins
        assert session.get(Setting, f"webhook_secret.{box_tenants['acme']}").value == "whsec"
        assert session.get(Setting, "esl_password@b1").value == gather.esl_password(box)
        n = session.execute(text("SELECT sip_address, trunk_address, state FROM node WHERE name = 'b1'")).one()
        assert tuple(n) == ("10.0.0.5:5060", "10.0.0.5:5080", "active")
        assert not gen.state(session, "b1").pending  # nothing for the node's daemon to push
        assert scope(session, node.settings).tenants == ["acme", "huaxia"]
    assert row["left_on_box"] == {"call": 1, "account": 1}
    # every table is carried or named as staying
    assert {t.name for t in carry.tables()} | set(carry.STAYS) >= set(SQLModel.metadata.tables)
    # the node renders, from the fleet, the very tree the box runs: FreeSWITCH has nothing to do
    assert gather.render_files(node) == gather.render_files(box)
    # the other node is untouched
    other = app.open(box.settings.with_(db=url, node="n1"), deploy=False)
    assert "directory/other.xml" in gather.render_files(other)
    assert "directory/acme.xml" not in gather.render_files(other)
    # the box's settings now point at the fleet, owner-only (the file holds the password)
    written = settings_file.read_text()
    assert written.splitlines()[0] == "CCCTL_SIP_IP=10.0.0.5"
    assert f"CCCTL_DB='{url}'" in written and "CCCTL_NODE='b1'" in written
    assert stat.S_IMODE(os.stat(settings_file).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ccctl.local")) == []


def _set_revision(admin, revision):
    with admin.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


REFUSALS = {
    "node name taken": (lambda admin: None, "n1", Conflict, "node n1 exists already"),
    "tenant name taken": (
        lambda admin: apply_tenants(admin, [s.Tenant(name="acme", home_node="n1")]),
        "b1",
        Conflict,
        "tenant acme already in the fleet",
    ),
    "number taken": (
        lambda admin: apply_tenants(
            admin,
            [
                s.Tenant(
                    name="other",
                    seats=[s.Seat(extension="1001", name="O")],
                    numbers=[s.Number(number="4008001001", target="seat:1001")],
                    home_node="n1",
                )
            ],
        ),
        "b1",
        Conflict,
        "number 4008001001 already in the fleet",
    ),
    "fleet schema older": (
        lambda admin: _set_revision(admin, "0014_accounts"),
        "b1",
        Conflict,
        "revision 0014_accounts",
    ),
    "fleet schema newer": (lambda admin: _set_revision(admin, "0099_future"), "b1", Conflict, "revision 0099_future"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_leaves_both_databases_untouched(box, fleet, tmp_path, case):
    url, admin = fleet
    prepare, node, error, words = REFUSALS[case]
    admin = app.open(admin.settings.with_(db=url), deploy=False)
    prepare(admin)
    settings_file = tmp_path / "ccctl.local"
    settings_file.write_text("CCCTL_SIP_IP=10.0.0.5\n")
    box_before, fleet_before = snapshot(box.engine), snapshot(admin.engine)
    restarted = []
    with pytest.raises(error) as got:
        join(box, url, node, settings_file=settings_file, restart=lambda: restarted.append(1))
    message = got.value.message
    assert words in message and "\n" not in message and PASSWORD not in message
    if "schema" in case:
        from ccctl.db.migrate import head_revision

        assert f"this box at {head_revision()}" in message  # both revisions named
    assert snapshot(box.engine) == box_before
    assert snapshot(admin.engine) == fleet_before
    assert settings_file.read_text() == "CCCTL_SIP_IP=10.0.0.5\n" and restarted == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ccctl.local")] == []


def test_an_unreachable_fleet_is_one_line_without_its_password(box, tmp_path):
    url = f"postgresql+psycopg://ccctl:{PASSWORD}@127.0.0.1:1/fleet"
    before = snapshot(box.engine)
    with pytest.raises(CcError) as got:
        join(box, url, "b1", settings_file=tmp_path / "ccctl.local")
    assert type(got.value).exit_code == 1
    assert "cannot reach the fleet's database" in got.value.message and PASSWORD not in got.value.message
    assert "***" in got.value.message and "\n" not in got.value.message
    assert snapshot(box.engine) == before and not (tmp_path / "ccctl.local").exists()


def test_the_cli_never_prints_the_password(box, fleet, tmp_path):
    """Through `ccctl fleet join`: a wrong password (exit 1), a node name taken (exit 4), then
    the join itself; the password in none of the outputs."""
    import json

    from typer.testing import CliRunner

    from ccctl.cli.main import app as cli

    url, _ = fleet
    env = {"CCCTL_DB": box.settings.db, "CCCTL_FS_DEPLOY": "off", "CCCTL_NODE": "b1"}
    local = tmp_path / "ccctl.local"
    args = ["--settings-file", str(local), "--no-restart"]
    wrong = url.replace(PASSWORD, PASSWORD + "x")
    r = CliRunner().invoke(cli, ["fleet", "join", wrong, "--node", "b1", *args], env=env)
    assert r.exit_code == 1 and "password authentication failed" in r.stderr, r.output
    assert PASSWORD not in r.output and r.stderr.count("\n") == 1
    r = CliRunner().invoke(cli, ["fleet", "join", url, "--node", "n1", *args], env=env)
    assert (
        r.exit_code == 4
        and PASSWORD not in r.output
        and r.stderr == "error: node n1 exists already in the fleet (ccctl node list there)\n"
    )
    r = CliRunner().invoke(cli, ["fleet", "join", url, "--node", "b1", *args, "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output and json.loads(r.stdout)["tenants"] == ["acme", "huaxia"]
    r = CliRunner().invoke(cli, ["fleet", "join", url, "--node", "b1", *args], env=env)
    assert r.exit_code == 4 and PASSWORD not in r.output  # joined already: the tenants are there


def test_a_fleet_with_an_edge_keeps_the_joined_box_direct_until_cutover(box, fleet):
    """Behind the edge a node's SIP profiles differ, and FreeSWITCH restarts a profile to take
    that: the joined box renders as before until `ccctl fleet cutover`."""
    from ccctl.errors import NotFound
    from ccctl.fleet.join import cutover

    url, admin = fleet
    admin = app.open(admin.settings.with_(db=url), deploy=False)
    nodes.set_edge(admin, "10.0.0.9:5060")
    row = join(box, url, "b1", address="10.0.0.5", settings_file=None)
    assert row["tree_unchanged"] and row["direct"], row["tree_changes"]
    node = app.open(box.settings.with_(db=url, node="b1"), deploy=False)
    assert gather.render_files(node) == gather.render_files(box)
    done = cutover(admin, "b1")
    files = gather.render_files(node)
    assert b"fs_path=sip:10.0.0.9:5060" in files["directory/acme.xml"]
    assert '<param name="disable-register" value="true"/>' in files["autoload_configs/sofia.conf.xml"].decode()
    with session_scope(admin.engine) as session:
        assert gen.state(session, "b1").pending and gen.current(session) == done["generation"]
    with pytest.raises(Conflict, match="behind the edge already"):
        cutover(admin, "b1")
    with pytest.raises(NotFound):
        cutover(admin, "nope")

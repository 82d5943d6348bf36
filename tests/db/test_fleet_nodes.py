"""A fleet on a real PostgreSQL: each node renders only its tenants, a generation committed
anywhere is announced (LISTEN/NOTIFY) and deployed by each node to its own tree, with its own
deployed generation; a machine that is no node deploys nothing. SQLite: a single box as today."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from ccctl import app
from ccctl.config import gather
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.fleet import member, moves, nodes
from ccctl.fleet.notify import GenerationListener
from ccctl.settings import Settings


def node_settings(url, tmp_path, sounds_dir, name) -> Settings:
    return Settings(
        db=url,
        node=name,
        fs_conf_dir=tmp_path / name / "conf",
        fs_sounds_dir=sounds_dir,
        fs_recordings_dir=tmp_path / name / "recordings",
        fs_cdr_dir=tmp_path / name / "cdr",
        spool_dir=tmp_path / name / "spool",
        esl_port=1,  # no FreeSWITCH: a deploy writes the tree and reloads nothing
    )


def site():
    return [
        s.Tenant(name="acme", seats=[s.Seat(extension="1001", name="A")], home_node="n1"),
        s.Tenant(name="beta", seats=[s.Seat(extension="2001", name="B")], home_node="n2"),
    ]


@pytest.fixture
def fleet(postgres_url, tmp_path, sounds_dir):
    from ccctl.testing.postgres import new_database

    url = new_database(postgres_url)
    admin = app.open(node_settings(url, tmp_path, sounds_dir, "admin"))
    for i, name in enumerate(("n1", "n2"), start=1):
        nodes.add_node(admin, name, sip_address=f"10.0.0.{i}:5060", trunk_address=f"10.0.0.{i}:5080")
    with session_scope(admin.engine) as session:
        session.add(s_row("fleet.edge", "10.0.0.9:5060"))
    apply_tenants(admin, site())
    return {n: app.open(node_settings(url, tmp_path, sounds_dir, n)) for n in ("admin", "n1", "n2")}


def s_row(key, value):
    from ccctl.model import Setting

    return Setting(key=key, value=value)


def test_each_node_renders_only_its_tenants_through_the_edge(fleet):
    one = gather.render_files(fleet["n1"])
    two = gather.render_files(fleet["n2"])
    assert "directory/acme.xml" in one and "directory/beta.xml" not in one
    assert "directory/beta.xml" in two and "directory/acme.xml" not in two
    assert b"fs_path=sip:10.0.0.9:5060" in one["directory/acme.xml"]
    assert b'cidr="10.0.0.9/32"' in one["autoload_configs/acl.conf.xml"]
    sofia = one["autoload_configs/sofia.conf.xml"].decode()
    assert '<param name="disable-register" value="true"/>' in sofia
    assert '<param name="apply-inbound-acl" value="ccctl-edge"/>' in sofia
    # a machine of the fleet that is no node deploys nothing, and says so
    result = apply_tenants(fleet["admin"], [site()[0].model_copy(update={"seat_limit": 7})])
    assert result.generation is not None and result.deployed is False
    assert any("no node of the fleet" in m for m in result.messages)


def test_a_single_box_renders_every_tenant_as_before(tmp_path, sounds_dir):
    box = app.open(node_settings(f"sqlite:///{tmp_path}/box.db", tmp_path, sounds_dir, "local"))
    apply_tenants(box, [t.model_copy(update={"home_node": None}) for t in site()])
    files = gather.render_files(box)
    assert "directory/acme.xml" in files and "directory/beta.xml" in files
    assert (
        b"sofia_contact" in files["directory/acme.xml"] and b"ccctl-edge" not in files["autoload_configs/acl.conf.xml"]
    )


def test_a_generation_committed_anywhere_reaches_each_node(fleet):
    seen: list[int | None] = []
    got = threading.Event()
    stop = threading.Event()

    def on_generation(n):
        seen.append(n)
        if n is not None:
            got.set()

    listener = GenerationListener(fleet["n1"].settings.db_url, on_generation, stop=stop)
    listener.start()
    try:
        assert listener.listening.wait(10)
        # a dry run commits nothing and announces nothing
        apply_tenants(fleet["admin"], [site()[0].model_copy(update={"seat_limit": 8})], dry_run=True)
        time.sleep(0.5)
        assert [n for n in seen if n is not None] == []
        t0 = time.monotonic()
        result = apply_tenants(fleet["admin"], [site()[0].model_copy(update={"seat_limit": 9})])
        assert got.wait(5), seen
        assert time.monotonic() - t0 < 1.0
        assert seen[-1] == result.generation
    finally:
        stop.set()
        listener.thread.join(5)

    # each node's daemon deploys its own tree and records its own generation
    n1 = member.Member(fleet["n1"], stop)
    n2 = member.Member(fleet["n2"], stop)
    assert n1.follow(result.generation) == result.generation
    conf1 = fleet["n1"].settings.fs_conf_dir
    assert (conf1 / "directory" / "acme.xml").exists() and not (conf1 / "directory" / "beta.xml").exists()
    with session_scope(fleet["n1"].engine) as session:
        assert not gen.state(session, "n1").pending and gen.state(session, "n2").pending
    assert n2.follow() == result.generation
    assert {n["name"]: n["deployed_generation"] for n in nodes.list_nodes(fleet["admin"])} == {
        "n1": result.generation,
        "n2": result.generation,
    }

    # a move: the tenant leaves n1's tree and joins n2's at the next generation
    moved = moves.move_tenant(fleet["admin"], "acme", "n2")
    n1.follow(moved.generation)
    n2.follow(moved.generation)
    conf2 = fleet["n2"].settings.fs_conf_dir
    assert not (conf1 / "directory" / "acme.xml").exists()
    assert (conf2 / "directory" / "acme.xml").exists() and (conf2 / "directory" / "beta.xml").exists()


def test_one_leader_at_a_time_through_an_advisory_lock(fleet):
    from ccctl.fleet.failover import Leadership

    one, two = Leadership(fleet["n1"].settings.db_url), Leadership(fleet["n2"].settings.db_url)
    try:
        assert one.held() and one.held()
        assert not two.held()
        one.close()  # the leader's connection is gone: the lock goes with it (once its server process ends)
        deadline = time.monotonic() + 5
        while not two.held() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert two.held()
        assert not one.held()
    finally:
        one.close()
        two.close()


def test_the_leader_fails_a_silent_node_over_to_the_standby(fleet):
    from ccctl.fleet import failover

    admin = fleet["admin"]
    nodes.add_node(admin, "spare", sip_address="10.0.0.3:5060", trunk_address="10.0.0.3:5080", standby=True)
    now = time.time()
    for name in ("n2", "spare"):
        nodes.heartbeat(admin, name)
    with session_scope(admin.engine) as session:
        before = gen.current(session)
        session.execute(text("UPDATE node SET heartbeat_at = :t WHERE name = 'n1'"), {"t": now - 60})
    # the leader (n2's daemon) finds n1 silent: down, and its tenant on the standby
    assert failover.watch(fleet["n2"], now) == [("n1", "spare", ["acme"])]
    shown = {n["name"]: n for n in nodes.list_nodes(admin)}
    assert shown["n1"]["state"] == "down" and shown["spare"]["tenants"] == 1
    assert nodes.show_node(admin, "spare")["tenants"] == ["acme"]
    with session_scope(admin.engine) as session:
        assert gen.current(session) == before + 1
    # nothing left to do on the next round; a tenant cannot be moved onto the dead node
    assert failover.watch(fleet["n2"], now) == []
    with pytest.raises(Exception, match="down"):
        moves.move_tenant(admin, "beta", "n1")


def test_arriving_tenants_agents_get_their_last_status_back(fleet):
    from ccctl.daemon.store import write_rows
    from ccctl.fleet import arrival

    def status(agent, value, at, node):
        return {"tenant": "acme", "agent": agent, "kind": "status", "value": value, "at": at, "node": node}

    write_rows(
        fleet["admin"].engine,
        [],
        [
            status("1001", "Logged Out", 1.0, "n1"),
            status("1001", "Available", 2.0, "n1"),
            status("9999", "Available", 2.0, "n1"),  # no such seat (any more)
        ],
    )
    ran: list[str] = []
    assert arrival.restore(fleet["n2"], ["acme"], ran.append) == [
        "callcenter_config agent set status 1001@acme.cc.local 'Available'"
    ]
    assert ran == ["callcenter_config agent set status 1001@acme.cc.local 'Available'"]
    write_rows(fleet["admin"].engine, [], [status("1001", "Logged Out", 3.0, "n2")])
    assert arrival.restore(fleet["n2"], ["acme"], ran.append) == []  # logged out stays logged out


def test_tenants_deployed_by_the_nodes_own_write_are_still_welcomed(fleet, caplog):
    """The leader re-homing a dead node's tenants onto its own node deploys them in the write
    path, in its own process: when the announcement comes the node has nothing to deploy, yet
    the tenants arrived and their agents' status must be restored (the bench caught it: the
    agent stayed Logged Out and no call was answered)."""
    import logging

    stop = threading.Event()
    n1 = member.Member(fleet["n1"], stop)
    assert n1.serving == {"acme"}
    deploying = app.open(fleet["n1"].settings, deploy=True)
    moved = moves.move_tenant(deploying, "beta", "n1")  # n1's own process deploys it
    with session_scope(fleet["n1"].engine) as session:
        assert not gen.state(session, "n1").pending
    with caplog.at_level(logging.WARNING, logger="ccctl.fleet"):
        assert n1.follow(moved.generation) == moved.generation
    assert n1.serving == {"acme", "beta"}
    # esl_port=1: no FreeSWITCH to set the status on, and the daemon says so
    assert any("now serves beta" in r.getMessage() for r in caplog.records), caplog.text

"""A running single box joins a fleet: its own FreeSWITCH and daemon on SQLite in a namespace of
its own, a carrier's call up on it; `ccctl fleet join` from its shell brings its rows into the
fleet's PostgreSQL; its daemon comes back as the node's. The call in progress completes on the
same FreeSWITCH process (never restarted), its call row lands in the fleet's database naming the
node, and the next call to the tenant's number comes through the fleet's edge to the box."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from ccctl import app
from ccctl.config import gather
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.db import session_scope
from ccctl.deploy.run import deploy_latest
from ccctl.settings import Settings
from ccctl.testing import fleet
from ccctl.testing.fsproc import find_prefix

DID = "4000000077"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, prompt_cache):
    import os
    import shutil

    root = tmp_path_factory.mktemp("fleet-join")
    lab = fleet.Lab(root, prompt_cache, node_names=())
    box_ns = lab.router.add("box")
    box = None
    try:
        lab.start_db()
        lab.start_edge()
        home = root / "box"
        sounds = home / "sounds"
        shutil.copytree(prompt_cache, sounds, copy_function=os.link)
        settings = Settings(
            db=f"sqlite:///{home}/box.db",
            node="box",
            esl_port=8021,
            sip_ip=box_ns.address,
            sip_internal_port=fleet.SIP_PORT,
            sip_external_port=fleet.TRUNK_PORT,
            rtp_start=20000,
            rtp_end=21998,
            fs_conf_dir=home / "conf",
            fs_sounds_dir=sounds,
            fs_recordings_dir=home / "recordings",
            fs_cdr_dir=home / "cdr",
            fs_log_dir=home / "log",
            spool_dir=home / "spool",
            watchdog_interval=0,
        )
        apply_tenants(
            app.open(settings, deploy=False),
            [
                s.Tenant(
                    name="acme",
                    seats=[s.Seat(extension="1001", name="A")],
                    numbers=[s.Number(number=DID, target="echo")],
                )
            ],
        )
        services = app.open(settings, deploy=True)
        with box_ns.entered():
            deploy_latest(services)  # FreeSWITCH is down: the tree it starts from
        fs = fleet.NsFreeSwitch(box_ns, *find_prefix(), home, settings, gather.esl_password(services))
        box = fleet.Node("box", box_ns, services, fs, env=fleet.node_env(settings))
        fs.start()
        box.start_daemon(home / "daemon.log")
        lab.box = box
        yield lab
    finally:
        if box is not None:
            box.stop()
        lab.stop()


def fleet_rows(lab, sql: str, **params) -> list:
    with session_scope(lab.admin.engine) as session:
        return session.execute(text(sql), params).all()


def wait_for(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.3)


def test_a_running_box_joins_with_its_call_kept(lab, tmp_path):
    box = lab.box
    pid = box.fs.proc.pid
    up = lab.carrier_call(
        tmp_path / "up", DID, talk_ms=20000, target=f"{box.ns.address}:{fleet.TRUNK_PORT}", timeout_s=90
    )
    wait_for(lambda: "1 total" in box.fs.api("show channels count", check=False), 20, "the call up on the box")
    local = tmp_path / "ccctl.local"
    local.write_text(f"CCCTL_SIP_IP={box.ns.address}\n")
    joined = box.ccctl(
        "fleet", "join", lab.url, "--node", "box", "--address", box.ns.address,
        "--settings-file", str(local), "--no-restart", "--json",
    )  # fmt: skip
    row = json.loads(joined.stdout)
    assert row["tenants"] == ["acme"] and row["rows"]["seat"] == 1, row
    assert lab.url.split(":")[2].split("@")[0] not in joined.stdout + joined.stderr  # the password
    # the fleet has an edge, yet the box keeps taking its SIP itself until `fleet cutover`:
    # behind the edge its SIP profiles would restart, ending the call up
    assert row["tree_unchanged"] and row["direct"], row
    assert f"CCCTL_DB='{lab.url}'" in local.read_text()
    # the daemon comes back as the node's, on the fleet's database (as systemd would restart it)
    box.daemon.terminate()
    box.daemon.wait(20)
    box.env = {**box.env, "CCCTL_DB": lab.url, "CCCTL_NODE": "box"}
    box.start_daemon(box.services.settings.fs_log_dir / "daemon-node.log")
    wait_for(
        lambda: fleet_rows(lab, "SELECT 1 FROM node WHERE name = 'box' AND heartbeat_at IS NOT NULL"),
        30,
        "the node's heartbeat",
    )
    wait_for(
        lambda: fleet_rows(
            lab, "SELECT 1 FROM node WHERE name = 'box' AND deployed_generation >= :g", g=row["generation"]
        ),
        30,
        "the node running the fleet's generation",
    )
    first = up.wait()
    assert first.answered and first.ended == "local-bye", first.diagnostics()
    assert box.fs.proc.pid == pid and box.fs.proc.poll() is None  # FreeSWITCH never restarted
    # the call that was up lands in the fleet's database, naming the node
    call_id = wait_for(
        lambda: fleet_rows(lab, "SELECT node, tenant FROM call WHERE did = :d", d=DID),
        30,
        "the call row in the fleet's database",
    )
    assert [tuple(r) for r in call_id] == [("box", "acme")]
    # the next call comes through the edge to the box, now a node of the fleet
    nxt = lab.carrier_call(tmp_path / "next", DID, talk_ms=2000, source=1)
    result = nxt.wait()
    assert result.answered and result.ok, result.diagnostics() + "\n" + lab.edge_tail() + "\n" + lab.daemon_logs()
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 2 else None)(
            fleet_rows(lab, "SELECT node FROM call WHERE did = :d ORDER BY entered_at", d=DID)
        ),
        30,
        "the second call's row",
    )
    assert [r.node for r in rows] == ["box", "box"]

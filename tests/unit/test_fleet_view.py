"""The fleet's one view without a fleet: `ccctl status --fleet` over node rows and heartbeats,
and the daemon's management service (metrics, recordings to signed peers) on loopback. The
real fleet (tests/fleet/test_fleet_calls.py) proves the same against killed nodes and real calls."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.db import session_scope
from ccctl.fleet import nodes
from ccctl.model import Recording
from ccctl.recordings import fetch
from ccctl.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def box(tmp_path):
    db = str(tmp_path / "fleet.db")
    settings = Settings(
        db=db, fs_deploy="off", node="n1", fs_recordings_dir=tmp_path / "rec", manage_address=f"127.0.0.1:{free_port()}"
    )
    services = ccapp.open(settings)
    env = {
        "CCCTL_DB": db,
        "CCCTL_FS_DEPLOY": "off",
        "CCCTL_NODE": "n1",
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "rec"),
    }
    runner = CliRunner()
    services.cli = lambda *a: runner.invoke(app, list(a), env=env)
    return services


def test_status_fleet_shows_each_node_and_exits_1_when_one_is_down(box):
    r = box.cli("status", "--fleet")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "no nodes" in r.stderr
    for i, name in enumerate(("n1", "n2", "spare"), 11):
        nodes.add_node(box, name, sip_address=f"192.0.2.{i}:5060", trunk_address=f"192.0.2.{i}:5080")
    assert box.cli("tenant", "add", "acme", "home_node=n1").exit_code == 0
    nodes.heartbeat(box, "n1", live_calls=3, manage_address="192.0.2.11:9464")
    nodes.heartbeat(box, "n2", live_calls=1)
    nodes.heartbeat(box, "spare")
    r = box.cli("status", "--fleet", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    by = {n["name"]: n for n in data["nodes"]}
    assert [by[n]["state"] for n in ("n1", "n2", "spare")] == ["up", "up", "up"]
    assert by["n1"]["tenants"] == ["acme"] and by["n1"]["calls_in_progress"] == 3
    assert by["n1"]["manage_address"] == "192.0.2.11:9464"
    assert by["n1"]["behind"] == by["n1"]["generation"] > 0  # never deployed: every generation behind
    # n2's heartbeat stops: down before the leader even marks it, its calls unknown, exit 1
    from ccctl.fleet.view import fleet_status

    later = fleet_status(box, now=time.time() + 60)
    assert later["down"] == ["n1", "n2", "spare"]
    nodes.set_state(box, "n2", "down")
    nodes.drain_node(box, "spare")
    r = box.cli("status", "--fleet")
    assert r.exit_code == 1
    assert "node(s) down: n2" in r.stderr
    lines = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[3:]}
    assert lines == {"n1": "up", "n2": "down", "spare": "draining"}, r.stdout


def _index(box, path: str, node: str) -> None:
    with session_scope(box.engine) as session:
        session.add(Recording(tenant="acme", path=path, started_at=time.time(), node=node))


def test_the_management_service_gives_a_recording_only_to_a_signed_request(box):
    from ccctl.daemon import manage

    f = box.settings.fs_recordings_dir / "acme" / "2026-12-06" / "u1.wav"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"RIFF-audio")
    _index(box, "acme/2026-12-06/u1.wav", "n1")
    (f.parent / "u2.wav").write_bytes(b"other node's")
    _index(box, "acme/2026-12-06/u2.wav", "n2")
    server = manage.serve(box)
    try:
        addr = box.settings.manage_address
        out = box.settings.fs_recordings_dir.parent / "got" / "u1.wav"
        assert fetch.fetch(box, addr, "acme/2026-12-06/u1.wav", out) == 10
        assert out.read_bytes() == b"RIFF-audio"
        # a file the index gives to another node is not this node's to serve
        with pytest.raises(Exception, match="404"):
            fetch.fetch(box, addr, "acme/2026-12-06/u2.wav", out)
        # unsigned, badly signed, expired: 403, whatever the path
        key = fetch.fleet_key(box)
        for expires, sig in (
            (int(time.time()) + 60, ""),
            (int(time.time()) + 60, "0" * 64),
            (int(time.time()) - 1, fetch.sign(key, "acme/2026-12-06/u1.wav", int(time.time()) - 1)),
        ):
            url = f"http://{addr}/recording?path=acme/2026-12-06/u1.wav&expires={expires}&sig={sig}"
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url, timeout=10)
            assert err.value.code == 403
        # a signed path out of the recordings root is never served
        bad = "acme/../../fleet.db"
        with pytest.raises(Exception, match="not a recording"):
            fetch.fetch(box, addr, bad, out)
        exp = int(time.time()) + 60
        url = f"http://{addr}/recording?path={bad}&expires={exp}&sig={fetch.sign(key, bad, exp)}"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=10)
        assert err.value.code == 404
        # metrics answer without FreeSWITCH: it is down, nothing else invented
        text = urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode()
        assert 'ccctl_freeswitch_up{node="n1"} 0.0' in text
        assert "ccctl_queue_waiting{" not in text
    finally:
        server.shutdown()
        server.server_close()


def test_a_bad_management_address_is_one_line():
    from ccctl.errors import InvalidInput

    with pytest.raises(InvalidInput, match="CCCTL_MANAGE_ADDRESS=localhost:80: IP:PORT"):
        Settings(manage_address="localhost:80")


def test_export_fetches_another_nodes_files_and_names_what_no_node_gives(box, tmp_path):
    """Two nodes on one database, each with its own recordings folder: n1 exports, n2's file is
    fetched from n2's management service, n3's (no management address) is left out and named."""
    import tarfile

    from ccctl.daemon import manage
    from ccctl.recordings.export import export

    for i, name in enumerate(("n1", "n2", "n3"), 11):
        nodes.add_node(box, name, sip_address=f"192.0.2.{i}:5060", trunk_address=f"192.0.2.{i}:5080")
    assert box.cli("tenant", "add", "acme", "home_node=n1").exit_code == 0
    n2 = ccapp.open(
        box.settings.with_(node="n2", fs_recordings_dir=tmp_path / "n2rec", manage_address=f"127.0.0.1:{free_port()}")
    )
    for services, name, data in ((box, "a.wav", b"on n1"), (n2, "b.wav", b"on n2 only")):
        f = services.settings.fs_recordings_dir / "acme" / "2026-12-06" / name
        f.parent.mkdir(parents=True)
        f.write_bytes(data)
    _index(box, "acme/2026-12-06/a.wav", "n1")
    _index(box, "acme/2026-12-06/b.wav", "n2")
    _index(box, "acme/2026-12-06/c.wav", "n3")
    nodes.heartbeat(box, "n2", manage_address=n2.settings.manage_address)
    server = manage.serve(n2)
    try:
        figures = export(box, "acme", since=None, until=None, out=tmp_path / "acme.tar")
        assert figures["files"] == 2
        assert figures["unreachable"] == [
            {"path": "acme/2026-12-06/c.wav", "node": "n3", "why": "the node announces no management address"}
        ]
        with tarfile.open(tmp_path / "acme.tar") as tar:
            assert tar.extractfile("recordings/2026-12-06/b.wav").read() == b"on n2 only"
            assert tar.extractfile("recordings/2026-12-06/a.wav").read() == b"on n1"
        assert not (box.settings.fs_recordings_dir / "acme" / "2026-12-06" / "b.wav").exists()  # staged, not kept
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ccctl-export-")]
        # n2 gone: its file is named on stderr, the export itself is written
        server.shutdown()
        server.server_close()
        server = None
        r = box.cli(
            "recording", "export", "--tenant", "acme", "--since", "2000-01-01", "--out", str(tmp_path / "b.tar")
        )
        assert r.exit_code == 0, r.output
        assert (
            "left out acme/2026-12-06/b.wav (on node n2): recording acme/2026-12-06/b.wav from 127.0.0.1:" in r.stderr
        )
        assert "sig=" not in r.stderr  # the signed URL is a credential
        assert "1 recording(s)" in r.stdout
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


def test_metrics_give_todays_service_level_per_queue_from_the_call_rows(box):
    """Without FreeSWITCH the live series are absent, but the service level comes from the rows:
    one call answered within the queue's 20 s target and one abandoned after 30 s: 0.5."""
    from prometheus_client.parser import text_string_to_metric_families

    from ccctl.model import Call
    from ccctl.stats import metrics

    assert box.cli("tenant", "add", "acme").exit_code == 0
    now = time.time()
    with session_scope(box.engine) as session:
        for i, (disposition, wait) in enumerate((("answered", 5.0), ("abandoned", 30.0))):
            session.add(
                Call(
                    uuid=f"u{i}",
                    tenant="acme",
                    direction="inbound",
                    queue="sales",
                    entered_at=now - 60,
                    ended_at=now - 10,
                    wait_s=wait,
                    sla_target=20,
                    disposition=disposition,
                    node="n1",
                    source="events",
                )
            )
    text = metrics.exposition(metrics.registry(box)).decode()
    levels = {
        tuple(sorted(s.labels.items())): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "ccctl_queue_service_level_ratio"
    }
    assert levels == {(("node", "n1"), ("queue", "sales"), ("tenant", "acme")): 0.5}, text

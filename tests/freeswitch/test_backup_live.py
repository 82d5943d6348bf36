"""`ccctl backup` while calls run on a real FreeSWITCH (recorded, the event daemon writing
their rows): the calls go on undisturbed, and the archive restored into a new database renders
the tree FreeSWITCH runs from, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ccctl import app
from ccctl.config import gather
from ccctl.config.entities import seat_password
from ccctl.deploy.tree_store import TreeStore
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.sip import AgentPool, Seat, caller_load

from .test_calls import DOMAIN, TENANT, check, running_box
from .test_daemon import DaemonProcess
from .test_recordings import QUEUE_DID, recorded_tenant

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))
N = 6


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def ccctl(settings, *args, db: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CCCTL_DB": db or settings.db,
        "CCCTL_FS_RECORDINGS_DIR": str(settings.fs_recordings_dir),
        "CCCTL_FS_DEPLOY": "off",
    }
    return subprocess.run(
        [sys.executable, "-c", "from ccctl.cli.main import run; run()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_backup_during_live_calls_restores_to_the_same_tree(fs_install, tmp_path):
    with running_box(fs_install, tmp_path / "fs", recorded_tenant(N)) as (box, events):
        settings = box.services.settings
        pool_seats = [Seat(str(1001 + i), DOMAIN, seat_password(box.services, TENANT, str(1001 + i))) for i in range(N)]
        with (
            DaemonProcess(settings, tmp_path / "daemon.log"),
            AgentPool(box, tmp_path / "agents", pool_seats, register_timeout=120),
        ):
            for x in pool_seats:
                set_status(box.services, TENANT, x.extension, "ready")
            # Two waves of N calls of 12 s: the second starts as the first ends, so call rows
            # are being written while the backups run.
            load = caller_load(tmp_path / "callers", QUEUE_DID, total=2 * N, concurrent=N, rate=N, talk_ms=12000)
            archives = []

            def take(i: int) -> None:
                archive = tmp_path / f"live{i}.ccbackup"
                r = ccctl(settings, "backup", str(archive), "--with-recordings", "--json")
                check(r.returncode == 0, f"backup failed: {r.stderr}")
                archives.append((archive, json.loads(r.stdout)))
                print(
                    f"backup {i}: {archives[-1][1]['rows']} rows in {archives[-1][1]['seconds']} s; "
                    f"channels: {box.api('show channels count').strip()}"
                )

            # During the first wave (no call has ended yet), then during the second, once the
            # daemon has written the first wave's rows.
            events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", count=N, timeout=120)
            take(0)
            events.wait_for(lambda e: e.get("CC-Action") == "bridge-agent-start", count=2 * N, timeout=120)
            take(1)
            time.sleep(2)
            take(2)
            assert summary_calls(archives[-1][0]) >= N, "the daemon wrote the first wave's rows before the last backup"
            rc = load.wait(180)
            check(rc == 0, f"callers' sipp exited {rc}: the calls did not all complete", load.diagnostics)
        live_tree = gather.render_files(box.services)
        installed = TreeStore(settings.fs_conf_dir).read()  # what FreeSWITCH runs from
    for n, (archive, _summary) in enumerate(archives):
        db = tmp_path / f"restored{n}.db"
        r = ccctl(settings, "restore", str(archive), db=str(db))
        check(r.returncode == 0, f"restore failed: {r.stderr}")
        restored = app.open(settings.with_(db=str(db)), deploy=False)
        tree = gather.render_files(restored)
        assert tree == live_tree, [k for k in set(tree) | set(live_tree) if tree.get(k) != live_tree.get(k)]
        assert tree == installed
        with restored.engine.connect() as conn:
            calls = conn.execute(sa.text("SELECT count(*) FROM call")).scalar()
        assert 0 <= calls <= 2 * N and calls == summary_calls(archive)
        restored.engine.dispose()


def summary_calls(archive) -> int:
    from ccctl.box.backup import read_meta

    return read_meta(archive)["tables"]["call"]["rows"]

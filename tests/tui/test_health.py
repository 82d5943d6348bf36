"""Logs and health without a running switch: it says FreeSWITCH is down, and still shows the
recordings' disk use, the switch's recent errors and the last configuration trees."""

from __future__ import annotations

import os

from textual.widgets import Static

from tui.app import CcTui

from .conftest import settle


async def test_health_screen(tctx, tmp_path):
    logs = tmp_path / "fslog"
    logs.mkdir()
    (logs / "freeswitch.log").write_text(
        "2026-11-22 10:00:00 [INFO] fine\n"
        "2026-11-22 10:00:01 [ERR] mod_callcenter.c:123 queue sales@acme.cc.local not found\n"
    )
    tctx.settings = tctx.settings.with_(fs_log_dir=logs)
    rec = tctx.settings.fs_recordings_dir / "acme"
    rec.mkdir(parents=True)
    (rec / "a.wav").write_bytes(b"\0" * 4096)
    trees = tctx.settings.fs_conf_dir.with_name("conf.trees")
    (trees / "0001").mkdir(parents=True)
    os.symlink(trees / "0001", tctx.settings.fs_conf_dir)
    app = CcTui(tctx, start="health")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        text = str(app.screen.query_one("#health", Static).render())
    assert "FreeSWITCH is DOWN" in text
    assert "4.0 KiB in 1 files" in text
    assert "queue sales@acme.cc.local not found" in text and "fine" not in text
    assert "0001  (live)" in text


async def test_health_before_the_first_recording_shows_the_room_there_is(tctx):
    """No recordings folder yet (a fresh box): its file system's room, never '? free of ?'."""
    assert not tctx.settings.fs_recordings_dir.exists()
    app = CcTui(tctx, start="health")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        text = str(app.screen.query_one("#health", Static).render())
    line = next(ln for ln in text.splitlines() if ln.startswith("Recordings"))
    assert "none yet (the folder is made with the first recording)" in line
    assert "?" not in line and " free of " in line, line


def test_cctui_refuses_an_unknown_screen_in_one_line(tmp_path, monkeypatch):
    import subprocess
    import sys

    env = {**os.environ, "CCCTL_DB": str(tmp_path / "c.db"), "CCCTL_FS_DEPLOY": "off"}
    r = subprocess.run(
        [sys.executable, "-c", "from tui.app import run; run()", "nosuch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "no screen 'nosuch'" in r.stderr

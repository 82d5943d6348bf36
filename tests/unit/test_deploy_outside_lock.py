"""Deploy runs after the commit, outside the database's write lock: a hung Event Socket holds
up neither another writer's commit nor (beyond a small bound) its command, and the deployer
holding the lock brings FreeSWITCH to the change committed meanwhile."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ccctl import app
from ccctl.config import entities
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.db import session_scope
from ccctl.deploy import generation
from ccctl.deploy.run import LOCK_WAIT

ROOT = Path(__file__).resolve().parents[2]


def _state(services):
    with session_scope(services.engine) as session:
        return generation.state(session)


def _deploy_lock_held(settings) -> bool:
    import fcntl
    import os

    path = settings.fs_conf_dir.with_name(settings.fs_conf_dir.name + ".lock")
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def test_hung_event_socket_blocks_no_other_writer(settings, example):
    hung = socket.socket()  # accepts connections (the kernel does) and never says a word
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)
    settings = settings.with_(esl_port=hung.getsockname()[1])
    quiet = app.open(settings, deploy=False)
    apply_tenants(quiet, load_site(str(example)).tenants)
    first = _state(quiet).generation
    # Writer A: a change whose deploy hangs on the Event Socket (its connect timeout is 10 s).
    code = textwrap.dedent(f"""
        from pathlib import Path
        from ccctl import app
        from ccctl.config import entities
        from ccctl.settings import Settings
        s = Settings(db={settings.db!r}, fs_conf_dir=Path({str(settings.fs_conf_dir)!r}),
                     fs_sounds_dir=Path({str(settings.fs_sounds_dir)!r}),
                     fs_recordings_dir=Path({str(settings.fs_recordings_dir)!r}), esl_port={settings.esl_port})
        entities.set_item(app.open(s, deploy=True), "queue", "acme", "sales", {{"max_wait": 77}})
    """)
    a = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while _state(quiet).generation == first:
            assert time.time() < deadline and a.poll() is None, (
                a.stderr.read() if a.poll() is not None else "A never committed"
            )
            time.sleep(0.1)
        while not _deploy_lock_held(settings):  # A renders or waits on the socket, holding it
            assert time.time() < deadline and a.poll() is None, "A never took the deploy lock"
            time.sleep(0.05)
        t0 = time.monotonic()
        entities.set_item(quiet, "seat", "acme", "1001", {"name": "No deploy"})
        db_only = time.monotonic() - t0
        t0 = time.monotonic()
        result = entities.set_item(app.open(settings, deploy=True), "seat", "acme", "1002", {"name": "Deployed later"})
        with_deploy = time.monotonic() - t0
        assert a.poll() is None, "A ended before B wrote: " + (a.stderr.read() or "")
        assert db_only < 3, db_only
        assert with_deploy < LOCK_WAIT + 3, with_deploy
        assert result.deployed is False and any("another deploy is running" in m for m in result.messages)
        assert entities.get_item(quiet, "seat", "acme", "1002").name == "Deployed later"
        assert _state(quiet).pending
        assert a.wait(timeout=120) == 0, a.stderr.read()
    finally:
        if a.poll() is None:
            a.kill()
        hung.close()
    # A's deployer looped until it had deployed everything committed while it held the lock.
    state = _state(quiet)
    assert not state.pending and state.deployed == state.generation == first + 3
    assert entities.get_item(quiet, "queue", "acme", "sales").max_wait == 77


class _HeldDeployLock:
    """Another deployer, as far as the deploy lock can tell."""

    def __init__(self, settings):
        import fcntl
        import os

        path = settings.fs_conf_dir.with_name(settings.fs_conf_dir.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        import os

        os.close(self.fd)


def test_restore_deploys_a_new_generation_under_the_deploy_lock(settings, example, tmp_path):
    from typer.testing import CliRunner

    from ccctl.cli.main import app as cli

    source = app.open(settings, deploy=False)
    apply_tenants(source, load_site(str(example)).tenants)
    backed_up = _state(source).generation
    archive = tmp_path / "b.ccbackup"
    env = {
        "CCCTL_FS_CONF_DIR": str(settings.fs_conf_dir),
        "CCCTL_FS_SOUNDS_DIR": str(settings.fs_sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(settings.fs_recordings_dir),
        "CCCTL_ESL_PORT": "1",
    }
    assert CliRunner().invoke(cli, ["--db", str(settings.db), "backup", str(archive)], env=env).exit_code == 0
    restored = settings.with_(db=str(tmp_path / "restored.db"))
    held = _HeldDeployLock(settings)
    try:  # another deploy runs: the restore's generation is left to it, pending, not pushed beside it
        r = CliRunner().invoke(cli, ["--db", str(restored.db), "restore", str(archive)], env=env)
        assert r.exit_code == 0, r.output
        assert "another deploy is running" in r.stderr
        assert not (settings.fs_conf_dir / "freeswitch.xml").exists()
    finally:
        held.release()
    state = _state(app.open(restored, deploy=False))
    assert (state.generation, state.pending) == (backed_up + 1, True)
    r = CliRunner().invoke(cli, ["--db", str(restored.db), "restore", str(archive), "--force"], env=env)
    assert r.exit_code == 0, r.output
    state = _state(app.open(restored, deploy=False))
    assert (state.generation, state.deployed, state.pending) == (backed_up + 1, backed_up + 1, False)
    assert (settings.fs_conf_dir / "freeswitch.xml").exists()


def test_first_boot_deploys_under_the_deploy_lock_with_a_generation(settings, example, monkeypatch):
    import pytest

    from ccctl.box import firstboot
    from ccctl.errors import CcError

    settings = settings.with_(esl_port=1)  # FreeSWITCH not running: the tree waits for it
    services = app.open(settings, deploy=False)
    apply_tenants(services, load_site(str(example)).tenants)
    monkeypatch.setattr(firstboot, "DEPLOY_WAIT", 0.2)
    held = _HeldDeployLock(settings)
    try:
        with pytest.raises(CcError, match="another deploy held"):
            firstboot.prepare(services)
    finally:
        held.release()
    said = firstboot.prepare(services)
    state = _state(services)
    assert f"(generation {state.generation})" in said and state.deployed == state.generation
    assert (settings.fs_conf_dir / "freeswitch.xml").exists()

"""Issue 25, the engine's side in ccctl: `ccctl status` exits 1 with the unit's state when an
installed FreeSWITCH is down (0, as before, on a box without it); the version of an engine
bundled from a prefix read from `BINARY -version`; the install checks the binary loads before
starting it. Fake binaries stand in for FreeSWITCH (shell scripts)."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.errors import FreeSwitchError
from ccctl.freeswitch.install import EngineRecord, run, write_record
from ccctl.freeswitch.install.status import binary_version, status
from ccctl.freeswitch.status import box_status
from ccctl.settings import Settings

VERSION_OUT = "FreeSWITCH version: 1.10.12-release~64bit (-release 64bit)\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_binary(path, script: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


@pytest.fixture
def box(tmp_path):
    """A scratch root whose engine record names an installed binary; nothing listens on the
    Event Socket port."""
    root = tmp_path / "root"
    fake_binary(root / "opt/freeswitch/bin/freeswitch", f"echo '{VERSION_OUT.strip()}'\n")
    write_record(
        EngineRecord("/opt/freeswitch/bin/freeswitch", "/opt/freeswitch/mod", "bundled"), root / "etc/ccctl/engine"
    )
    return root


def settings(tmp_path, root) -> Settings:
    return Settings(db=str(tmp_path / "c.db"), fs_deploy="off", root=root, esl_port=free_port())


def test_installed_engine_down_says_why(tmp_path, box):
    data = box_status(ccapp.open(settings(tmp_path, box)), state=lambda: "failed")
    assert data["freeswitch"] == "down" and data["installed"] is True
    assert data["reason"] == "freeswitch.service failed: journalctl -u freeswitch"


def test_no_engine_installed_stays_as_it_was(tmp_path):
    data = box_status(ccapp.open(settings(tmp_path, tmp_path / "empty")), state=lambda: pytest.fail("asked"))
    assert data == {"freeswitch": "down", "tenants": 0, "configuration": data["configuration"]}


@pytest.mark.parametrize("as_json", [False, True])
def test_cli_status_exits_1_when_installed_engine_is_down(tmp_path, box, as_json):
    env = {
        "CCCTL_DB": str(tmp_path / "c.db"),
        "CCCTL_FS_DEPLOY": "off",
        "CCCTL_ROOT": str(box),
        "CCCTL_ESL_PORT": str(free_port()),
    }
    r = CliRunner().invoke(app, ["status"] + (["--json"] if as_json else []), env=env)
    assert r.exit_code == 1, r.output
    if as_json:
        data = json.loads(r.stdout)
        assert data["freeswitch"] == "down" and data["reason"].startswith("freeswitch.service ")
    else:
        first = r.stdout.splitlines()[0]
        assert first.startswith("FreeSWITCH: down (freeswitch.service ") and "journalctl -u freeswitch" in first
    # the same box without the engine: exit 0, as before
    env["CCCTL_ROOT"] = str(tmp_path / "empty")
    r = CliRunner().invoke(app, ["status"] + (["--json"] if as_json else []), env=env)
    assert r.exit_code == 0 and "down" in r.stdout, r.output


def test_deploy_with_freeswitch_down_claims_nothing_it_did_not_do(tmp_path, sounds_dir, example):
    """Issue 19: a deploy while FreeSWITCH is down installs the tree for it to start on and
    says so; it never says FreeSWITCH runs the generation, and `status --json` reports the
    configuration pending (nothing runs it) until FreeSWITCH is there."""
    env = {
        "CCCTL_DB": str(tmp_path / "c.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "rec"),
        "CCCTL_ROOT": str(tmp_path / "empty"),
        "CCCTL_ESL_PORT": str(free_port()),
    }

    def run(*args):
        return CliRunner().invoke(app, list(args), env=env)

    assert run("apply", "-f", str(example)).exit_code == 0
    r = run("deploy")
    assert r.exit_code == 0, r.output
    assert "runs configuration generation" not in r.output
    assert "FreeSWITCH is not running" in r.output and "will be used when it starts" in r.output
    assert (tmp_path / "conf" / "freeswitch.xml").is_file()
    data = json.loads(run("deploy", "--json").stdout)
    assert data["freeswitch"] == "down" and data["generation"] == 1
    data = json.loads(run("status", "--json").stdout)
    assert data["freeswitch"] == "down" and data["configuration"]["pending"] is True
    assert "FreeSWITCH uses it when it starts" in run("status").stdout


def test_bundled_engine_version_from_the_binary(tmp_path, box):
    binary = str(box / "opt/freeswitch/bin/freeswitch")
    assert binary_version(binary) == ("1.10.12-release~64bit", "")
    write_record(EngineRecord(binary, "/opt/freeswitch/mod", "bundled"), tmp_path / "engine")
    st = status(ccapp.open(settings(tmp_path, box)), record=tmp_path / "engine")
    assert st["installed"] and st["version"] == "1.10.12-release~64bit"


def test_binary_that_cannot_load_is_one_line(tmp_path):
    binary = fake_binary(
        tmp_path / "freeswitch",
        "echo 'freeswitch: error while loading shared libraries: "
        "libsofia-sip-ua.so.0: cannot open shared object file' >&2\nexit 127\n",
    )
    version, why = binary_version(str(binary))
    assert version is None and why.endswith("libsofia-sip-ua.so.0: cannot open shared object file")
    with pytest.raises(FreeSwitchError) as e:
        run.check_binary(str(binary))
    assert "\n" not in e.value.message and "libsofia-sip-ua.so.0" in e.value.message
    hung = fake_binary(tmp_path / "hung", "sleep 30\n")
    assert "no answer" in binary_version(str(hung), timeout=0.5)[1]


def test_start_resets_a_unit_at_its_start_limit_before_restarting(tmp_path, monkeypatch):
    calls = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    monkeypatch.setattr(run.subprocess, "run", lambda args, **kw: calls.append(args) or Done())
    monkeypatch.setattr("ccctl.freeswitch.connect.try_event_socket", lambda *a, **kw: None)
    services = ccapp.open(Settings(db=str(tmp_path / "c.db"), fs_deploy="off", fs_conf_dir=tmp_path))
    (tmp_path / "freeswitch.xml").write_text("<document/>")
    with pytest.raises(FreeSwitchError):
        run.start(services, timeout=0)
    systemctl = [a[1:] for a in calls if a[0] == "systemctl"]
    assert systemctl.index(["reset-failed", "freeswitch.service"]) < systemctl.index(["restart", "freeswitch.service"])

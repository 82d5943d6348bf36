"""The build's settings and its refusals: one clear line, a non-zero exit, nothing in build/."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import REPO

BUILD_CMD = [str(REPO / "image" / "build")]


def run(tmp_path, *args, env=None, path=None):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("CC_IMAGE_") and k not in ("FREESWITCH_DEBS", "SIGNALWIRE_TOKEN", "FREESWITCH_PREFIX")}
    e["CC_IMAGE_OUTPUT"] = str(tmp_path / "out")
    if path is not None:
        e["PATH"] = path
    e.update(env or {})
    return subprocess.run(BUILD_CMD + list(args), env=e, capture_output=True, text=True, timeout=120)


def test_print_config_json(tmp_path):
    r = run(tmp_path, "--print-config", "--json", env={"CC_IMAGE_DISK_SIZE": "6G", "CC_IMAGE_EXTRA_PACKAGES": "htop vim-tiny"})
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert cfg["disk_size"] == "6G" and cfg["extra_packages"] == ["htop", "vim-tiny"]
    assert cfg["stages"] == ["bootstrap", "packages", "roles", "firstboot", "disk", "box"]
    assert cfg["engine"] == "not included"


def test_secret_token_is_not_printed(tmp_path):
    r = run(tmp_path, "--print-config", "--json", env={"SIGNALWIRE_TOKEN": "pat_abcdefgh12345678"})
    assert r.returncode == 0 and "pat_abcdefgh12345678" not in r.stdout
    assert json.loads(r.stdout)["engine"].startswith("token")


def test_freeswitch_sources_in_order(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    (debs / "freeswitch_1.10.12_amd64.deb").write_bytes(b"!<arch>\n")
    r = run(tmp_path, "--print-config", "--json",
            env={"FREESWITCH_DEBS": str(debs), "SIGNALWIRE_TOKEN": "pat_abcdefgh12345678"})
    assert json.loads(r.stdout)["engine"] == f"debs: {debs}"


@pytest.mark.parametrize("env, message", [
    ({"CC_IMAGE_DISK_SIZE": "1G"}, "setting disk_size: 1G is too small"),
    ({"CC_IMAGE_DISK_SIZE": "lots"}, "setting disk_size: 'lots' is not a size"),
    ({"CC_IMAGE_HOSTNAME": "Bad_Host"}, "setting hostname"),
    ({"CC_IMAGE_MIRROR": "ftp:/x"}, "setting mirror"),
    ({"CC_IMAGE_EXTRA_PACKAGES": "ok bad;rm"}, "setting extra_packages"),
    ({"CC_IMAGE_TIMEZONE": "Mars/Olympus"}, "setting timezone"),
    ({"CC_IMAGE_ADMIN_SSH_KEY": "/nonexistent.pub"}, "setting admin_ssh_key: cannot read"),
    ({"FREESWITCH_PREFIX": "/nonexistent"}, "setting freeswitch_prefix: /nonexistent/bin/freeswitch is missing"),
    ({"FREESWITCH_DEBS": "/nonexistent"}, "setting freeswitch_debs: /nonexistent is not a readable directory"),
    ({"SIGNALWIRE_TOKEN": "x"}, "setting signalwire_token"),
])
def test_bad_setting(tmp_path, env, message):
    r = run(tmp_path, env=env)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_empty_debs_directory(tmp_path):
    (tmp_path / "debs").mkdir()
    r = run(tmp_path, env={"FREESWITCH_DEBS": str(tmp_path / "debs")})
    assert r.returncode == 1 and "holds no .deb packages" in r.stderr


def test_bad_settings_file(tmp_path):
    f = tmp_path / "image.toml"
    f.write_text('disk_size = "4G"\ncolour = "blue"\n')
    r = run(tmp_path, "--settings", str(f))
    assert r.returncode == 1 and "unknown setting 'colour'" in r.stderr


def test_missing_host_tool(tmp_path):
    # A PATH with the interpreter but none of the build's tools.
    r = run(tmp_path, path=os.path.dirname(sys.executable))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing host tool: mmdebstrap" in lines[0], r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_help_documents_every_setting():
    r = subprocess.run(BUILD_CMD + ["--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for name in ("disk_size", "mirror", "extra_packages", "admin_ssh_key", "freeswitch_prefix"):
        assert name in r.stdout

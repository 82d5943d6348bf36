"""The wizard's host setup (ccctl.box.setup) on a scratch root: the admin's SSH key in the
administrator's home with sshd's modes, the keys that can log in named by fingerprint, the
time zone taken up by the services that need it, the box's addresses."""

from __future__ import annotations

import os
import stat
import subprocess
from types import SimpleNamespace

import pytest

from ccctl.box import setup
from ccctl.errors import InvalidInput
from ccctl.settings import Settings

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdXoGM8lAXdbUC5iBeJ6kGO1bQHtfYmkZ8x4C4XG0Xo admin@laptop"


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    (r / "etc").mkdir(parents=True)
    (r / "etc/passwd").write_text(
        f"root:x:0:0:root:/root:/bin/bash\nops:x:{os.getuid()}:{os.getgid()}::/srv/ops:/bin/bash\n"
    )
    return r


def test_key_goes_to_the_admin_users_home(root):
    assert setup.add_ssh_key(KEY, root, user="ops")
    assert not setup.add_ssh_key(KEY + " again", root, user="ops")
    path = root / "srv/ops/.ssh/authorized_keys"
    assert path.read_text() == KEY + "\n" and not (root / "root/.ssh").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert setup.current(root, "ops")["ssh_keys"] == 1
    with pytest.raises(InvalidInput, match="no user 'admin'"):
        setup.add_ssh_key(KEY, root)  # the default administrator is not on this box


def test_admin_keys_are_named_as_ssh_keygen_names_them(root):
    setup.add_ssh_key(KEY, root, user="ops")
    path = root / "srv/ops/.ssh/authorized_keys"
    keygen = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, check=True).stdout
    assert setup.fingerprint(KEY) in keygen  # ours and ssh-keygen's agree
    assert setup.admin_keys(root, "ops") == [setup.fingerprint(KEY) + " (ED25519)"]


def test_admin_user_is_a_setting():
    assert Settings().admin_user == "admin" == setup.ADMIN_USER
    assert Settings.from_env({"CCCTL_ADMIN_USER": "ops"}).admin_user == "ops"


def test_time_zone_restarts_the_daemon_not_freeswitch():
    calls = []

    def run(args, **kw):
        calls.append(args)
        return SimpleNamespace(returncode=0, stdout="", stderr="")

    said = setup.restart_for_timezone(setup.Path("/"), run=run)
    assert calls == [["systemctl", "try-restart", "ccctl-daemon.service"]]
    assert said.startswith("ccctl-daemon restarted; FreeSWITCH") and "\n" not in said
    failed = setup.restart_for_timezone(
        setup.Path("/"),
        run=lambda a, **k: SimpleNamespace(returncode=5, stdout="", stderr="Unit ccctl-daemon.service not loaded."),
    )
    assert "not restarted (Unit ccctl-daemon.service not loaded.)" in failed


def test_time_zone_on_a_scratch_root_restarts_nothing(tmp_path):
    assert setup.set_timezone("Asia/Shanghai", tmp_path) == "Asia/Shanghai"
    assert str((tmp_path / "etc/localtime").readlink()).endswith("Asia/Shanghai")
    assert "next start" in setup.restart_for_timezone(tmp_path, run=lambda *a, **k: pytest.fail("ran"))


def test_addresses_ipv4_first():
    out = (
        "2: eth0    inet6 2001:db8::10/64 scope global \\\n"
        "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\\\n"
        "3: eth1    inet 198.51.100.7/24 scope global eth1\\\n"
    )
    assert setup.addresses(run=lambda *a, **k: SimpleNamespace(stdout=out)) == [
        "192.0.2.10",
        "198.51.100.7",
        "2001:db8::10",
    ]

    def missing(*a, **k):
        raise FileNotFoundError("ip")

    assert setup.addresses(run=missing) == []

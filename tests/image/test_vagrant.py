"""Vagrant tier: `vagrant up` of the built box with vagrant-libvirt, libvirtd started by the
test inside a network namespace it creates (tests/image/libvirt-ns), then the booted tier's
checks over Vagrant's own SSH configuration."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from .conftest import REPO, artifact, need

# The same checks as the booted tier, run again with this module's `host` (the Vagrant box).
from .test_booted import (  # noqa: F401
    test_box_made_its_own_secrets,
    test_ccctl_status_answers,
    test_event_socket_on_loopback_only,
    test_fail2ban_jails_active,
    test_firewall_loaded,
    test_first_boot_ran_once_and_disabled_itself,
    test_no_password_login_and_no_default_passwords,
    test_services_active,
)


class LibvirtNamespace:
    """libvirtd in its own network and mount namespaces; commands run in them with nsenter."""

    def __init__(self, state):
        self.state = state
        self.proc = subprocess.Popen(
            [
                "unshare",
                "--net",
                "--mount",
                "--propagation",
                "private",
                str(REPO / "tests" / "image" / "libvirt-ns"),
                str(state),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            self.close()
            pytest.fail(f"libvirtd in a namespace did not start: {line} {rest}")

    def run(self, *cmd, env=None, timeout=900, check=True) -> subprocess.CompletedProcess:
        r = subprocess.run(
            ["nsenter", "-t", str(self.proc.pid), "-n", "-m", *cmd],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        return r

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def vagrant_box(tmp_path_factory, summary, admin_key):
    need("vagrant", "libvirtd", "virsh", "unshare", "nsenter", "nc")
    r = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True)
    if "vagrant-libvirt" not in r.stdout:
        pytest.skip(f"vagrant-libvirt is not installed: {r.stdout.strip() or r.stderr.strip()}")
    state = tmp_path_factory.mktemp("libvirt")
    ns = LibvirtNamespace(state)
    env = {
        **os.environ,
        "VAGRANT_HOME": str(state / "vagrant.d"),
        "VAGRANT_CWD": str(REPO),
        "VAGRANT_DOTFILE_PATH": str(state / "dot-vagrant"),
        "VAGRANT_DEFAULT_PROVIDER": "libvirt",
        "VAGRANT_CHECKPOINT_DISABLE": "1",
        "CC_IMAGE_BOX": str(artifact(".box")),
        "CC_ADMIN_KEY": str(admin_key),
        "CC_VAGRANT_NO_KVM": "1",
    }
    started = time.monotonic()
    try:
        up = ns.run("vagrant", "up", "--provider=libvirt", env=env, check=False, timeout=1500)
        if up.returncode != 0:
            raise AssertionError(f"vagrant up failed ({up.returncode}):\n{up.stdout[-4000:]}\n{up.stderr[-3000:]}")
        print(f"\nvagrant up: {time.monotonic() - started:.0f} s")
        cfg = ns.run("vagrant", "ssh-config", env=env).stdout
        # The box's address is on the bridge inside the namespace: reach it through there.
        cfg += f"  ProxyCommand nsenter --net=/proc/{ns.proc.pid}/ns/net nc %h %p\n"
        path = state / "ssh_config"
        path.write_text(cfg)
        yield path
    finally:
        ns.run("vagrant", "destroy", "-f", env=env, check=False, timeout=300)
        ns.close()


@pytest.fixture(scope="module")
def host(vagrant_box):
    import testinfra

    h = testinfra.get_host(f"ssh://default?ssh_config={vagrant_box}", sudo=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if h.run("test -e /var/lib/ccctl/firstboot.done && systemctl is-system-running").stdout.strip() in (
            "running",
            "degraded",
        ):
            return h
        time.sleep(3)
    pytest.fail("the Vagrant box did not finish its first boot in 600 s")


def test_vagrant_box_is_the_image(host):
    assert host.file("/etc/hostname").content_string.strip() == "callcenter"
    assert host.user("admin").exists

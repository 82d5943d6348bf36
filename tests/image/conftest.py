"""The image tiers: the built root filesystem (chroot), the booted image (qemu), Vagrant.

They test what `make image` left in build/ (`make test-image` builds it first). Where something
cannot run here the tier is skipped with the reason printed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ccctl.testing.vm import VM

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CC_IMAGE_OUTPUT", REPO / "build"))
NAME = "callcenter"


def artifact(suffix: str) -> Path:
    return BUILD / f"{NAME}{suffix}"


@pytest.fixture(scope="session")
def summary() -> dict:
    p = BUILD / "build-summary.json"
    if not p.is_file() or not artifact(".qcow2").is_file():
        pytest.skip(f"no built image in {BUILD}: run `make image` first")
    return json.loads(p.read_text())


@pytest.fixture(scope="session")
def engine_included(summary) -> bool:
    return summary["engine"] != "not included"


@pytest.fixture(scope="session")
def admin_key(summary) -> Path:
    key = BUILD / "keys" / "admin_ed25519"
    if not key.is_file():
        pytest.skip(f"the image was built with a configured admin key; its private half is not in {key}")
    return key


def need(*tools: str) -> None:
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed (scripts/image-deps test installs it)")


def start(tmp_path_factory, admin_key: Path, firmware: str) -> VM:
    need("qemu-system-x86_64", "qemu-img", "ssh")
    if firmware == "uefi" and not Path("/usr/share/ovmf/OVMF.fd").is_file():
        pytest.skip("no UEFI firmware (/usr/share/ovmf/OVMF.fd, package ovmf)")
    # The BIOS box gets a disk 2 GiB bigger than the image, as a flashed disk would be.
    grow = 2 * 1024**3 if firmware == "bios" else 0
    vm = VM(
        artifact(".qcow2"), tmp_path_factory.mktemp(f"vm-{firmware}"), admin_key, "admin", firmware, grow_bytes=grow
    )
    vm.start()
    return vm


def boot(tmp_path_factory, admin_key: Path, firmware: str, vm: VM | None = None) -> VM:
    """VM (or a new one) booted to SSH and through its first boot."""
    vm = vm or start(tmp_path_factory, admin_key, firmware)
    try:
        if vm.watcher:
            vm.watcher.join(timeout=900)
        vm.wait_ssh()
        vm.wait_ready()
    except Exception:
        vm.stop()
        raise
    blame = vm.ssh("systemd-analyze; systemd-analyze blame | head -6", check=False).stdout
    print(
        f"\n{firmware} boot: SSH after {vm.ssh_seconds:.0f} s, ready after {vm.ready_seconds:.0f} s "
        f"(load {os.getloadavg()[0]:.1f})\n{blame}"
    )
    _record(firmware, vm)
    return vm


def _record(firmware: str, vm: VM) -> None:
    """Figures for bench/image and the notes (not asserted: this machine is shared)."""
    p = BUILD / "boot-times.json"
    data = json.loads(p.read_text()) if p.is_file() else {}
    data[firmware] = {"ssh_seconds": round(vm.ssh_seconds, 1), "ready_seconds": round(vm.ready_seconds, 1)}
    p.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="session")
def vm(tmp_path_factory, admin_key, summary):
    v = boot(tmp_path_factory, admin_key, "bios")
    yield v
    v.stop()


@pytest.fixture(scope="session")
def second_vm(tmp_path_factory, admin_key, vm):
    """A second first boot of the same image, through UEFI; started once the first VM is up,
    so it boots while the first one is being checked."""
    v = start(tmp_path_factory, admin_key, "uefi")
    v.watch_boot()
    yield v
    v.stop()


@pytest.fixture(scope="session")
def host(vm):
    import testinfra

    return testinfra.get_host(f"paramiko://vm?ssh_config={vm.ssh_config()}", sudo=True)

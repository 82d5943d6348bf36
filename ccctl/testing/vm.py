"""A booted copy of the built image under qemu: software emulation (KVM here does not run stock
kernels), user-mode networking, SSH and SIP forwarded on 127.0.0.1 only."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

OVMF = Path("/usr/share/ovmf/OVMF.fd")


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VM:
    def __init__(
        self,
        image: Path,
        workdir: Path,
        key: Path,
        user: str,
        firmware: str = "bios",
        memory: int = 1536,
        grow_bytes: int = 0,
    ):
        self.image, self.dir, self.key, self.user, self.firmware = image, workdir, key, user, firmware
        self.memory = memory
        self.grow_bytes = grow_bytes  # a disk bigger than the image, as after dd onto a bigger disk
        self.disk_bytes = 0
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ssh_port = free_port()
        self.sip_port = free_port(socket.SOCK_DGRAM)
        self.sip_external_port = free_port(socket.SOCK_DGRAM)  # carrier-side profile (calls in)
        self.console = self.dir / "console.log"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.ssh_seconds: float | None = None
        self.ready_seconds: float | None = None
        self.watcher: threading.Thread | None = None

    def start(self) -> None:
        # A throwaway overlay: the built image stays as it was, so each VM has its own first boot.
        disk = self.dir / "disk.qcow2"
        info = subprocess.run(
            ["qemu-img", "info", "--output=json", str(self.image)], capture_output=True, text=True, check=True
        ).stdout
        self.disk_bytes = json.loads(info)["virtual-size"] + self.grow_bytes
        subprocess.run(
            [
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-F",
                "qcow2",
                "-b",
                str(self.image),
                str(disk),
                str(self.disk_bytes),
            ],
            check=True,
        )
        args = [
            "qemu-system-x86_64",
            "-accel",
            "tcg",
            "-cpu",
            "max",
            "-smp",
            "2",
            "-m",
            str(self.memory),
            "-display",
            "none",
            "-no-reboot",
            "-serial",
            f"file:{self.console}",
            "-drive",
            f"file={disk},if=virtio,format=qcow2",
            "-netdev",
            f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22,"
            f"hostfwd=udp:127.0.0.1:{self.sip_port}-:5060,"
            f"hostfwd=udp:127.0.0.1:{self.sip_external_port}-:5080",
            "-device",
            "virtio-net-pci,netdev=n0",
            "-device",
            "virtio-rng-pci",
        ]
        if self.firmware == "uefi":
            vars_ = self.dir / "OVMF_VARS.fd"
            shutil.copy(OVMF, vars_)
            args += ["-drive", f"if=pflash,format=raw,file={vars_}"]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=open(self.dir / "qemu.log", "wb"), stderr=subprocess.STDOUT)

    def wait_ssh(self, timeout: float = 900) -> float:
        """Seconds from start to an SSH banner (slirp accepts at once; the banner proves sshd).
        Tries at least once: a VM started early may be polled only after its deadline."""
        if self.ssh_seconds is not None:
            return self.ssh_seconds
        deadline = self.started + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"qemu exited ({self.proc.returncode}):\n{self.console_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.ssh_port), timeout=5) as s:
                    s.settimeout(10)
                    if s.recv(64).startswith(b"SSH-"):
                        self.ssh_seconds = time.monotonic() - self.started
                        return self.ssh_seconds
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no SSH after {timeout}s:\n{self.console_tail()}")
            time.sleep(2)

    def watch_boot(self) -> None:
        """Time SSH and readiness in the background, for a VM that boots while other tests run
        (polled only later, its figures would be the other tests' duration)."""

        def watch():
            try:
                self.wait_ssh()
                self.wait_ready()
            except Exception:  # noqa: BLE001 - the foreground wait that follows reports it
                pass

        self.watcher = threading.Thread(target=watch, daemon=True)
        self.watcher.start()

    def ssh_config(self) -> Path:
        cfg = self.dir / "ssh_config"
        cfg.write_text(
            f"Host vm\n  HostName 127.0.0.1\n  Port {self.ssh_port}\n  User {self.user}\n"
            f"  IdentityFile {self.key}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
            f"  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
        )
        return cfg

    def ssh(self, command: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        r = subprocess.run(
            ["ssh", "-F", str(self.ssh_config()), "-o", "BatchMode=yes", "vm", command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and r.returncode != 0:
            raise RuntimeError(f"ssh {command!r} failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def wait_ready(self, timeout: float = 900) -> float:
        """Seconds from start until systemd has finished booting and the first boot is done.
        Tries at least once, as wait_ssh does."""
        if self.ready_seconds is not None:
            return self.ready_seconds
        deadline = self.started + timeout
        while True:
            r = self.ssh(
                "systemctl is-system-running; sudo test -e /var/lib/ccctl/firstboot.done && echo firstboot-done",
                check=False,
            )
            state = r.stdout
            if "firstboot-done" in state and any(w in state for w in ("running", "degraded")):
                self.ready_seconds = time.monotonic() - self.started
                return self.ready_seconds
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not ready after {timeout}s ({state.strip()}):\n{self.console_tail()}")
            time.sleep(2)

    def host_key(self) -> str:
        r = subprocess.run(
            ["ssh-keyscan", "-p", str(self.ssh_port), "-t", "ed25519", "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return r.stdout.split()[-1] if r.stdout.strip() else ""

    def console_tail(self, n: int = 40) -> str:
        text = self.console.read_text(errors="replace") if self.console.exists() else ""
        return "\n".join(text.splitlines()[-n:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.ssh("sudo systemctl poweroff", check=False, timeout=20)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

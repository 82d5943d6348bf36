"""Network namespaces a test makes for itself, one per role, each joined to the test's own
namespace by a veth pair; the test's namespace routes between them (it is the router). Run
only inside scripts/in-netns: nothing here touches the machine's main namespace, and there is
no bridge anywhere.

    role N:   10.77.N.2/24 (eth0; more addresses on request), default route via 10.77.N.1
    router:   10.77.N.1/24 on rN, forwarding on

A process starts inside a role's namespace when it is started inside `with ns.entered():`
(setns moves the calling thread only; children inherit it), and a socket made there stays
there: that is how the test reaches a node's loopback-only Event Socket.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
import time
from pathlib import Path

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def missing() -> str | None:
    """None when namespaces can be made here, else why not."""
    for tool in ("unshare", "ip"):
        if not shutil.which(tool):
            return f"{tool} is not installed (util-linux, iproute2)"
    if os.geteuid() != 0:
        return "making network namespaces needs root (scripts/in-netns runs as root in CI)"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Netns:
    """A namespace held open by a sleeping process of its own."""

    def __init__(self, name: str, index: int):
        self.name, self.index = name, index
        here = os.readlink("/proc/thread-self/ns/net")
        self.proc = subprocess.Popen(["unshare", "--net", "sleep", "infinity"], stdin=subprocess.DEVNULL)
        self.path = f"/proc/{self.proc.pid}/ns/net"
        deadline = time.monotonic() + 5
        while os.readlink(self.path) == here:  # unshare has not switched yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"namespace {name}: unshare did not start")
            time.sleep(0.01)
        self.address = f"10.77.{index}.2"
        self.gateway = f"10.77.{index}.1"
        self.extra: list[str] = []

    @contextlib.contextmanager
    def entered(self):
        """The calling thread inside this namespace for the block."""
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open(self.path, os.O_RDONLY)
        try:
            _setns(there)
            try:
                yield self
            finally:
                _setns(back)
        finally:
            os.close(there)
            os.close(back)

    def run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        with self.entered():
            return subprocess.run(list(cmd), **{"check": True, "capture_output": True, "text": True, **kw})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Router:
    """The test's own namespace, routing between the roles' namespaces."""

    def __init__(self):
        self.roles: dict[str, Netns] = {}
        Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")  # this namespace's own switch

    def add(self, name: str, extra: int = 0) -> Netns:
        """A role's namespace, with EXTRA more addresses (10.77.N.11, .12, ...)."""
        index = len(self.roles) + 1
        ns = Netns(name, index)
        veth = f"r{index}"
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", str(ns.proc.pid))
        _ip("addr", "add", f"{ns.gateway}/24", "dev", veth)
        _ip("link", "set", veth, "up")
        ns.run("ip", "link", "set", "lo", "up")
        ns.run("ip", "addr", "add", f"{ns.address}/24", "dev", "eth0")
        for i in range(extra):
            ns.extra.append(f"10.77.{index}.{11 + i}")
            ns.run("ip", "addr", "add", f"{ns.extra[-1]}/24", "dev", "eth0")
        ns.run("ip", "link", "set", "eth0", "up")
        ns.run("ip", "route", "add", "default", "via", ns.gateway)
        self.roles[name] = ns
        return ns

    def stop(self) -> None:
        for index, ns in enumerate(self.roles.values(), start=1):
            ns.stop()
            # The pair would go with the namespace, but the kernel frees a namespace later, in the
            # background: the next lab's `rN` must not find this one still there.
            subprocess.run(["ip", "link", "del", f"r{index}"], capture_output=True, check=False)

"""`ccctl engine status`: is the engine installed, from where, and is it running."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ccctl.app import Services
from ccctl.freeswitch.install import RECORD, read_record


def _systemctl(*args: str) -> str:
    try:
        r = subprocess.run(["systemctl", *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return r.stdout.strip() or "unknown"


def _version(binary: str) -> str | None:
    """The installed package's version, else the prefix's (no need to start the binary)."""
    r = subprocess.run(["dpkg-query", "-S", binary], capture_output=True, text=True)
    if r.returncode == 0 and r.stdout:
        pkg = r.stdout.split(":")[0].split(",")[0].strip()
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        return v.stdout.strip() or None
    return None


def status(services: Services, record: Path = RECORD) -> dict:
    rec = read_record(record)
    data: dict = {"installed": rec is not None and Path(rec.binary).is_file()}
    if rec is not None:
        data |= {"source": rec.source, "binary": rec.binary, "mod_dir": rec.mod_dir, "version": _version(rec.binary)}
    data |= {"service": _systemctl("is-active", "freeswitch.service"),
             "enabled": _systemctl("is-enabled", "freeswitch.service")}
    event_socket = "down"
    if data["installed"]:
        from ccctl.freeswitch.connect import try_event_socket

        esl = try_event_socket(services, timeout=3)
        if esl is not None:
            event_socket = "up"
            esl.close()
    data["event_socket"] = event_socket
    return data

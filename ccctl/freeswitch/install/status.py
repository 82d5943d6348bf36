"""`ccctl engine status`: is the engine installed, from where, and is it running."""

from __future__ import annotations

import re
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


def binary_version(binary: str, timeout: float = 5) -> tuple[str | None, str]:
    """(version, why not): what `BINARY -version` says (`FreeSWITCH version: 1.10.12-release...`),
    else None and its last line of error (a missing library: `error while loading shared
    libraries: libsofia-sip-ua.so.0: cannot open ...`)."""
    try:
        r = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"{binary} -version: no answer within {timeout:.0f} s"
    except OSError as exc:
        return None, f"{binary}: {exc.strerror or exc}"
    m = re.search(r"FreeSWITCH version: (\S+)", r.stdout + r.stderr)
    if m:
        return m.group(1), ""
    lines = (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}").splitlines()
    return None, f"{binary} -version: {lines[-1].strip()}"


def _version(binary: str) -> str | None:
    """The installed package's version, else (an engine bundled from a prefix) what the binary says."""
    try:
        r = subprocess.run(["dpkg-query", "-S", binary], capture_output=True, text=True)
    except OSError:
        r = None
    if r is not None and r.returncode == 0 and r.stdout:
        pkg = r.stdout.split(":")[0].split(",")[0].strip()
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        if v.stdout.strip():
            return v.stdout.strip()
    return binary_version(binary)[0]


def status(services: Services, record: Path = RECORD) -> dict:
    rec = read_record(record)
    data: dict = {"installed": rec is not None and Path(rec.binary).is_file()}
    if rec is not None:
        data |= {"source": rec.source, "binary": rec.binary, "mod_dir": rec.mod_dir, "version": _version(rec.binary)}
    data |= {
        "service": _systemctl("is-active", "freeswitch.service"),
        "enabled": _systemctl("is-enabled", "freeswitch.service"),
    }
    event_socket = "down"
    if data["installed"]:
        from ccctl.freeswitch.connect import try_event_socket

        esl = try_event_socket(services, timeout=3)
        if esl is not None:
            event_socket = "up"
            esl.close()
    data["event_socket"] = event_socket
    return data

"""Debian's `dahdi_cfg -t` as a check of a rendered system.conf, before it is written.

dahdi_cfg opens /dev/dahdi/ctl before it reads its file, even in test mode (-t). Where the
DAHDI module is loaded that device exists and is used. Where it is not (a box before its
first boot with the card, a build host, CI), dahdi_cfg runs in a private mount namespace
whose /dev holds a plain file of that name: -t then parses and checks every line and
applies nothing, and nothing outside the namespace changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CTL = Path("/dev/dahdi/ctl")
_STAND_IN = 'mount -t tmpfs ccctl-dahdi /dev && mkdir /dev/dahdi && : > /dev/dahdi/ctl && exec "$0" "$@"'


@dataclass
class Check:
    ran: bool
    ok: bool = False
    output: str = ""
    reason: str | None = None
    """Why it did not run."""

    @property
    def first_error(self) -> str:
        lines = [ln for ln in self.output.splitlines() if ln.startswith("line ") or "rror" in ln]
        return lines[0] if lines else self.output.strip().splitlines()[-1] if self.output.strip() else "failed"


def command() -> tuple[list[str] | None, str | None]:
    """The command line that runs dahdi_cfg here, or None and why it cannot run."""
    exe = shutil.which("dahdi_cfg") or ("/usr/sbin/dahdi_cfg" if Path("/usr/sbin/dahdi_cfg").exists() else None)
    if exe is None:
        return None, "dahdi_cfg not installed (Debian package dahdi)"
    if CTL.exists():
        return [exe], None
    unshare = shutil.which("unshare")
    if unshare is None:
        return None, "no /dev/dahdi/ctl (DAHDI module not loaded) and no unshare(1) for a stand-in"
    wrap = [unshare, "-m"] if os.geteuid() == 0 else [unshare, "-Urm"]
    probe = subprocess.run(wrap + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return None, (
            "no /dev/dahdi/ctl (DAHDI module not loaded) and no mount namespace for a stand-in: "
            + (probe.stderr.strip() or f"exit {probe.returncode}")
        )
    return wrap + ["sh", "-c", _STAND_IN, exe], None


def check_file(path: Path) -> Check:
    cmd, reason = command()
    if cmd is None:
        return Check(False, reason=reason)
    res = subprocess.run(cmd + ["-t", "-vv", "-c", str(path)], capture_output=True, text=True, timeout=60)
    return Check(True, res.returncode == 0 and "error(s) detected" not in res.stderr, res.stdout + res.stderr)


def check_text(text: str) -> Check:
    with tempfile.TemporaryDirectory(prefix="ccctl-dahdi-") as d:
        path = Path(d) / "system.conf"
        path.write_text(text, encoding="utf-8")
        return check_file(path)

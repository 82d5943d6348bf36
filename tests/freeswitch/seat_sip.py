"""Seat-side SIP for the isolation tests: a registered seat dialling a destination through
the internal profile (digest-authenticated), and a one-shot registration attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ccctl.testing.sip import FS_IP, INTERNAL_PORT, Sipp, _final_from_trace


@dataclass
class Outcome:
    code: int | None
    ended: str | None
    exit_code: int
    sipp: Sipp = field(repr=False)

    def diagnostics(self) -> str:
        return f"{self!r}\n{self.sipp.diagnostics()}"


def _csv(workdir: Path, ext: str, domain: str, user: str, password: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    p = workdir / "creds.csv"
    p.write_text(f"SEQUENTIAL\n{ext};{domain};[authentication username={user} password={password}];\n")
    return p


def _outcome(proc: Sipp, timeout: float) -> Outcome:
    rc = proc.wait(timeout)
    lines = proc.log_lines()
    finals = [int(ln.split()[-1]) for ln in lines if ln.startswith("final ") and ln.split()[-1].isdigit()]
    ended = [ln.split()[1] for ln in lines if ln.startswith("ended ")]
    return Outcome(finals[-1] if finals else _final_from_trace(proc.messages), ended[-1] if ended else None, rc, proc)


def seat_call(
    workdir: Path,
    ext: str,
    domain: str,
    password: str,
    destination: str,
    *,
    talk_ms: int = 1500,
    source_ip: str = "127.0.2.1",
    user: str | None = None,
    timeout: float = 30,
    target: str | None = None,
) -> Outcome:
    """Seat EXT@DOMAIN dials DESTINATION (through TARGET, IP:PORT, when given: a fleet's edge);
    returns the final SIP code and how it ended."""
    csv = _csv(workdir, ext, domain, user or ext, password)
    args = [
        "-inf",
        str(csv),
        "-s",
        destination,
        "-set",
        "talk_ms",
        str(talk_ms),
        "-i",
        source_ip,
        "-bind_local",
        "-p",
        "5070",
        "-mi",
        source_ip,
        "-mp",
        "7100",
        "-rtp_echo",
        "-m",
        "1",
        "-l",
        "1",
        target or f"{FS_IP}:{INTERNAL_PORT}",
    ]
    return _outcome(Sipp(workdir, "seat_call.xml", args, timeout_s=timeout), timeout + 10)


def register_once(
    workdir: Path,
    ext: str,
    domain: str,
    password: str,
    *,
    user: str | None = None,
    source_ip: str = "127.0.2.2",
    timeout: float = 15,
    target: str | None = None,
) -> Outcome:
    """One REGISTER of EXT@DOMAIN (auth user USER, default EXT) at TARGET (IP:PORT; default the
    box's internal profile); the final code tells whether it worked."""
    csv = _csv(workdir, ext, domain, user or ext, password)
    args = [
        "-inf",
        str(csv),
        "-i",
        source_ip,
        "-bind_local",
        "-p",
        "5071",
        "-m",
        "1",
        "-l",
        "1",
        target or f"{FS_IP}:{INTERNAL_PORT}",
    ]
    return _outcome(Sipp(workdir, "register_once.xml", args, timeout_s=timeout), timeout + 10)

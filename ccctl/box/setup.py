"""The box's own setup, as the first-boot wizard makes it: host name, the admin's SSH key, the
time zone, and a marker that says setup is complete (until then the console shows the wizard).

Every function takes ROOT (the file system to change, / on the box) so it can be run again
and tested on a scratch tree. Input is checked before anything is written.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

from ccctl.errors import InvalidInput

MARKER = Path("var/lib/ccctl/setup-complete")
"""Under ROOT; its absence is what makes the box's console start the wizard."""

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_KEY = re.compile(r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) ([A-Za-z0-9+/=]+)( .*)?")


def completed(root: Path = Path("/")) -> bool:
    return (root / MARKER).exists()


def complete(root: Path = Path("/")) -> None:
    path = root / MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("setup complete\n")


def reopen(root: Path = Path("/")) -> None:
    """Show the wizard on the console again."""
    (root / MARKER).unlink(missing_ok=True)


def current(root: Path = Path("/")) -> dict:
    def read(p: str) -> str:
        try:
            return (root / p).read_text().strip()
        except OSError:
            return ""

    keys = read("root/.ssh/authorized_keys")
    return {"hostname": read("etc/hostname"), "timezone": read("etc/timezone") or "UTC",
            "ssh_keys": len([k for k in keys.splitlines() if k.strip() and not k.startswith("#")]),
            "completed": completed(root)}


def check_hostname(name: str) -> str:
    name = name.strip().lower()
    if not _HOST.fullmatch(name):
        raise InvalidInput(f"{name!r}: a host name is 1-63 letters, digits or '-', not starting or ending with '-'")
    return name


def set_hostname(name: str, root: Path = Path("/")) -> str:
    name = check_hostname(name)
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/hostname").write_text(name + "\n")
    hosts = root / "etc/hosts"
    lines = hosts.read_text().splitlines() if hosts.exists() else ["127.0.0.1\tlocalhost"]
    lines = [ln for ln in lines if not ln.startswith("127.0.1.1")] + [f"127.0.1.1\t{name}"]
    hosts.write_text("\n".join(lines) + "\n")
    if root == Path("/") and shutil.which("hostname"):
        subprocess.run(["hostname", name], check=False)
    return name


def check_ssh_key(key: str) -> str:
    key = " ".join(key.split())
    m = _KEY.fullmatch(key)
    if not m:
        raise InvalidInput("not an SSH public key: expected a line like 'ssh-ed25519 AAAA... comment'")
    try:
        blob = base64.b64decode(m.group(3), validate=True)
    except ValueError:
        raise InvalidInput("the SSH key's base64 part is damaged") from None
    if not blob[4:].startswith(m.group(1).encode()):
        raise InvalidInput("the SSH key's data does not match its type")
    return key


def add_ssh_key(key: str, root: Path = Path("/")) -> bool:
    """Let KEY log in as root over SSH; False when it already could."""
    key = check_ssh_key(key)
    ssh = root / "root/.ssh"
    ssh.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = ssh / "authorized_keys"
    have = path.read_text().splitlines() if path.exists() else []
    if any(" ".join(line.split()[:2]) == " ".join(key.split()[:2]) for line in have):
        return False
    with path.open("a") as f:
        f.write(key + "\n")
    os.chmod(path, 0o600)
    return True


def set_timezone(zone: str, root: Path = Path("/")) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = zone.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {zone!r} (like Asia/Shanghai or UTC)") from None
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/timezone").write_text(zone + "\n")
    link = root / "etc/localtime"
    link.unlink(missing_ok=True)
    link.symlink_to(f"/usr/share/zoneinfo/{zone}")
    return zone


def seat_range(text: str) -> list[str]:
    """'1001-1020' or '1001, 1005' -> extensions (the schema checks each one)."""
    out = []
    for part in text.replace(",", " ").split():
        first, sep, last = part.partition("-")
        if sep:
            if not (first.isdigit() and last.isdigit()) or int(last) < int(first) or int(last) - int(first) > 999:
                raise InvalidInput(f"{part!r}: a range is FIRST-LAST, at most 1000 seats")
            out += [str(n) for n in range(int(first), int(last) + 1)]
        else:
            out.append(part)
    return out


def tenant_with_seats(services, name: str, seats: str) -> str:
    """The wizard's first tenant: created with the seats SEATS names ('2001-2100'), or, when it
    exists, given those it lacks. One write either way: a range over the seat limit adds none."""
    from ccctl.config import entities
    from ccctl.errors import NotFound

    wanted = {e: {"name": f"Seat {e}"} for e in seat_range(seats)}
    try:
        entities.get_tenant(services, name)
    except NotFound:
        result = entities.add_tenant(services, name, {"seats": [{"extension": e, **f} for e, f in wanted.items()]})
        return f"tenant {name} created with {len(wanted)} seats ({len(result.changes)} changes)"
    result = entities.add_items(services, "seat", name, wanted, skip_existing=True)
    added = sum(1 for c in result.changes if c.kind == "seat" and c.op == "add")
    return f"tenant {name}: {added} seats added, {len(entities.get_tenant(services, name).seats)} in all"


def engine_status(services) -> dict:
    """FreeSWITCH: installed (the engine record of ccctl.freeswitch.install, when this build has it) and running."""
    from ccctl.freeswitch.connect import try_event_socket

    out = {"installed": None, "source": None, "running": False, "version": None}
    try:
        from ccctl.freeswitch.install import read_record
    except ImportError:
        read_record = None
    if read_record is not None:
        rec = read_record()
        out["installed"] = rec is not None
        out["source"] = rec.source if rec else None
    esl = try_event_socket(services, timeout=1.0)
    if esl is not None:
        with esl:
            out["running"] = True
            out["version"] = esl.api("version", check=False).strip()
    return out


def install_engine(services, debs: Path, progress=lambda _: None):
    """FreeSWITCH from a directory of .deb files (ccctl engine install --debs DIR)."""
    try:
        from ccctl.freeswitch.install import run as engine_install
    except ImportError:
        raise InvalidInput("installing FreeSWITCH is not available in this build") from None
    return engine_install.install(services, engine_install.plan(debs=Path(debs)), progress=progress)

"""The box's own setup, as the first-boot wizard makes it: host name, the admin's SSH key, the
time zone, and a marker that says setup is complete (until then the console shows the wizard).

The SSH key goes to the administrator's ~/.ssh/authorized_keys (the user of the image's base
role, `base__admin_user`, given to ccctl as CCCTL_ADMIN_USER): root never logs in over SSH.

Every function takes ROOT (the file system to change, / on the box) so it can be run again
and tested on a scratch tree. Input is checked before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ccctl.config.spec import EXTENSION_WORDS
from ccctl.errors import InvalidInput

ADMIN_USER = "admin"
"""The image's administrator (ansible: base__admin_user), when no setting names another."""

MARKER = Path("var/lib/ccctl/setup-complete")
"""Under ROOT; its absence is what makes the box's console start the wizard."""

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_KEY = re.compile(
    r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) ([A-Za-z0-9+/=]+)( .*)?"
)


def completed(root: Path = Path("/")) -> bool:
    return (root / MARKER).exists()


def complete(root: Path = Path("/")) -> None:
    path = root / MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("setup complete\n")


def reopen(root: Path = Path("/")) -> None:
    """Show the wizard on the console again."""
    (root / MARKER).unlink(missing_ok=True)


def current(root: Path = Path("/"), user: str = ADMIN_USER) -> dict:
    def read(p: str) -> str:
        try:
            return (root / p).read_text().strip()
        except OSError:
            return ""

    return {
        "hostname": read("etc/hostname"),
        "timezone": read("etc/timezone") or "UTC",
        "ssh_keys": len(admin_keys(root, user)),
        "completed": completed(root),
    }


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: Path
    """Under ROOT."""


def account(user: str = ADMIN_USER, root: Path = Path("/")) -> Account:
    """USER's entry in ROOT's /etc/passwd; InvalidInput when the box has no such user."""
    try:
        lines = (root / "etc/passwd").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        f = line.split(":")
        if len(f) >= 7 and f[0] == user:
            return Account(user, int(f[2]), int(f[3]), root / f[5].lstrip("/"))
    raise InvalidInput(f"no user {user!r} on this box (CCCTL_ADMIN_USER names the administrator who logs in over SSH)")


def authorized_keys(user: str = ADMIN_USER, root: Path = Path("/")) -> Path:
    return account(user, root).home / ".ssh/authorized_keys"


def fingerprint(key: str) -> str:
    """'SHA256:... comment', as `ssh-keygen -lf` names a key."""
    parts = key.split()
    digest = base64.b64encode(hashlib.sha256(base64.b64decode(parts[1])).digest()).decode().rstrip("=")
    return " ".join([f"SHA256:{digest}", *parts[2:]])


def admin_keys(root: Path = Path("/"), user: str = ADMIN_USER) -> list[str]:
    """The keys that can log in as USER, each as its fingerprint (ssh-keygen -lf's reading of
    the file when it is there: what sshd will accept; else ours)."""
    try:
        path = authorized_keys(user, root)
        text = path.read_text()
    except (InvalidInput, OSError):
        return []
    if shutil.which("ssh-keygen"):
        r = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, timeout=10)
        if r.returncode == 0:
            return [ln.split(None, 1)[1] for ln in r.stdout.splitlines() if len(ln.split(None, 1)) == 2]
    out = []
    for line in text.splitlines():
        try:
            out.append(fingerprint(check_ssh_key(line)))
        except InvalidInput:
            continue
    return out


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


def add_ssh_key(key: str, root: Path = Path("/"), user: str = ADMIN_USER) -> bool:
    """Let KEY log in as USER (the administrator) over SSH; False when it already could.
    ~/.ssh is 0700 and authorized_keys 0600, both owned by USER (sshd refuses keys otherwise)."""
    key = check_ssh_key(key)
    who = account(user, root)
    ssh = who.home / ".ssh"
    ssh.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = ssh / "authorized_keys"
    have = path.read_text().splitlines() if path.exists() else []
    added = not any(" ".join(line.split()[:2]) == " ".join(key.split()[:2]) for line in have)
    if added:
        with path.open("a") as f:
            f.write(key + "\n")
    for p, mode in ((ssh, 0o700), (path, 0o600)):
        os.chmod(p, mode)
        if (p.stat().st_uid, p.stat().st_gid) != (who.uid, who.gid):
            os.chown(p, who.uid, who.gid)
    return added


def set_timezone(zone: str, root: Path = Path("/")) -> str:
    """ZONE for the box: /etc/timezone and /etc/localtime under ROOT (on the box itself through
    `timedatectl set-timezone` when there is one, which tells systemd too)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = zone.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {zone!r} (like Asia/Shanghai or UTC)") from None
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/timezone").write_text(zone + "\n")
    if root == Path("/") and shutil.which("timedatectl"):
        r = subprocess.run(["timedatectl", "set-timezone", zone], capture_output=True, text=True, timeout=30)
        if r.returncode == 0:
            time.tzset()
            return zone
    link = root / "etc/localtime"
    link.unlink(missing_ok=True)
    link.symlink_to(f"/usr/share/zoneinfo/{zone}")
    if root == Path("/"):
        time.tzset()
    return zone


DAEMON_UNIT = "ccctl-daemon.service"


def restart_for_timezone(root: Path = Path("/"), run=subprocess.run) -> str:
    """Services that read the zone at start, restarted so they use the new one now; one line
    saying what was done. FreeSWITCH is not restarted (that would drop calls): business hours
    are evaluated in each tenant's own zone, only its log's clock waits for its next start."""
    engine = "FreeSWITCH keeps its log's clock until its next restart (business hours use each tenant's zone)"
    if root != Path("/"):
        return f"services on {root} pick it up when they next start"
    try:
        r = run(["systemctl", "try-restart", DAEMON_UNIT], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"restart ccctl-daemon yourself (systemctl restart ccctl-daemon: {exc}); {engine}"
    if r.returncode != 0:
        return f"ccctl-daemon not restarted ({(r.stderr or r.stdout).strip() or 'exit ' + str(r.returncode)}); {engine}"
    return f"ccctl-daemon restarted; {engine}"


def addresses(run=subprocess.run) -> list[str]:
    """The box's global addresses (IPv4 first), as the console banner shows them."""
    try:
        r = run(["ip", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True, timeout=5)
        found = [ln.split()[3].split("/")[0] for ln in r.stdout.splitlines() if len(ln.split()) > 3]
    except (OSError, subprocess.TimeoutExpired):
        found = []
    return sorted(dict.fromkeys(found), key=lambda a: (":" in a, a))


def seat_range(text: str) -> list[str]:
    """'1001-1020' or '1001, 1005' -> extensions (the schema checks each one)."""
    out = []
    for part in text.replace(",", " ").split():
        first, sep, last = part.partition("-")
        if sep:
            if not (first.isdigit() and last.isdigit()) or int(last) < int(first) or int(last) - int(first) > 999:
                raise InvalidInput(f"{part!r}: a range is FIRST-LAST, at most 1000 seats")
            if first.startswith("0") or last.startswith("0"):
                # refused as the schema refuses one such seat, never renumbered to 100-110
                raise InvalidInput(f"{part!r}: {EXTENSION_WORDS}")
            out += [str(n) for n in range(int(first), int(last) + 1)]
        else:
            out.append(part)
    return out


def tenant_with_seats(services, name: str, seats: str, timezone: str | None = None) -> str:
    """The wizard's first tenant: created with the seats SEATS names ('2001-2100'), or, when it
    exists, given those it lacks. One write either way: a range over the seat limit adds none.
    A new tenant's time zone is TIMEZONE (the box's)."""
    from ccctl.config import entities
    from ccctl.errors import NotFound

    wanted = {e: {"name": f"Seat {e}"} for e in seat_range(seats)}
    try:
        entities.get_tenant(services, name)
    except NotFound:
        fields = {"seats": [{"extension": e, **f} for e, f in wanted.items()]}
        if timezone:
            fields["timezone"] = timezone
        result = entities.add_tenant(services, name, fields)
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

"""Adding FreeSWITCH to a box built without it: the source (a local directory of packages, or
the vendor's repository with a token), apt, then what the image's freeswitch role and first
boot do for an included engine (the engine record the unit reads, the tree, the unit enabled
and started). Bad input is refused before anything is written; if apt fails, the source it was
given is removed again, so nothing is left half-configured."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ccctl.app import Services
from ccctl.errors import CcError, FreeSwitchError, InvalidInput
from ccctl.freeswitch.install import EngineRecord, local, package_names, vendor, write_record

APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def require_root() -> None:
    if os.geteuid() != 0:
        raise InvalidInput("ccctl engine install changes the system: run it as root (sudo)")


def configure_vendor(token: str, suite: str, keyring: bytes, root: Path = Path("/")) -> list[Path]:
    """The vendor's repository with TOKEN: credentials (0600), keyring, source. Returns the
    files written."""
    auth = root / vendor.AUTH_FILE.lstrip("/")
    key = root / vendor.KEYRING.lstrip("/")
    listing = root / vendor.LIST_FILE.lstrip("/")
    for p in (auth, key, listing):
        p.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 before the token is written: no moment where others could read it.
    fd = os.open(auth, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(vendor.auth_text(token))
    os.chmod(auth, 0o600)
    key.write_bytes(keyring)
    key.chmod(0o644)
    listing.write_text(vendor.source_line(suite))
    return [auth, key, listing]


def _apt(args: list[str], what: str) -> None:
    r = subprocess.run(["apt-get", "-q", *args], capture_output=True, text=True, env=APT_ENV)
    if r.returncode != 0:
        lines = (
            [ln for ln in (r.stderr + r.stdout).splitlines() if ln.startswith(("E:", "W:"))]
            or (r.stderr + r.stdout).strip().splitlines()
            or ["no output"]
        )
        raise CcError(f"{what} failed: {lines[-1].removeprefix('E: ')}")


def apt_install(packages: list[str], only_list: Path | None) -> None:
    update = ["update"]
    if only_list is not None:
        # Only the local source: works on a box without network, and leaves Debian's lists alone.
        update += [
            "-o",
            f"Dir::Etc::sourcelist={only_list}",
            "-o",
            "Dir::Etc::sourceparts=-",
            "-o",
            "APT::Get::List-Cleanup=0",
        ]
    _apt(update, "apt-get update")
    # The tree in /etc/freeswitch is ccctl's: a package's sample configuration never lands there.
    _apt(
        [
            "install",
            "-y",
            "--no-install-recommends",
            "-o",
            "Dpkg::Options::=--path-exclude=/etc/freeswitch/*",
            *packages,
        ],
        "apt-get install",
    )


def locate(packages: list[str]) -> tuple[str, str]:
    """The engine's binary and module folder among the files the packages installed."""
    r = subprocess.run(["dpkg-query", "-L", *packages], capture_output=True, text=True)
    binary = mod_dir = ""
    for path in r.stdout.splitlines():
        if path.endswith("/bin/freeswitch") and not binary and os.path.isfile(path):
            binary = path
        elif path.endswith("/mod_sofia.so") and not mod_dir:
            mod_dir = os.path.dirname(path)
    if not binary or not mod_dir:
        raise CcError(
            f"the packages installed no {'bin/freeswitch' if not binary else 'mod_sofia.so'} ({', '.join(packages)})"
        )
    return binary, mod_dir


def check_binary(binary: str) -> str:
    """The loader's cache refreshed (a bundled prefix's libraries, /etc/ld.so.conf.d), then
    `BINARY -version`: its version, or FreeSwitchError in one line (a missing library) before
    the unit is started on a binary that cannot load."""
    from ccctl.freeswitch.install.status import binary_version

    subprocess.run(["ldconfig"], capture_output=True, text=True)
    version, why = binary_version(binary)
    if version is None:
        raise FreeSwitchError(f"FreeSWITCH cannot start: {why}")
    return version


def start(services: Services, timeout: float = 300, progress: Callable[[str], None] = lambda _: None) -> None:
    """Render the tree if the box never had one, then enable and (re)start the unit and wait
    for the Event Socket."""
    from ccctl.box import firstboot
    from ccctl.freeswitch.connect import try_event_socket

    if not (services.settings.fs_conf_dir / "freeswitch.xml").exists():
        progress(firstboot.prepare(services))
    # A unit that hit its start limit (StartLimitBurst) refuses a restart until reset.
    subprocess.run(["systemctl", "reset-failed", "freeswitch.service"], capture_output=True, text=True)
    for args in (["daemon-reload"], ["enable", "freeswitch.service"], ["restart", "freeswitch.service"]):
        r = subprocess.run(["systemctl", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise FreeSwitchError(f"systemctl {' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        esl = try_event_socket(services, timeout=5)
        if esl is not None:
            esl.close()
            return
        time.sleep(2)
    raise FreeSwitchError(
        f"FreeSWITCH did not answer on its Event Socket within {timeout:.0f} s (journalctl -u freeswitch)"
    )


@dataclass
class Plan:
    """What an install will do, decided from the input before anything is written."""

    packages: list[str]
    source: str
    debs: dict[str, Path] | None = None
    token: str | None = None


def plan(debs: Path | None = None, token: str | None = None) -> Plan:
    """Check the input (one line and nothing written when it is bad)."""
    if (debs is None) == (token is None):
        raise InvalidInput("give one of --debs DIR or --token T")
    if debs is not None:
        names = local.scan(debs)
        return Plan(local.wanted(names), f"debs: {debs.resolve()}", debs=names)
    vendor.check_token(token, "--token")
    return Plan(package_names(), f"token: {vendor.REPO}", token=token)


def install(
    services: Services,
    p: Plan,
    *,
    suite: str = "bookworm",
    progress: Callable[[str], None] = lambda _: None,
    fetch_keyring: Callable[[str], bytes] = vendor.fetch_keyring,
) -> EngineRecord:
    require_root()
    written: list[Path] = []
    try:
        if p.debs is not None:
            progress(f"local apt source {local.DEBS_DIR} ({len(p.debs)} package{'s' if len(p.debs) != 1 else ''})")
            written = local.prepare(p.debs)
            only = local.LIST_FILE
        else:
            progress(f"the vendor's repository {vendor.REPO}")
            written = configure_vendor(p.token, suite, fetch_keyring(p.token))
            only = None
        progress(f"apt-get install {' '.join(p.packages)}")
        apt_install(p.packages, only)
        binary, mod_dir = locate(p.packages)
    except BaseException:
        for w in written:
            if w.is_dir():
                shutil.rmtree(w, ignore_errors=True)
            else:
                w.unlink(missing_ok=True)
        raise
    rec = EngineRecord(binary, mod_dir, p.source)
    write_record(rec)
    progress(f"FreeSWITCH {check_binary(binary)} ({binary})")
    progress("starting FreeSWITCH on the rendered tree")
    start(services, progress=progress)
    return rec

"""A directory of .deb packages as a local apt source: the packages copied to a folder of the
box, a Packages index written beside them (no dpkg-dev on the box), and a `[trusted=yes]`
file: source naming it. apt then resolves the engine's dependencies like for any package."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from ccctl.errors import InvalidInput
from ccctl.freeswitch.install import package_names

DEBS_DIR = Path("/var/lib/ccctl/engine-debs")
LIST_FILE = Path("/etc/apt/sources.list.d/ccctl-engine-debs.list")


def control(deb: Path) -> str:
    """The package's control paragraph, as dpkg-deb reads it."""
    r = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise InvalidInput(
            f"{deb} is not a Debian package: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else 'no control file'}"
        )
    return r.stdout.rstrip("\n") + "\n"


def field(paragraph: str, name: str) -> str:
    for line in paragraph.splitlines():
        key, sep, value = line.partition(":")
        if sep and key == name:
            return value.strip()
    return ""


def scan(d: Path) -> dict[str, Path]:
    """Package name -> .deb of DIR; refuses a missing folder, one without .debs, or one without
    the engine's own package."""
    if not d.is_dir():
        raise InvalidInput(f"--debs {d}: not a directory")
    debs = sorted(p for p in d.glob("*.deb") if p.is_file())
    if not debs:
        raise InvalidInput(f"--debs {d}: holds no .deb packages")
    names = {}
    for deb in debs:
        names[field(control(deb), "Package")] = deb
    if "freeswitch" not in names:
        raise InvalidInput(f"--debs {d}: no package named freeswitch (the engine itself) among {len(debs)} .debs")
    return names


def wanted(names: dict[str, Path]) -> list[str]:
    """What to install: the engine and each module package the tree loads that DIR offers
    (its libraries and other dependencies come along through apt)."""
    return [n for n in package_names() if n in names]


def index(debs: list[Path]) -> str:
    """A flat repository's Packages file for DEBS (which sit beside it)."""
    out = []
    for deb in debs:
        data = deb.read_bytes()
        out.append(
            control(deb) + f"Filename: ./{deb.name}\nSize: {len(data)}\n"
            f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
        )
    return "\n".join(out)


def source_line(folder: Path = DEBS_DIR) -> str:
    return f"deb [trusted=yes] file:{folder} ./\n"


def prepare(names: dict[str, Path], root: Path = Path("/")) -> list[Path]:
    """Copy the packages into the box's folder, index them and name the source. Returns what
    was written (removed again if the install fails)."""
    folder = root / DEBS_DIR.relative_to("/")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o755)
    copies = []
    for deb in names.values():
        copies.append(folder / deb.name)
        shutil.copyfile(deb, copies[-1])
    (folder / "Packages").write_text(index(copies))
    listing = root / LIST_FILE.relative_to("/")
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(source_line(DEBS_DIR))
    return [listing, folder]

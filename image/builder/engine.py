"""Where the image's FreeSWITCH comes from, in the issue's order of preference:

1. FREESWITCH_DEBS: a directory of .deb packages, installed like any other package;
2. SIGNALWIRE_TOKEN: the vendor's apt repository;
3. FREESWITCH_PREFIX: an installed prefix (e.g. built by hand into /opt/freeswitch), copied
   into the image at the same path (its rpath keeps working). The libraries it links to come
   from Debian packages where Debian has them; the others (a self-built sofia-sip or spandsp
   outside the prefix) are bundled from the build host into the prefix's lib folder. Modules
   are where the prefix has them: PREFIX/mod (upstream's ./configure --prefix) or
   PREFIX/lib/freeswitch/mod.

With none, the image is built without the engine, and says so.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ccctl.errors import InvalidInput
from ccctl.freeswitch.install import package_names, vendor
from ccctl.render.core import MODULES

from .errors import BuildError
from .settings import ImageSettings


@dataclass
class Engine:
    kind: str  # debs | token | prefix | none
    source: str = ""
    packages: list[str] = field(default_factory=list)
    """Debian package names (or .deb paths) the bootstrap installs for the engine."""
    host_libs: list[Path] = field(default_factory=list)
    """Libraries outside the prefix that no Debian package provides: bundled as files."""
    binary: str = ""
    mod_dir: str = ""
    fingerprint: str = "none"

    @property
    def included(self) -> bool:
        return self.kind != "none"

    def describe(self) -> str:
        if not self.included:
            return "not included"
        return f"{self.kind}: {self.source}"


def resolve(s: ImageSettings) -> Engine:
    if s.freeswitch_debs:
        return _from_debs(Path(s.freeswitch_debs))
    if s.signalwire_token:
        return _from_token(s.signalwire_token)
    if s.freeswitch_prefix:
        return _from_prefix(Path(s.freeswitch_prefix))
    return Engine("none")


def _from_debs(d: Path) -> Engine:
    if not d.is_dir():
        raise BuildError(f"setting freeswitch_debs: {d} is not a readable directory")
    debs = sorted(d.glob("*.deb"))
    if not debs:
        raise BuildError(f"setting freeswitch_debs: {d} holds no .deb packages")
    unreadable = [p for p in debs if not p.is_file() or not _readable(p)]
    if unreadable:
        raise BuildError(f"setting freeswitch_debs: cannot read {unreadable[0]}")
    if not any(p.name.startswith("freeswitch_") for p in debs):
        raise BuildError(f"setting freeswitch_debs: {d} has no freeswitch_*.deb (the engine itself)")
    h = hashlib.sha256()
    for p in debs:
        h.update(p.name.encode())
        h.update(str(p.stat().st_size).encode())
    return Engine(
        "debs",
        str(d.resolve()),
        [str(p.resolve()) for p in debs],
        binary="/usr/bin/freeswitch",
        mod_dir="/usr/lib/freeswitch/mod",
        fingerprint=h.hexdigest()[:16],
    )


def _from_token(token: str) -> Engine:
    try:
        vendor.check_token(token, "setting signalwire_token")
    except InvalidInput as exc:
        raise BuildError(str(exc)) from None
    return Engine(
        "token",
        vendor.REPO,
        package_names(),
        binary="/usr/bin/freeswitch",
        mod_dir="/usr/lib/freeswitch/mod",
        fingerprint=hashlib.sha256(token.encode()).hexdigest()[:16],
    )


def _readable(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False


# Where a prefix keeps its modules, in order: upstream's `./configure --prefix=P` installs
# them to P/mod; packagers' layouts (and --enable-fhs) to P/lib/freeswitch/mod.
MOD_DIRS = ("lib/freeswitch/mod", "mod")


def prefix_mod_dir(prefix: Path) -> Path:
    """The prefix's module folder: the first of MOD_DIRS that has mod_sofia (else the first)."""
    for d in MOD_DIRS:
        if (prefix / d / "mod_sofia.so").is_file():
            return prefix / d
    return prefix / MOD_DIRS[0]


# freeswitch/freetdm f698205e turned ftdm_set_string into a copy of at most sizeof(source) - 1
# bytes: from a pointer, 7 characters. mod_freetdm (the number dialled, the caller id) and
# ftmod_libpri (an incoming SETUP's numbers) copy from pointers, so a FreeTDM built from that
# source cuts every number over a PRI span to 7 digits (hardware/README.md, "In the image").
FREETDM_TRUNCATING_COPY = "(sizeof(x)>sizeof(y)?sizeof(y):sizeof(x))-1"


def freetdm_truncates_numbers(prefix: Path) -> bool:
    """The prefix has mod_freetdm, and the FreeTDM header installed with it defines
    ftdm_set_string as the truncating copy (the header is what the modules were built with)."""
    if not (prefix_mod_dir(prefix) / "mod_freetdm.so").is_file():
        return False
    for header in sorted((prefix / "include").rglob("ftdm_os.h")):
        for line in header.read_text(errors="replace").splitlines():
            if line.startswith("#define ftdm_set_string") and FREETDM_TRUNCATING_COPY in line.replace(" ", ""):
                return True
    return False


def _elf_files(prefix: Path) -> list[Path]:
    out = []
    mods = prefix_mod_dir(prefix)
    for p in [
        prefix / "bin" / "freeswitch",
        prefix / "bin" / "fs_cli",
        *sorted((prefix / "lib").rglob("*.so*")),
        *(sorted(mods.glob("*.so")) if not mods.is_relative_to(prefix / "lib") else []),
    ]:
        if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF":
            out.append(p)
    return out


def _spellings(lib: Path) -> set[str]:
    """LIB as dpkg may have recorded it (merged /usr: /lib and /usr/lib are the same place)."""
    out = {str(lib), str(lib.resolve())}
    for c in list(out):
        if c.startswith("/usr/lib/"):
            out.add(c[4:])
        elif c.startswith("/lib/"):
            out.add("/usr" + c)
    return out


def _owners(libs: set[Path]) -> dict[Path, str]:
    """The Debian package that ships each of LIBS on this host (one dpkg-query for all)."""
    by_path = {sp: lib for lib in libs for sp in _spellings(lib)}
    r = subprocess.run(["dpkg-query", "-S", *sorted(by_path)], capture_output=True, text=True)
    owners = {}
    for line in r.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        if path.strip() in by_path:
            owners[by_path[path.strip()]] = pkgs.split(",")[0].split(":")[0].strip()
    return owners


def _from_prefix(prefix: Path) -> Engine:
    binary = prefix / "bin" / "freeswitch"
    mod_dir = prefix_mod_dir(prefix)
    if not binary.is_file() or not _readable(binary):
        raise BuildError(f"setting freeswitch_prefix: {binary} is missing or unreadable")
    missing = [m for m in MODULES if not (mod_dir / f"{m}.so").is_file()]
    if missing:
        raise BuildError(f"setting freeswitch_prefix: {prefix} lacks {missing[0]} (ccctl's tree loads it)")
    prefix = prefix.resolve()
    h = hashlib.sha256()
    for elf in _elf_files(prefix):
        st = elf.stat()
        h.update(f"{elf}:{st.st_size}:{int(st.st_mtime)}".encode())
    return Engine(
        "prefix",
        str(prefix),
        binary=str(binary.resolve()),
        mod_dir=str(mod_dir.resolve()),
        fingerprint=h.hexdigest()[:16],
    )


def resolve_libraries(eng: Engine) -> None:
    """For a bundled prefix: which Debian packages provide the libraries it links to outside
    itself, and which libraries (in no package) must be copied from this host."""
    if eng.kind != "prefix":
        return
    prefix = Path(eng.source)
    elves = _elf_files(prefix)
    outside: set[Path] = set()
    for i in range(0, len(elves), 50):
        r = subprocess.run(["ldd", *map(str, elves[i : i + 50])], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m and not m.group(2).startswith(str(prefix) + "/"):
                outside.add(Path(m.group(2)))
    owners = _owners(outside)
    # libc and friends are in every Debian system; naming them changes nothing.
    eng.packages = sorted(set(owners.values()) - {"libc6", "libgcc-s1", "libstdc++6"})
    eng.host_libs = sorted(lib for lib in outside if lib not in owners)

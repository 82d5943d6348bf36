"""Does the engine load? `ldd` on the FreeSWITCH binary, libfreeswitch, every module ccctl's tree
loads (and mod_freetdm with its FreeTDM modules, fs_cli when present), then `freeswitch -version`.

Asked twice: of a prefix on the build host before anything is written (a library missing
there cannot be bundled), and inside the finished root filesystem (through chroot), where the
box's loader will look. Either way a missing library is one line naming it and the file that
needs it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .errors import BuildError

# Each file's ldd output under a header line; a file ldd cannot read gives no dependency.
LDD_SCRIPT = 'for f in "$@"; do echo "==> $f"; ldd "$f" 2>&1 || true; done'
# mod_freetdm and the FreeTDM modules it loads by name (I/O: zt is DAHDI; signalling: libpri,
# openr2, analog), each checked when the prefix has it.
EXTRA_MODULES = ("mod_freetdm", "ftmod_zt", "ftmod_libpri", "ftmod_r2", "ftmod_analog", "ftmod_analog_em")
EXTRA_BINARIES = ("fs_cli",)


def targets(root: Path, binary: str, mod_dir: str, modules) -> list[str]:
    """Paths (as seen inside ROOT) of what must load: the binary, the modules the tree loads
    and, when present, mod_freetdm, its ftmod_* modules and fs_cli. libfreeswitch is added from the binary's ldd."""
    inside = lambda p: root / str(p).lstrip("/")  # noqa: E731
    out = [binary]
    for m in list(modules) + [m for m in EXTRA_MODULES if inside(f"{mod_dir}/{m}.so").is_file()]:
        out.append(f"{mod_dir}/{m}.so")
    for b in EXTRA_BINARIES:
        p = str(Path(binary).parent / b)
        if inside(p).is_file():
            out.append(p)
    return out


def parse_ldd(output: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """file -> (libraries not found, {library: resolved path}) from LDD_SCRIPT's output."""
    report: dict[str, tuple[list[str], dict[str, str]]] = {}
    current = None
    for line in output.splitlines():
        if line.startswith("==> "):
            current = line[4:]
            report[current] = ([], {})
            continue
        if current is None:
            continue
        if m := re.match(r"\s*(\S+) => not found", line):
            report[current][0].append(m.group(1))
        elif m := re.match(r"\s*(\S+) => (/\S+)", line):
            report[current][1][m.group(1)] = m.group(2)
    return report


def needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of an ELF file (readelf), empty if it is not one."""
    r = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)


def _requester(root: Path, target: str, lib: str, resolved: dict[str, str]) -> str:
    """Which of TARGET and the libraries it loads names LIB itself (ldd lists a missing library
    of a dependency under every file that loads it)."""
    for candidate in [target, *resolved.values()]:
        if lib in needed(root / candidate.lstrip("/")):
            return candidate
    return target


def check(root: Path, files: list[str], *, chroot: bool, where: str) -> dict[str, str]:
    """ldd on FILES (paths inside ROOT); libfreeswitch, as the binary resolves it, is checked too.
    A library not found raises BuildError naming it and the file that needs it. Returns the
    resolved libraries of the first file (the binary)."""

    def ldd(paths: list[str]) -> dict:
        cmd = ["/bin/sh", "-c", LDD_SCRIPT, "ldd-check", *paths]
        if chroot:
            cmd = ["chroot", str(root), *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"ldd could not run {where}: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
        return parse_ldd(r.stdout)

    for f in files:
        if not (root / f.lstrip("/")).is_file():
            raise BuildError(f"the engine cannot load {where}: {f} is missing")
    report = ldd(files)
    resolved = report.get(files[0], ([], {}))[1]
    core = sorted(p for name, p in resolved.items() if name.startswith("libfreeswitch.so"))
    if core:
        report |= ldd(core)
    for target in core + files:
        missing, libs = report.get(target, ([], {}))
        if missing:
            lib = missing[0]
            raise BuildError(
                f"the engine cannot load {where}: {lib}, needed by {_requester(root, target, lib, libs)}, is not found"
            )
    return resolved


def version(root: Path, binary: str) -> str:
    """`freeswitch -version` inside ROOT: its version line, or BuildError."""
    r = subprocess.run(["chroot", str(root), binary, "-version"], capture_output=True, text=True)
    text = (r.stdout + r.stderr).strip()
    line = next((ln for ln in text.splitlines() if "version" in ln.lower()), text.splitlines()[0] if text else "")
    if r.returncode != 0 or "FreeSWITCH" not in text:
        raise BuildError(
            f"the engine does not start in the image: `{binary} -version` exit {r.returncode}: {line or 'no output'}"
        )
    return line.removeprefix("FreeSWITCH version: ").split(" ")[0]  # e.g. 1.10.12-release~64bit

"""Stage 3: what the roles install that is not a Debian package.

- the engine, when it comes from an installed prefix: copied to the same path inside the root
  filesystem (stripped; no headers, static libraries or sample configuration, whose default
  passwords must never reach a box), plus the host libraries no Debian package provides;
- ccctl and its Python dependencies as wheels (build/ccctl-wheels.tar), which the controlplane role
  installs into /opt/ccctl/venv without reaching PyPI from the box.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from .. import engine as engine_mod
from ..context import BuildContext


def run(ctx: BuildContext) -> str:
    notes = [_wheels(ctx)]
    if ctx.engine.kind == "prefix":
        notes.append(_bundle_prefix(ctx))
    return "; ".join(notes)


def _wheels(ctx: BuildContext) -> str:
    """Dependencies' wheels are cached by pyproject.toml; ccctl's own wheel is built every time."""
    pyproject = ctx.repo / "pyproject.toml"
    deps = ctx.cache / f"wheels-{hashlib.sha256(pyproject.read_bytes()).hexdigest()[:12]}"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    if not deps.is_dir():
        tmp = deps.with_name(deps.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        ctx.run(*pip, "wheel", "--wheel-dir", tmp, "-r", _requirements(ctx, pyproject))
        tmp.rename(deps)
        for old in ctx.cache.glob("wheels-*"):
            if old != deps:
                shutil.rmtree(old, ignore_errors=True)
    out = ctx.work / "wheels"
    shutil.copytree(deps, out)
    # The agent page's SIP library is vendored at build time (pinned, integrity-checked by npm).
    if not (ctx.repo / "ccctl" / "web" / "static" / "vendor" / "sip.js" / "VERSION").exists():
        ctx.run(str(ctx.repo / "scripts" / "vendor-js"))
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    src = ctx.work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ctx.repo / name, src / name)
    for package in ("ccctl", "tui"):  # every package pyproject.toml lists (the console too)
        shutil.copytree(ctx.repo / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    ctx.run(*pip, "wheel", "--no-deps", "--wheel-dir", out, src)
    shutil.rmtree(src)
    n = len(list(out.glob("*.whl")))
    ctx.artifacts["wheels"] = _pack(out, ctx.work / "ccctl-wheels.tar")
    shutil.rmtree(out)
    return f"{n} wheels"


def _pack(d: Path, tar_path: Path) -> Path:
    """One file for the role to copy (one transfer instead of one per wheel); the same wheels
    give the same bytes, so a second provisioning run changes nothing."""
    import tarfile

    with tarfile.open(tar_path, "w") as tar:
        for p in sorted(d.iterdir()):
            info = tar.gettarinfo(p, arcname=p.name)
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", 0o644
            with open(p, "rb") as f:
                tar.addfile(info, f)
    return tar_path


def _bundle_prefix(ctx: BuildContext) -> str:
    prefix = Path(ctx.engine.source)
    dest = ctx.rootfs / prefix.relative_to("/")
    (dest / "bin").mkdir(parents=True)
    for name in ("freeswitch", "fs_cli"):
        if (prefix / "bin" / name).is_file():
            shutil.copy2(prefix / "bin" / name, dest / "bin" / name)
    lib = dest / "lib"
    lib.mkdir()
    for p in (prefix / "lib").iterdir():
        if ".so" in p.name and (p.is_file() or p.is_symlink()):
            shutil.copy2(p, lib / p.name, follow_symlinks=False)
    # The modules at the same place as in the prefix (PREFIX/mod or PREFIX/lib/freeswitch/mod).
    mod_dir = Path(ctx.engine.mod_dir)
    shutil.copytree(mod_dir, dest / mod_dir.relative_to(prefix), ignore=shutil.ignore_patterns("*.la", "*.a"))
    for host_lib in ctx.engine.host_libs:
        shutil.copy2(host_lib, lib / host_lib.name)
    elves = [p for p in dest.rglob("*") if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"]
    ctx.run("strip", "--strip-unneeded", *elves)
    size = sum(p.stat().st_size for p in elves)
    ctx.notes["engine_bundled_bytes"] = str(size)
    note = (
        f"engine bundled from {prefix} ({size / 1e6:.0f} MB, {len(ctx.engine.packages)} Debian libraries, "
        f"{len(ctx.engine.host_libs)} host libraries)"
    )
    # Not refused: the box works without cards. Said where the build's result is read.
    if engine_mod.freetdm_truncates_numbers(prefix):
        ctx.notes["freetdm_truncates_numbers"] = "yes"
        note += "; WARNING: this FreeTDM cuts numbers over PRI spans to 7 digits (hardware/README.md)"
    return note


def _requirements(ctx: BuildContext, pyproject: Path) -> Path:
    """ccctl's runtime dependencies (and the PostgreSQL driver) as a requirements file."""
    import tomllib

    project = tomllib.loads(pyproject.read_text())["project"]
    req = ctx.work / "requirements.txt"
    req.write_text("\n".join(project["dependencies"] + project["optional-dependencies"]["postgres"]) + "\n")
    return req

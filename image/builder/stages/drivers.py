"""Stage 2: DAHDI's kernel modules for the kernel the image boots.

The bootstrap installed `dahdi-dkms` with the headers of the image's kernel, so dkms built the
modules inside the root filesystem, for that exact kernel (not the build host's). This stage
checks they are there (dahdi, the dynamic spans that prove a box without a card; the card
profiles' drivers dkms did not build are named in the summary) and, with the setting `dahdi = modules` (the default), removes
what only building needed: dkms, the compilers, the kernel headers. The built modules first become a package of their
own (dahdi-modules-KERNEL, under /lib/modules/KERNEL/updates/dahdi, providing dahdi-dkms for
Debian's dahdi-linux), then dkms and its copies go.

Why not keep DKMS by default: the box takes its kernel from the image (no unattended upgrade
installs another), so a new kernel arrives with a new image whose build makes new modules;
keeping dkms would cost the root filesystem the size this stage measures (`dahdi_dkms_bytes`
in build-summary.json) and put a compiler on every box. `dahdi = dkms` keeps it for boxes
whose owners upgrade the kernel with apt; `dahdi = none` builds an image without DAHDI.

Sizes measured here (build-summary.json notes): the root filesystem with DKMS, with the
modules only, and what DAHDI adds on top of an image without it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ccctl.hardware import profiles

from ..context import BuildContext
from ..errors import BuildError

# Always needed: the core, and the dynamic local spans a box without a card is proved with.
CORE_MODULES = ("dahdi", "dahdi_dynamic", "dahdi_dynamic_loc")
BUILD_ONLY = ("dahdi-dkms", "dkms")
# What dkms pulled in to compile, removed with it (apt's autoremove keeps some of them: a
# package the image keeps recommends them).
TOOLCHAIN = (
    "gcc",
    "gcc-12",
    "cpp",
    "cpp-12",
    "make",
    "libc6-dev",
    "linux-libc-dev",
    "libgcc-12-dev",
    "dpkg-dev",
    "patch",
    "binutils",
    "binutils-x86-64-linux-gnu",
    "gawk",
)
KEPT_DIR = "updates/dahdi"


def run(ctx: BuildContext) -> str:
    mode = ctx.settings.dahdi
    if mode == "none":
        return "no DAHDI (setting dahdi = none)"
    kernels = kernel_versions(ctx.rootfs)
    if not kernels:
        raise BuildError("no kernel in the root filesystem (/lib/modules is empty)")
    for k in kernels:
        _check_built(ctx.rootfs, k)
    _mark(ctx)
    with_dkms = tree_bytes(ctx.rootfs)
    ctx.notes["rootfs_with_dkms_bytes"] = str(with_dkms)
    note = f"DAHDI built for {', '.join(kernels)} ({len(built_modules(ctx.rootfs, kernels[0]))} modules)"
    if mode == "modules":
        removed = _drop_build_tools(ctx, kernels)
        without = tree_bytes(ctx.rootfs)
        ctx.notes["dahdi_dkms_bytes"] = str(with_dkms - without)
        note += f"; dkms, compilers and headers removed ({len(removed)} packages, {(with_dkms - without) / 1e6:.0f} MB)"
    else:
        # dkms signs what it builds with a key it makes; one made here would be every box's.
        for name in ("mok.key", "mok.pub"):
            (ctx.rootfs / "var/lib/dkms" / name).unlink(missing_ok=True)
        note += "; DKMS kept (rebuilds for a new kernel)"
    added = _dahdi_added_bytes(ctx, kernels)
    ctx.notes["dahdi_added_bytes"] = str(added)
    # Debian's dahdi-dkms 2.11 does not build every driver for every kernel (the wcxb-based
    # ones, wcaxx/wcte13xp/wcte43x, are left out on 6.1): named here, and `hardware apply`
    # refuses such a card (modprobe fails) with the previous spans kept.
    missing = sorted(set(profile_modules()) - set(built_modules(ctx.rootfs, kernels[0])))
    ctx.notes["dahdi_drivers_missing"] = ",".join(missing)
    note += f"; DAHDI adds {added / 1e6:.0f} MB"
    return note + (f"; not built: {', '.join(missing)}" if missing else "")


def kernel_versions(root: Path) -> list[str]:
    d = root / "lib/modules"
    return sorted(p.name for p in d.iterdir() if (p / "kernel").is_dir()) if d.is_dir() else []


def built_modules(root: Path, kernel: str) -> dict[str, Path]:
    """DAHDI's modules under /lib/modules/KERNEL/updates (dkms's folder or ours): name -> file."""
    out = {}
    for p in sorted((root / "lib/modules" / kernel / "updates").rglob("*.ko*")):
        out[re.sub(r"\.ko(\.\w+)?$", "", p.name)] = p
    return out


def profile_modules() -> list[str]:
    """The kernel module of every card profile that has one in Debian's DAHDI."""
    names = set()
    for fam in profiles.families():
        for card in fam.cards:
            m = card.module or fam.module
            if m and fam.bus != "virtual":
                names.add(m)
    return sorted(names)


def tree_bytes(root: Path) -> int:
    """Bytes of the regular files under ROOT (hard links once), as the disk stage counts them."""
    seen, total = set(), 0
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            st = os.lstat(os.path.join(dirpath, f))
            if (st.st_mode & 0o170000) == 0o100000 and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def _check_built(root: Path, kernel: str) -> None:
    have = built_modules(root, kernel)
    for m in CORE_MODULES:
        if m not in have:
            log = sorted((root / "var/lib/dkms/dahdi").glob(f"*/{kernel}/*/log/make.log"))
            tail = log[-1].read_text(errors="replace").strip().splitlines()[-5:] if log else []
            raise BuildError(
                f"dkms did not build {m}.ko for the image's kernel {kernel}" + "".join("\n" + t for t in tail)
            )


def _chroot(ctx: BuildContext, *cmd: str) -> str:
    return ctx.run("chroot", ctx.rootfs, *cmd, env={"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"})


def _drop_build_tools(ctx: BuildContext, kernels: list[str]) -> list[str]:
    root = ctx.rootfs
    for k in kernels:
        _install_module_package(ctx, k)
    installed = _installed(ctx)
    headers = [p for p in installed if p.startswith(("linux-headers-", "linux-kbuild-"))]
    tools = [p for p in TOOLCHAIN if p in installed]
    # apt's simulation names everything that goes (and what only those needed); then exactly
    # that list is purged, after checking it holds nothing the image needs.
    sim = _chroot(ctx, "apt-get", "-s", "purge", "--autoremove", *BUILD_ONLY, *headers, *tools)
    removed = re.findall(r"^Purg (\S+)", sim, re.M)
    wanted = sorted(set(removed) & _keep(ctx))
    if wanted:
        raise BuildError(f"removing dkms would remove {wanted[0]}, which the image needs")
    _chroot(ctx, "apt-get", "purge", "-y", *removed)
    # dkms's own removal cannot run in a chroot without /proc: its copies go here.
    shutil.rmtree(root / "var/lib/dkms", ignore_errors=True)
    for k in kernels:
        shutil.rmtree(root / "lib/modules" / k / "updates/dkms", ignore_errors=True)
    for k in kernels:
        _chroot(ctx, "depmod", "-a", k)
        have = built_modules(root, k)
        for m in CORE_MODULES:
            if m not in have or KEPT_DIR not in str(have[m]):
                raise BuildError(f"{m}.ko for {k} was lost while dkms was removed")
    return removed


def _install_module_package(ctx: BuildContext, kernel: str) -> None:
    """The modules dkms built, as a package of their own (dahdi-modules-KERNEL, like
    module-assistant's): dpkg knows their files, and it provides dahdi-dkms, which Debian's
    dahdi-linux depends on (dahdi-dkms | dahdi-source), so dkms can go and the tools stay."""
    version = next(
        iter(
            sorted(p.name for p in (ctx.rootfs / "var/lib/dkms/dahdi").iterdir() if p.is_dir() and p.name[0].isdigit())
        ),
        "0",
    )
    name = f"dahdi-modules-{kernel}"
    pkg = ctx.work / name
    dest = pkg / "lib/modules" / kernel / KEPT_DIR
    dest.mkdir(parents=True)
    for p in built_modules(ctx.rootfs, kernel).values():
        shutil.copy2(p, dest / p.name)
    (pkg / "DEBIAN").mkdir()
    (pkg / "DEBIAN/control").write_text(
        f"Package: {name}\nVersion: 1:{version}-ccctl1\nArchitecture: amd64\nSection: kernel\nPriority: optional\n"
        "Maintainer: call-center appliance image build <root@localhost>\n"
        "Provides: dahdi-dkms\n"
        f"Description: DAHDI kernel modules for Linux {kernel}\n"
        " Built by dkms from dahdi-dkms when the image was built, for the kernel it boots.\n"
    )
    for script in ("postinst", "postrm"):
        f = pkg / "DEBIAN" / script
        f.write_text(f"#!/bin/sh\nset -e\n[ -d /lib/modules/{kernel} ] && depmod -a {kernel} || true\n")
        f.chmod(0o755)
    deb = ctx.rootfs / "tmp" / f"{name}.deb"
    ctx.run("dpkg-deb", "--root-owner-group", "-Zxz", "--build", pkg, deb)
    try:
        _chroot(ctx, "dpkg", "-i", f"/tmp/{deb.name}")
    finally:
        deb.unlink(missing_ok=True)
        shutil.rmtree(pkg, ignore_errors=True)


def _keep(ctx: BuildContext) -> set[str]:
    """What the image needs: the packages the bootstrap was asked for (but the build-only
    ones unless DKMS is kept), DAHDI's tools, and every package Debian ranks required or important."""
    from .bootstrap import package_list

    build_only = set(BUILD_ONLY) | {ctx.settings.kernel.replace("linux-image-", "linux-headers-", 1)}
    keep = set(package_list(ctx)) - (build_only if ctx.settings.dahdi == "modules" else set())
    r = subprocess.run(
        ["chroot", str(ctx.rootfs), "dpkg-query", "-W", "-f", "${Package} ${Priority}\\n"],
        capture_output=True,
        text=True,
    )
    for line in r.stdout.splitlines():
        name, _, prio = line.partition(" ")
        if prio in ("required", "important"):
            keep.add(name)
    return keep


def _mark(ctx: BuildContext) -> None:
    """apt's marks made to say what the image wants: the bootstrap leaves them as mmdebstrap
    set them (DAHDI's tools came out as automatically installed, so removing dkms would take
    them along). Wanted packages manual, the rest automatic: then an autoremove (apt's
    simulation here, or an administrator's later) removes only what nothing wanted needs."""
    keep = _keep(ctx)
    installed = _installed(ctx)
    manual = [p for p in installed if p in keep]
    auto = [p for p in installed if p not in keep]
    if manual:
        _chroot(ctx, "apt-mark", "manual", *manual)
    if auto:
        _chroot(ctx, "apt-mark", "auto", *auto)


def _installed(ctx: BuildContext) -> list[str]:
    r = subprocess.run(
        ["chroot", str(ctx.rootfs), "dpkg-query", "-W", "-f", "${Package}\\n"], capture_output=True, text=True
    )
    return r.stdout.split()


def _dahdi_added_bytes(ctx: BuildContext, kernels: list[str]) -> int:
    """What the DAHDI tools and the packages only they need take, plus the modules: what an
    image built with dahdi = none would not have (apt's simulation, nothing removed)."""
    sim = _chroot(ctx, "apt-get", "-s", "purge", "--autoremove", "dahdi", "dahdi-linux")
    pkgs = re.findall(r"^Purg (\S+)", sim, re.M)
    total = 0
    if pkgs:
        r = subprocess.run(
            ["chroot", str(ctx.rootfs), "dpkg-query", "-W", "-f", "${Installed-Size}\\n", *pkgs],
            capture_output=True,
            text=True,
        )
        total += sum(int(x) for x in r.stdout.split() if x.isdigit()) * 1024
    for k in kernels:
        total += sum(p.stat().st_size for p in built_modules(ctx.rootfs, k).values())
    return total

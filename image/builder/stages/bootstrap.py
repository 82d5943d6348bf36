"""Stage 1: a Debian 12 root filesystem with every package the roles need, from mmdebstrap.

The result is cached as a tarball named by a hash of its inputs (suite, mirror, package list,
engine packages), so a second build with nothing changed skips the download entirely. The
cache keeps the CACHE_KEEP configurations used last (with and without the engine, say), as long
as they fit in CACHE_MAX_BYTES together; the one in use is always kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ccctl.freeswitch import runtime
from ccctl.freeswitch.install import vendor

from ..context import BuildContext

# What the roles use; they only configure (no downloads while the roles run).
BASE_PACKAGES = [
    "systemd-sysv",
    "udev",
    "dbus",
    "initramfs-tools",
    "zstd",
    "kmod",
    "openssh-server",
    "sudo",
    "python3",
    "python3-venv",
    "python3-apt",
    "python3-systemd",
    "locales",
    "tzdata",
    "systemd-timesyncd",
    "iproute2",
    "netbase",
    "ca-certificates",
    "less",
    "procps",
    "nftables",
    "fail2ban",
    "espeak-ng",
    "sox",
    "libsox-fmt-base",
    "libsox-fmt-mp3",
    # A fleet's edge and database (ansible/image.yml keeps them off until a box has the role).
    "kamailio",
    "kamailio-postgres-modules",
    "postgresql",
]


CACHE_KEEP = 3
CACHE_MAX_BYTES = 6 * 1024**3


def dahdi_packages(s) -> list[str]:
    """DAHDI's tools and udev rules, and (but with dahdi = none) its drivers' sources with the
    headers of the image's kernel: dkms builds the modules while the packages are installed, so
    the cached tarball already holds them (the drivers stage checks, and may drop the compilers)."""
    if s.dahdi == "none":
        return []
    return ["dahdi", "dahdi-dkms", s.kernel.replace("linux-image-", "linux-headers-", 1)]


def package_list(ctx: BuildContext) -> list[str]:
    s = ctx.settings
    # The engine's runtime (its allocator) even without an engine: `ccctl engine install` adds
    # one later, and the freeswitch role installs it on every machine.
    engine = ctx.engine.packages + list(runtime.PACKAGES)
    return sorted(set(BASE_PACKAGES + [s.kernel] + list(s.extra_packages) + engine + dahdi_packages(s)))


def cache_key(ctx: BuildContext) -> str:
    s = ctx.settings
    data = {
        "v": 1,
        "suite": s.suite,
        "mirror": s.mirror,
        "security": s.security_mirror,
        "packages": package_list(ctx),
        "engine": ctx.engine.fingerprint,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def tarball(ctx: BuildContext) -> Path:
    return ctx.cache / f"bootstrap-{cache_key(ctx)}.tar"


def run(ctx: BuildContext) -> str:
    tar = tarball(ctx)
    if not tar.is_file():
        _bootstrap(ctx, tar)
        note = f"bootstrapped ({len(package_list(ctx))} packages)"
    else:
        os.utime(tar)  # used last: kept longest
        note = f"reused cache {tar.name}"
    ctx.rootfs.mkdir()
    ctx.run("tar", "-C", ctx.rootfs, "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", tar)
    return note


def _bootstrap(ctx: BuildContext, tar: Path) -> None:
    s = ctx.settings
    partial = tar.with_name(f".{tar.name}.partial")
    args = [
        "mmdebstrap",
        "--variant=minbase",
        "--mode=root",
        "--format=tar",
        '--aptopt=APT::Install-Recommends "false"',
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-include=/usr/share/doc/*/copyright",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/info/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-include=/usr/share/locale/locale.alias",
        "--include=" + ",".join(package_list(ctx)),
        # The kernel's own hook makes the initramfs; no need for the /vmlinuz links.
        "--essential-hook=echo 'do_symlinks = no' > \"$1\"/etc/kernel-img.conf",
    ]
    mirrors = [f"deb {s.mirror} {s.suite} main", f"deb {s.mirror} {s.suite}-updates main"]
    if s.security_mirror:
        mirrors.append(f"deb {s.security_mirror} {s.suite}-security main")
    if ctx.engine.kind == "token":
        mirrors.append(_vendor_source(ctx, args))
    args += [s.suite, str(partial), *mirrors]
    try:
        ctx.run(*args)
        os.replace(partial, tar)
    finally:
        partial.unlink(missing_ok=True)
    prune_cache(ctx.cache, tar)


def prune_cache(cache: Path, current: Path, keep: int = CACHE_KEEP, max_bytes: int = CACHE_MAX_BYTES) -> list[Path]:
    """Remove the bootstrap tarballs used longest ago beyond KEEP of them or MAX_BYTES in all;
    CURRENT stays whatever its size. Returns what was removed."""
    others = sorted(
        (p for p in cache.glob("bootstrap-*.tar") if p != current), key=lambda p: p.stat().st_mtime, reverse=True
    )
    total = current.stat().st_size if current.exists() else 0
    kept, removed = 1, []
    for p in others:
        size = p.stat().st_size
        if kept < keep and total + size <= max_bytes:
            kept += 1
            total += size
        else:
            p.unlink()
            removed.append(p)
    return removed


def _vendor_source(ctx: BuildContext, args: list[str]) -> str:
    """The vendor's apt repository, reached with the token only while bootstrapping: the token
    file is removed before the root filesystem is packed."""
    from ccctl.errors import InvalidInput

    from ..errors import BuildError

    token = ctx.settings.signalwire_token
    keyring = ctx.work / Path(vendor.KEYRING).name
    try:
        keyring.write_bytes(vendor.fetch_keyring(token))
    except InvalidInput as exc:
        raise BuildError(f"setting signalwire_token: {exc}") from None
    auth = ctx.work / Path(vendor.AUTH_FILE).name
    auth.write_text(vendor.auth_text(token))
    auth.chmod(0o600)
    args += [
        f'--setup-hook=mkdir -p "$1"{Path(vendor.AUTH_FILE).parent} "$1"{Path(vendor.KEYRING).parent}',
        f"--setup-hook=copy-in {auth} {Path(vendor.AUTH_FILE).parent}/",
        f"--setup-hook=copy-in {keyring} {Path(vendor.KEYRING).parent}/",
        f'--customize-hook=rm -f "$1"{vendor.AUTH_FILE}',
    ]
    return vendor.source_line(ctx.settings.suite).strip()

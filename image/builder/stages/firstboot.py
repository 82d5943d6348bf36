"""Stage 5: the image leaves the build with nothing that identifies or protects one box.

The first-boot units (ansible/roles/firstboot) are enabled by the roles; here every host key,
machine id, database, log and cache the build left behind is removed, and the result is
checked: no secret, no default password.
"""

from __future__ import annotations

import shutil

from ..context import BuildContext
from ..errors import BuildError

DEFAULT_PASSWORDS = (b"ClueCon", b"default_password=1234")


SCHEMA_DB = "usr/share/ccctl/schema.db"


def run(ctx: BuildContext) -> str:
    root = ctx.rootfs
    kept = _check_schema(root)
    removed = 0
    for pattern in (
        "etc/ssh/ssh_host_*",
        "var/lib/ccctl/*",
        "etc/freeswitch*",
        "var/lib/dbus/machine-id",
        "var/lib/systemd/random-seed",
        "var/lib/apt/lists/*",
        "var/cache/apt/*.bin",
        "var/cache/apt/archives/*.deb",
        "var/log/journal/*",
        "root/.ansible",
        "tmp/*",
        "var/tmp/*",
        "etc/default/ccctl.local",
        "var/lib/ccctl/firstboot.done",
        "var/lib/freeswitch/certs/*",
    ):
        for p in root.glob(pattern):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed += 1
    # systemd makes a new machine id (and treats the boot as the first) when the file is empty.
    (root / "etc/machine-id").write_text("")
    for name in ("ccctl-firstboot.service", "ccctl-firstboot-keys.service"):
        if not (root / "etc/systemd/system/multi-user.target.wants" / name).is_symlink():
            raise BuildError(f"first boot unit {name} is not enabled in the image")
    _check_no_default_password(ctx)
    return f"{removed} generated files removed; first-boot units armed" + ("; empty schema kept" if kept else "")


def _check_schema(root) -> bool:
    """The empty migrated database the firstboot role made for the first boot to copy (so the
    box runs no migration under Python at its first boot): checkpointed into one file, and
    refused if any table has a row (a secret could be in it)."""
    import sqlite3

    db = root / SCHEMA_DB
    if not db.is_file():
        return False
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # folds the WAL in; the box sets WAL again
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        full = [t for t in tables if t != "alembic_version" and con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]
    finally:
        con.close()
    if full:
        raise BuildError(f"/{SCHEMA_DB} must be empty, but table {full[0]} has rows")
    db.chmod(0o644)
    return True


def _check_no_default_password(ctx: BuildContext) -> None:
    for top in ("etc", "opt", "var/lib", "usr/local"):
        base = ctx.rootfs / top
        for p in base.rglob("*"):
            # A library's README (greenswitch's examples use FreeSWITCH's sample password) is
            # documentation, not configuration.
            if (
                ".dist-info" in p.parts[-2]
                or not p.is_file()
                or p.is_symlink()
                or p.suffix in (".so", ".pyc", ".whl")
                or p.stat().st_size > 2_000_000
            ):
                continue
            data = p.read_bytes()
            if data[:4] == b"\x7fELF":  # compiled-in client defaults (fs_cli) are not configuration
                continue
            for bad in DEFAULT_PASSWORDS:
                if bad in data:
                    raise BuildError(f"default password {bad.decode()!r} found in /{p.relative_to(ctx.rootfs)}")

"""`image/build`: build the appliance image, or print the resolved settings."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import engine as engine_mod
from . import estimate, hosttools, loadcheck
from . import settings as settings_mod
from .context import BuildContext
from .errors import BuildError
from .stages import STAGES


def _parser() -> argparse.ArgumentParser:
    doc = "\n".join(f"  {name:<18} {text}" for name, text in settings_mod.ImageSettings.documentation().items())
    p = argparse.ArgumentParser(
        prog="image/build",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build the call-center appliance image from Debian 12 into build/: NAME.raw "
        "(dd onto a disk; boots BIOS and UEFI), NAME.qcow2 and NAME.box (Vagrant, libvirt).\n"
        "Stages: " + " -> ".join(n for n, _ in STAGES) + ".",
        epilog="settings (image/image.toml; environment CC_IMAGE_<NAME>, and FREESWITCH_DEBS, "
        "SIGNALWIRE_TOKEN, FREESWITCH_PREFIX):\n" + doc,
    )
    p.add_argument("--settings", type=Path, help="Settings file (default: image/image.toml).")
    p.add_argument("--print-config", action="store_true", help="Print the resolved settings and exit.")
    p.add_argument("--json", action="store_true", help="With --print-config: as JSON on stdout.")
    return p


def _resolve_paths(s: settings_mod.ImageSettings) -> settings_mod.ImageSettings:
    """Paths the user gave are relative to where they ran the build."""
    from dataclasses import replace

    changes = {}
    for name in ("admin_ssh_key", "freeswitch_debs", "freeswitch_prefix"):
        v = getattr(s, name)
        if v:
            changes[name] = str(Path(v).expanduser().absolute())
    return replace(s, **changes)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True)
    try:
        s = _resolve_paths(settings_mod.load(args.settings))
        eng = engine_mod.resolve(s)
        if args.print_config:
            cfg = s.as_dict() | {"engine": eng.describe(), "stages": [n for n, _ in STAGES]}
            if args.json:
                print(json.dumps(cfg, indent=2))
            else:
                for k, v in cfg.items():
                    print(f"{k} = {v}")
            return 0
        check_disk_size(s, eng)
        check_prefix_loads(eng)
        if os.geteuid() != 0:
            raise BuildError("the image build needs root (mmdebstrap, chroot): run it with sudo")
        hosttools.check()
        engine_mod.resolve_libraries(eng)
        return build(s, eng, Console(stderr=True))
    except BuildError as exc:
        # The message is text, not markup (it may hold "[/path]", as ansible's host names).
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("[bold red]error:[/] interrupted")
        return 130


def check_disk_size(s: settings_mod.ImageSettings, eng) -> None:
    """A disk too small for the root filesystem is refused before anything is downloaded."""
    from .stages.disk import disk_needed

    size, how = estimate.rootfs_bytes(s, eng)
    if s.disk_bytes < disk_needed(size):
        raise BuildError(
            f"setting disk_size: {s.disk_size} is too small: the root filesystem "
            f"({size / 1024**3:.1f}G, {how}) needs a disk of at least "
            f"{-(-disk_needed(size) * 10 // 1024**3) / 10:.1f}G"
        )


def check_prefix_loads(eng) -> None:
    """A prefix that does not load on this host cannot be bundled into one that loads."""
    if eng.kind != "prefix":
        return
    root = Path("/")
    try:
        loadcheck.check(
            root,
            loadcheck.targets(root, eng.binary, eng.mod_dir, engine_mod.MODULES),
            chroot=False,
            where="on this host",
        )
    except BuildError as exc:
        raise BuildError(f"setting freeswitch_prefix: {exc}") from None


SOURCES = ("FREESWITCH_DEBS", "SIGNALWIRE_TOKEN", "FREESWITCH_PREFIX")


def no_engine_warning(env=os.environ) -> str:
    text = (
        "[bold yellow]WARNING: no FreeSWITCH source (FREESWITCH_DEBS, SIGNALWIRE_TOKEN or "
        "FREESWITCH_PREFIX): the image is built WITHOUT the engine.[/]\n"
        "[yellow]On the box, the control plane runs; install the engine later from .debs "
        "or the vendor's repository.[/]"
    )
    if env.get("SUDO_USER") and not any(env.get(k) for k in SOURCES):
        prefix = "/opt/freeswitch" if Path("/opt/freeswitch/bin/freeswitch").is_file() else "/path/to/prefix"
        text += (
            "\n[yellow]Run through sudo, whose environment does not keep these settings: pass them "
            f"along, e.g. `sudo FREESWITCH_PREFIX={prefix} make image` (or `sudo -E make image`).[/]"
        )
    return text


def build(s: settings_mod.ImageSettings, eng, console: Console) -> int:
    out = s.output_dir
    out.mkdir(parents=True, exist_ok=True)
    ctx = BuildContext(settings=s, engine=eng, console=console, out=out, work=out / ".work", cache=out / "cache")
    ctx.cache.mkdir(exist_ok=True)
    ctx.reset_work()
    ctx.log.write_text(f"image build {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    if not eng.included:
        console.print(no_engine_warning())
    else:
        console.print(f"FreeSWITCH: {eng.describe()}")
    started = time.monotonic()
    timings = []
    ok = False
    try:
        for name, stage in STAGES:
            t0 = time.monotonic()
            with console.status(f"[bold]{name}[/] ..."):
                note = stage(ctx) or ""
            dt = time.monotonic() - t0
            timings.append((name, dt, note))
            console.print(f"[green]✓[/] {name:<10} {dt:6.1f} s  {note}")
            with open(ctx.log, "a") as log:
                log.write(f"\n== {name} done in {dt:.1f} s: {note}\n")
        _publish(ctx)
        ok = True
    finally:
        # The log of the good build in build/ is replaced only by another good build's.
        if ctx.log.is_file():
            os.replace(ctx.log, ctx.final_log if ok else ctx.failed_log)
        if ok:
            ctx.failed_log.unlink(missing_ok=True)
        shutil.rmtree(ctx.work, ignore_errors=True)
    total = time.monotonic() - started
    _summary(ctx, timings, total)
    return 0


def _publish(ctx: BuildContext) -> None:
    """Rename each finished artifact into build/: a reader never sees a half-written one."""
    for name, path in ctx.artifacts.items():
        dest = ctx.out / path.name
        if dest.is_dir() and not dest.is_symlink():
            trash = ctx.work / f"old-{path.name}"
            os.rename(dest, trash)
        os.replace(path, dest)
        ctx.artifacts[name] = dest


def _size(p: Path) -> tuple[int, int]:
    if p.is_dir():
        total = 0
        for f in p.rglob("*"):
            if f.is_file() and not f.is_symlink():
                total += f.lstat().st_size
        return total, total
    st = p.stat()
    return st.st_size, st.st_blocks * 512


def _summary(ctx: BuildContext, timings, total: float) -> None:
    version = ctx.notes.get("engine_version")
    t = Table(
        title=f"image built in {total:.0f} s (engine: {ctx.engine.describe()}"
        f"{', FreeSWITCH ' + version if version else ''})"
    )
    t.add_column("artifact")
    t.add_column("path")
    t.add_column("size", justify="right")
    t.add_column("on disk", justify="right")
    for name, path in ctx.artifacts.items():
        size, used = _size(path)
        t.add_row(
            name,
            str(path.relative_to(ctx.out.parent) if path.is_relative_to(ctx.out.parent) else path),
            f"{size / 1e6:,.0f} MB",
            f"{used / 1e6:,.0f} MB",
        )
    s = ctx.settings
    if s.admin_ssh_key:  # the private half is the owner's, wherever they keep it
        key = None
        login = f"log in as {s.admin_user} (SSH key only, sudo) with the private key of {s.admin_ssh_key}"
    else:
        key = ctx.out / "keys" / "admin_ed25519"
        shown = key.relative_to(ctx.out.parent) if key.is_relative_to(ctx.out.parent) else key
        t.add_row(f"key of {s.admin_user}", str(shown), "", "")
        login = f"log in as {s.admin_user} (SSH key only, sudo): ssh -i {shown} {s.admin_user}@BOX"
    t.caption = login
    ctx.console.print(t)
    times = {n: round(dt, 1) for n, dt, _ in timings} | {"total": round(total, 1)}
    summary = {
        "seconds": times,
        "engine": ctx.engine.describe(),
        "artifacts": {
            n: {"path": str(p), "bytes": _size(p)[0], "allocated": _size(p)[1]} for n, p in ctx.artifacts.items()
        },
        "admin": {"user": s.admin_user, "private_key": str(key) if key else None},
        "notes": ctx.notes,
    }
    (ctx.out / "build-summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())

"""Image benchmark: cold and warm build time, artifact sizes, boot-to-SSH and boot-to-ready
under software emulation (qemu TCG, as on machines where KVM does not run stock kernels).

Figures, not pass/fail: `python bench/image.py [--out DIR] [--no-cold] [--boots N] [--json]`.
A cold build starts from an empty output directory (the bootstrap downloads every package);
the warm build that follows reuses its bootstrap cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(out: Path) -> dict:
    env = {**os.environ, "CC_IMAGE_OUTPUT": str(out)}
    t0 = time.monotonic()
    subprocess.run([str(ROOT / "image" / "build")], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    summary = json.loads((out / "build-summary.json").read_text())
    notes = summary.get("notes", {})
    return {
        "wall_seconds": round(wall, 1),
        "stages": summary["seconds"],
        "engine": summary["engine"],
        "engine_version": notes.get("engine_version"),
        "rootfs_mb": round(int(notes.get("rootfs_bytes", 0)) / 1e6),
        "engine_bundled_mb": round(int(notes.get("engine_bundled_bytes", 0)) / 1e6),
        "sizes_mb": {k: round(v["bytes"] / 1e6) for k, v in summary["artifacts"].items()},
        "allocated_mb": {k: round(v["allocated"] / 1e6) for k, v in summary["artifacts"].items()},
    }


def boot(out: Path, firmware: str) -> dict:
    from ccctl.testing.vm import VM

    with tempfile.TemporaryDirectory() as d:
        vm = VM(out / "callcenter.qcow2", Path(d), out / "keys" / "admin_ed25519", "admin", firmware)
        vm.start()
        try:
            ssh = vm.wait_ssh()
            ready = vm.wait_ready()
            # What the box itself says about its boot (kernel + userspace).
            analyze = vm.ssh("systemd-analyze", check=False).stdout.strip().splitlines()[:1]
            # Where the time goes: the slowest units (the first boot's Python step leads).
            blame = vm.ssh("systemd-analyze blame | head -5", check=False).stdout.split("\n")
        finally:
            vm.stop()
    return {
        "firmware": firmware,
        "ssh_seconds": round(ssh, 1),
        "ready_seconds": round(ready, 1),
        "systemd_analyze": analyze[0] if analyze else "",
        "blame": [b.strip() for b in blame if b.strip()],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out", type=Path, help="Build directory (default: a new temporary one, so the first build is cold)."
    )
    ap.add_argument("--no-cold", action="store_true", help="Skip the cold build (use --out's cache).")
    ap.add_argument("--boots", type=int, default=1, help="BIOS boots to time (plus one UEFI boot).")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = args.out or Path(
        tempfile.mkdtemp(prefix="cc-image-bench-", dir=ROOT / "build" if (ROOT / "build").is_dir() else None)
    )
    res = {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    if not args.no_cold:
        res["cold"] = build(out)
    res["warm"] = build(out)
    res["boots"] = [boot(out, "bios") for _ in range(args.boots)] + [boot(out, "uefi")]
    if args.json:
        print(json.dumps(res, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(
        title=f"image figures ({res['cpus']} CPUs, load {res['load_before']:.1f}; engine: {res['warm']['engine']})"
    )
    t.add_column("figure")
    t.add_column("value", justify="right")
    for kind in ("cold", "warm"):
        if kind in res:
            t.add_row(f"{kind} build", f"{res[kind]['wall_seconds']:.0f} s")
    t.add_row("root filesystem", f"{res['warm']['rootfs_mb']} MB (engine {res['warm']['engine_bundled_mb']} MB)")
    for name, mb in res["warm"]["sizes_mb"].items():
        if name in ("raw", "qcow2", "box"):
            t.add_row(f"{name} size", f"{mb} MB ({res['warm']['allocated_mb'][name]} MB allocated)")
    for b in res["boots"]:
        t.add_row(f"{b['firmware']} boot to SSH / ready", f"{b['ssh_seconds']:.0f} s / {b['ready_seconds']:.0f} s")
    Console().print(t)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "image.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()

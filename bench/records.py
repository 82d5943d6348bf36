"""Records benchmark: recordings purge speed and backup/restore time. Figures, not pass/fail.

- purge: N recording files (tiny, in a temporary folder) indexed, half of them past their
  tenant's retention and a tenth of those under legal hold; timed: the first scan, a dry run,
  the purge itself (files/s).
- backup: a 1,000-tenant box of 50 seats each (50,000 seats, from bench/render.py) plus call
  rows; timed: `backup` and `restore` into a new SQLite database (and the archive's size).

`python bench/records.py [--files 100000] [--tenants 1000] [--calls 100000] [--json]`
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_purge(n: int) -> dict:
    from ccctl import app
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.recordings import index, purge
    from ccctl.settings import Settings

    with tempfile.TemporaryDirectory() as d:
        ctx = app.open(Settings(db=f"{d}/bench.db", fs_recordings_dir=Path(d) / "rec", fs_deploy="off"))
        tenants = [f"t{i:02d}" for i in range(10)]
        apply_tenants(ctx, [s.Tenant(name=t, recording=s.Recording(mode="all", retention_days=30)) for t in tenants])
        now = time.time()
        for i in range(n):
            t = tenants[i % 10]
            folder = Path(d) / "rec" / t / f"2026-{i % 12 + 1:02d}-01"
            if i < 120:
                folder.mkdir(parents=True, exist_ok=True)
            p = folder / f"call-{i:07d}.wav"
            p.write_bytes(b"RIFF0000")
            age = (40 if i % 2 else 10) * 86400
            os.utime(p, (now - age, now - age))
        t0 = time.perf_counter()
        index.scan(ctx)
        t_scan = time.perf_counter() - t0
        held = [f"call-{i:07d}" for i in range(1, n, 20)]  # a tenth of the due ones
        with ctx.engine.begin() as conn:
            from sqlalchemy import update

            R = index.R
            for k in range(0, len(held), 500):
                conn.execute(update(R).where(R.c.call_uuid.in_(held[k : k + 500])).values(held=True))
        t0 = time.perf_counter()
        dry = purge.purge(ctx, dry_run=True, refresh=False)
        t_dry = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = purge.purge(ctx, refresh=False)
        t_purge = time.perf_counter() - t0
        ctx.engine.dispose()
    return {
        "index_rows": n,
        "scan_s": round(t_scan, 2),
        "scan_files_per_s": round(n / t_scan),
        "due": dry["files"],
        "held_kept": done["held"],
        "dry_run_s": round(t_dry, 2),
        "purged": done["files"],
        "purge_s": round(t_purge, 2),
        "purge_files_per_s": round(done["files"] / t_purge),
    }


def bench_backup(n_tenants: int, n_calls: int) -> dict:
    from bench.render import make_tenants
    from ccctl import app
    from ccctl.box import backup
    from ccctl.config.write import apply_tenants
    from ccctl.daemon.store import write_rows
    from ccctl.db import open_engine
    from ccctl.settings import Settings
    from ccctl.testing.rows import call

    with tempfile.TemporaryDirectory() as d:
        ctx = app.open(Settings(db=f"{d}/box.db", fs_deploy="off"))
        apply_tenants(ctx, make_tenants(n_tenants))
        for k in range(0, n_calls, 5000):
            write_rows(
                ctx.engine,
                [
                    call(f"c{i}", f"t{i % n_tenants:05d}", "inbound", 1_795_000_000.0 + i, 60)
                    for i in range(k, min(k + 5000, n_calls))
                ],
                [],
            )
        archive = Path(d) / "box.ccbackup"
        t0 = time.perf_counter()
        r = backup.backup(ctx.engine, archive)
        t_backup = time.perf_counter() - t0
        engine = open_engine(f"sqlite:///{d}/restored.db", migrate=False)
        t0 = time.perf_counter()
        backup.restore(engine, archive)
        t_restore = time.perf_counter() - t0
        engine.dispose()
        ctx.engine.dispose()
    return {
        "seats": n_tenants * 50,
        "calls": n_calls,
        "rows": r["rows"],
        "archive_mb": round(r["bytes"] / 1e6, 1),
        "backup_s": round(t_backup, 2),
        "restore_s": round(t_restore, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = {"purge": bench_purge(a.files), "backup": bench_backup(a.tenants, a.calls)}
    print(json.dumps(out, indent=2) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()

"""CLI start-up and listing benchmark: wall time of `ccctl` as a script or a person runs it.

Figures, not pass/fail (targets from issue 13: under 0.15 s for --version and --help, under
0.4 s for a list on a small site, a 10,000-row table within 1.5x of the same list as JSON).
Each figure is the best of N runs of a fresh process: `python bench/cli.py [--runs 3] [--json]`.
`--source DIR` times the ccctl of another checkout (e.g. `git archive main | tar -x -C DIR`)
with this one's Python packages, for a before/after under the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LAUNCH = "import sys; sys.argv[0] = 'ccctl'; from ccctl.cli.main import run; run()"


def _populate(db: str, seats: int) -> None:
    from ccctl import app
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings

    ctx = app.open(Settings(db=db, fs_deploy="off"))
    big = s.Tenant(
        name="big",
        seat_limit=seats,
        seats=[
            s.Seat(extension=str(100000 + i), name=f"Agent number {i} 坐席", skills={"sales": 1 + i % 10})
            for i in range(seats)
        ],
    )
    apply_tenants(ctx, [big])


def _best(args: list[str], env: dict, runs: int, cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the fastest of RUNS: CPU time is the steadier figure on a
    machine shared with other work."""
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # run outside any checkout: `python -c` puts the working directory first on sys.path
        r = subprocess.run(
            [sys.executable, "-c", LAUNCH, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if r.returncode != 0:
            raise SystemExit(f"ccctl {' '.join(args)} failed: {r.stderr.decode()[-500:]}")
        best = (min(best[0], wall), min(best[1], cpu))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seats", type=int, default=10000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--source", type=Path, default=ROOT, help="the checkout whose ccctl to time")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        small, big = f"{d}/small.db", f"{d}/big.db"
        base = {**os.environ, "CCCTL_FS_DEPLOY": "off", "COLUMNS": "80", "PYTHONPATH": str(a.source)}
        subprocess.run(
            [sys.executable, "-c", LAUNCH, "apply", "-f", str(ROOT / "examples" / "site.yaml")],
            env={**base, "CCCTL_DB": small},
            check=True,
            capture_output=True,
            cwd=d,
        )
        _populate(big, a.seats)
        figures = {
            "--version": _best(["--version"], base, a.runs, d),
            "--help": _best(["--help"], base, a.runs, d),
            "seat list (example site)": _best(["seat", "list"], {**base, "CCCTL_DB": small}, a.runs, d),
            "tenant list (example site)": _best(["tenant", "list"], {**base, "CCCTL_DB": small}, a.runs, d),
            f"seat list ({a.seats} seats, table)": _best(["seat", "list"], {**base, "CCCTL_DB": big}, a.runs, d),
            f"seat list ({a.seats} seats, --json)": _best(
                ["seat", "list", "--json"], {**base, "CCCTL_DB": big}, a.runs, d
            ),
        }
    if a.json:
        print(json.dumps({k: {"wall": round(w, 3), "cpu": round(c, 3)} for k, (w, c) in figures.items()}, indent=2))
        return
    print(f"{'':<32} {'wall':>7}   {'cpu':>7}")
    for k, (w, c) in figures.items():
        print(f"{k:<32} {w:7.3f} s {c:7.3f} s")
    (tw, tc), (jw, jc) = list(figures.values())[-2:]
    print(f"{'table / json':<32} {tw / jw:7.2f} x {tc / jc:7.2f} x")


if __name__ == "__main__":
    main()

"""Write-path benchmark: what one configuration change costs on a big box, and how many writes
per second several processes get at once. Figures, not pass/fail.

- single: a box of N tenants of 50 seats (from bench/render.py; 1,000 tenants = 50,000 seats);
  timed: `seat set`, `seat add`, `seat remove` and `queue set` through ccctl.config.entities, each a
  patch of one tenant under the configuration lock (database only: rendering and the push to
  FreeSWITCH happen after the commit and are measured by bench/render.py).
- concurrent: W writer processes (ccctl/testing/writers.py, the concurrent-writers test's writer)
  on one SQLite database; writes per second over all of them and how many were retried.

- customers: a CSV of N customers imported (parsed, validated, one bulk upsert), then again.

`python bench/writes.py [--tenants 1000] [--writers 4] [--customers 100000] [--json]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_single(n_tenants: int, rounds: int = 30) -> dict:
    from bench.render import make_tenants
    from ccctl import app
    from ccctl.config import entities
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings

    with tempfile.TemporaryDirectory() as d:
        services = app.open(Settings(db=f"{d}/w.db"), deploy=False)
        t0 = time.perf_counter()
        tenants = make_tenants(n_tenants)
        for k in range(0, len(tenants), 100):
            apply_tenants(services, tenants[k:k + 100])
        build = time.perf_counter() - t0
        victim = tenants[n_tenants // 2].name
        entities.set_tenant(services, victim, {"seat_limit": 60})  # room for the seat added below
        timings: dict[str, list[float]] = {"seat set": [], "seat add": [], "seat remove": [], "queue set": []}

        def timed(what, fn, *args):
            t = time.perf_counter()
            fn(services, *args)
            timings[what].append((time.perf_counter() - t) * 1000)

        for i in range(rounds):
            timed("seat set", entities.set_item, "seat", victim, "1001", {"name": f"renamed {i}"})
            timed("seat add", entities.add_item, "seat", victim, f"9{i:03d}", {"name": f"new {i}"})
            timed("seat remove", entities.remove_item, "seat", victim, f"9{i:03d}")
            timed("queue set", entities.set_item, "queue", victim, "sales", {"max_wait": 60 + i})
        return {"seats": n_tenants * 50, "build_s": round(build, 1),
                **{f"{k} median ms": round(statistics.median(v), 1) for k, v in timings.items()},
                **{f"{k} p95 ms": round(sorted(v)[int(len(v) * 0.95) - 1], 1) for k, v in timings.items()}}


def bench_concurrent(writers: int) -> dict:
    from ccctl import app
    from ccctl.config import entities
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings
    from ccctl.config import spec as s
    from ccctl.testing.writers import SEATS

    with tempfile.TemporaryDirectory() as d:
        url = f"{d}/c.db"
        services = app.open(Settings(db=url), deploy=False)
        apply_tenants(services, [s.Tenant.model_validate({
            "name": "shared", "seats": [{"extension": "9999", "name": "first", "skills": {"sales": 1}}],
            "queues": [{"name": "sales", "skill": "sales"}]})])
        start = time.time() + 3  # every process has imported the library by then
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "ccctl.testing.writers", url, str(n), str(start)],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True) for n in range(writers)]
        outs = [p.communicate(timeout=900)[0] for p in procs]
        elapsed = time.perf_counter() - t0 - 3
        # writes per writer: 12 adds, 4 sets, 3 removes, 3 queue sets (+6 applies for writer 0)
        per = SEATS + SEATS // 3 + SEATS // 4 + (SEATS + 4) // 5
        total = per * writers + (SEATS + 1) // 2
        retried = sum(int(o.split()[-1]) for o in outs if o.strip())
        left = len(entities.list_items(services, "seat", "shared"))
        return {"writers": writers, "writes": total, "seconds": round(elapsed, 1),
                "writes_per_s": round(total / elapsed, 1), "retried": retried, "seats_left": left}


def bench_customers(n: int) -> dict:
    """Import N customers from CSV text (parse + one bulk upsert), then the same file again."""
    from ccctl import app
    from ccctl.cti import customers
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings
    from ccctl.config import spec as s

    text = "number,name,tier\n" + "".join(f"+4930{i:08d},Customer {i},gold\n" for i in range(n))
    with tempfile.TemporaryDirectory() as d:
        services = app.open(Settings(db=f"{d}/k.db"), deploy=False)
        apply_tenants(services, [s.Tenant(name="acme")])
        out = {"customers": n}
        for run in ("first", "again"):
            t = time.perf_counter()
            result = customers.import_customers(services, "acme", customers.read_file(text, "csv", "bench"))
            out[f"import {run} s"] = round(time.perf_counter() - t, 2)
            out[f"import {run} added"] = result["added"]
        return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tenants", type=int, default=1000)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    out = {"single": bench_single(a.tenants), "concurrent": bench_concurrent(a.writers),
           "customers": bench_customers(a.customers)}
    if a.json:
        print(json.dumps(out, indent=2))
        return
    for part, figures in out.items():
        print(part)
        for k, v in figures.items():
            print(f"  {k:22} {v}")


if __name__ == "__main__":
    main()

"""Write-path benchmark: what one configuration change costs on a big box, and how many writes
per second several processes get at once. Figures, not pass/fail.

- single: a box of N tenants of 50 seats (from bench/render.py; 1,000 tenants = 50,000 seats);
  timed: `seat set`, `seat add`, `seat remove` and `queue set` through ccctl.config.entities, each a
  patch of one tenant under the configuration lock (database only: rendering and the push to
  FreeSWITCH happen after the commit and are measured by bench/render.py); then the same box
  through `ccctl` processes (see big) and an apply of the whole box, unchanged.
- big: one tenant of N seats (10,000 by default; issue 18 section 4, "a write costs what it
  changes"): `seat add`, `set`, `show`, `remove`, `seat list` and an `apply` of the unchanged
  exported file, as library calls in this process (median) and as fresh `ccctl` processes
  (Python start-up and imports included, CCCTL_FS_DEPLOY=off; best wall and CPU time of R runs,
  CPU time being the steadier figure on a shared machine).
- concurrent: W writer processes (ccctl/testing/writers.py, the concurrent-writers test's writer)
  on one SQLite database; writes per second over all of them and how many were retried.
- customers: a CSV of N customers imported (parsed, validated, one bulk upsert), then again.

`python bench/writes.py [--tenants 1000] [--big 10000] [--writers 4] [--customers 100000]
[--only single,big,concurrent,customers] [--runs 5] [--json] [--source DIR]`. `--source DIR`
times the ccctl of another checkout (e.g. `git archive REV | tar -x -C DIR`) with this one's
Python packages, for a before/after under the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT
"""The checkout whose ccctl is timed (--source)."""
sys.path.insert(0, str(ROOT))


def _cli(db: str, cwd: str, cycle: dict[str, list[str]], runs: int) -> dict:
    """Best wall and CPU milliseconds of each command line of CYCLE, run in turn RUNS times
    (each a fresh `ccctl` process; a cycle leaves the database as it found it)."""
    env = {**os.environ, "CCCTL_DB": db, "CCCTL_FS_DEPLOY": "off", "PYTHONPATH": str(SOURCE), "COLUMNS": "100"}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(runs):
        for what, args in cycle.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            r = subprocess.run(
                [sys.executable, "-c", LAUNCH, *args],
                env=env,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r.returncode != 0:
                raise SystemExit(f"ccctl {' '.join(args)} failed: {r.stderr[-500:]}")
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            w, c = best.get(what, (float("inf"), float("inf")))
            best[what] = (min(w, wall), min(c, cpu))
    out = {}
    for what, (w, c) in best.items():
        out[f"ccctl {what} ms"] = round(w * 1000)
        out[f"ccctl {what} cpu ms"] = round(c * 1000)
    return out


def _one_seat_cycle(tenant: str, extension: str) -> dict[str, list[str]]:
    return {
        "seat add": ["seat", "add", tenant, extension, "name=cli"],
        "seat set": ["seat", "set", tenant, extension, "name=cli again"],
        "seat show": ["seat", "show", tenant, extension],
        "seat remove": ["seat", "remove", tenant, extension],
    }


def bench_single(n_tenants: int, rounds: int = 30, cli_runs: int = 5) -> dict:
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
            apply_tenants(services, tenants[k : k + 100])
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
        out = {
            "seats": n_tenants * 50,
            "build_s": round(build, 1),
            **{f"{k} median ms": round(statistics.median(v), 1) for k, v in timings.items()},
            **{f"{k} p95 ms": round(sorted(v)[int(len(v) * 0.95) - 1], 1) for k, v in timings.items()},
        }
        if cli_runs:
            from ccctl.config.export import export_yaml

            site = Path(d) / "site.yaml"
            site.write_text(export_yaml(entities.list_tenants(services, with_secrets=True)), encoding="utf-8")
            out.update(_cli(f"{d}/w.db", d, _one_seat_cycle(victim, "9999"), cli_runs))
            out.update(
                _cli(f"{d}/w.db", d, {"apply unchanged (whole box)": ["apply", "-f", str(site)]}, max(1, cli_runs // 2))
            )
        return out


def bench_concurrent(writers: int) -> dict:
    from ccctl import app
    from ccctl.config import entities
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings
    from ccctl.testing.writers import SEATS

    with tempfile.TemporaryDirectory() as d:
        url = f"{d}/c.db"
        services = app.open(Settings(db=url), deploy=False)
        apply_tenants(
            services,
            [
                s.Tenant.model_validate(
                    {
                        "name": "shared",
                        "seats": [{"extension": "9999", "name": "first", "skills": {"sales": 1}}],
                        "queues": [{"name": "sales", "skill": "sales"}],
                    }
                )
            ],
        )
        start = time.time() + 3  # every process has imported the library by then
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "ccctl.testing.writers", url, str(n), str(start)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in range(writers)
        ]
        outs = [p.communicate(timeout=900)[0] for p in procs]
        elapsed = time.perf_counter() - t0 - 3
        # writes per writer: 12 adds, 4 sets, 3 removes, 3 queue sets (+6 applies for writer 0)
        per = SEATS + SEATS // 3 + SEATS // 4 + (SEATS + 4) // 5
        total = per * writers + (SEATS + 1) // 2
        retried = sum(int(o.split()[-1]) for o in outs if o.strip())
        left = len(entities.list_items(services, "seat", "shared"))
        return {
            "writers": writers,
            "writes": total,
            "seconds": round(elapsed, 1),
            "writes_per_s": round(total / elapsed, 1),
            "retried": retried,
            "seats_left": left,
        }


def bench_customers(n: int) -> dict:
    """Import N customers from CSV text (parse + one bulk upsert), then the same file again."""
    from ccctl import app
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.cti import customers
    from ccctl.settings import Settings

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


LAUNCH = "import sys; sys.argv[0] = 'ccctl'; from ccctl.cli.main import run; run()"


def bench_big(n_seats: int, rounds: int = 10, cli_runs: int = 5) -> dict:
    """One tenant of N_SEATS seats: single-item writes and an unchanged apply, as library calls
    and as `ccctl` processes (best of CLI_RUNS: a fresh process each, like a provider's script)."""
    from ccctl import app
    from ccctl.config import entities
    from ccctl.config import spec as s
    from ccctl.config.export import export_yaml
    from ccctl.config.load import load_site
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings

    with tempfile.TemporaryDirectory() as d:
        db = f"{d}/big.db"
        services = app.open(Settings(db=db), deploy=False)
        skills = ["sales", "support", "billing"]
        big = s.Tenant(
            name="big",
            seat_limit=n_seats + 1000,
            seats=[
                s.Seat(extension=str(100000 + i), name=f"Agent {i}", skills={skills[i % 3]: 1 + i % 10})
                for i in range(n_seats)
            ],
            queues=[s.Queue(name=k) for k in skills],
            ivrs=[
                s.Ivr(
                    name="main",
                    greeting={"text": "Welcome."},
                    options={str(d + 1): f"queue:{k}" for d, k in enumerate(skills)},
                )
            ],
            numbers=[s.Number(number="4001234567", target="ivr:main")],
            trunks=[s.Trunk(name="carrier", host="sip.carrier.example")],
        )
        t0 = time.perf_counter()
        apply_tenants(services, [big])
        build = time.perf_counter() - t0
        site = Path(d) / "site.yaml"
        site.write_text(export_yaml(entities.list_tenants(services, with_secrets=True)), encoding="utf-8")
        timings: dict[str, list[float]] = {}

        def timed(what, fn, *args, **kw):
            t = time.perf_counter()
            fn(*args, **kw)
            timings.setdefault(what, []).append((time.perf_counter() - t) * 1000)

        for i in range(rounds):
            timed("seat add", entities.add_item, services, "seat", "big", f"9{i:04d}", {"name": f"new {i}"})
            timed("seat set", entities.set_item, services, "seat", "big", f"9{i:04d}", {"name": f"renamed {i}"})
            timed("seat show", entities.get_item, services, "seat", "big", f"9{i:04d}")
            timed("seat remove", entities.remove_item, services, "seat", "big", f"9{i:04d}")
        for _ in range(max(1, rounds // 3)):
            timed("seat list", entities.list_items, services, "seat", "big")
            tenants = []
            timed("apply unchanged: read the file", lambda: tenants.extend(load_site(str(site)).tenants))  # noqa: B023 (called at once)
            timed("apply unchanged: the write path", apply_tenants, services, tenants)
        library = {f"{k} ms": round(statistics.median(v), 1) for k, v in timings.items()}

        cycle = {
            "--help": ["--help"],
            **_one_seat_cycle("big", "99999"),
            "seat list --json": ["seat", "list", "big", "--json"],
            "apply unchanged": ["apply", "-f", str(site)],
        }
        return {
            "seats": n_seats,
            "build_s": round(build, 1),
            **{f"library {k}": v for k, v in library.items()},
            **_cli(db, d, cycle, cli_runs),
        }


def main() -> None:
    global SOURCE
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tenants", type=int, default=1000)
    p.add_argument("--big", type=int, default=10_000, help="seats of the one big tenant")
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--only", default="single,big,concurrent,customers", help="which parts to run")
    p.add_argument("--runs", type=int, default=5, help="runs of each ccctl command line (0: none)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--source", type=Path, default=ROOT, help="the checkout whose ccctl to time")
    a = p.parse_args()
    SOURCE = a.source.resolve()
    sys.path.insert(0, str(SOURCE))
    parts = {
        "single": lambda: bench_single(a.tenants, cli_runs=a.runs),
        "big": lambda: bench_big(a.big, cli_runs=a.runs),
        "concurrent": lambda: bench_concurrent(a.writers),
        "customers": lambda: bench_customers(a.customers),
    }
    out = {name: parts[name]() for name in a.only.split(",")}
    if a.json:
        print(json.dumps(out, indent=2))
        return
    for part, figures in out.items():
        print(part)
        for k, v in figures.items():
            print(f"  {k:40} {v}")


if __name__ == "__main__":
    main()

"""Render benchmark: time and peak memory to render and write the FreeSWITCH tree for
1, 100 and 1,000 tenants of 50 seats, 5 queues and 2 IVRs each.

Each size runs in its own process so peak RSS belongs to that size alone. Figures, not
pass/fail: `python bench/render.py [--sizes 1,100,1000] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_tenants(n: int):
    from ccctl.config import spec as s

    tenants = []
    skills = ["sales", "support", "billing", "vip", "tech"]
    for i in range(n):
        seats = [
            s.Seat(
                extension=str(1000 + j),
                name=f"Agent {i}-{j} 坐席",
                skills={skills[j % 5]: 1 + j % 10, skills[(j + 1) % 5]: 1 + (j * 3) % 10},
            )
            for j in range(50)
        ]
        queues = [s.Queue(name=k, strategy="longest-idle-agent", announce=f"Please hold for {k}.") for k in skills]
        ivrs = [
            s.Ivr(
                name="main",
                greeting={"text": f"Welcome to tenant {i}."},
                options={str(d + 1): f"queue:{k}" for d, k in enumerate(skills)} | {"9": "ivr:closed"},
                hours={d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                holidays=["01-01", "10-01"],
                closed="ivr:closed",
                on_failure="queue:support",
            ),
            s.Ivr(name="closed", greeting={"text": "We are closed."}, options={"1": "voicemail:1000"}),
        ]
        numbers = [s.Number(number=f"400{i:07d}", target="ivr:main")]
        trunks = [
            s.Trunk(
                name="carrier", host="sip.carrier.example", username=f"t{i}", password="secret-pw-123", register=True
            )
        ]
        tenants.append(
            s.Tenant(
                name=f"t{i:05d}",
                seat_limit=50,
                seats=seats,
                queues=queues,
                ivrs=ivrs,
                numbers=numbers,
                trunks=trunks,
                timezone="Asia/Shanghai",
            )
        )
    return tenants


def one(n: int) -> dict:
    from ccctl import app
    from ccctl.config import gather
    from ccctl.config.write import apply_tenants
    from ccctl.render import RenderInput, render_tree, write_tree
    from ccctl.settings import Settings

    tenants = make_tenants(n)
    with tempfile.TemporaryDirectory() as d:
        settings = Settings(db=f"{d}/bench.db")
        ctx = app.open(settings, deploy=False)
        t0 = time.perf_counter()
        apply_tenants(ctx, tenants)
        t_apply = time.perf_counter() - t0

        t0 = time.perf_counter()
        inp = gather.render_input(ctx)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        files = render_tree(inp)
        t_render = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_tree(files, Path(d) / "conf")
        t_write = time.perf_counter() - t0

        # render straight from specs too: the renderer's own cost, without the database
        t0 = time.perf_counter()
        render_tree(
            RenderInput(
                [
                    t.model_copy(update={"seats": [x.model_copy(update={"password": "p" * 20}) for x in t.seats]})
                    for t in tenants
                ],
                settings,
                "pw",
            )
        )
        t_specs = time.perf_counter() - t0
        size = sum(len(b) for b in files.values())
    return {
        "tenants": n,
        "seats": n * 50,
        "queues": n * 5,
        "ivrs": n * 2,
        "files": len(files),
        "tree_mib": round(size / 2**20, 2),
        "apply_s": round(t_apply, 3),
        "load_s": round(t_load, 3),
        "render_s": round(t_render, 3),
        "write_s": round(t_write, 3),
        "render_write_from_db_s": round(t_load + t_render + t_write, 3),
        "render_from_specs_s": round(t_specs, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,100,1000")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not args.json:
            r = rows[-1]
            print(
                f"{r['tenants']:>5} tenants {r['seats']:>6} seats: render+write from db {r['render_write_from_db_s']:>7.3f} s "
                f"(load {r['load_s']:.3f}, render {r['render_s']:.3f}, write {r['write_s']:.3f}); "
                f"from specs {r['render_from_specs_s']:.3f} s; apply {r['apply_s']:.3f} s; "
                f"tree {r['tree_mib']} MiB in {r['files']} files; peak RSS {r['peak_rss_mib']} MiB",
                flush=True,
            )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "render.json").write_text(json.dumps(rows, indent=2))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

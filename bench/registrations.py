"""5,000 seats registered at the fleet's edge, each registering again every 60 s: Kamailio's
CPU and memory, and PostgreSQL's CPU (usrloc keeps the location table in the database only,
db_mode 3). The edge is set up as tests/fleet sets it up (ccctl/testing/fleet.py: Kamailio
from ccctl's template on the fleet's PostgreSQL, each in a namespace); no FreeSWITCH is needed.
sipp reads the seats from an -inf CSV (extension, domain, digest credentials) and registers
5,000 of them a minute, in order, so every seat comes round again each minute. Figures, not
pass/fail:

    python bench/registrations.py [--seats 5000] [--tenants 5] [--minutes 3] [--json]

The first minute (every seat's first registration) is warm-up; CPU is measured over the
minutes after it. Pike is lifted as in bench/edge.py: here 5,000 phones share one sipp's
address. Re-runs itself inside `scripts/in-netns`. Writes bench/results/registrations.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.edge import cpu_seconds, kamailio_pids, last_stats  # noqa: E402


def memory_kib(pids: list[int]) -> dict:
    """Summed RSS and PSS (shared memory counted once across Kamailio's processes)."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return {"rss_kib": rss, "pss_kib": pss}


def postgres_pids(address: str) -> list[int]:
    """The fleet's PostgreSQL: the postmaster listening on ADDRESS and its backends."""
    out = subprocess.run(["pgrep", "-f", f"listen_addresses={address}"], capture_output=True, text=True).stdout
    mains = [int(p) for p in out.split()]
    pids = list(mains)
    for m in mains:
        kids = subprocess.run(["pgrep", "-P", str(m)], capture_output=True, text=True).stdout.split()
        pids += [int(k) for k in kids]
    return pids


def kamcmd(ctl: Path, *args: str) -> str:
    return subprocess.run(["kamcmd", "-s", f"unix:{ctl}", *args], capture_output=True, text=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seats", type=int, default=5000)
    ap.add_argument("--tenants", type=int, default=5)
    ap.add_argument("--minutes", type=int, default=3, help="Measured minutes after the first (warm-up) one.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ccctl.testing import fleet

    work = fleet.bench_start("registrations")
    if work is None:
        return
    from sqlalchemy import text

    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.db import session_scope
    from ccctl.testing.sip import SIPP

    per = args.seats // args.tenants
    lab = fleet.Lab(work, work, node_names=("n1",))
    results: dict = {"cores": os.cpu_count(), "seats": per * args.tenants, "tenants": args.tenants}
    sipp = None
    try:
        lab.start_db()
        t0 = time.monotonic()
        apply_tenants(
            lab.admin,
            [
                s.Tenant(
                    name=f"t{i}",
                    home_node="n1",
                    seat_limit=per,
                    seats=[s.Seat(extension=str(10000 + j), name=f"seat {j}") for j in range(per)],
                )
                for i in range(args.tenants)
            ],
        )
        results["apply_s"] = round(time.monotonic() - t0, 1)
        with session_scope(lab.admin.engine) as session:
            creds = session.execute(
                text(
                    "SELECT username, domain, s.password FROM edge_subscriber e "
                    "JOIN seat s ON s.id = e.id ORDER BY domain, username"
                )
            ).all()
        csv = work / "seats.csv"
        csv.write_text(
            "SEQUENTIAL\n" + "".join(f"{u};{d};[authentication username={u} password={p}];\n" for u, d, p in creds)
        )
        lab.start_edge(pike_density=1_000_000, children=4)
        pids = kamailio_pids(lab.kamailio.pid)
        pg = postgres_pids(lab.db_ns.address)
        minutes = args.minutes + 1
        stats = work / "reg.csv"
        with lab.seats_ns.entered():
            sipp = subprocess.Popen(
                [
                    SIPP,
                    "-sf",
                    str(ROOT / "bench" / "edge_register.xml"),
                    "-inf",
                    str(csv),
                    "-i",
                    lab.seats_ns.address,
                    "-p",
                    "5070",
                    "-r",
                    str(len(creds)),
                    "-rp",
                    "60000",
                    "-m",
                    str(len(creds) * minutes),
                    "-l",
                    "2000",
                    "-nostdin",
                    "-recv_timeout",
                    "10000",
                    "-trace_stat",
                    "-stf",
                    str(stats),
                    "-fd",
                    "5",
                    lab.edge_address,
                ],
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        time.sleep(62)  # warm-up: every seat's first registration
        with session_scope(lab.admin.engine) as session:
            results["registered_after_first_minute"] = session.execute(
                text("SELECT count(*) FROM location WHERE expires > now()")
            ).scalar_one()
        cpu_k, cpu_pg, w0 = cpu_seconds(pids), cpu_seconds(pg), time.monotonic()
        loads, samples = [], []
        while time.monotonic() - w0 < args.minutes * 60:
            time.sleep(10)
            loads.append(os.getloadavg()[0])
            samples.append(memory_kib(pids))
        wall = time.monotonic() - w0
        with session_scope(lab.admin.engine) as session:
            results["registered_at_end"] = session.execute(
                text("SELECT count(*) FROM location WHERE expires > now()")
            ).scalar_one()
        results.update(
            {
                "measured_s": round(wall, 1),
                "registers_per_s": round(len(creds) / 60, 1),
                "kamailio_cpu_pct_of_a_core": round(100 * (cpu_seconds(pids) - cpu_k) / wall, 1),
                "postgres_cpu_pct_of_a_core": round(100 * (cpu_seconds(pg) - cpu_pg) / wall, 1),
                "kamailio_processes": len(pids),
                "kamailio_rss_mib_max": round(max(x["rss_kib"] for x in samples) / 1024, 1),
                "kamailio_pss_mib_max": round(max(x["pss_kib"] for x in samples) / 1024, 1),
                "kamailio_shm": kamcmd(lab.ctl, "core.shmmem").strip().replace("\n", " "),
                "load_1min_min_max": [min(loads), max(loads)],
            }
        )
        sipp.wait(timeout=180)
        st = last_stats(stats)
        results["sipp"] = {k: st.get(k) for k in ("TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)")}
    finally:
        if sipp is not None and sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lab.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "registrations.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

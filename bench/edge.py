"""The fleet's edge alone: sipp (carrier) -> Kamailio -> sipp UAS (standing in for a node),
INVITE/200/ACK/BYE, in network namespaces (ccctl/testing/fleet.py). Kamailio runs the
configuration ccctl renders, on the fleet's PostgreSQL (routes by DID from the htable, the
dispatcher set of the tenant's node). For each rate: calls attempted, succeeded, failed, and
Kamailio's CPU seconds; the highest rate with under 1% failed is the edge's figure here.
Figures, not pass/fail:

    python bench/edge.py [--rates 100,200,400,800] [--seconds 10] [--json]

Needs kamailio, kamailio-postgres-modules, PostgreSQL and sipp; re-runs itself inside
`scripts/in-netns`. Writes bench/results/edge.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


DID = "4000000001"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / CLK_TCK


def kamailio_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    return [parent, *map(int, out)]


def last_stats(path: Path) -> dict:
    rows = list(csv.reader(path.read_text().splitlines(), delimiter=";"))
    head, last = rows[0], rows[-1]
    return dict(zip(head, last))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="100,200,400,800")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ccctl.testing import fleet

    work = fleet.bench_start("edge")
    if work is None:
        return
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.testing.sip import SIPP

    lab = fleet.Lab(work, work, node_names=("uas",))
    results = {"cores": os.cpu_count(), "seconds": args.seconds, "runs": []}
    uas = None
    try:
        lab.start_db()
        apply_tenants(
            lab.admin, [s.Tenant(name="bench", home_node="uas", numbers=[s.Number(number=DID, target="echo")])]
        )
        # One carrier sending hundreds of calls a second is what pike bans: lifted for the figure
        # (a provider lists its carriers' addresses as trusted; not in kamailio.cfg yet).
        lab.start_edge(pike_density=1_000_000, children=4)
        uas_ns = lab.node_ns["uas"]
        with uas_ns.entered():
            uas = subprocess.Popen(
                [
                    SIPP,
                    "-sf",
                    str(ROOT / "bench" / "edge_uas.xml"),
                    "-i",
                    uas_ns.address,
                    "-p",
                    str(fleet.TRUNK_PORT),
                    "-nostdin",
                ],
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        time.sleep(1)
        pids = kamailio_pids(lab.kamailio.pid)
        for rate in [int(x) for x in args.rates.split(",")]:
            n = rate * args.seconds
            stats = work / f"uac-{rate}.csv"
            cpu0 = cpu_seconds(pids)
            t0 = time.monotonic()
            with lab.carrier_ns.entered():
                subprocess.run(
                    [
                        SIPP,
                        "-sf",
                        str(ROOT / "bench" / "edge_uac.xml"),
                        "-s",
                        DID,
                        "-i",
                        lab.carrier_ns.address,
                        "-p",
                        "5090",
                        "-r",
                        str(rate),
                        "-m",
                        str(n),
                        "-l",
                        str(rate * 4),
                        "-nostdin",
                        "-timeout",
                        f"{args.seconds * 4}s",
                        "-recv_timeout",
                        "5000",
                        "-trace_err",
                        "-trace_stat",
                        "-stf",
                        str(stats),
                        "-fd",
                        "1",
                        lab.edge_address,
                    ],
                    cwd=work,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=args.seconds * 6,
                )
            wall = time.monotonic() - t0
            st = last_stats(stats)
            ok, failed = int(st.get("SuccessfulCall(C)", 0)), int(st.get("FailedCall(C)", 0))
            r = {
                "rate": rate,
                "attempted": n,
                "succeeded": ok,
                "failed": n - ok,
                "failed_reported": failed,
                "failed_pct": round(100 * (n - ok) / n, 2),
                "wall_s": round(wall, 1),
                "kamailio_cpu_s": round(cpu_seconds(pids) - cpu0, 2),
                "load": os.getloadavg()[0],
            }
            results["runs"].append(r)
            if not args.json:
                print(json.dumps(r), flush=True)
        good = [r["rate"] for r in results["runs"] if r["failed_pct"] < 1]
        results["max_rate_under_1pct"] = max(good) if good else None
    finally:
        if uas is not None and uas.poll() is None:
            uas.kill()
            uas.wait()
        lab.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "edge.json").write_text(json.dumps(results, indent=2) + "\n")
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"edge: {results['max_rate_under_1pct']} calls/s with under 1% failed (bench/results/edge.json)")


if __name__ == "__main__":
    main()

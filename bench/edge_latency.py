"""INVITE -> 200 through the fleet's edge beside straight to the node, with recorded queue
calls up: the same carrier load (sipp, speech both ways) into a queue whose agents (seats
registered at the edge, answering) talk to the callers while FreeSWITCH records every call.

  edge     the carrier's sipp (its own namespace) -> Kamailio -> node n1's external profile
  direct   the same sipp started in the edge's namespace -> n1's external profile (the node
           takes carriers' calls from the edge's address only, so that is where it must come from)

For each: calls answered (by the queue) and failed, bridged to a seat, INVITE -> 200 p50 and p95 (sipp -trace_rtt), FreeSWITCH's
and Kamailio's CPU seconds per call, the load average. Figures, not pass/fail:

    python bench/edge_latency.py [--calls 400] [--concurrent 100] [--agents 100] [--rate 5]
        [--talk-ms 30000] [--json]

The seats are one sipp process (ccctl.testing.sip.AgentPool: one CSV line per seat, all on one
address of the seats' namespace), registered at the edge as any seat is.

The fleet is tests/fleet's (ccctl/testing/fleet.py). Re-runs itself inside `scripts/in-netns`.
Writes bench/results/edge_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.calls import pct, sipp_figures  # noqa: E402
from bench.edge import cpu_seconds, kamailio_pids  # noqa: E402

TENANT, DID = "acme", "4000000001"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--concurrent", type=int, default=100)
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--rate", type=float, default=5.0, help="New calls a second.")
    ap.add_argument("--talk-ms", type=int, default=30000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ccctl.testing import fleet

    work = fleet.bench_start("edge_latency")
    if work is None:
        return
    from ccctl.config import spec as s
    from ccctl.config.entities import seat_password
    from ccctl.config.write import apply_tenants
    from ccctl.testing.sip import AgentPool, Seat, caller_load, long_registration

    sounds, tenants = fleet.example_sounds(work)
    lab = fleet.Lab(work, sounds, ("n1",))
    exts = [str(1001 + i) for i in range(args.agents)]
    results: dict = {
        "cores": os.cpu_count(),
        "calls": args.calls,
        "concurrent": args.concurrent,
        "agents": args.agents,
        "talk_ms": args.talk_ms,
        "runs": [],
    }
    agents = None
    try:
        lab.start_db()
        apply_tenants(
            lab.admin,
            [
                s.Tenant(
                    name=TENANT,
                    home_node="n1",
                    call_limit=max(args.concurrent * 2, 10),
                    seat_limit=max(args.agents, 50),
                    recording=s.Recording(mode="all", format="wav", retention_days=1),
                    seats=[s.Seat(extension=e, name=f"agent {e}", skills={"sales": 5}) for e in exts],
                    queues=[s.Queue(name="sales", wrapup=0, no_agent=s.NoAgent(timeout=120, target="hangup"))],
                    numbers=[s.Number(number=DID, target="queue:sales")],
                )
            ],
        )
        lab.start_edge()
        lab.start_nodes()
        n1 = lab.nodes["n1"]
        with lab.seats_ns.entered():
            agents = AgentPool(
                None,
                work / "seats",
                [Seat(e, f"{TENANT}.cc.local", seat_password(lab.admin, TENANT, e)) for e in exts],
                ip=lab.seats_ns.extra[0],
                proxy=lab.edge_address,
                registered=lab.registered,
                register_timeout=120,
                # registered for the whole run (the edge allows an hour): seats of register.xml
                # expire after 300 s, and the queue's later calls then found none
                register=long_registration(work / "register", 3600),
            )
        for e in exts:
            n1.ccctl("agent", "login", TENANT, e)
        fs_pids = [n1.fs.proc.pid]
        kam_pids = kamailio_pids(lab.kamailio.pid)
        node_trunk = f"{n1.ns.address}:{fleet.TRUNK_PORT}"
        for path, ns, target in (
            ("edge", lab.carrier_ns, lab.edge_address),
            ("direct", lab.edge_ns, node_trunk),
            ("edge", lab.carrier_ns, lab.edge_address),
            ("direct", lab.edge_ns, node_trunk),
        ):
            d = work / f"{path}-{len(results['runs'])}"
            fs0, kam0, t0 = cpu_seconds(fs_pids), cpu_seconds(kam_pids), time.monotonic()
            bridged0 = len(agents.answered)
            with ns.entered():
                load = caller_load(
                    d,
                    DID,
                    total=args.calls,
                    concurrent=args.concurrent,
                    rate=args.rate,
                    talk_ms=args.talk_ms,
                    source_ip=ns.address,
                    port=5072,
                    media_port=42000,
                    trace_stat=True,
                    target=target,
                )
                load.wait(args.calls / args.rate + args.talk_ms / 1000 + 180)
            ok, failed, rtts = sipp_figures(d)
            r = {
                "path": path,
                "answered": ok,
                "failed": failed,
                # answered by a seat, not only by the queue (which answers every caller)
                "bridged": len(agents.answered) - bridged0,
                "invite_200_ms": {"p50": pct(rtts, 50), "p95": pct(rtts, 95), "n": len(rtts)},
                "freeswitch_cpu_ms_per_call": round(1000 * (cpu_seconds(fs_pids) - fs0) / max(ok, 1), 1),
                "kamailio_cpu_ms_per_call": round(1000 * (cpu_seconds(kam_pids) - kam0) / max(ok, 1), 2),
                "wall_s": round(time.monotonic() - t0, 1),
                "load": round(os.getloadavg()[0], 1),
            }
            results["runs"].append(r)
            print(json.dumps(r), flush=True)
        recorded = list((work / "n1" / "recordings").rglob("*.wav"))
        results["recordings_on_n1"] = len(recorded)
    finally:
        if agents is not None:
            agents.stop()
        lab.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "edge_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

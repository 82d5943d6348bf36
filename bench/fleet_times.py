"""Tenant move and node failover times over several runs, on the whole fleet as tests/fleet
runs it (ccctl/testing/fleet.py: PostgreSQL, Kamailio with its follower, three FreeSWITCH
nodes with their daemons, one a standby; a seat registered at the edge, a carrier's calls).

  move      `ccctl tenant move acme --to OTHER` from a node's shell, then carrier calls until
            one is answered by the agent on OTHER: seconds from the command's start to that
            call's answer (its call row's answered_at), and to the queue being up on OTHER.
  failover  kill the FreeSWITCH of acme's node, then carrier calls until one is answered on
            another node: seconds from the kill to that answer (and to the re-homing). The
            killed node is started again and `ccctl node activate`d before the next run.

Figures, not pass/fail; the load average is written with each run (the machine is shared).

    python bench/fleet_times.py [--runs 5] [--json]

Re-runs itself inside `scripts/in-netns`. Writes bench/results/fleet_times.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


TENANT, DID, EXT = "acme", "4000000001", "1001"


def home(lab) -> str:
    from sqlalchemy import text

    from ccctl.db import session_scope

    with session_scope(lab.admin.engine) as session:
        return session.execute(text("SELECT home_node FROM tenant WHERE name = :t"), {"t": TENANT}).scalar_one()


def queue_up(node) -> bool:
    from ccctl.supervision.agents import parse_table

    rows = parse_table(node.fs.api("callcenter_config queue list", check=False))
    return any(q["name"] == f"sales@{TENANT}.cc.local" for q in rows)


def answered_on(lab, work: Path, node: str, source_ip: str, deadline: float) -> tuple[float, int]:
    """Carrier calls to the DID until one is answered with a call row naming NODE: its
    answered_at (unix seconds) and the attempts it took."""
    from sqlalchemy import text

    from ccctl.db import session_scope
    from ccctl.testing.sip import start_call

    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        placed = time.time()
        with lab.carrier_ns.entered():
            call = start_call(
                work / f"call-{time.monotonic_ns()}",
                DID,
                wait_ms=200,
                talk_ms=500,
                audio=False,
                source_ip=source_ip,
                target=lab.edge_address,
                timeout_s=15,
            )
        result = call.wait()
        if result.answered:
            end = time.monotonic() + 15
            while time.monotonic() < end:
                with session_scope(lab.admin.engine) as session:
                    row = session.execute(
                        text(
                            "SELECT node, answered_at FROM call WHERE did = :d AND entered_at >= :t "
                            "AND answered_at IS NOT NULL ORDER BY entered_at DESC LIMIT 1"
                        ),
                        {"d": DID, "t": placed - 1},
                    ).first()
                if row is not None:
                    if row.node == node:
                        return row.answered_at, attempt
                    break
                time.sleep(0.2)
        time.sleep(0.2)
    raise RuntimeError(f"no call answered on {node} in time:\n{lab.daemon_logs()}\n{lab.edge_tail()}")


def wait(cond, timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(0.1)
    return time.monotonic()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ccctl.testing import fleet

    work = fleet.bench_start("fleet_times")
    if work is None:
        return
    from ccctl.config import spec as s
    from ccctl.config.entities import seat_password
    from ccctl.config.write import apply_tenants
    from ccctl.fleet import nodes
    from ccctl.testing.sip import Agents, Seat

    sounds, tenants = fleet.example_sounds(work)
    lab = fleet.Lab(work, sounds, ("n1", "n2", "spare"), standby=("spare",))
    results: dict = {"cores": os.cpu_count(), "move": [], "failover": []}
    agents = None
    try:
        lab.start_db()
        apply_tenants(
            lab.admin,
            [
                s.Tenant(
                    name=TENANT,
                    home_node="n1",
                    seats=[s.Seat(extension=EXT, name="agent", skills={"sales": 5})],
                    queues=[s.Queue(name="sales", wrapup=0, no_agent=s.NoAgent(timeout=10, target="hangup"))],
                    numbers=[s.Number(number=DID, target="queue:sales")],
                )
            ],
        )
        lab.start_edge()
        lab.start_nodes()
        with lab.seats_ns.entered():
            agents = Agents(
                None,
                work / "seats",
                [Seat(EXT, f"{TENANT}.cc.local", seat_password(lab.admin, TENANT, EXT))],
                ip_prefix=lab.seats_ns.extra[0].rsplit(".", 1)[0] + ".",
                first_ip=int(lab.seats_ns.extra[0].rsplit(".", 1)[1]),
                proxy=lab.edge_address,
                registered=lab.registered,
            )
        lab.nodes["n1"].ccctl("agent", "login", TENANT, EXT)
        answered_on(lab, work, "n1", lab.carrier_ns.extra[0], time.monotonic() + 60)  # warm-up

        for run in range(args.runs):
            src = home(lab)
            dst = "n2" if src == "n1" else "n1"
            t0_wall, t0 = time.time(), time.monotonic()
            lab.nodes[src].ccctl("tenant", "move", TENANT, "--to", dst)
            up = wait(lambda dst=dst: queue_up(lab.nodes[dst]), 60, f"{TENANT}'s queue on {dst}")
            at, attempts = answered_on(lab, work, dst, lab.carrier_ns.extra[1], time.monotonic() + 90)
            r = {
                "run": run + 1,
                "from": src,
                "to": dst,
                "queue_up_s": round(up - t0, 2),
                "next_call_answered_s": round(at - t0_wall, 2),
                "attempts": attempts,
                "load": round(os.getloadavg()[0], 1),
            }
            results["move"].append(r)
            print(json.dumps({"move": r}), flush=True)

        for run in range(args.runs):
            victim = home(lab)
            killed_wall, killed = time.time(), time.monotonic()
            lab.nodes[victim].fs.proc.kill()
            lab.nodes[victim].fs.proc.wait()
            rehomed = wait(lambda victim=victim: home(lab) != victim, 90, f"{TENANT} re-homed off {victim}")
            target = home(lab)
            at, attempts = answered_on(lab, work, target, lab.carrier_ns.extra[2], time.monotonic() + 120)
            r = {
                "run": run + 1,
                "killed": victim,
                "to": target,
                "rehomed_s": round(rehomed - killed, 2),
                "first_answered_s": round(at - killed_wall, 2),
                "attempts": attempts,
                "load": round(os.getloadavg()[0], 1),
            }
            results["failover"].append(r)
            print(json.dumps({"failover": r}), flush=True)
            # the killed node back: FreeSWITCH started, its daemon beats again, made active
            lab.nodes[victim].fs.start()
            wait(
                lambda victim=victim: (
                    next(n for n in nodes.list_nodes(lab.admin) if n["name"] == victim)["heartbeat_at"]
                    > time.time() - 6
                ),
                60,
                f"{victim}'s heartbeat",
            )
            lab.nodes[victim].ccctl("node", "activate", victim)
        for kind, key in (("move", "next_call_answered_s"), ("failover", "first_answered_s")):
            values = [r[key] for r in results[kind]]
            if values:
                results[f"{kind}_summary"] = {
                    "min": min(values),
                    "median": statistics.median(values),
                    "max": max(values),
                }
    finally:
        if agents is not None:
            agents.stop()
        lab.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "fleet_times.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k.endswith("summary")}, indent=2))


if __name__ == "__main__":
    main()

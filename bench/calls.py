"""Call benchmark on a real FreeSWITCH, all on loopback inside a private network namespace.

Two paths on the same FreeSWITCH in the same run:
  * queue: DID -> IVR (greeting, RFC 2833 digit 1) -> mod_callcenter queue -> a seat that
    answers (sipp UAS with RTP echo), recording on;
  * echo:  DID -> answer + echo, the base of the ratio.
For each: the most concurrent calls held with under 1% failures, and the most calls per
second started with under 1% failures. For the queue also the ACD offer latency (caller
enters the queue -> the agent's INVITE leaves FreeSWITCH), p50/p99, from mod_callcenter's
events. Figures, not pass/fail:

    python bench/calls.py [--agents 60] [--levels 10,20,40,60] [--rates 2,5,10] [--json]

Needs FreeSWITCH (CC_FREESWITCH_PREFIX or /opt/freeswitch) and sipp; re-runs itself inside
`scripts/in-netns` so nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.freeswitch.fsproc import find_prefix, only_loopback  # noqa: E402

DID_QUEUE, DID_ECHO = "4000000001", "4000000002"
CALLER_IP, AGENTS_IP = "127.0.0.2", "127.0.1.1"


def site(agents: int):
    from ccctl.site import spec as s

    seats = [s.Seat(extension=str(1000 + i), name=f"Agent {i}", skills={"sales": 5}) for i in range(agents)]
    return [s.Tenant(
        name="bench", seat_limit=agents, call_limit=0, recording=s.Recording(mode="all"), seats=seats,
        queues=[s.Queue(name="sales", strategy="longest-idle-agent", wrapup=0, max_wait=120,
                        no_agent=s.NoAgent(timeout=60, target="hangup"))],
        ivrs=[s.Ivr(name="main", greeting=s.Greeting(text="Welcome. Press one."), options={"1": "queue:sales"},
                    timeout=8)],
        numbers=[s.Number(number=DID_QUEUE, target="ivr:main"), s.Number(number=DID_ECHO, target="echo")],
    )]


def sipp(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["sipp", *args, "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error"],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout + 30)


def stats_from(out_dir: Path) -> tuple[int, int]:
    """(successful, failed) calls from sipp's -trace_stat CSV (last line)."""
    files = sorted(out_dir.glob("*_.csv"))
    if not files:
        return 0, 0
    lines = files[-1].read_text().strip().splitlines()
    header, last = lines[0].split(";"), lines[-1].split(";")
    row = dict(zip(header, last))
    return int(row.get("SuccessfulCall(C)", 0)), int(row.get("FailedCall(C)", 0))


class Bench:
    def __init__(self, workdir: Path, agents: int):
        from ccctl.context import Context
        from ccctl.service import apply_tenants
        from tests.freeswitch.conftest import fs_settings, start_box

        self.dir = workdir
        self.n_agents = agents
        apply_tenants(Context.open(fs_settings(workdir)), site(agents))
        self.box = start_box(find_prefix(), workdir)
        self.scen = ROOT / "tests" / "freeswitch" / "sipp"
        self.agents_proc = None

    def register_agents(self) -> None:
        from ccctl.agents import set_status
        from ccctl.resources import seat_password

        csv = self.dir / "agents.csv"
        lines = ["SEQUENTIAL"]
        for i in range(self.n_agents):
            ext = str(1000 + i)
            lines.append(f"{ext};bench.cc.local;[authentication username={ext} password="
                         f"{seat_password(self.box.ctx, 'bench', ext)}];")
        csv.write_text("\n".join(lines) + "\n")
        d = self.dir / "agents"
        d.mkdir()
        self.agents_proc = subprocess.Popen(
            ["sipp", "-sf", str(self.scen / "register.xml"), "-oocsf", str(self.scen / "agent_answer.xml"),
             "-inf", str(csv), "-i", AGENTS_IP, "-bind_local", "-p", "5060", "-mi", AGENTS_IP, "-mp", "30000",
             "-rtp_echo", "-d", "3600000", "-m", str(self.n_agents), "-l", str(self.n_agents), "-r", "50",
             "-nostdin", "-trace_err", "-timeout", "3600s", "127.0.0.1:15060"],
            cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            regs = self.box.api("show registrations as json")
            if json.loads(regs).get("row_count", 0) >= self.n_agents:
                break
            time.sleep(0.5)
        for i in range(self.n_agents):
            set_status(self.box.ctx, "bench", str(1000 + i), "ready")

    def run_calls(self, name: str, number: str, *, concurrent: int, total: int, rate: float, talk_ms: int,
                  dtmf: bool) -> dict:
        from tests.freeswitch.sip import build_audio_pcap, build_dtmf_pcap

        d = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.dir))
        build_dtmf_pcap("1", d / "digits.pcap")
        # Callers talk for the whole call in both paths, so each path carries the same media.
        build_audio_pcap(talk_ms, d / "audio.pcap")
        scenario = d / "caller.xml"
        shutil.copyfile(self.scen / "caller.xml", scenario)
        timeout = total / max(rate, 0.1) + talk_ms / 1000 + 60
        t0 = time.monotonic()
        sipp(["-sf", str(scenario), "-i", CALLER_IP, "-bind_local", "-p", "5062", "-mi", CALLER_IP, "-mp", "40000",
              "-s", number, "-key", "caller_number", "4915100000000",
              "-set", "wait_ms", "2500" if dtmf else "200", "-set", "talk_ms", str(talk_ms),
              "-set", "dtmf", "1" if dtmf else "0", "-set", "audio", "1",
              "-m", str(total), "-l", str(concurrent), "-r", str(rate), "-rp", "1000",
              "-trace_stat", "-fd", "1", "-trace_err", "127.0.0.1:15080"], d, timeout)
        ok, failed = stats_from(d)
        return {"path": name, "concurrent": concurrent, "total": total, "rate": rate, "ok": ok, "failed": failed,
                "failure_pct": round(100 * failed / max(ok + failed, 1), 2), "seconds": round(time.monotonic() - t0, 1)}

    def stop(self) -> None:
        if self.agents_proc:
            self.agents_proc.kill()
            self.agents_proc.wait()
        self.box.fs.stop()


def offer_latencies(events: list[dict]) -> list[float]:
    entered, offered = {}, {}
    for e in events:
        uuid = e.get("CC-Member-Session-UUID") or e.get("CC-Member-UUID")
        ts = int(e.get("Event-Date-Timestamp", "0")) / 1e6
        if e.get("CC-Action") == "member-queue-start":
            entered.setdefault(uuid, ts)
        elif e.get("CC-Action") == "agent-offering":
            offered.setdefault(uuid, ts)
    return sorted((offered[u] - entered[u]) * 1000 for u in offered if u in entered)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return round(values[k], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--levels", default="10,20,40,60", help="concurrent calls to try (queue: up to --agents)")
    ap.add_argument("--echo-levels", default=None, help="concurrent calls to try on the echo path (default: --levels)")
    ap.add_argument("--rates", default="2,5,10", help="calls per second to try")
    ap.add_argument("--talk-ms", type=int, default=8000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if find_prefix() is None:
        print("bench/calls: no FreeSWITCH found (CC_FREESWITCH_PREFIX or /opt/freeswitch): skipped")
        return
    if not only_loopback():
        os.execv(str(ROOT / "scripts" / "in-netns"), [str(ROOT / "scripts" / "in-netns"), sys.executable, *sys.argv])
    from tests.freeswitch.sip import EventLog

    levels = [int(x) for x in args.levels.split(",") if int(x) <= args.agents]
    echo_levels = [int(x) for x in (args.echo_levels or args.levels).split(",")]
    rates = [float(x) for x in args.rates.split(",")]
    work = Path(tempfile.mkdtemp(prefix="ccctl-bench-calls-"))
    bench = Bench(work, args.agents)
    results = {"agents": args.agents, "talk_ms": args.talk_ms, "runs": []}
    try:
        bench.register_agents()
        with EventLog(bench.box.fs.password, ["CUSTOM callcenter::info"]) as ev:
            for path, number, dtmf in (("echo", DID_ECHO, False), ("queue", DID_QUEUE, True)):
                def bridged() -> int:
                    return len(ev.matching(lambda e: e.get("CC-Action") == "bridge-agent-start"))

                def checked(r: dict, before: int) -> dict:
                    # A queue call counts only when it reached a seat, not when the IVR answered it.
                    if path == "queue":
                        r["reached_agent"] = bridged() - before
                        r["failed"] = max(r["failed"], r["total"] - r["reached_agent"])
                        r["failure_pct"] = round(100 * r["failed"] / max(r["total"], 1), 2)
                    return r

                def sweep(kind: str, steps, call_args) -> float:
                    """Run STEPS in order until one fails 1% or more; return the last that passed."""
                    best = 0
                    for step in steps:
                        before = bridged()
                        r = checked(bench.run_calls(path, number, dtmf=dtmf, **call_args(step)), before)
                        r["kind"] = kind
                        results["runs"].append(r)
                        if not args.json:
                            print(json.dumps(r), flush=True)
                        if not (r["failure_pct"] < 1 and r["ok"] > 0):
                            break
                        best = step
                    return best

                best_conc = sweep("concurrency", echo_levels if path == "echo" else levels, lambda n: dict(
                    concurrent=n, total=n * 2, rate=max(n / 4, 1), talk_ms=args.talk_ms))
                best_rate = sweep("rate", rates, lambda rate: dict(
                    concurrent=args.agents if path == "queue" else int(rate * 10), total=int(rate * 10), rate=rate,
                    talk_ms=1000))
                results[f"{path}_max_concurrent"] = best_conc
                results[f"{path}_max_cps"] = best_rate
            lat = offer_latencies(ev.matching(lambda e: e.get("Event-Subclass") == "callcenter::info"))
        results["acd_offer_ms"] = {"count": len(lat), "p50": pct(lat, 50), "p99": pct(lat, 99),
                                   "mean": round(statistics.mean(lat), 1) if lat else None}
        recs = list((bench.box.fs.dirs["recordings"] / "bench").rglob("*.wav"))
        results["recordings"] = len(recs)
    finally:
        bench.stop()
    for path in ("echo", "queue"):
        print(f"{path:>5}: max concurrent {results[f'{path}_max_concurrent']} calls, max {results[f'{path}_max_cps']} calls/s "
              f"(<1% failures)")
    if results["echo_max_concurrent"]:
        results["concurrency_ratio_queue_vs_echo"] = round(results["queue_max_concurrent"] / results["echo_max_concurrent"], 2)
    print(f"ACD offer latency: {results['acd_offer_ms']}; recordings written: {results['recordings']}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "calls.json").write_text(json.dumps(results, indent=2))
    if args.json:
        print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Call benchmark on a real FreeSWITCH: the project's call path beside a bare one, same run.

One FreeSWITCH booted from the rendered tree, one tenant with AGENTS seats (a single sipp
process registering them all, answering with RTP echo), recording on. Four DIDs:

  project queue  DID -> public -> tenant context (setup, per-tenant call cap) -> queue -> agent
  bare queue     DID -> answer -> the same queue (no per-call extras; same agents, same recording)
  project echo   DID -> public -> tenant context (setup, call cap) -> echo
  bare echo      DID -> answer -> echo

The two bare extensions are written by hand into the rendered `public` context of this run
only. Each step runs the bare path, then the project path, so load from other processes on
the machine falls on both alike. For each path and step: calls answered (queue: bridged to a
seat), failures, INVITE -> 200 p50/p95 (sipp's response time), FreeSWITCH CPU seconds per
call (its utime+stime over the step), and the highest calls per second with under 1% failures.
Figures, not pass/fail:

    python bench/calls.py [--agents 100] [--levels 25,50,100] [--rates 20,40,60,80] [--json]

--climb instead raises each path's load until the first step that fails the pass rule of
bench/climb.py (under 1% failed, MOS estimate >= 4.0, INVITE -> 200 p95 <= 2 s), the bare
path first then the project's (--project-first: the other order), and reports each one's
ceiling with FreeSWITCH's CPU and resident memory there:

    python bench/calls.py --climb --agents 400 [--climb-echo 800,200,2000]
        [--climb-queue 250,50,400] [--climb-rate 160,20,400]   # start,step,limit
        [--climb-only echo,queue,rate]

--try NAME=VALUE (repeatable) adds a third path to the steps (not to a climb): the bare one with
those channel variables exported to both legs, to weigh a setting against the bare path it
would change (rtp_timer_name=none, rtp_notimer_during_bridge=true);
bench/results/calls-tried-NAME-VALUE.json.

Needs FreeSWITCH (CC_FREESWITCH_PREFIX or /opt/freeswitch) and sipp; re-runs itself inside
`scripts/in-netns` so nothing leaves loopback. Writes bench/results/calls.json.

## The RTP timer, --try (2026-12-07, 2 cores, 210 seats, 20 s calls; three runs)

FreeSWITCH CPU per call of the tried path / the bare path, same run, concurrency steps:

| --try | queue 100 / 150 / 200 | echo 100 / 150 / 200 |
|---|---|---|
| rtp_timer_name=none (...-none-run1.json) | 0.85 / - / 0.81 | 0.85 / - / 0.79 |
| rtp_timer_name=none (...-none.json) | 0.83 / 0.75 / 0.86 | 0.80 / 0.74 / 0.97 |
| rtp_notimer_during_bridge=true | 0.75 / - / 0.96 | 0.99 / - / 1.18 (no bridge: the noise) |

No timer: 14-26% less CPU per call in all 10 pairs, MOS 4.5, 0 failed; the 80/s queue step
(1 s talk) 28 vs 44 ms a call with MOS 4.5 vs 2.95. The product's tree keeps `soft`: without
a timer a prompt, hold music or TTS is paced by the far end's packets (FreeSWITCH's playback
takes its own clock only from `timer_name`): 3 packets of hold music in 10 s to a caller
sending none; and a recording loses the stretches where no packet arrives (4 s of talk gave a
2.98 s WAV). Both fail a FreeSWITCH-tier test (ccctl/render/sofia.py). The product / bare ratios of the same runs: 0.86-1.14, median 0.97.

## Queue climb, both orders (2026-12-07, 2 cores, 300 seats, 160 to 280 by 20)

| order (one FreeSWITCH per run) | bare ceiling | product ceiling | CPU/call bare, product (160-200) |
|---|---|---|---|
| bare first (calls-climb-queue.json) | 220 (240: p95 2.2 s) | 220 (240: p95 7.5 s) | 147-156, 155-172 ms |
| product first (...-project-first.json) | 180 (200: p95 2.7 s, MOS 3.5) | 180 (200: p95 2.2 s) | 198-245, 169-207 ms |

Equal in each order. The run-to-run spread (220 vs 180, 150 vs 200 ms a call) is larger than
any difference between the paths; the last stop's 160 vs 200 (bare first) lies within it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccctl.testing.fsproc import find_prefix, only_loopback  # noqa: E402

# Appended, not first: bench/image.py would shadow the image package for whoever imports this.
sys.path.append(str(ROOT / "bench"))
from climb import cdr_mos, climb, levels_from  # noqa: E402

DIDS = {
    ("project", "queue"): "4000000001",
    ("bare", "queue"): "4100000001",
    ("project", "echo"): "4000000002",
    ("bare", "echo"): "4100000002",
    ("tried", "queue"): "4200000001",
    ("tried", "echo"): "4200000002",
}
TENANT, DOMAIN = "bench", "bench.cc.local"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def site(agents: int):
    from ccctl.config import spec as s

    seats = [s.Seat(extension=str(1000 + i), name=f"Agent {i}", skills={"sales": 5}) for i in range(agents)]
    return [
        s.Tenant(
            # A cap well above the load: the project path pays for the `limit` a real tenant has.
            name=TENANT,
            seat_limit=agents,
            call_limit=10_000,
            recording=s.Recording(mode="all"),
            seats=seats,
            queues=[
                s.Queue(
                    name="sales",
                    strategy="longest-idle-agent",
                    wrapup=0,
                    max_wait=600,
                    no_agent=s.NoAgent(timeout=0, target="hangup"),
                )
            ],
            numbers=[
                s.Number(number=DIDS[("project", "queue")], target="queue:sales"),
                s.Number(number=DIDS[("project", "echo")], target="echo"),
            ],
        )
    ]


def add_bare_path(conf: Path, tried: list[str] = ()) -> None:
    """Hand-written DID extensions at the top of the rendered public context: answer, then the
    queue or echo, nothing else. With TRIED (NAME=VALUE channel variables), a third path: the
    bare one with those exported first, so the seat's leg has them too."""
    from lxml import etree

    path = conf / "dialplan" / "00-public.xml"
    root = etree.fromstring(path.read_bytes())
    ctx = root.find("context")
    paths = [("bare", ())] + ([("tried", tried)] if tried else [])
    targets = (("queue", "callcenter", f"sales@{DOMAIN}"), ("echo", "echo", None))
    for i, ((variant, variables), (kind, app, data)) in enumerate((p, t) for p in paths for t in targets):
        ext = etree.Element("extension", name=f"{variant}-{kind}")
        c = etree.SubElement(ext, "condition", field="destination_number", expression=f"^{DIDS[(variant, kind)]}$")
        for v in variables:
            etree.SubElement(c, "action", application="export", data=v)
        if variables:  # mod_callcenter originates the seat's leg alone: it passes only these on
            names = ",".join(v.split("=", 1)[0] for v in variables)
            etree.SubElement(c, "action", application="set", data=f"cc_export_vars={names}")
        etree.SubElement(c, "action", application="answer")
        etree.SubElement(c, "action", application=app, **({"data": data} if data else {}))
        ctx.insert(i, ext)
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def fs_user_sys_s(pid: int) -> tuple[float, float]:
    """FreeSWITCH's CPU seconds so far in its own code and in the kernel's (system calls: the
    network, the recordings' writes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def fs_cpu_seconds(pid: int) -> float:
    return sum(fs_user_sys_s(pid))


def fs_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[k], 1)


def sipp_figures(d: Path) -> tuple[int, int, list[float]]:
    """(successful, failed, INVITE->200 ms per answered call) from sipp's -trace_stat/-trace_rtt."""
    ok = failed = 0
    stats = sorted(d.glob("*_.csv"))
    if stats:
        lines = stats[-1].read_text().strip().splitlines()
        row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
        ok, failed = int(row.get("SuccessfulCall(C)", 0)), int(row.get("FailedCall(C)", 0))
    rtts = []
    for f in d.glob("*_rtt.csv"):
        for line in f.read_text().splitlines():
            parts = line.split(";")
            try:
                rtts.append(float(parts[1]))
            except (IndexError, ValueError):
                continue  # the header
    return ok, failed, rtts


class Bench:
    def __init__(self, workdir: Path, agents: int, tried: list[str] = ()):
        from ccctl import app
        from ccctl.config.entities import seat_password
        from ccctl.config.write import apply_tenants
        from ccctl.testing.box import fs_settings, start_box
        from ccctl.testing.sip import AgentPool, EventLog, Seat, long_registration

        self.dir = workdir
        apply_tenants(app.open(fs_settings(workdir), deploy=False), site(agents))
        self.box = start_box(find_prefix(), workdir)
        add_bare_path(self.box.services.settings.fs_conf_dir, tried)
        assert "[Success]" in self.box.api("reloadxml")
        seats = [
            Seat(str(1000 + i), DOMAIN, seat_password(self.box.services, TENANT, str(1000 + i))) for i in range(agents)
        ]
        # Registered for two hours: register.xml's 300 s ran out during a climb, and the queue
        # steps after the echo climb found no seat (0 of 80 bridged).
        self.pool = AgentPool(
            self.box,
            workdir / "agents",
            seats,
            register_timeout=180,
            register=long_registration(workdir / "register", 7200),
            timeout_s=7200,
        )
        for x in seats:
            self.box.api(f"callcenter_config agent set status {x.extension}@{DOMAIN} Available")
        self.events = EventLog(self.box.fs.password, ["CUSTOM", "callcenter::info"])
        self.step = 0

    def bridged(self) -> int:
        return len(self.events.matching(lambda e: e.get("CC-Action") == "bridge-agent-start"))

    def run(
        self, variant: str, kind: str, step: str, *, concurrent: int, total: int, rate: float, talk_ms: int
    ) -> dict:
        from ccctl.testing.sip import caller_load

        self.step += 1
        d = self.dir / f"{self.step:02d}-{variant}-{kind}"
        before_bridged, cpu0, t0 = self.bridged(), fs_cpu_seconds(self.box.fs.proc.pid), time.monotonic()
        wall0 = time.time()
        load = caller_load(
            d,
            DIDS[(variant, kind)],
            total=total,
            concurrent=concurrent,
            rate=rate,
            talk_ms=talk_ms,
            trace_stat=True,
            port=5062,
            source_ip="127.0.0.2",
        )
        load.wait(total / rate + talk_ms / 1000 + 180)
        time.sleep(1)  # the last hangups and recordings close
        cpu = fs_cpu_seconds(self.box.fs.proc.pid) - cpu0
        ok, failed, rtts = sipp_figures(d)
        if kind == "queue":  # a queue call counts when it reached a seat, not when it was answered
            reached = self.bridged() - before_bridged
            failed, ok = max(failed, total - reached), min(ok, reached)
        r = {
            "path": variant,
            "kind": kind,
            "step": step,
            "concurrent": concurrent,
            "total": total,
            "rate": rate,
            "ok": ok,
            "failed": failed,
            "failure_pct": round(100 * failed / max(total, 1), 2),
            "invite_200_ms": {"p50": pct(rtts, 50), "p95": pct(rtts, 95), "n": len(rtts)},
            "fs_cpu_s": round(cpu, 2),
            "fs_cpu_ms_per_call": round(1000 * cpu / max(ok, 1), 1),
            "fs_cpu_pct": round(100 * cpu / max(time.monotonic() - t0, 0.001)),
            "fs_rss_mb": fs_rss_mb(self.box.fs.proc.pid),
            "mos": cdr_mos(self.box.services.settings.fs_cdr_dir, wall0),
            "seconds": round(time.monotonic() - t0, 1),
        }
        return r

    def stop(self) -> None:
        self.events.close()
        self.pool.stop()
        self.box.fs.stop()


def compare(runs: list[dict], kind: str, key, variant: str = "project") -> list[dict]:
    """VARIANT (the project's path, or the tried one) vs bare, step by step: the ratios the
    issue's targets are stated in."""
    out = []
    for p in (r for r in runs if r["path"] == variant and r["kind"] == kind):
        b = next((r for r in runs if r["path"] == "bare" and r["kind"] == kind and key(r) == key(p)), None)
        if not b:
            continue
        bp95, pp95 = b["invite_200_ms"]["p95"], p["invite_200_ms"]["p95"]
        out.append(
            {
                "path": variant,
                "kind": kind,
                "step": key(p),
                "p95_ratio": round(pp95 / bp95, 2) if bp95 and pp95 else None,
                "cpu_per_call_ratio": round(p["fs_cpu_ms_per_call"] / b["fs_cpu_ms_per_call"], 3)
                if b["fs_cpu_ms_per_call"]
                else None,
            }
        )
    return out


CLIMB_RAMP = 60
"""New calls a second at which a concurrency step is reached."""


def climb_all(bench: Bench, args, results: dict, record) -> None:
    """Each path up to its first failing step, in the order asked; the ceilings into RESULTS."""
    order = ("project", "bare") if args.project_first else ("bare", "project")
    results["ceilings"] = []

    def held(n: int) -> dict:
        # Reached at CLIMB_RAMP calls a second, well under the rate ceiling (a faster ramp
        # measured the setup rate instead: 800 echo calls ramped at 200/s gave p95 23 s), then
        # all N held together for talk_ms.
        rate = min(max(n / 4, 5), CLIMB_RAMP)
        return dict(concurrent=n, total=n, rate=rate, talk_ms=int(n / rate * 1000) + args.talk_ms)

    plans = {
        "echo": ("echo", args.climb_echo, held),
        "queue": ("queue", args.climb_queue, held),
        "rate": (
            "echo",
            args.climb_rate,
            lambda r: dict(concurrent=int(r * 3), total=int(r * 10), rate=r, talk_ms=1000),
        ),
    }
    for name, (kind, spec, shape) in plans.items():
        if name not in args.climb_only.split(","):
            continue
        start, step, limit = (int(x) for x in spec.split(","))
        if kind == "queue":
            limit = min(limit, args.agents)  # a queue call past the seats waits: not a ceiling of FreeSWITCH
        for variant in order:

            def run(level, variant=variant, kind=kind, name=name, shape=shape):
                return record(bench.run(variant, kind, f"climb-{name}", **shape(level)))

            best, steps = climb(levels_from(start, step, limit), run)
            last = steps[-1] if steps else {}
            at = next((x for x in steps if x["level"] == best), {})
            results["ceilings"].append(
                {
                    "path": variant,
                    "kind": name,
                    "ceiling": best,
                    "first_failure": last.get("verdict") if last and not last.get("passed") else "none up to the limit",
                    "fs_cpu_pct": at.get("fs_cpu_pct"),
                    "fs_rss_mb": at.get("fs_rss_mb"),
                }
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--levels", default="25,50,100", help="concurrent calls to hold (queue: up to --agents)")
    ap.add_argument("--rates", default="20,40,60,80", help="new calls per second to try (1 s calls)")
    ap.add_argument("--talk-ms", type=int, default=20000, help="talk time of the concurrency steps")
    ap.add_argument("--kinds", default="queue,echo")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--climb", action="store_true", help="climb each path to its first failing step")
    ap.add_argument("--climb-echo", default="800,200,2000", help="start,step,limit of concurrent echo calls")
    ap.add_argument("--climb-queue", default="250,50,400", help="start,step,limit of concurrent queue calls")
    ap.add_argument("--climb-rate", default="160,20,400", help="start,step,limit of new echo calls per second")
    ap.add_argument("--project-first", action="store_true", help="climb the project's path before the bare one")
    ap.add_argument("--climb-only", default="echo,queue,rate", help="which climbs to run")
    ap.add_argument(
        "--try",
        dest="tried",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a channel variable to try on a third path, the bare one with it exported (repeatable; "
        "e.g. rtp_timer_name=none): its figures beside the bare path's, same run (results file: calls-tried-NAME-VALUE.json)",
    )
    args = ap.parse_args()
    if args.tried and args.climb:
        ap.error("--try weighs a setting in the steps; a climb runs the bare and product paths only")
    if bad := [v for v in args.tried if "=" not in v or not v.split("=", 1)[0]]:
        ap.error(f"--try wants NAME=VALUE: {bad[0]!r}")
    if find_prefix() is None:
        print("bench/calls: no FreeSWITCH found (CC_FREESWITCH_PREFIX or /opt/freeswitch): skipped")
        return
    if not only_loopback():
        os.execv(str(ROOT / "scripts" / "in-netns"), [str(ROOT / "scripts" / "in-netns"), sys.executable, *sys.argv])
    levels = [int(x) for x in args.levels.split(",")]
    rates = [float(x) for x in args.rates.split(",")]
    kinds = args.kinds.split(",")
    work = Path(tempfile.mkdtemp(prefix="ccctl-bench-calls-"))
    bench = Bench(work, args.agents, args.tried)
    variants = ("bare", "project", "tried") if args.tried else ("bare", "project")
    results = {
        "tried": args.tried,
        "agents": args.agents,
        "talk_ms": args.talk_ms,
        "cores": os.cpu_count(),
        "session_limits": bench.box.services.settings.session_limits(),
        "runs": [],
    }

    def record(r: dict) -> dict:
        results["runs"].append(r)
        if not args.json:
            print(json.dumps(r), flush=True)
        return r

    if args.climb:
        try:
            climb_all(bench, args, results, record)
        finally:
            bench.stop()
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        order = "-project-first" if args.project_first else ""
        name = f"calls-climb-{args.climb_only.replace(',', '-')}{order}.json"
        (out / name).write_text(json.dumps(results, indent=2))
        for c in results["ceilings"]:
            print(f"  {c['path']:>7} {c['kind']:>5}: ceiling {c['ceiling']} ({c['first_failure']})")
        shutil.rmtree(work, ignore_errors=True)
        return
    try:
        for kind in kinds:
            for n in levels:
                if kind == "queue" and n > args.agents:
                    continue
                for variant in variants:
                    record(
                        bench.run(
                            variant,
                            kind,
                            "concurrency",
                            concurrent=n,
                            total=n,
                            rate=max(n / 4, 5),
                            talk_ms=args.talk_ms,
                        )
                    )
            for variant in variants:
                best = 0.0
                for rate in rates:
                    r = record(
                        bench.run(
                            variant,
                            kind,
                            "rate",
                            concurrent=args.agents if kind == "queue" else int(rate * 3),
                            total=int(rate * 10),
                            rate=rate,
                            talk_ms=1000,
                        )
                    )
                    if r["failure_pct"] >= 1:
                        break
                    best = rate
                results[f"{variant}_{kind}_max_cps"] = best
        recs = [p for p in (bench.box.fs.dirs["recordings"] / TENANT).rglob("*.wav") if "voicemail" not in p.parts]
        results["recordings"] = len(recs)
        results["recording_failures"] = int(bench.box.api(f"db count/ccctl_recording_failures_{TENANT}").strip() or 0)
    finally:
        bench.stop()
    runs = results["runs"]
    conc = [r for r in runs if r["step"] == "concurrency"]
    results["comparison"] = [
        c for v in variants[1:] for kind in ("queue", "echo") for c in compare(conc, kind, lambda r: r["concurrent"], v)
    ]
    for kind in kinds:
        b, p = results.get(f"bare_{kind}_max_cps"), results.get(f"project_{kind}_max_cps")
        results[f"{kind}_cps_ratio"] = round(p / b, 2) if b else None
    print("\nINVITE->200 (ms) and FreeSWITCH CPU per call, concurrency steps:")
    for r in conc:
        print(
            f"  {r['kind']:>5} {r['path']:>7} {r['concurrent']:>4} concurrent: ok {r['ok']}/{r['total']}, "
            f"p50 {r['invite_200_ms']['p50']}, p95 {r['invite_200_ms']['p95']}, "
            f"CPU {r['fs_cpu_ms_per_call']} ms/call"
        )
    for c in results["comparison"]:
        print(
            f"  {c['kind']} at {c['step']}: p95 {c['path']}/bare {c['p95_ratio']}, CPU/call {c['path']}/bare "
            f"{c['cpu_per_call_ratio']}"
        )
    for kind in kinds:
        print(
            f"  {kind} calls/s (<1% failures): "
            + ", ".join(f"{v} {results.get(f'{v}_{kind}_max_cps')}" for v in variants)
            + f" (project/bare {results.get(f'{kind}_cps_ratio')})"
        )
    print(f"recordings written: {results.get('recordings')}, failed: {results.get('recording_failures')}")
    if results["runs"]:
        lat = [r["invite_200_ms"]["p95"] for r in conc if r["invite_200_ms"]["p95"] is not None]
        results["median_p95_ms"] = statistics.median(lat) if lat else None
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (
        out
        / ("calls-tried-" + "-".join(v.replace("=", "-") for v in args.tried) + ".json" if args.tried else "calls.json")
    ).write_text(json.dumps(results, indent=2))
    if args.json:
        print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

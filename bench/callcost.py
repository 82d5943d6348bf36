"""What one short call costs FreeSWITCH, in instructions: the product's path beside a bare one,
and each per-call feature's share of the difference.

Wall-clock CPU seconds move with whatever else the machine runs; instruction counts do not.
FreeSWITCH boots from the rendered tree (bench/calls.py's tenant: recording on, a call cap)
under `valgrind --tool=callgrind` with instrumentation off, so it starts at native speed. For
each path the counters are zeroed, instrumentation is turned on, N short calls (sipp, speech
both ways) are placed at a low rate, then the counters are dumped and instrumentation turned
off. Instructions per call = (dump total - the idle rate measured the same way with no calls
x the step's duration) / calls answered.

Paths (echo; queue with --kinds echo,queue):
  bare         DID -> answer -> echo (hand-written into `public` for this run)
  product      DID -> public: the tenant's variables and the cap (uuid_limit) as the hunt
               passes, then the target's own actions right there (no transfer) -> echo
  no-limit, no-hooks, no-transfer, no-cdr, target-first, log-warning
               the product with one feature removed (a bench-only edit of the XML, or an
               API command around the step): the instructions it saves are its share
  all-off      every edit at once: what is left of the difference is the rest

Figures, not pass/fail:

    python bench/callcost.py [--calls 20] [--rate 2] [--kinds echo] [--variants ...] [--json]

Needs FreeSWITCH (CC_FREESWITCH_PREFIX or /opt/freeswitch), valgrind and sipp; re-runs itself
inside `scripts/in-netns`. Writes bench/results/callcost.json.

## Results, second stop (2026-12-06, 30 calls of 1 s at 2/s per path, 8 seats)

Instructions per call, idle subtracted. Before: main at 17e2fb3 (the DID transferred into the
tenant's context; the cap by the `limit` application; two recording-failure hooks).

| echo call | before | after |
|---|---|---|
| bare | 13.51 M / 13.69 M (two runs) | 13.58-13.75 M (three runs) |
| product | 19.94 M (x1.48) / 20.08 M (x1.47) | 14.45 M (x1.05), 15.03 M (x1.10), 14.83 M (x1.09) |
| transfer out of `public` | 2.68 M | 0 (the target runs in `public`) |
| `limit` cap | 0.91 M | 0.14-0.45 M (uuid_limit, no application) |
| CDR (json_cdr) | 0.64 M | 0.48-0.55 M (bare pays its own CDR too) |
| the seat's keys *4/*5 (2 bind_meta_app) | ~2 M (estimated, ~1 M an application) | 0 on echo (no seat answers it) |

The echo figures move +-0.3 M between runs (the idle rate subtracted). Queue calls move with
the callers' time in the queue (hold music per second waited, the seats' answer delay under
load): bare 33.8-48 M in five runs, product/bare 1.42 and 1.26 before, 1.27, 1.00 and 1.26
after; no feature's share can be read from them. Per call, independent of timing, the
profiles show the recording-failure hook (api_hook): 7.1 M with two hooks, 5.4 M with one.

## Results, first stop (2026-12-06, FreeSWITCH 1.10.12, 20 echo calls of 1 s at 2/s per path)

Instructions per call, idle subtracted; the bare path repeats within 1% over seven runs
(13.53-13.70 M), so the figures hold on a loaded machine.

| | before (main 11840ec) | after |
|---|---|---|
| bare echo | 13.55 M | 13.66 M |
| product echo | 26.66 M (x1.97 bare) | 18.30 M (x1.34 bare), -31% |
| share of the product's extra: failure hooks | 49% | 0% (set only where a recording starts) |
| `transfer` out of `public` | 23% | 64% (2.9 M) |
| `limit` cap | 10% | 22% (1.0 M) |
| CDR (mod_json_cdr) | 10% | 16% (0.7 M) |
| log level info -> warning | 3% | 0% |
| all of these off | x1.15 bare | x0.97 bare |

What each call paid for, from the callgrind profiles: every application run fires
CHANNEL_EXECUTE and CHANNEL_EXECUTE_COMPLETE carrying every channel variable (`set` and
`multiset` a third, CHANNEL_DATA), each also an UPDATE in the core database: about 1 M
instructions per application on this call. Each hangup hook copied all the variables twice
more (api_hook), on every call. The renderer now sets the hooks only where a recording starts,
runs a DID's setup (variables, cap) in its `public` extension so the tenant's setup runs
nothing, and sets the variables of the DID, echo and queue extensions with uuid_setvar_multi
in a condition (no application). What is left is the price of features kept: the transfer
into the tenant's context (isolation), the cap, the call record. Queue calls (8 sipp seats,
recording on) vary +-20% from run to run with the seats' timing (bare 48.8 M and 57.1 M in
two runs): product/bare 1.49 before, 1.20 after the hooks change, indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calls import DIDS, DOMAIN, TENANT, add_bare_path, sipp_figures, site  # noqa: E402

from ccctl.testing.fsproc import find_prefix, only_loopback  # noqa: E402

TARGETS = {"echo": ("cc-echo", "echo"), "queue": ("cc-queue-sales", "queue-sales")}
"""The tenant destination each product DID transfers to, and the extension that answers it."""

VARIANTS = ("product", "no-limit", "no-hooks", "no-transfer", "no-cdr", "target-first", "log-warning", "all-off")


def _setup(ctx):
    return ctx.find("extension[@name='setup']")


def _did(pub, kind):
    return pub.find(f"extension[@name='did-{DIDS[('project', kind)]}']")


def _drop(pub, ten, kind, pred) -> None:
    """From the tenant's setup and the DID's extension (which carries the setup since the
    renderer moved it there): every action PRED selects."""
    for a in [*_setup(ten).iter("action"), *_did(pub, kind).iter("action")]:
        if pred(a):
            a.getparent().remove(a)


def no_limit(pub, ten, kind) -> None:
    """The `limit` application, and the DID's cap condition (uuid_limit as the hunt passes)."""
    _drop(pub, ten, kind, lambda a: a.get("application") == "limit")
    for c in list(_did(pub, kind).findall("condition")):
        if (c.get("field") or "").startswith("${uuid_limit("):
            c.getparent().remove(c)


def no_hooks(pub, ten, kind) -> None:
    """The failure hooks wherever this path passes: setup, the DID, the target extension."""
    _drop(pub, ten, kind, lambda a: a.get("data", "").startswith(("api_hangup_hook=", "api_reporting_hook=")))
    for a in list(ten.find(f"extension[@name='{TARGETS[kind][1]}']").iter("action")):
        if a.get("data", "").startswith(("api_hangup_hook=", "api_reporting_hook=")):
            a.getparent().remove(a)


def target_first(pub, ten, kind) -> None:
    target = ten.find(f"extension[@name='{TARGETS[kind][1]}']")
    ten.remove(target)
    ten.insert(list(ten).index(_setup(ten)) + 1, target)


def etree_bytes(node) -> bytes:
    from lxml import etree

    return etree.tostring(node)


def no_transfer(pub, ten, kind) -> None:
    """The DID's extension runs the tenant's setup (unless it carries it already) and the
    target's actions itself."""
    import copy

    did = _did(pub, kind)
    if b"ccctl_entry=" in etree_bytes(did):
        return  # the renderer runs the target in `public` already
    transfer = next(a for a in did.iter("action") if a.get("application") == "transfer")
    cond = transfer.getparent()
    cond.remove(transfer)
    if b"ccctl_setup=true" not in etree_bytes(did):
        for a in _setup(ten).find("condition").iter("action"):
            cond.append(copy.deepcopy(a))
    for a in ten.find(f"extension[@name='{TARGETS[kind][1]}']").iter("action"):
        cond.append(copy.deepcopy(a))


EDITS = {"no-limit": no_limit, "no-hooks": no_hooks, "target-first": target_first, "no-transfer": no_transfer}
AROUND = {
    # (before the step, after it): API commands
    "no-cdr": ("unload mod_json_cdr", "load mod_json_cdr"),
    "log-warning": ("fsctl loglevel warning", "fsctl loglevel info"),
}


class Callgrind:
    """callgrind_control on one valgrind'ed FreeSWITCH: zero, on, dump, off."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.pid: int | None = None

    def wrapper(self) -> list[str]:
        return [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--collect-atstart=yes",
            "--dump-instr=no",
            "--separate-threads=no",
            # FreeSWITCH re-executes itself to lower its stack limit: follow it.
            "--trace-children=yes",
            f"--callgrind-out-file={self.outdir}/callgrind.out.%p",
        ]

    def ctl(self, *args: str) -> str:
        r = subprocess.run(
            ["callgrind_control", *args, str(self.pid)], capture_output=True, text=True, timeout=600, check=False
        )
        return r.stdout + r.stderr

    def start(self) -> None:
        self.ctl("-i", "on")
        self.ctl("-z")

    def stop(self, label: str) -> Path:
        before = set(self.outdir.glob(f"callgrind.out.{self.pid}*"))
        self.ctl("-d", label)
        self.ctl("-i", "off")
        new = sorted(set(self.outdir.glob(f"callgrind.out.{self.pid}*")) - before, key=lambda p: p.stat().st_mtime)
        if not new:
            raise RuntimeError(f"callgrind wrote no dump for {label}")
        return new[-1]


def total_ir(dump: Path) -> int:
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


_ANN = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*(?:\[.*\])?$")


def inclusive(dump: Path) -> dict[str, int]:
    """Function -> inclusive Ir, from callgrind_annotate."""
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=99.99", str(dump)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    ).stdout
    funcs: dict[str, int] = {}
    for line in out.splitlines():
        m = _ANN.match(line)
        if m and ":" in m.group(2):
            # "file:function (3x)": the call count differs between dumps, the function does not
            name = re.sub(r"\s*\([\d,]+x\)$", "", m.group(2).split(":", 1)[1].strip())
            funcs[name] = funcs.get(name, 0) + int(m.group(1).replace(",", ""))
    return funcs


def differing(bare: dict, prod: dict, n_bare: int, n_prod: int, top: int = 20) -> list[tuple[str, int]]:
    """The functions whose inclusive instructions per call grow most from BARE to PROD."""
    names = set(bare) | set(prod)
    diff = {f: prod.get(f, 0) / max(n_prod, 1) - bare.get(f, 0) / max(n_bare, 1) for f in names}
    return [(f, round(d)) for f, d in sorted(diff.items(), key=lambda x: -x[1])[:top]]


class CostBench:
    def __init__(self, workdir: Path, agents: int, calls: int, rate: float, talk_ms: int):
        from lxml import etree

        from ccctl import app
        from ccctl.config.write import apply_tenants
        from ccctl.testing.box import fs_settings, start_box

        self.etree = etree
        self.dir, self.calls, self.rate, self.talk_ms = workdir, calls, rate, talk_ms
        self.cg = Callgrind(workdir)
        apply_tenants(app.open(fs_settings(workdir), deploy=False), site(agents))
        self.box = start_box(find_prefix(), workdir, wrapper=self.cg.wrapper(), timeout=900)
        self.cg.pid = self.box.fs.proc.pid
        self.conf = self.box.services.settings.fs_conf_dir
        add_bare_path(self.conf)
        self.public = self.conf / "dialplan" / "00-public.xml"
        self.tenant = self.conf / "dialplan" / f"tenant-{TENANT}.xml"
        self.pristine = {p: p.read_bytes() for p in (self.public, self.tenant)}
        self.pool = None
        if agents:
            from ccctl.config.entities import seat_password
            from ccctl.testing.sip import AgentPool, Seat

            seats = [
                Seat(str(1000 + i), DOMAIN, seat_password(self.box.services, TENANT, str(1000 + i)))
                for i in range(agents)
            ]
            self.pool = AgentPool(self.box, workdir / "agents", seats, register_timeout=600)
            for x in seats:
                self.box.api(f"callcenter_config agent set status {x.extension}@{DOMAIN} Available")
        self.step = 0

    def apply(self, edits: list[str], kind: str) -> None:
        """The pristine dialplan with EDITS, loaded."""
        roots = {p: self.etree.fromstring(b) for p, b in self.pristine.items()}
        pub, ten = roots[self.public].find("context"), roots[self.tenant].find("context")
        for e in edits:
            EDITS[e](pub, ten, kind)
        for p, r in roots.items():
            p.write_bytes(self.etree.tostring(r, xml_declaration=True, encoding="UTF-8"))
        assert "[Success]" in self.box.api("reloadxml")

    def idle(self, seconds: float) -> float:
        """Instructions per second with no call up."""
        self.cg.start()
        t0 = time.monotonic()
        time.sleep(seconds)
        dump = self.cg.stop("idle")
        return total_ir(dump) / (time.monotonic() - t0)

    def run(self, name: str, kind: str, idle_rate: float) -> dict:
        from ccctl.testing.sip import caller_load

        variant = "bare" if name == "bare" else "project"
        edits = [] if name in ("bare", "product") else list(EDITS) if name == "all-off" else [name]
        edits = [e for e in edits if e in EDITS]
        around = list(AROUND) if name == "all-off" else [name] if name in AROUND else []
        self.apply(edits, kind)
        for a in around:
            self.box.api(AROUND[a][0], check=False)
        self.step += 1
        d = self.dir / f"{self.step:02d}-{name}-{kind}"
        self.cg.start()
        t0 = time.monotonic()
        load = caller_load(
            d,
            DIDS[(variant, kind)],
            total=self.calls,
            concurrent=max(2, int(self.rate * (self.talk_ms / 1000 + 2))),
            rate=self.rate,
            talk_ms=self.talk_ms,
            trace_stat=True,
            port=5062,
            source_ip="127.0.0.2",
            timeout_s=self.calls / self.rate + 600,
        )
        load.wait(self.calls / self.rate + 600)
        time.sleep(2)  # the last hangups, CDRs and recordings close
        seconds = time.monotonic() - t0
        dump = self.cg.stop(f"{name}-{kind}")
        for a in around:
            self.box.api(AROUND[a][1], check=False)
        ok, failed, _ = sipp_figures(d)
        ir = total_ir(dump)
        net = ir - idle_rate * seconds
        return {
            "name": name,
            "kind": kind,
            "calls": self.calls,
            "ok": ok,
            "failed": failed,
            "seconds": round(seconds, 1),
            "ir_total": ir,
            "ir_per_call": round(net / max(ok, 1)),
            "dump": str(dump),
        }

    def stop(self) -> None:
        if self.pool:
            self.pool.stop()
        self.box.fs.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=20, help="calls per path")
    ap.add_argument("--rate", type=float, default=2, help="new calls per second")
    ap.add_argument("--talk-ms", type=int, default=1000)
    ap.add_argument("--kinds", default="echo", help="echo,queue (queue registers --agents sipp seats)")
    ap.add_argument("--agents", type=int, default=4)
    ap.add_argument("--variants", default=",".join(VARIANTS), help="product variants after bare")
    ap.add_argument("--idle-s", type=float, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (dumps, sipp logs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if find_prefix() is None or not shutil.which("valgrind") or not shutil.which("sipp"):
        print("bench/callcost: needs FreeSWITCH, valgrind and sipp: skipped")
        return
    if not only_loopback():
        os.execv(str(ROOT / "scripts" / "in-netns"), [str(ROOT / "scripts" / "in-netns"), sys.executable, *sys.argv])
    kinds = args.kinds.split(",")
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s): {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="ccctl-bench-callcost-"))
    bench = CostBench(work, args.agents if "queue" in kinds else 0, args.calls, args.rate, args.talk_ms)
    results: dict = {"calls": args.calls, "rate": args.rate, "talk_ms": args.talk_ms, "runs": [], "top": {}}
    try:
        idle = bench.idle(args.idle_s)
        results["idle_ir_per_s"] = round(idle)
        for kind in kinds:
            runs = []
            for name in ["bare", *variants]:
                r = bench.run(name, kind, idle)
                runs.append(r)
                if not args.json:
                    print(json.dumps({k: v for k, v in r.items() if k != "dump"}), flush=True)
            bare = next(r for r in runs if r["name"] == "bare")
            extra = None
            for r in runs:
                r["vs_bare"] = round(r["ir_per_call"] / bare["ir_per_call"], 3)
                if r["name"] == "product":
                    extra = r["ir_per_call"] - bare["ir_per_call"]
            prod = next((r for r in runs if r["name"] == "product"), None)
            for r in runs:
                if prod and extra and r["name"] not in ("bare", "product"):
                    r["share_of_extra"] = round((prod["ir_per_call"] - r["ir_per_call"]) / extra, 3)
            if prod:
                results["top"][kind] = differing(
                    inclusive(Path(bare["dump"])), inclusive(Path(prod["dump"])), bare["ok"], prod["ok"]
                )
            results["runs"] += runs
    finally:
        bench.stop()
    print("\nInstructions per call (idle subtracted):")
    for r in results["runs"]:
        share = f", share of product's extra {r['share_of_extra']:+.0%}" if "share_of_extra" in r else ""
        print(
            f"  {r['kind']:>5} {r['name']:>12}: {r['ir_per_call']:>13,} Ir/call ({r['ok']}/{r['calls']} ok, "
            f"x{r['vs_bare']} bare){share}"
        )
    for kind, top in results["top"].items():
        print(f"\n{kind}: inclusive Ir per call, product minus bare, top functions:")
        for f, d in top:
            print(f"  {d:>+13,}  {f}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "callcost.json").write_text(json.dumps(results, indent=2))
    if args.json:
        print(json.dumps(results, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work directory kept: {work}")


if __name__ == "__main__":
    main()

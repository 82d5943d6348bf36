"""Memory soak on a real FreeSWITCH (issue 26, MEMORY): the product's rendered tree holding N
recorded queue calls for M minutes while agents change state and the configuration changes.

bench/calls.py's tenant (recording on, a call cap, one queue, a sipp pool of registered seats
answering with RTP echo), its DID -> public -> queue -> seat path, and nothing hand-written:

  calls      one sipp caller process holding --calls concurrent calls of --talk-s seconds of
             speech both ways; a call that ends is replaced at once (sipp -l), so the level
             stays N for the whole run
  agents     --agents seats (default N + 10); every 20 s the seats put on break last time go
             ready and the next --flip seats go on break, through ccctl.supervision.agents
             (what `ccctl agent break/ready` runs)
  config     every minute the queue's max_wait toggles between two values through
             ccctl.config.entities.set_item (what `ccctl queue set` runs): the write path,
             render, swap and targeted reload (callcenter_config queue reload) on the live box
  samples    every 30 s: FreeSWITCH's RSS and PSS (/proc), CPU% over the interval, calls up
             (`show calls count`: bridged pairs), callers waiting and members in the queue,
             FreeSWITCH's write rate (/proc/PID/io: the recordings' disk rate); every 5 min also FreeSWITCH's
             own counters (`status`, channels, the limit hash, threads, heap) to tell which
             state grows

At the end the callers stop placing calls and the last ones finish; then every recording is
checked against its call: a bridged caller leg (its JSON CDR) without a WAV is lost, a WAV
more than 1.5 s shorter than the bridge -> hangup time is truncated. Failed calls: sipp's
failed calls, INVITEs refused, and callers answered but never bridged to a seat.

Reported: the memory curve (minute, RSS MB, PSS MB, calls up, CPU%) and RSS growth per hour by
least squares over minutes 10..end, as text, and as JSON in bench/results/soak-NcMm-MALLOC.json
(MALLOC: the one the engine ran on, read from its memory map).
Figures, never pass/fail:

    python bench/soak.py [--calls 200] [--minutes 60] [--agents N+10] [--record-thread]
                         [--engine-env NAME=VALUE ...] [--json]

Needs FreeSWITCH (CC_FREESWITCH_PREFIX or /opt/freeswitch) and sipp; re-runs itself inside
`scripts/in-netns` so nothing leaves loopback.

## Results (2026-12-07, one hour on jemalloc, the box's malloc)

128 calls, 138 seats, 2 cores, quiet, 60 minutes (soak-128c60m-jemalloc.json): RSS peaks at
313 MB at minute 4, then 299 at minute 10, 295 at 15, 293 at 20, 295 at 30, 297 at 40, 296 at
50, 295 at 60; 292-299 MB from minute 10 to the end: -0.2 MB/h after minute 10 (least
squares), -2.2 MB/h over the second half. 98 MB idle once the calls ended. 7,524 calls, 0
failed, 7,524 WAVs, 0 lost or truncated (talk - WAV max 0.1 s), MOS 4.5, INVITE -> 200 p50 /
p95 4 / 8 ms; 1,077 agent state changes and 59 live queue changes, none failed; FreeSWITCH
wrote 2.4 MB/s; CPU median 68% from minute 5 (55-82%; 33% user, 31% system at minute 60: this
machine was quieter than the 40-minute run's, 88%).

## Results (2026-12-07, second machine: jemalloc, now the box's malloc)

128 calls, 138 seats, 2 cores, quiet; FreeSWITCH with libjemalloc.so.2 preloaded (what its unit
now sets, ccctl/freeswitch/runtime.py). 20 minutes (soak-128c20m-jemalloc.json): RSS peaks at
323 MB at minute 4 and falls back, 301 at minute 10, 296 at 20 (-26 MB/h after minute 10); CPU
median 91% (minutes 5-20). 40 minutes (soak-128c40m-jemalloc.json): 310 MB at minute 5, 304 at
10, then 295-296 from minute 15 to 40: -5.6 MB/h after minute 10, -1.0 MB/h over the second
half; CPU median 88% (minutes 5-40; 48-51% user, 38-42% system). Both: 93-94 MB idle once the
calls ended, with no trim (glibc: 322-327 MB, 61 MB only after malloc_trim); 0 failed, 0
recordings lost or truncated (2,521 and 5,003 calls), INVITE -> 200 p95 12 ms, MOS 4.49.

## Results (2026-12-07, second machine: glibc's arenas, 20 minutes each, back to back)

128 calls, 138 seats, 2 cores, quiet. Default arenas (soak-128c20m.json): RSS 412 MB at minute
10, +41.6 MB/h after it, 67 MB after malloc_trim; CPU median 86% (minutes 5-20).
MALLOC_ARENA_MAX=2 (soak-128c20m-arena2.json, now the box's unit and the tests' engine, see
ccctl/freeswitch/runtime.py): 343 MB at minute 10, +14.3 MB/h after it, 61 MB after
malloc_trim; CPU median 88%. Both: 0 failed, 0 recordings lost or truncated of ~2,520, MOS 4.49.
Then 25 minutes of the product as it now runs (capped, soak-128c25m.json): 339 MB at minute
10, 342 at 25, +10.5 MB/h after minute 10 and +6.7 MB/h over the second half; 3,140 calls, 0
failed, 0 recordings lost or truncated; CPU median 85% (48% user, 39% system at minute 25).
No thread of FreeSWITCH took over 1.1% of a core in any 5 minutes: the CPU is spread over the
calls' threads (about 400), none of its own (SIP stack, queue dispatcher, timer) stands out.

## Results (2026-12-07, 128 calls = 80% of the queue ceiling, 138 seats, 2 cores, quiet)

60 minutes with recordings written inline (soak-128c60m.json): 7,525 calls, 0 failed, 0
recordings lost or truncated, MOS 4.49. RSS 276 MB at minute 10, 284 at 30, 288 at 60: +9.6
MB/h over the second half; 65 MB after malloc_trim. FreeSWITCH wrote 2.4 MB/s to storage with
126 calls up (19 KB/s a call). Its CPU rose from 75% (median, minutes 10-30) to 87% (30-60) at
the same calls, with threads, heap, core db and limit hash flat: not yet explained.

## Earlier (2026-12-06, 160 calls, 170 seats, 2 cores shared with two qemu VMs at nice -5)

60 minutes (soak-160c60m.json): RSS 346 MB at minute 10, 348 at 15, then 431 at 20 and 640 at
25 while the machine was starved (load average 200+), flat or falling after (-31 MB/h over
25..60). Least squares over 10..60: +324 MB/h, all of it that one rise. At minute 21 the
recording writers were 31 s behind (p50, 103 s max), ~100 MB of audio buffered: record_session's
writer is a low-priority thread draining an unbounded buffer. After the calls: 584 MB; after
malloc_trim 63 MB: nothing is held, glibc keeps what the backlog freed. 0 failed of 8,431
calls; 8,440 WAVs, none lost, 751 shorter than their call by over 1.5 s (MOS 3.84: audio lost
before the recorder on a starved machine). With RECORD_USE_THREAD=false (12 min A/B,
soak-160c12m-inline.json): 155 fewer threads, RSS 267 MB at minute 10, 0 truncated of 1,770.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccctl.testing.fsproc import find_prefix, only_loopback  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from calls import (  # noqa: E402
    CLK_TCK,
    DIDS,
    DOMAIN,
    TENANT,
    fs_cpu_seconds,
    fs_rss_mb,
    fs_user_sys_s,
    pct,
    sipp_figures,
    site,
)

from bench.registrations import memory_kib  # noqa: E402

QUEUE = f"sales@{DOMAIN}"
SAMPLE_S, FLIP_S, CONFIG_S, COUNTERS_S = 30, 20, 60, 300
# sipp ends its run when its own loop stalls too often (10 stalls of 3 s, 120 of 0.5 s in 10
# minutes): on a shared machine that stopped the callers mid-soak. A stall shows in the calls
# it fails; the run goes on.
SIPP_PATIENT = ["-watchdog_minor_maxtriggers", "1000000", "-watchdog_major_maxtriggers", "1000000"]
TRUNCATED_S = 1.5  # a WAV this much shorter than its bridge -> hangup time lost audio


def fs_io_bytes(pid: int) -> dict[str, int]:
    """FreeSWITCH's I/O counters (/proc/PID/io): wchar, what it handed to write(); write_bytes,
    what of it the kernel sent to the storage layer (recordings, logs, CDRs, its databases)."""
    out = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("wchar", "write_bytes"):
            out[key] = int(value)
    return out


def fs_pss_mb(pid: int) -> float | None:
    """Proportional set size: RSS with shared pages (libraries) split among their users."""
    pss = memory_kib([pid])["pss_kib"]
    return round(pss / 1024, 1) if pss else None


def fs_heap_mb(pid: int) -> dict:
    """Resident MB of FreeSWITCH's [heap] and of its anonymous mappings (thread stacks and the
    arenas of glibc's malloc other than the main one): where a growing RSS lives."""
    heap = anon = 0
    current = None
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                current = "heap" if parts[-1] == "[heap]" else ("anon" if len(parts) == 5 else "file")
            elif line.startswith("Rss:"):
                kb = int(line.split()[1])
                if current == "heap":
                    heap += kb
                elif current == "anon":
                    anon += kb
    except OSError:
        pass
    return {"heap_mb": round(heap / 1024, 1), "anon_mb": round(anon / 1024, 1)}


def fs_threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def engine_environ(pid: int) -> dict[str, str]:
    """The environment FreeSWITCH started with."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(x.decode(errors="replace").split("=", 1) for x in raw if b"=" in x)


def engine_allocator(pid: int) -> str:
    """The malloc FreeSWITCH runs on: jemalloc when its library is mapped (a preload that could
    not be found is ignored by the loader, with glibc's malloc left in place), else glibc."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "jemalloc" if "libjemalloc" in maps else "glibc"


def fs_thread_ticks(pid: int) -> dict[int, tuple[str, int]]:
    """Each live thread's CPU clock ticks (utime + stime) and name."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            raw = (task / "stat").read_text()
        except OSError:
            continue  # ended between the listing and the read
        comm, rest = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        out[int(task.name)] = (comm, int(rest[11]) + int(rest[12]))
    return out


def busiest_threads(before: dict, after: dict, span_s: float, n: int = 6) -> dict:
    """The busiest threads over an interval, and how many threads used CPU in it. FreeSWITCH
    runs each call's session in a thread from a pool, so a thread is not a call; what this
    tells is whether one of FreeSWITCH's own threads (SIP stack, queue dispatcher, database
    writer, timer) stands out, or the CPU is spread over the calls' threads (gdb -p PID,
    `thread find TID`, shows a thread's stack)."""
    deltas = [(tid, after[tid][0], (after[tid][1] - before[tid][1]) / CLK_TCK) for tid in after if tid in before]
    return {
        "threads_busy": sum(1 for *_, d in deltas if d > 0),
        "busiest_threads": [
            {"tid": tid, "name": name, "cpu_pct": round(100 * d / span_s, 1)}
            for tid, name, d in sorted(deltas, key=lambda x: -x[2])[:n]
        ],
    }


def malloc_trim(pid: int) -> str:
    """malloc_trim(0) inside FreeSWITCH, through gdb (a pause of a second, after the calls)."""
    gdb = shutil.which("gdb")
    if not gdb:
        return "no gdb"
    p = subprocess.run(
        [gdb, "-p", str(pid), "-batch", "-nx", "-ex", "call (int)malloc_trim(0)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("$1")]
    return lines[0] if lines else (p.stderr.strip().splitlines() or ["gdb failed"])[-1]


def sipp_current(d: Path) -> int | None:
    """Calls the caller sipp has up now (its -trace_stat CurrentCall): the level as the
    callers see it. FreeSWITCH's own `show calls` reads its core database, whose writer lags
    (and showed 0) when the machine is starved."""
    stats = sorted(d.glob("*_.csv"))
    if not stats:
        return None
    lines = stats[-1].read_text().strip().splitlines()
    row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
    return int(row["CurrentCall"]) if row.get("CurrentCall", "").isdigit() else None


def first_int(text: str) -> int | None:
    m = re.search(r"(\d+)", text or "")
    return int(m.group(1)) if m else None


def least_squares_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Slope of Y over X (minutes) by least squares, times 60: growth per hour."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if not sxx:
        return None
    return round(60 * sum((x - mx) * (y - my) for x, y in points) / sxx, 1)


def wav_seconds(path: Path) -> tuple[float | None, float | None]:
    """(seconds by the header, seconds by the file's size): a header never finalized shows as
    a difference."""
    try:
        with wave.open(str(path)) as w:
            rate, width, ch, frames = w.getframerate(), w.getsampwidth(), w.getnchannels(), w.getnframes()
    except (wave.Error, EOFError, OSError):
        return None, None
    by_size = max(0, path.stat().st_size - 44) / (rate * width * ch)
    return round(frames / rate, 2), round(by_size, 2)


def check_recordings(cdr_dir: Path, rec_dir: Path, since: float) -> dict:
    """Each caller leg's CDR (written at its hangup) against its WAV: bridged calls without a
    recording (lost), recordings shorter than the bridged time (truncated), callers answered
    but never bridged to a seat. mod_callcenter's offers to a seat are legs of their own
    (cc_side=agent, a CDR each): an offer it cancels is counted apart, not as a failed call."""
    wavs = {p.stem: p for p in rec_dir.rglob("*.wav") if "voicemail" not in p.parts}
    bridged = unbridged = offers_cancelled = lost = truncated = header_short = 0
    short, shortfall, mos = [], [], []
    for f in cdr_dir.glob("*.cdr.json"):
        if f.stat().st_mtime < since:
            continue
        try:
            v = json.loads(f.read_text()).get("variables", {})
        except (ValueError, OSError):
            continue
        b, end = int(v.get("bridge_uepoch") or 0), int(v.get("end_uepoch") or 0)
        if v.get("cc_side") == "agent":
            offers_cancelled += 0 if b else 1
            continue
        if not b:
            unbridged += 1
            continue
        bridged += 1
        if v.get("rtp_audio_in_mos"):
            mos.append(float(v["rtp_audio_in_mos"]))
        talk = (end - b) / 1e6
        wav = wavs.get(f.name.removesuffix(".cdr.json"))
        by_header, by_size = wav_seconds(wav) if wav else (None, None)
        if by_header is None:
            lost += 1
            continue
        if by_size - by_header > 0.5:
            header_short += 1
        if by_size < talk - TRUNCATED_S:
            truncated += 1
            short.append({"file": wav.name, "wav_s": by_size, "talk_s": round(talk, 2)})
        shortfall.append(talk - by_size)
    return {
        "wav_files": len(wavs),
        "bridged_calls": bridged,
        "answered_not_bridged": unbridged,
        "agent_offers_cancelled": offers_cancelled,
        "lost": lost,
        "truncated": truncated,
        "header_not_final": header_short,
        "truncated_examples": short[:10],
        # negative: the WAV is longer than bridge -> hangup (the recording starts at the
        # pre-bridge, before the bridge time the CDR keeps)
        "talk_minus_wav_s": {"p50": pct(shortfall, 50), "p95": pct(shortfall, 95), "max": pct(shortfall, 100)},
        "mos_mean": round(sum(mos) / len(mos), 2) if mos else None,
    }


def curve(samples: list[dict]) -> list[dict]:
    """The sample nearest each whole minute (a sample may come late while FreeSWITCH is busy)."""
    out = []
    for m in range(int(max((s["minute"] for s in samples), default=0)) + 1):
        near = min(samples, key=lambda s: abs(s["minute"] - m))
        if abs(near["minute"] - m) <= 0.5:
            out.append({**near, "at_minute": m})
    return out


class Soak:
    def __init__(
        self, workdir: Path, calls: int, agents: int, talk_s: int, flip: int, minutes: float, engine_env: list[str]
    ):
        from ccctl import app
        from ccctl.config.entities import seat_password
        from ccctl.config.write import apply_tenants
        from ccctl.supervision import agents as agent_state
        from ccctl.testing.box import fs_settings, start_box
        from ccctl.testing.sip import AgentPool, Seat, long_registration

        self.dir, self.calls, self.talk_s, self.flip = workdir, calls, talk_s, flip
        self.agent_state = agent_state
        apply_tenants(app.open(fs_settings(workdir), deploy=False), site(agents))
        # The engine alone gets ENGINE_ENV (an allocator preloaded into this bench and sipp would
        # measure them too).
        self.box = start_box(find_prefix(), workdir, wrapper=["env", *engine_env] if engine_env else None)
        self.pid = self.box.fs.proc.pid
        self.ticks_prev: tuple | None = None
        self.exts = [str(1000 + i) for i in range(agents)]
        seats = [Seat(x, DOMAIN, seat_password(self.box.services, TENANT, x)) for x in self.exts]
        # Registered for the whole run (the profile does not cap it).
        hold_s = int(minutes * 60 + 1800)
        register = long_registration(workdir, hold_s)
        self.pool = AgentPool(
            self.box,
            workdir / "agents",
            seats,
            register_timeout=max(180, agents),
            register=register,
            timeout_s=hold_s + 600,
            sipp_args=SIPP_PATIENT,
        )
        for x in self.exts:
            agent_state.set_status(self.box.services, TENANT, x, "login", actor="soak")
        self.on_break: list[str] = []
        self.next_flip = 0
        self.flips = self.flip_errors = 0
        self.max_wait = 600
        self.changes: list[dict] = []
        self.caller = None

    # -- load

    def start_callers(self, minutes: float) -> None:
        from ccctl.testing.sip import caller_load

        # Enough calls for the whole run (each slot places about one a talk time), stopped at
        # the end by a soft quit. The ramp places N calls over most of a talk time, so their ends
        # (and replacements) are spread out, not N at once every minute.
        self.caller = caller_load(
            self.dir / "callers",
            DIDS[("project", "queue")],
            total=self.calls * int(minutes * 60 / self.talk_s + 5),
            concurrent=self.calls,
            rate=round(max(1.25 * self.calls / self.talk_s, 1), 2),
            talk_ms=self.talk_s * 1000,
            trace_stat=True,
            port=5062,
            source_ip="127.0.0.2",
            timeout_s=minutes * 60 + 900,
            sipp_args=SIPP_PATIENT,
        )

    def stop_callers(self, grace_s: float) -> None:
        """sipp's SIGUSR1: place no more calls, exit when the running ones have ended."""
        if self.caller and self.caller.running():
            os.kill(self.caller.proc.pid, signal.SIGUSR1)
            self.caller.wait(grace_s)

    def flip_agents(self) -> None:
        """The seats on break go ready; the next FLIP seats (round the pool) go on break."""
        for x in self.on_break:
            self._status(x, "ready")
        self.on_break = [self.exts[(self.next_flip + i) % len(self.exts)] for i in range(self.flip)]
        self.next_flip = (self.next_flip + self.flip) % len(self.exts)
        for x in self.on_break:
            self._status(x, "break")

    def _status(self, ext: str, action: str) -> None:
        try:
            self.agent_state.set_status(self.box.services, TENANT, ext, action, actor="soak")
            self.flips += 1
        except Exception as exc:  # counted, not fatal: a soak reports what failed
            self.flip_errors += 1
            print(f"agent {action} {ext}: {exc}", flush=True)

    def change_config(self, minute: float) -> None:
        """`ccctl queue set bench sales max_wait=...`: a real write, render and reload."""
        from ccctl.config.entities import set_item

        self.max_wait = 601 if self.max_wait == 600 else 600
        t0 = time.monotonic()
        try:
            res = set_item(self.box.services, "queue", TENANT, "sales", {"max_wait": self.max_wait})
            ok, err, cmds = bool(res.deployed), None if res.deployed else "not deployed", res.commands
        except Exception as exc:
            ok, err, cmds = False, str(exc), []
        self.changes.append(
            {
                "minute": round(minute, 2),
                "ok": ok,
                "error": err,
                "commands": cmds,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
        if not ok:
            print(f"config change failed: {err}", flush=True)

    # -- measure

    def api(self, cmd: str) -> str:
        try:
            return self.box.api(cmd, check=False)
        except Exception as exc:
            return f"-ERR {exc}"

    def sample(self, minute: float, cpu_pct: float | None) -> dict:
        ok, failed, _ = sipp_figures(self.dir / "callers")
        calls, channels = first_int(self.api("show calls count")), first_int(self.api("show channels count"))
        return {
            "minute": round(minute, 2),
            "rss_mb": fs_rss_mb(self.pid),
            "pss_mb": fs_pss_mb(self.pid),
            "cpu_pct": cpu_pct,
            # FreeSWITCH's calls are bridged pairs: a caller still waiting for a seat is a
            # channel without one.
            "calls_up": calls,
            "sipp_calls_up": sipp_current(self.dir / "callers"),
            "waiting": max(0, channels - 2 * calls) if calls is not None and channels is not None else None,
            # every caller in the queue, bridged or waiting: a leak of members rows shows here
            "queue_members": first_int(self.api(f"callcenter_config queue count members {QUEUE}")),
            "sipp_ok": ok,
            "sipp_failed": failed,
        }

    def record_backlog(self) -> dict:
        """How far behind the recording writers are: each open recording's call has had
        (now - its caller channel's creation) of audio, minus what is in its WAV so far. FreeSWITCH
        buffers the difference in memory (record_session's writer thread, a low-priority thread
        reading an unbounded buffer the media thread fills)."""
        try:
            rows = json.loads(self.api("show channels as json")).get("rows") or []
        except ValueError:
            return {}
        now = time.time()
        day_dirs = list((self.box.fs.dirs["recordings"] / TENANT).glob("*"))
        lags = []
        for r in rows:
            for d in day_dirs:
                p = d / f"{r.get('uuid')}.wav"
                if p.exists():
                    lags.append(now - int(r["created_epoch"]) - max(0, p.stat().st_size - 44) / 16000)
                    break
        return {
            "open_recordings": len(lags),
            "writer_behind_s_p50": pct(lags, 50),
            "writer_behind_s_max": pct(lags, 100),
            # 8 kHz 16-bit mono, as the product records
            "writer_buffered_mb": round(sum(max(0.0, x) for x in lags) * 16000 / 2**20, 1),
        }

    def counters(self, minute: float) -> dict:
        """FreeSWITCH's own view of its state, to tell which one grows."""
        ticks, (user, system), now = fs_thread_ticks(self.pid), fs_user_sys_s(self.pid), time.monotonic()
        busy = {}
        if self.ticks_prev:
            t0, u0, s0, w0 = self.ticks_prev
            span = now - w0
            busy = {
                "cpu_user_pct": round(100 * (user - u0) / span, 1),
                "cpu_system_pct": round(100 * (system - s0) / span, 1),
                **busiest_threads(t0, ticks, span),
            }
        self.ticks_prev = (ticks, user, system, now)
        status = self.api("status")
        limit = self.api("hash_dump limit")
        return {
            "minute": round(minute, 2),
            "sessions_since_start": first_int((re.search(r"(\d+) session\(s\) since startup", status) or [""])[0]),
            "channels": first_int(self.api("show channels count")),
            "calls": first_int(self.api("show calls count")),
            "registrations": first_int(self.api("show registrations count")),
            "queue_members": first_int(self.api(f"callcenter_config queue count members {QUEUE}")),
            "queue_agents": first_int(self.api(f"callcenter_config queue count agents {QUEUE}")),
            "limit_hash_lines": len([x for x in limit.splitlines() if x.strip()]),
            "threads": fs_threads(self.pid),
            **self.record_backlog(),
            "core_db_kb": sum(p.stat().st_size for p in self.box.fs.dirs["db"].glob("*") if p.is_file()) // 1024,
            **fs_heap_mb(self.pid),
            **busy,
        }

    def recordings(self, since: float) -> dict:
        return {
            **check_recordings(self.box.services.settings.fs_cdr_dir, self.box.fs.dirs["recordings"] / TENANT, since),
            "failure_hook_count": first_int(self.api(f"db count/ccctl_recording_failures_{TENANT}")) or 0,
        }

    def refused(self) -> dict:
        """INVITEs refused (a final non-200), by code, from the caller's <log> lines."""
        codes: dict[str, int] = {}
        for line in self.caller.log_lines() if self.caller else []:
            if line.startswith("final ") and not line.endswith(" 200"):
                code = line.split()[-1]
                codes[code] = codes.get(code, 0) + 1
        return codes

    def stop(self) -> None:
        if self.caller:
            self.caller.kill()
        self.pool.stop()
        self.box.fs.stop()


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ccctl-bench-soak-"))
    soak = Soak(work, args.calls, args.agents, args.talk_s, args.flip, args.minutes, args.engine_env)
    if args.record_thread:
        # A channel variable not set on the channel is looked up among the globals.
        soak.api("global_setvar RECORD_USE_THREAD=true")
    samples, counters = [], []
    environ = engine_environ(soak.pid)
    out = {
        "calls": args.calls,
        "minutes": args.minutes,
        "agents": args.agents,
        "talk_s": args.talk_s,
        "record_thread": args.record_thread,
        # glibc's arena cap as the engine runs with it (the box's, or the caller's for an A/B)
        "malloc_arena_max": environ.get("MALLOC_ARENA_MAX"),
        "ld_preload": environ.get("LD_PRELOAD"),
        "allocator": engine_allocator(soak.pid),
        "cores": os.cpu_count(),
        "load_at_start": os.getloadavg(),
        "session_limits": soak.box.services.settings.session_limits(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        since = time.time()
        soak.start_callers(args.minutes)
        t0 = time.monotonic()
        next_sample = next_flip = next_config = next_counters = 0.0
        cpu_prev, t_prev = fs_cpu_seconds(soak.pid), t0
        io_prev = fs_io_bytes(soak.pid)
        end = t0 + args.minutes * 60
        while True:
            now = time.monotonic()
            el = now - t0
            if el >= next_sample:
                cpu, io, span = fs_cpu_seconds(soak.pid), fs_io_bytes(soak.pid), now - t_prev
                s = soak.sample(el / 60, round(100 * (cpu - cpu_prev) / span) if span > 0 else None)
                for key, name in (("write_bytes", "disk_write_mb_s"), ("wchar", "written_mb_s")):
                    s[name] = round((io[key] - io_prev[key]) / span / 1e6, 3) if span > 0 else None
                cpu_prev, t_prev, io_prev = cpu, now, io
                samples.append(s)
                print(
                    f"{s['minute']:6.1f} min  RSS {s['rss_mb']:7.1f} MB  PSS {s['pss_mb']} MB  CPU {s['cpu_pct']}%  "
                    f"disk {s['disk_write_mb_s']} MB/s  calls {s['calls_up']} (sipp {s['sipp_calls_up']})  waiting {s['waiting']}  members {s['queue_members']}  sipp ok {s['sipp_ok']} failed {s['sipp_failed']}",
                    flush=True,
                )
                next_sample += SAMPLE_S
            if now >= end:
                break
            if el >= next_counters:
                counters.append(soak.counters(el / 60))
                print(f"  counters {json.dumps(counters[-1])}", flush=True)
                next_counters += COUNTERS_S
            if el >= next_flip:
                soak.flip_agents()
                next_flip += FLIP_S
            if el >= CONFIG_S and el >= next_config:  # the first change once the calls are up
                soak.change_config(el / 60)
                next_config = el + CONFIG_S
            if soak.caller and not soak.caller.running():
                print("the caller sipp exited early", flush=True)
                out["stopped_early"] = round(el / 60, 2)
                break
            time.sleep(0.5)
        counters.append(soak.counters((time.monotonic() - t0) / 60))
        ok, failed, rtts = sipp_figures(work / "callers")
        soak.stop_callers(args.talk_s + 60)
        time.sleep(3)  # the last CDRs and recordings close
        ok, failed, rtts = sipp_figures(work / "callers")
        idle = {"rss_mb": fs_rss_mb(soak.pid), "pss_mb": fs_pss_mb(soak.pid), **soak.counters(0)}
        # glibc keeps freed memory mapped; FreeSWITCH's reclaim_mem gives it back (malloc_trim):
        # what is left after it is held, not merely cached.
        soak.api("fsctl reclaim_mem")
        time.sleep(2)
        idle["rss_after_reclaim_mb"] = fs_rss_mb(soak.pid)
        # FreeSWITCH's pools go back to malloc, which keeps them; malloc_trim gives free pages
        # back to the kernel. What stays resident after it is memory FreeSWITCH still holds.
        idle["malloc_trim"] = malloc_trim(soak.pid)
        idle["rss_after_malloc_trim_mb"] = fs_rss_mb(soak.pid)
        out["recordings"] = soak.recordings(since)
        refused = soak.refused()
        out["failed"] = {
            "sipp_failed": failed,
            "refused": refused,
            "answered_not_bridged": out["recordings"]["answered_not_bridged"],
            "total": failed + sum(refused.values()) + out["recordings"]["answered_not_bridged"],
        }
        out["sipp_ok"] = ok
        out["invite_200_ms"] = {"p50": pct(rtts, 50), "p95": pct(rtts, 95), "n": len(rtts)}
        out["idle_after"] = idle
        out["agent_changes"] = {"done": soak.flips, "failed": soak.flip_errors}
        out["config_changes"] = {
            "done": len(soak.changes),
            "failed": sum(1 for c in soak.changes if not c["ok"]),
            "seconds_p50": pct([c["seconds"] for c in soak.changes], 50),
            "seconds_max": pct([c["seconds"] for c in soak.changes], 100),
            "errors": [c for c in soak.changes if not c["ok"]][:5],
        }
    finally:
        soak.stop()
    out["samples"], out["counters"] = samples, counters
    out["curve"] = curve(samples)
    late = [(s["minute"], s["rss_mb"]) for s in samples if s["minute"] >= 10]
    out["rss_growth_mb_per_hour_after_10min"] = least_squares_per_hour(late)
    out["pss_growth_mb_per_hour_after_10min"] = least_squares_per_hour(
        [(s["minute"], s["pss_mb"]) for s in samples if s["minute"] >= 10 and s["pss_mb"] is not None]
    )
    # The second half alone: a one-off rise (a backlog the writers caught up with) inside minutes
    # 10..end tilts the whole slope; steady growth shows in both.
    half = args.minutes / 2
    out["rss_growth_mb_per_hour_second_half"] = least_squares_per_hour(
        [(s["minute"], s["rss_mb"]) for s in samples if s["minute"] >= max(10, half)]
    )
    steady = [s for s in samples if s["minute"] >= 5 and s.get("disk_write_mb_s") is not None]
    out["disk_write_mb_s"] = {
        "p50": pct([s["disk_write_mb_s"] for s in steady], 50),
        "max": pct([s["disk_write_mb_s"] for s in steady], 100),
        "written_p50": pct([s["written_mb_s"] for s in steady], 50),
        "calls_up_p50": pct([s["calls_up"] for s in steady if s["calls_up"] is not None], 50),
    }
    out["load_at_end"] = os.getloadavg()
    if out.get("failed", {}).get("total") or out.get("stopped_early"):
        out["kept"] = str(work)  # the sipp logs and FreeSWITCH's, to see why
    else:
        shutil.rmtree(work, ignore_errors=True)
    return out


def report(r: dict) -> str:
    lines = [
        f"soak: {r['calls']} recorded queue calls of {r['talk_s']} s held for {r['minutes']} min, "
        f"{r['agents']} seats, {r['cores']} cores; malloc: {r.get('allocator', 'glibc')}"
        + (f" (MALLOC_ARENA_MAX={r['malloc_arena_max']})" if r.get("malloc_arena_max") else ""),
        "",
        "| minute | RSS MB | PSS MB | calls up (sipp) | calls up (FreeSWITCH) | CPU % |",
        "|---|---|---|---|---|---|",
    ]
    for s in r["curve"]:
        lines.append(
            f"| {s['at_minute']} | {s['rss_mb']} | {s['pss_mb']} | {s.get('sipp_calls_up')} | {s['calls_up']} "
            f"| {s['cpu_pct']} |"
        )
    rec, f, idle = r.get("recordings", {}), r.get("failed", {}), r.get("idle_after", {})
    lines += [
        "",
        f"RSS growth after minute 10: {r['rss_growth_mb_per_hour_after_10min']} MB/h "
        f"(PSS {r['pss_growth_mb_per_hour_after_10min']} MB/h); over the second half "
        f"{r.get('rss_growth_mb_per_hour_second_half')} MB/h",
        f"idle after the calls: RSS {idle.get('rss_mb')} MB, after fsctl reclaim_mem "
        f"{idle.get('rss_after_reclaim_mb')} MB, after malloc_trim {idle.get('rss_after_malloc_trim_mb')} MB",
        f"failed calls: {f.get('total')} (sipp {f.get('sipp_failed')}, refused {f.get('refused')}, "
        f"answered but never bridged {f.get('answered_not_bridged')}) of {r.get('sipp_ok')} sipp calls; "
        f"offers to a seat cancelled by mod_callcenter {rec.get('agent_offers_cancelled')}",
        f"recordings: {rec.get('wav_files')} WAVs for {rec.get('bridged_calls')} bridged calls, lost {rec.get('lost')}, "
        f"truncated {rec.get('truncated')}, failure hook count {rec.get('failure_hook_count')}, "
        f"talk - WAV s {rec.get('talk_minus_wav_s')}, MOS {rec.get('mos_mean')}",
        f"INVITE->200 ms: {r.get('invite_200_ms')}",
        f"FreeSWITCH's writes from minute 5 (MB/s; disk: sent to storage, written: handed to write()): "
        f"{r.get('disk_write_mb_s')}",
        f"agent state changes: {r.get('agent_changes')}, config changes: {r.get('config_changes')}",
        f"load average at start {r['load_at_start']}, at end {r['load_at_end']}",
    ]
    if r.get("stopped_early"):
        lines.append(f"THE CALLERS STOPPED EARLY, at minute {r['stopped_early']}")
    if r.get("kept"):
        lines.append(f"work directory kept: {r['kept']}")
    return "\n".join(lines)


def variant(allocator: str, engine_env: list[str]) -> str:
    """The results file's suffix: the malloc the engine ran on (`-jemalloc`, the box's; `-glibc`),
    then `-NAMEvalue` for each other --engine-env variable."""
    parts = [allocator] + [n + v for n, v in (x.split("=", 1) for x in engine_env) if n != "LD_PRELOAD"]
    return "".join(f"-{p}" for p in parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="concurrent recorded queue calls to hold")
    ap.add_argument("--minutes", type=float, default=60, help="how long to hold them")
    ap.add_argument("--agents", type=int, help="seats registered (default: --calls + 10)")
    ap.add_argument("--talk-s", type=int, default=60, help="each caller's talk time")
    ap.add_argument("--flip", type=int, default=3, help="seats going on break (and back) every 20 s")
    ap.add_argument(
        "--record-thread",
        action="store_true",
        help="RECORD_USE_THREAD=true (a global variable, set for this run only): FreeSWITCH's default, "
        "a writer thread per recording behind a buffer with no bound, instead of the product's inline "
        "writes (ccctl/render/core.py CHANNEL_DEFAULTS)",
    )
    ap.add_argument(
        "--engine-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable for FreeSWITCH alone, over the box's (ccctl/freeswitch/runtime.py: jemalloc "
        "preloaded); e.g. LD_PRELOAD= for glibc's malloc (results file: -glibc)",
    )
    ap.add_argument("--json", action="store_true", help="print the JSON results too")
    args = ap.parse_args()
    if any("=" not in v or not v.split("=", 1)[0] for v in args.engine_env):
        ap.error("--engine-env takes NAME=VALUE")
    if args.calls < 1 or args.minutes <= 0:
        ap.error("--calls and --minutes must be positive")
    args.agents = args.agents or args.calls + 10
    if args.agents < args.calls + args.flip:
        ap.error("--agents must cover --calls plus the seats on break")
    if find_prefix() is None:
        print("bench/soak: no FreeSWITCH found (CC_FREESWITCH_PREFIX or /opt/freeswitch): skipped")
        return
    if not only_loopback():
        os.execv(str(ROOT / "scripts" / "in-netns"), [str(ROOT / "scripts" / "in-netns"), sys.executable, *sys.argv])
    r = run(args)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    arenas = f"-arena{os.environ['MALLOC_ARENA_MAX']}" if os.environ.get("MALLOC_ARENA_MAX") else ""
    name = (
        out
        / f"soak-{args.calls}c{args.minutes:g}m{'-thread' if args.record_thread else ''}{arenas}{variant(r['allocator'], args.engine_env)}.json"
    )
    name.write_text(json.dumps(r, indent=2))
    print(report(r))
    print(f"written to {name.relative_to(ROOT)}")
    if args.json:
        print(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()

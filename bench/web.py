"""bench/web: the web service with many agents signed in. Figures, not pass/fail.

N agents (seats of one tenant) sign in through the API, each opens its event stream (the
agent page's server-sent events), then the daemon's event log gets one call offered (and
ended) a second for DURATION seconds, each to the next agent in turn. Measured: the server's
memory (RSS) idle, with N sessions, with N streams and at the end; its CPU time; the time
from an event written to the log to its arrival at the agent's stream (p50, p95, max); and the
agent page's weight (every asset, as served and gzipped).

    .venv/bin/python bench/web.py [--agents 200] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccctl import app  # noqa: E402
from ccctl.access import accounts  # noqa: E402
from ccctl.config import spec as s  # noqa: E402
from ccctl.config.write import apply_tenants  # noqa: E402
from ccctl.cti.webhooks import EventLogs  # noqa: E402
from ccctl.settings import Settings  # noqa: E402
from ccctl.web.app import STATIC  # noqa: E402

PW = "bench agent password"
PORT = 18480


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def request(method: str, path: str, body: dict | None = None, cookie: str | None = None) -> tuple[int, dict, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {len(data)}\r\n"
    head += "Content-Type: application/json\r\n" + (f"Cookie: ccctl_session={cookie}\r\n" if cookie else "") + "\r\n"
    writer.write(head.encode() + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    header, _, payload = raw.decode().partition("\r\n\r\n")
    lines = header.split("\r\n")
    headers = dict(ln.split(": ", 1) for ln in lines[1:] if ": " in ln)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, payload


async def stream(ext: str, cookie: str, got: list, ready: asyncio.Event, opened: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(
        (
            f"GET /api/tenants/bench/agents/{ext}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: ccctl_session={cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b": connected"):
                opened.append(ext)  # subscribed: from now on its events reach it
            if line.startswith(b"data: ") and b'"call.offered"' in line:
                event = json.loads(line[6:])
                got.append(time.time() - event["written"])
    finally:
        writer.close()


async def main_async(args, spool: Path, pid: int) -> dict:
    figures: dict = {}
    t0 = time.monotonic()
    cookies = {}
    sem = asyncio.Semaphore(8)

    async def sign_in(ext: str):
        async with sem:
            status, headers, body = await request(
                "POST", "/api/session", {"login": f"{ext}@bench.cc.local", "password": PW}
            )
            assert status == 200, body
            cookies[ext] = headers["set-cookie"].split("=", 1)[1].split(";", 1)[0]

    exts = [str(1001 + i) for i in range(args.agents)]
    await asyncio.gather(*(sign_in(e) for e in exts))
    figures["sign_in_s_each"] = round((time.monotonic() - t0) / len(exts), 3)
    figures["rss_mb_sessions"] = round(rss_mb(pid), 1)
    got: list[float] = []
    opened: list[str] = []
    ready = asyncio.Event()
    tasks = [asyncio.create_task(stream(e, cookies[e], got, ready, opened)) for e in exts]
    while len(opened) < len(exts):
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    figures["rss_mb_streams"] = round(rss_mb(pid), 1)
    cpu0 = cpu_s(pid)
    logs = EventLogs(spool)
    peak = 0.0
    for i in range(args.duration):
        ext = exts[i % len(exts)]
        now = time.time()
        base = {
            "tenant": "bench",
            "call_id": f"c-{i}",
            "caller_number": "4915112345678",
            "queue": "sales",
            "agent": ext,
        }
        logs.append({**base, "type": "call.offered", "at": now, "queued_at": now - 3, "written": now})
        logs.append({**base, "type": "call.ended", "at": now + 0.5, "disposition": "answered", "written": now})
        await asyncio.sleep(1)
        peak = max(peak, rss_mb(pid))
    await asyncio.sleep(2)
    logs.close()
    figures["cpu_s_per_call"] = round((cpu_s(pid) - cpu0) / args.duration, 4)
    figures["rss_mb_peak_during_calls"] = round(peak, 1)
    figures["pops_received"] = f"{len(got)}/{args.duration}"
    if got:
        ms = sorted(x * 1000 for x in got)
        figures["log_to_stream_ms_p50"] = round(statistics.median(ms), 1)
        figures["log_to_stream_ms_p95"] = round(ms[max(0, int(len(ms) * 0.95) - 1)], 1)
        figures["log_to_stream_ms_max"] = round(ms[-1], 1)
    for t in tasks:
        t.cancel()
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--duration", type=int, default=60)
    args = ap.parse_args()
    figures: dict = {}
    assets = [STATIC / name for name in ("index.html", "agent.js", "agent.css")]  # the desk without its phone
    figures["page_bytes"] = sum(p.stat().st_size for p in assets)
    figures["page_bytes_gzip"] = sum(len(gzip.compress(p.read_bytes())) for p in assets)
    # With the phone: phone.js and the SIP.js modules it imports (the whole library's index).
    phone = [STATIC / "phone.js", *sorted((STATIC / "vendor" / "sip.js" / "lib").rglob("*.js"))]
    figures["page_with_phone_bytes"] = figures["page_bytes"] + sum(p.stat().st_size for p in phone)
    figures["page_with_phone_bytes_gzip"] = figures["page_bytes_gzip"] + sum(
        len(gzip.compress(p.read_bytes())) for p in phone
    )
    figures["page_with_phone_files"] = len(assets) + len(phone)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(db=str(root / "ccctl.db"), spool_dir=root / "spool", fs_deploy="off")
        services = app.open(settings, deploy=False)
        seats = [s.Seat(extension=str(1001 + i), name=f"Agent {i}", skills={"sales": 5}) for i in range(args.agents)]
        apply_tenants(
            services, [s.Tenant(name="bench", seat_limit=args.agents, seats=seats, queues=[s.Queue(name="sales")])]
        )
        t0 = time.monotonic()
        for seat in seats:
            accounts.add_user(services, f"{seat.extension}@bench.cc.local", "agent", password=PW)
        figures["user_add_s_each"] = round((time.monotonic() - t0) / len(seats), 3)
        (root / "spool" / "events").mkdir(parents=True)
        env = {
            **os.environ,
            "CCCTL_DB": settings.db,
            "CCCTL_SPOOL_DIR": str(settings.spool_dir),
            "CCCTL_FS_DEPLOY": "off",
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", "from ccctl.cli.main import run; run()", "web", "serve", "--plain-http"]
            + ["--host", "127.0.0.1", "--port", str(PORT)],
            env=env,
            stdout=open(root / "web.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", PORT), 0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit((root / "web.log").read_text()) from None
                    time.sleep(0.1)
            time.sleep(1)
            figures["rss_mb_idle"] = round(rss_mb(proc.pid), 1)
            figures.update(asyncio.run(main_async(args, settings.spool_dir, proc.pid)))
        finally:
            proc.terminate()
            proc.wait(15)
    print(json.dumps({"agents": args.agents, "duration_s": args.duration, **figures}, indent=1))


if __name__ == "__main__":
    main()

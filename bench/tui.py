"""Admin console figures, in a real pseudo-terminal (what an SSH session gives it):

  start-up   cctui from exec to its first screen drawn (the tenants list), median of RUNS
  wallboard  CPU of the cctui process showing the wallboard of 200 agents in 50 queues for
             SECONDS while a local Event Socket replays a stream of EVENTS events per second
             (agent status and state changes, callers joining queues and being answered),
             as a share of one core. Target: under 20 %.

    python bench/tui.py [--runs 5] [--seconds 30] [--events 200] [--json]

Writes bench/results/tui.json. Figures, not pass/fail. The machine is shared: read the CPU
figure beside the load average printed with it.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import socket
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CCTUI = [sys.executable, "-c", "from tui.app import run; run()"]


def spawn(args: list[str], env: dict, size=(120, 40)):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(args[0], args + [], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    return pid, fd


def read_until(fd: int, marker: bytes, timeout: float) -> bool:
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                return False
            if marker in buf:
                return True
            buf = buf[-4096:]
    return False


def drain(fd: int, stop: threading.Event, seen: dict) -> None:
    """Read the screen updates as a terminal would (a full pty would block the app), noting
    that live figures do reach the screen."""
    tail = b""
    while not stop.is_set():
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            seen["bytes"] = seen.get("bytes", 0) + len(chunk)
            tail = (tail + chunk)[-8192:]
            text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", tail)
            seen["live"] = seen.get("live", False) or b"call" in text or b"Break" in text


def quit_app(pid: int, fd: int) -> None:
    os.write(fd, b"\x11")  # ctrl+q
    for _ in range(50):
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_box(tmp: Path):
    from ccctl import app
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants
    from ccctl.settings import Settings

    settings = Settings(db=str(tmp / "ccctl.db"), fs_deploy="off")
    ctx = app.open(settings, deploy=False)
    seats = [s.Seat(extension=str(2000 + i), name=f"Agent {i}", skills={f"q{i % 50}": 5}) for i in range(200)]
    apply_tenants(
        ctx, [s.Tenant(name="big", seat_limit=500, seats=seats, queues=[s.Queue(name=f"q{i}") for i in range(50)])]
    )
    return ctx


def event(headers: dict[str, str]) -> bytes:
    from urllib.parse import quote

    body = "".join(f"{k}: {quote(v, safe='')}\n" for k, v in headers.items()).encode() + b"\n"
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body


def paced_server(password: str, per_second: int, stop: threading.Event) -> int:
    """An Event Socket that sends PER_SECOND callcenter events a second, spread evenly."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)

    def client(conn):
        f = conn.makefile("rb")
        conn.sendall(b"Content-Type: auth/request\n\n")
        while True:
            line = f.readline()
            if not line:
                return
            if not line.strip():
                continue
            f.readline()
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK\n\n")
            if line.startswith(b"event "):
                break
        n = 0
        t0 = time.monotonic()
        try:
            while not stop.is_set():
                a, q = 2000 + n % 200, n % 50
                now = time.time()
                kind = n % 4
                common = {
                    "Event-Name": "CUSTOM",
                    "Event-Subclass": "callcenter::info",
                    "Event-Date-Timestamp": str(int(now * 1e6)),
                }
                if kind == 0:
                    h = {
                        "CC-Action": "agent-state-change",
                        "CC-Agent": f"{a}@big.cc.local",
                        "CC-Agent-State": ("Waiting", "In a queue call")[n // 4 % 2],
                    }
                elif kind == 1:
                    h = {
                        "CC-Action": "agent-status-change",
                        "CC-Agent": f"{a}@big.cc.local",
                        "CC-Agent-Status": ("Available", "On Break")[n // 400 % 2],
                    }
                elif kind == 2:
                    h = {
                        "CC-Action": "member-queue-start",
                        "CC-Queue": f"q{q}@big.cc.local",
                        "CC-Member-UUID": f"m{n}",
                        "CC-Member-Joined-Time": str(int(now)),
                    }
                else:
                    h = {
                        "CC-Action": "bridge-agent-start",
                        "CC-Queue": f"q{(n - 1) % 50}@big.cc.local",
                        "CC-Member-UUID": f"m{n - 1}",
                        "CC-Member-Session-UUID": f"c{n - 1}",
                        "CC-Agent": f"{a}@big.cc.local",
                        "CC-Member-CID-Number": "13800000000",
                        "CC-Agent-Answered-Time": str(int(now)),
                    }
                conn.sendall(event({**common, **h}))
                n += 1
                delay = t0 + n / per_second - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        except OSError:
            pass

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=client, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--events", type=int, default=200, help="events a second on the replayed stream")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ccctl.config.gather import esl_password

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ctx = make_box(tmp)
        stop = threading.Event()
        port = paced_server(esl_password(ctx), args.events, stop)
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "CCCTL_DB": str(tmp / "ccctl.db"),
            "CCCTL_FS_DEPLOY": "off",
            "CCCTL_ESL_PORT": str(port),
            "PYTHONPATH": str(ROOT),
        }
        starts = []
        for _ in range(args.runs):
            t0 = time.monotonic()
            pid, fd = spawn(CCTUI + ["tenants"], env)
            ok = read_until(fd, b"Tenants", 60)
            starts.append(time.monotonic() - t0 if ok else float("nan"))
            quit_app(pid, fd)
        pid, fd = spawn(CCTUI + ["wallboard"], env)
        read_until(fd, b"Wallboard", 60)
        done = threading.Event()
        seen: dict = {}
        threading.Thread(target=drain, args=(fd, done, seen), daemon=True).start()
        time.sleep(3)  # connected, first frames drawn
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.seconds)
        c1, t1 = cpu_seconds(pid), time.monotonic()
        load = os.getloadavg()[0]
        done.set()
        quit_app(pid, fd)
        stop.set()
    result = {
        "startup_first_paint_s": {
            "median": round(statistics.median(starts), 3),
            "min": round(min(starts), 3),
            "runs": len(starts),
        },
        "wallboard": {
            "agents": 200,
            "queues": 50,
            "events_per_s": args.events,
            "seconds": args.seconds,
            "cpu_share_of_one_core": round((c1 - c0) / (t1 - t0), 3),
            "refresh_hz": 1,
            "load_average_1m": round(load, 2),
            "live_figures_drawn": seen.get("live", False),
            "terminal_bytes_per_s": round(seen.get("bytes", 0) / (t1 - t0 + 3)),
        },
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "tui.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        s, w = result["startup_first_paint_s"], result["wallboard"]
        print(f"start-up to first paint: median {s['median']} s (min {s['min']} s, {s['runs']} runs)")
        print(
            f"wallboard, 200 agents / 50 queues, {w['events_per_s']} events/s, 1 Hz: "
            f"{w['cpu_share_of_one_core'] * 100:.1f} % of one core (load average {w['load_average_1m']}; "
            f"live figures drawn: {w['live_figures_drawn']}, {w['terminal_bytes_per_s']} bytes/s to the terminal)"
        )


if __name__ == "__main__":
    main()

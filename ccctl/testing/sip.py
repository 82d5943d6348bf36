"""Real SIP traffic against a test FreeSWITCH: seats (sipp UAs that register and answer)
and carrier-side callers (sipp UACs that dial a DID, press digits and talk), plus a small
Event Socket listener that records FreeSWITCH's channel events.

Everything here runs inside the loopback-only namespace the FreeSWITCH tier requires
(scripts/in-netns); every address is a 127.x.y.z one:

    seats    127.0.1.N:5060 (SIP), 127.0.1.N:6000 (RTP, echoed back by sipp -rtp_echo)
    callers  127.0.0.2:5060 by default (source_ip), RTP on port 7000 of the same address

Scenarios live in tests/freeswitch/sipp/. Each sipp process runs in its own directory
under the test's tmp dir and leaves its logs there (message trace, errors, <log> lines),
which the results below carry for failure messages.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ccctl.freeswitch.esl import EventStream

SIPP = shutil.which("sipp") or "/usr/bin/sipp"
SCENARIOS = Path(__file__).parent / "sipp"
PCAP_DIR = Path(os.environ.get("CC_SIPP_PCAP_DIR", "/usr/share/sip-tester"))
FS_IP = "127.0.0.1"
INTERNAL_PORT = 15060
EXTERNAL_PORT = 15080
DTMF_NAMES = {**{str(d): str(d) for d in range(10)}, "*": "star", "#": "pound"}


# --------------------------------------------------------------------------- pcaps


def _read_pcap(path: Path) -> tuple[bytes, list[tuple[float, bytes]]]:
    """(global header, [(timestamp, frame)]) of a classic little-endian pcap."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    if magic != 0xA1B2C3D4:
        raise ValueError(f"{path}: not a little-endian microsecond pcap")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack("<IIII", data[off : off + 16])
        off += 16
        out.append((sec + usec / 1e6, data[off : off + incl]))
        off += incl
    return data[:24], out


def _rtp_offset(frame: bytes) -> int:
    """Offset of the UDP header in an Ethernet/IPv4 frame."""
    return 14 + (frame[14] & 0x0F) * 4


def _frame(rtp: bytes) -> bytes:
    """An Ethernet/IPv4/UDP frame around an RTP packet; sipp replaces the addresses and ports
    (every packet goes to the same port: the lowest port of a capture maps to the peer's)."""
    udp = struct.pack(">HHHH", 10000, 10000, 8 + len(rtp), 0) + rtp
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), bytes(4))
    return bytes(12) + b"\x08\x00" + ip + udp


def _rtp_payloads(path: Path) -> list[tuple[float, int, int, bytes]]:
    """(time, marker+payload type byte, RTP timestamp, payload) of each packet of a capture."""
    out = []
    for t, frame in _read_pcap(path)[1]:
        rtp = frame[_rtp_offset(frame) + 8 :]
        out.append((t, rtp[1], struct.unpack(">I", rtp[4:8])[0], rtp[12:]))
    return out


def build_dtmf_pcap(digits: str, dest: Path, gap_ms: int = 400, ssrc: int = 0x0CC0FFEE) -> Path:
    """One pcap of RFC 2833 events for DIGITS (0-9 * #) from sipp's per-digit captures, GAP_MS
    apart, as one RTP stream: one SSRC, rising sequence numbers, and a distinct timestamp per
    event (the same capture twice would otherwise look like a retransmitted event). A space
    is a pause of one GAP_MS."""
    frames, seq = [], 1000
    for i, d in enumerate(digits):
        if d == " ":
            continue
        if d not in DTMF_NAMES:
            raise ValueError(f"not a DTMF digit: {d!r}")
        packets = _rtp_payloads(PCAP_DIR / f"dtmf_2833_{DTMF_NAMES[d]}.pcap")
        t0, ts0 = packets[0][0], packets[0][2]
        for t, mpt, ts, payload in packets:
            ts = (ts - ts0 + 8000 + i * gap_ms * 8) & 0xFFFFFFFF
            frames.append(
                (t - t0 + i * gap_ms / 1000, _frame(struct.pack(">BBHII", 0x80, mpt, seq & 0xFFFF, ts, ssrc) + payload))
            )
            seq += 1
    if not frames:
        raise ValueError("no digits")
    _write_pcap(dest, frames)
    return dest


def build_audio_pcap(ms: int, dest: Path, ssrc: int = 0x0CC0A0D1) -> Path:
    """MS milliseconds of continuous G.711 A-law speech, 20 ms a packet (payload type 8): the
    speech of sipp's g711a.pcap (30 ms packets with gaps) re-cut and looped, so FreeSWITCH gets
    a steady stream for the whole call and its RTP counters and recordings track wall time."""
    speech = b"".join(p for _, _, _, p in _rtp_payloads(PCAP_DIR / "g711a.pcap"))
    n = max(1, ms // 20)
    frames = []
    for i in range(n):
        off = (i * 160) % (len(speech) - 160)
        rtp = struct.pack(">BBHII", 0x80, 8 | (0x80 if i == 0 else 0), i & 0xFFFF, (i * 160) & 0xFFFFFFFF, ssrc)
        frames.append((i * 0.02, _frame(rtp + speech[off : off + 160])))
    _write_pcap(dest, frames)
    return dest


def _write_pcap(dest: Path, frames: list[tuple[float, bytes]]) -> None:
    base = 1_700_000_000
    with open(dest, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet link type
        for t, frame in frames:
            usec = int(round(t * 1e6))
            f.write(struct.pack("<IIII", base + usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)))
            f.write(frame)


# --------------------------------------------------------------------------- sipp processes


def _tail(path: Path, n: int = 60) -> str:
    if not path.exists():
        return f"({path.name}: none)"
    lines = path.read_text(errors="replace").splitlines()
    return f"--- {path} (last {min(n, len(lines))} of {len(lines)} lines)\n" + "\n".join(lines[-n:])


_RUNNING: set["Sipp"] = set()


def available() -> str | None:
    """None when sipp and its RTP captures are here, else what is missing."""
    if not Path(SIPP).is_file():
        return "sipp is not installed (apt-get install sip-tester)"
    for name in ("g711a.pcap", "dtmf_2833_1.pcap"):
        if not (PCAP_DIR / name).is_file():
            return f"{PCAP_DIR / name} is missing (sip-tester's captures; set CC_SIPP_PCAP_DIR)"
    return None


def kill_all() -> None:
    """Kill every sipp process this module started that is still running (test teardown)."""
    for p in list(_RUNNING):
        p.kill()


class Sipp:
    """One sipp process with its own working directory (and so its own log files)."""

    def __init__(self, workdir: Path, scenario: str | Path, args: list[str], timeout_s: float, trace: bool = True):
        """SCENARIO: a file name in tests/freeswitch/sipp/, or a path. TRACE: keep every SIP message."""
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "log.txt"  # <log> actions (-trace_logs)
        self.errors = self.dir / "errors.txt"  # unexpected messages, sipp errors (-trace_err)
        self.messages = self.dir / "messages.txt"  # every SIP message (-trace_msg)
        self.stdout = self.dir / "stdout.txt"
        self.cmd = [
            SIPP,
            "-sf",
            str(SCENARIOS / scenario if isinstance(scenario, str) else scenario),
            *args,
            "-nostdin",
            "-timeout",
            f"{int(timeout_s)}s",
            "-timeout_error",
            "-trace_logs",
            "-log_file",
            str(self.log),
            "-trace_err",
            "-error_file",
            str(self.errors),
            *(["-trace_msg", "-message_file", str(self.messages)] if trace else []),
            "-screen_file",
            str(self.dir / "screen.txt"),
        ]
        (self.dir / "cmd.txt").write_text(" ".join(self.cmd) + "\n")
        self.started = time.monotonic()
        self._out = open(self.stdout, "wb")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _RUNNING.add(self)

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        """The exit code (0: every call succeeded); killed if still running after TIMEOUT s."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: sipp and nothing else
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._out.close()
        _RUNNING.discard(self)

    def log_lines(self) -> list[str]:
        if not self.log.exists():
            return []
        # sipp prefixes nothing to <log> lines; skip its banner lines if any
        return [ln.strip() for ln in self.log.read_text(errors="replace").splitlines() if ln.strip()]

    def diagnostics(self, n: int = 60) -> str:
        return "\n".join(
            [
                f"$ {' '.join(self.cmd)}  (exit {self.proc.poll()})",
                _tail(self.stdout, 15),
                _tail(self.errors, n),
                _tail(self.log, n),
                _tail(self.messages, n),
            ]
        )


# --------------------------------------------------------------------------- seats


@dataclass
class Seat:
    """A seat to register: its credentials and how it behaves on a call."""

    extension: str
    domain: str
    password: str = field(repr=False)  # a failing test's message shows the seat, never its secret
    talk_ms: int | None = None
    """Hang up this long after answering; None: talk until the other side hangs up."""
    ring_ms: int = 0
    """Ring this long before answering."""


@dataclass
class Agent:
    seat: Seat
    ip: str
    sipp: Sipp

    @property
    def calls(self) -> list[str]:
        """Call-IDs this seat answered, in order."""
        return [ln.split()[1] for ln in self.sipp.log_lines() if ln.startswith("answered ")]

    @property
    def ended(self) -> list[str]:
        """How each answered call ended: local-bye (the seat hung up), remote-bye, cancel."""
        return [ln.split()[1] for ln in self.sipp.log_lines() if ln.startswith("ended ")]

    @property
    def aor(self) -> str:
        return f"{self.seat.extension}@{self.seat.domain}"


def _answering_agents(answer: Path, csv: Path, ip: str, sip_port: int, media_port: int, talk_ms: int) -> list[str]:
    """sipp's arguments for seats that register from CSV (-inf) and answer with ANSWER (-oocsf),
    echoing RTP and talking TALK_MS."""
    return [
        "-oocsf", str(answer), "-inf", str(csv), "-i", ip, "-bind_local", "-p", str(sip_port),
        "-mi", ip, "-mp", str(media_port), "-rtp_echo", "-d", str(talk_ms),
    ]  # fmt: skip


class Agents:
    """Registered seats, one sipp process each (register.xml + -oocsf agent_answer.xml +
    -rtp_echo), seat N on its own loopback address IP_PREFIX+(FIRST_IP+N), SIP port SIP_PORT,
    RTP port MEDIA_PORT. The constructor returns once FreeSWITCH lists every seat as
    registered. Use as a context manager or call stop(): it kills every process and flushes
    the seats' registrations from FreeSWITCH.

    SEATS are Seat(...) or (extension, domain, password[, talk_ms]) tuples.
    (register.xml can also register several seats from one process: one CSV line each.)"""

    def __init__(
        self,
        box,
        workdir: Path,
        seats: list[Seat | tuple],
        *,
        ip_prefix: str = "127.0.1.",
        first_ip: int = 1,
        sip_port: int = 5060,
        media_port: int = 6000,
        register_timeout: float = 15,
        proxy: str | None = None,
        registered: Callable[[], set[str]] | None = None,
    ):
        """PROXY (IP:PORT): register there instead of the box's internal profile (a fleet's
        edge); REGISTERED then says who is registered (user@domain), the box being None."""
        self.box = box
        self.proxy = proxy
        self._registered = registered
        self.agents: dict[str, Agent] = {}
        try:
            for i, seat in enumerate(seats):
                seat = seat if isinstance(seat, Seat) else Seat(*seat)
                ip = f"{ip_prefix}{first_ip + i}"
                d = workdir / f"seat-{seat.extension}"
                d.mkdir(parents=True, exist_ok=True)
                csv = d / "seat.csv"
                if any(c in seat.password for c in ";]\\"):
                    raise ValueError("a seat password with ; ] or \\ cannot go through a sipp CSV")
                csv.write_text(
                    f"SEQUENTIAL\n{seat.extension};{seat.domain};"
                    f"[authentication username={seat.extension} password={seat.password}];\n"
                )
                # agent_answer.xml talks for the default pause (-d), then hangs up
                talk = seat.talk_ms if seat.talk_ms is not None else 3_600_000
                args = [
                    *_answering_agents(SCENARIOS / "agent_answer.xml", csv, ip, sip_port, media_port, talk),
                    "-set",
                    "ring_ms",
                    str(seat.ring_ms),
                    "-m",
                    "1",
                    "-l",
                    "1",
                    proxy or f"{FS_IP}:{INTERNAL_PORT}",
                ]
                self.agents[seat.extension] = Agent(seat, ip, Sipp(d, "register.xml", args, timeout_s=900))
            self.wait_registered(register_timeout)
        except BaseException:
            self.stop()
            raise

    def __getitem__(self, extension: str) -> Agent:
        return self.agents[extension]

    def __enter__(self) -> "Agents":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def registrations(self) -> str:
        return self.box.api("sofia status profile internal reg", check=False)

    def registered(self) -> set[str]:
        """user@domain of every registration FreeSWITCH's internal profile lists (or the
        edge's, through the REGISTERED given)."""
        if self._registered is not None:
            return self._registered()
        return {line.split(":", 1)[1].strip() for line in self.registrations().splitlines() if line.startswith("User:")}

    def wait_registered(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            missing = [a.aor for a in self.agents.values() if a.aor not in self.registered()]
            if not missing:
                return
            dead = [a for a in self.agents.values() if not a.sipp.running()]
            if dead or time.monotonic() > deadline:
                shown = self.registrations() if self.box is not None else sorted(self.registered())
                raise AssertionError(f"seats not registered: {missing}\n{shown}\n" + self.diagnostics())
            time.sleep(0.2)

    def diagnostics(self) -> str:
        return "\n\n".join(f"== seat {ext}\n{a.sipp.diagnostics()}" for ext, a in self.agents.items())

    def stop(self) -> None:
        for a in self.agents.values():
            a.sipp.kill()
            if self.box is None:
                continue
            try:
                self.box.api(f"sofia profile internal flush_inbound_reg {a.aor} reboot", check=False)
            except Exception:
                pass


def long_registration(workdir: Path, seconds: int) -> Path:
    """A copy of register.xml in WORKDIR asking for SECONDS and staying up as long: register.xml
    registers for 300 s and never refreshes, fine for a test, not for a run of many minutes
    (the box's profile and the edge's max_expires must allow SECONDS)."""
    path = workdir / "register.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(
        (SCENARIOS / "register.xml")
        .read_text()
        .replace("Expires: 300", f"Expires: {seconds}")
        .replace('<pause milliseconds="3600000"/>', f'<pause milliseconds="{seconds * 1000}"/>')
    )
    return path


class AgentPool:
    """Many seats registered from ONE sipp process (register.xml, one CSV line per seat,
    -oocsf agent_answer.xml, -rtp_echo) on IP: what load tests and benchmarks use. Each
    answered call talks TALK_MS (None: until the caller hangs up). The constructor returns once
    FreeSWITCH lists every seat as registered."""

    def __init__(
        self,
        box,
        workdir: Path,
        seats: list[Seat],
        *,
        ip: str = "127.0.1.1",
        sip_port: int = 5060,
        media_port: int = 30000,
        talk_ms: int | None = None,
        register_timeout: float = 60,
        answer: Path | None = None,
        register: Path | None = None,
        timeout_s: float = 3600,
        sipp_args: list[str] | None = None,
        proxy: str | None = None,
        registered: Callable[[], set[str]] | None = None,
    ):
        """REGISTER: a copy of register.xml to run instead (bench/soak.py: a registration and a
        pause outlasting its hour); TIMEOUT_S: when the pool's sipp is killed; SIPP_ARGS: more
        of sipp's options. PROXY (IP:PORT): register there instead of the box's internal
        profile (a fleet's edge); REGISTERED then says who is registered (user@domain), the box
        being None."""
        self.box, self.seats = box, seats
        self._registered = registered
        workdir.mkdir(parents=True, exist_ok=True)
        csv = workdir / "seats.csv"
        csv.write_text(
            "SEQUENTIAL\n"
            + "".join(
                f"{x.extension};{x.domain};[authentication username={x.extension} password={x.password}];\n"
                for x in seats
            )
        )
        n = str(len(seats))
        # ANSWER: another answering scenario (a copy of agent_answer.xml that does more).
        talk = talk_ms if talk_ms is not None else 3_600_000
        args = [
            *_answering_agents(answer or SCENARIOS / "agent_answer.xml", csv, ip, sip_port, media_port, talk),
            "-m",
            n,
            "-l",
            n,
            "-r",
            "50",
            *(sipp_args or []),
            proxy or f"{FS_IP}:{INTERNAL_PORT}",
        ]
        # Only the log of <log> lines: a message trace of a hundred calls is too slow to write.
        self.sipp = Sipp(workdir, register or "register.xml", args, timeout_s=timeout_s, trace=False)
        try:
            self.wait_registered(register_timeout)
        except BaseException:
            self.stop()
            raise

    def registered(self) -> int:
        aors = {f"{x.extension}@{x.domain}" for x in self.seats}
        if self._registered is not None:
            return len(aors & self._registered())
        text = self.box.api("sofia status profile internal reg", check=False)
        return sum(
            1 for line in text.splitlines() if line.startswith("User:") and line.split(":", 1)[1].strip() in aors
        )

    def wait_registered(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.registered() < len(self.seats):
            if not self.sipp.running() or time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.registered()} of {len(self.seats)} seats registered\n" + self.sipp.diagnostics()
                )
            time.sleep(0.5)

    @property
    def answered(self) -> list[str]:
        """Call-IDs the pool answered, in order."""
        return [ln.split()[1] for ln in self.sipp.log_lines() if ln.startswith("answered ")]

    def __enter__(self) -> "AgentPool":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.sipp.kill()


# --------------------------------------------------------------------------- callers


@dataclass
class CallResult:
    number: str
    code: int | None
    """The INVITE's final SIP response (200, 404, 503, ...), None if none came."""
    answered: bool
    ended: str | None
    """local-bye (the caller hung up), remote-bye (FreeSWITCH did), or None."""
    duration: float
    """Seconds from the INVITE to the end of the sipp process."""
    exit_code: int
    call_id: str | None
    sipp: Sipp = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def diagnostics(self) -> str:
        return f"{self!r}\n{self.sipp.diagnostics()}"


class Call:
    """A running caller; wait() gives its CallResult."""

    def __init__(
        self,
        workdir: Path,
        number: str,
        digits: str,
        wait_ms: int,
        talk_ms: int,
        source_ip: str,
        audio: bool,
        caller_number: str,
        port: int,
        timeout_s: float | None,
        target: str | None = None,
        scenario: Path | None = None,
    ):
        self.number = number
        workdir.mkdir(parents=True, exist_ok=True)
        # sipp loads every pcap a scenario names when it starts, played or not: always write both
        build_dtmf_pcap(digits or "0", workdir / "digits.pcap")
        build_audio_pcap(max(talk_ms, 20), workdir / "audio.pcap")
        self.call_id = f"cc-test-{int(time.time() * 1000)}-{os.getpid()}-{source_ip}"
        self.timeout_s = timeout_s or (wait_ms + talk_ms) / 1000 + 25
        args = [
            "-i",
            source_ip,
            "-bind_local",
            "-p",
            str(port),
            "-mi",
            source_ip,
            "-mp",
            "7000",
            "-s",
            number,
            "-key",
            "caller_number",
            caller_number,
            "-set",
            "wait_ms",
            str(wait_ms),
            "-set",
            "talk_ms",
            str(talk_ms),
            "-set",
            "dtmf",
            "1" if digits else "0",
            "-set",
            "audio",
            "1" if audio else "0",
            "-cid_str",
            self.call_id + "-%u",
            "-m",
            "1",
            "-l",
            "1",
            target or f"{FS_IP}:{EXTERNAL_PORT}",
        ]
        source = scenario or SCENARIOS / "caller.xml"
        scenario = workdir / "caller.xml"  # next to its pcaps, where sipp looks for them
        if source != scenario:
            shutil.copyfile(source, scenario)
        self.sipp = Sipp(workdir, scenario, args, timeout_s=self.timeout_s)

    def wait(self, timeout: float | None = None) -> CallResult:
        rc = self.sipp.wait(timeout if timeout is not None else self.timeout_s + 10)
        duration = time.monotonic() - self.sipp.started
        lines = self.sipp.log_lines()
        # "final 200", or "final SIP/2.0 503" for a refusal
        finals = [int(ln.split()[-1]) for ln in lines if ln.startswith("final ") and ln.split()[-1].isdigit()]
        ended = [ln.split()[1] for ln in lines if ln.startswith("ended ")]
        code = finals[-1] if finals else _final_from_trace(self.sipp.messages)
        return CallResult(
            self.number, code, code == 200, ended[-1] if ended else None, duration, rc, f"{self.call_id}-1", self.sipp
        )


def _final_from_trace(messages: Path) -> int | None:
    """The last final response to an INVITE in a sipp message trace (for calls that failed
    in a way the scenario did not expect)."""
    if not messages.exists():
        return None
    code = None
    for block in messages.read_text(errors="replace").split("\n\n"):
        lines = block.strip().splitlines()
        first = next((ln for ln in lines if ln.startswith("SIP/2.0 ")), None)
        if first and any(ln.startswith("CSeq:") and "INVITE" in ln for ln in lines):
            n = int(first.split()[1])
            if n >= 200:
                code = n
    return code


def start_call(
    workdir: Path,
    number: str,
    digits: str = "",
    wait_ms: int = 2000,
    talk_ms: int = 5000,
    source_ip: str = "127.0.0.2",
    audio: bool = True,
    caller_number: str = "4915112345678",
    port: int = 5060,
    timeout_s: float | None = None,
    target: str | None = None,
    scenario: Path | None = None,
) -> Call:
    """Dial NUMBER at the external profile (a carrier's call to a DID) from SOURCE_IP:PORT.
    After the answer: wait WAIT_MS (the greeting), press DIGITS (RFC 2833, 0.4 s apart), 0.5 s
    later start streaming speech (AUDIO, 20 ms PCMA packets) and stay TALK_MS, then hang up,
    unless FreeSWITCH hangs up first. A refusal (4xx-6xx) ends the call with that code.
    Calls running at the same time need different SOURCE_IPs (or ports). Returns at once;
    Call.wait() gives the CallResult. Logs and traces go to WORKDIR. TARGET (IP:PORT): dial
    there instead (a fleet's edge). SCENARIO: a copy of
    caller.xml to run instead (one whose SDP names a test's own RTP end, say)."""
    return Call(
        workdir, number, digits, wait_ms, talk_ms, source_ip, audio, caller_number, port, timeout_s, target, scenario
    )


def call(workdir: Path, number: str, **kw) -> CallResult:
    """start_call(...).wait(): dial, run the whole call, return its result."""
    return start_call(workdir, number, **kw).wait()


def caller_load(
    workdir: Path,
    number: str,
    *,
    total: int,
    concurrent: int,
    rate: float,
    talk_ms: int,
    wait_ms: int = 200,
    digits: str = "",
    source_ip: str = "127.0.0.2",
    port: int = 5062,
    media_port: int = 40000,
    trace_stat: bool = False,
    timeout_s: float | None = None,
    target: str | None = None,
    sipp_args: list[str] | None = None,
) -> Sipp:
    """TOTAL carrier calls to NUMBER from one sipp process, at most CONCURRENT at once, RATE new
    calls a second; each talks (speech both ways) TALK_MS after WAIT_MS and DIGITS, then hangs
    up. Returns the running Sipp; its log has "final 200" per answered call. TRACE_STAT: sipp's
    -trace_stat CSV (successful/failed calls) and -trace_rtt (INVITE -> 200 per call) in WORKDIR.
    TARGET (IP:PORT): dial there instead of this box's external profile (a fleet's edge or node).
    SIPP_ARGS: more of sipp's options."""
    workdir.mkdir(parents=True, exist_ok=True)
    build_dtmf_pcap(digits or "0", workdir / "digits.pcap")
    build_audio_pcap(max(talk_ms, 20), workdir / "audio.pcap")
    scenario = workdir / "caller.xml"
    shutil.copyfile(SCENARIOS / "caller.xml", scenario)
    args = [
        "-i",
        source_ip,
        "-bind_local",
        "-p",
        str(port),
        "-mi",
        source_ip,
        "-mp",
        str(media_port),
        "-s",
        number,
        "-key",
        "caller_number",
        "4915100000000",
        "-set",
        "wait_ms",
        str(wait_ms),
        "-set",
        "talk_ms",
        str(talk_ms),
        "-set",
        "dtmf",
        "1" if digits else "0",
        "-set",
        "audio",
        "1",
        "-m",
        str(total),
        "-l",
        str(concurrent),
        "-r",
        str(rate),
        "-rp",
        "1000",
        *(["-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1"] if trace_stat else []),
        *(sipp_args or []),
        target or f"{FS_IP}:{EXTERNAL_PORT}",
    ]
    timeout = timeout_s or total / max(rate, 0.1) + (wait_ms + talk_ms) / 1000 + 120
    return Sipp(workdir, scenario, args, timeout_s=timeout, trace=False)


# --------------------------------------------------------------------------- Event Socket


class EventLog:
    """FreeSWITCH events (plain format) collected by a background thread over its own Event
    Socket connection (no gevent: this thread blocks on its socket alone).

        with EventLog(box.fs.password, ["CHANNEL_HANGUP_COMPLETE"]) as ev:
            ...
            hangups = ev.wait_for(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE", count=2)
    """

    def __init__(
        self,
        password: str,
        events: list[str],
        host: str = FS_IP,
        port: int = 18021,
        record=None,
        filters: list[tuple[str, str]] = (),
    ):
        """RECORD: a binary file that gets the raw event stream (test data for replay tests);
        FILTERS: as EventStream's."""
        self.events: list[dict[str, str]] = []
        self._cond = threading.Condition()
        self._stream = EventStream(host, port, password, events, record=record, filters=filters)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __enter__(self) -> "EventLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop = True
        self._stream.close()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop:
            try:
                event = self._stream.next_event()
            except (OSError, ConnectionError):
                return
            if event is None:
                continue
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def matching(self, pred) -> list[dict[str, str]]:
        with self._cond:
            return [e for e in self.events if pred(e)]

    def wait_for(self, pred, count: int = 1, timeout: float = 15) -> list[dict[str, str]]:
        """The first COUNT events matching PRED, waiting up to TIMEOUT s; AssertionError if fewer came."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if pred(e)]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [
                        (e.get("Event-Name"), e.get("Unique-ID"), e.get("Caller-Destination-Number"))
                        for e in self.events
                    ]
                    raise AssertionError(f"{len(found)} of {count} events after {timeout}s; got {names}")
                self._cond.wait(left)

"""A phone's media end in Python: sends a steady tone as G.711 RTP and keeps what it receives,
so a test can tell who hears whom (each party sends its own frequency). sipp does the SIP
side: its SDP names this socket's port instead of sipp's own media port (`media_scenario`).

    peer = RtpPeer("127.0.3.1", 40000, tone_hz=500)
    ... call set up by sipp ...
    peer.mark(); time.sleep(2); peer.level(900)  # amplitude of 900 Hz heard since mark()
"""

from __future__ import annotations

import math
import re
import socket
import struct
import threading
import time
from pathlib import Path


def _ulaw_decode(b: int) -> int:
    b = ~b & 0xFF
    t = ((b & 0x0F) << 3) + 0x84
    t <<= (b & 0x70) >> 4
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def _alaw_decode(b: int) -> int:
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if b & 0x80 else -t


ULAW = [_ulaw_decode(i) for i in range(256)]
ALAW = [_alaw_decode(i) for i in range(256)]


def _encoder(table: list[int]):
    """Linear sample -> nearest code of TABLE (a 65536-entry lookup built once)."""
    pairs = sorted((v, i) for i, v in enumerate(table))
    values = [v for v, _ in pairs]
    import bisect

    def enc(x: int) -> int:
        k = bisect.bisect_left(values, x)
        if k == len(values) or (k > 0 and x - values[k - 1] < values[k] - x):
            k -= 1
        return pairs[k][1]

    return enc


_ENC = {0: _encoder(ULAW), 8: _encoder(ALAW)}
_DEC = {0: ULAW, 8: ALAW}


def media_scenario(source: Path, dest: Path, rtp_port: int) -> Path:
    """A copy of sipp scenario SOURCE whose SDP names RTP_PORT (an RtpPeer) as its media port."""
    text = source.read_text()
    dest.write_text(re.sub(r"m=audio \[media_port\]", f"m=audio {rtp_port}", text))
    return dest


_EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
_EVENT_PACKETS, _EVENT_GAP = 8, 5
"""A digit: 5 packets of 20 ms while pressed, 3 end packets (one event, RFC 2833 §2.5), then
100 ms of audio before the next (an empty entry stands for a frame of audio)."""


def _telephone_event(digit: str) -> list[bytes]:
    code, volume = _EVENTS[digit], 10
    pressed = [struct.pack(">BBH", code, volume, 160 * (i + 1)) for i in range(5)]
    end = [struct.pack(">BBH", code, 0x80 | volume, 800)] * 3
    return [*pressed, *end, *([b""] * _EVENT_GAP)]


class RtpPeer:
    def __init__(self, ip: str, port: int, tone_hz: float, amplitude: int = 8000):
        self.addr = (ip, port)
        self.tone_hz = tone_hz
        self.amplitude = amplitude
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(self.addr)
        self.sock.settimeout(0.2)
        self.remote: tuple[str, int] | None = None
        self.payload_type = 0
        self._received: list[tuple[float, int, bytes]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._since = 0.0
        self._digits: list[str] = []
        self._events_received: set[tuple[int, int]] = set()
        self.dtmf_payload_type = 101
        self._threads = [
            threading.Thread(target=self._recv, daemon=True),
            threading.Thread(target=self._send, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _recv(self) -> None:
        while not self._stop.is_set():
            try:
                data, src = self.sock.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            if len(data) < 12:
                continue
            pt = data[1] & 0x7F
            if pt == self.dtmf_payload_type and len(data) >= 16:
                with self._lock:
                    self._events_received.add((data[12], struct.unpack(">I", data[4:8])[0]))
                continue
            if pt not in _DEC:
                continue  # comfort noise
            with self._lock:
                self.remote, self.payload_type = src, pt
                self._received.append((time.monotonic(), pt, data[12:]))

    def _send(self) -> None:
        seq, ts, ssrc, n = 0, 0, 0x5EC0DE00 + self.addr[1], 0
        step = 2 * math.pi * self.tone_hz / 8000
        # one second of tone, encoded once per codec: a whole number of cycles for a whole-Hz tone
        second = {
            pt: bytes(enc(int(self.amplitude * math.sin(step * i))) for i in range(8000)) for pt, enc in _ENC.items()
        }
        next_at = time.monotonic()
        event: list[bytes] = []  # the RFC 2833 packets of the digit being sent, then its gap
        event_ts = 0
        while not self._stop.is_set():
            next_at += 0.02
            if self.remote is not None and not event:
                with self._lock:
                    digit = self._digits.pop(0) if self._digits else None
                if digit is not None:
                    event, event_ts = _telephone_event(digit), ts
            if self.remote is not None and event and event[0]:
                # In the audio's own stream (sequence, SSRC), as a phone sends it.
                marker = 0x80 if len(event) == _EVENT_PACKETS + _EVENT_GAP else 0
                header = struct.pack(
                    ">BBHII", 0x80, marker | self.dtmf_payload_type, seq & 0xFFFF, event_ts & 0xFFFFFFFF, ssrc
                )
                try:
                    self.sock.sendto(header + event.pop(0), self.remote)
                except OSError:
                    pass
                seq, ts = seq + 1, ts + 160
            elif self.remote is not None:
                if event:
                    event.pop(0)  # the gap after a digit: audio again
                off = n % 8000
                payload = second[self.payload_type][off : off + 160]
                header = struct.pack(">BBHII", 0x80, self.payload_type, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
                try:
                    self.sock.sendto(header + payload, self.remote)
                except OSError:
                    pass
                seq, ts, n = seq + 1, ts + 160, n + 160
            time.sleep(max(0.0, next_at - time.monotonic()))

    def dtmf(self, digits: str) -> None:
        """Send DIGITS as RFC 2833 telephone events (100 ms each, 100 ms apart), as a phone does."""
        with self._lock:
            self._digits.extend(digits)

    def digits_received(self) -> list[str]:
        """The RFC 2833 digits that arrived (one per event: its packets share a timestamp)."""
        names = {v: k for k, v in _EVENTS.items()}
        with self._lock:
            return [names.get(code, "?") for code, _ in sorted(self._events_received, key=lambda e: e[1])]

    def dtmf_sent(self) -> bool:
        with self._lock:
            return not self._digits

    def mark(self) -> None:
        """Forget what was heard so far: level() counts from now."""
        with self._lock:
            self._since = time.monotonic()

    def packets(self) -> int:
        with self._lock:
            return sum(1 for t, _, _ in self._received if t >= self._since)

    def level(self, hz: float) -> float:
        """Amplitude (of 32767) of the HZ tone in what arrived since mark() (Goertzel)."""
        with self._lock:
            frames = [(pt, p) for t, pt, p in self._received if t >= self._since]
        samples = [_DEC[pt][b] for pt, p in frames for b in p]
        if len(samples) < 800:
            return 0.0
        k = 2 * math.cos(2 * math.pi * hz / 8000)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + k * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - k * s1 * s2
        return 2 * math.sqrt(max(power, 0.0)) / len(samples)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(1)
        self.sock.close()

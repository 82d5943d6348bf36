"""The voice-card spans now: what DAHDI says of each (alarms, from /proc/dahdi/N, the file
dahdi_tool and dahdi_scan read too) and what FreeTDM says (signalling up or down, from
`ftdm list` over the Event Socket), with the calls each carries (`show channels`: FreeTDM
names its channels FreeTDM/SPAN:CHANNEL/...). Parsing is pure; reading takes the folder and
the Event Socket client as arguments."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ccctl.hardware.layout import DigitalSpan, layout
from ccctl.hardware.render import analog_span_name, span_name
from ccctl.hardware.spec import Hardware

PROC_DAHDI = Path("/proc/dahdi")
ALARMS = ("BLUE", "YELLOW", "RED", "LOOP", "RECOVERING", "NOTOPEN")
"""DAHDI's alarm words (dahdi-base.c fill_alarm_string), in its order."""


@dataclass
class DahdiSpan:
    number: int
    name: str
    description: str
    master: bool
    lineconfig: str
    alarms: list[str]
    channels: int
    opened: int
    """Channels a program holds open (FreeTDM opens every channel of its spans)."""


_HEAD = re.compile(r'^Span (\d+): (\S+) "(.*)"( \(MASTER\))?(.*)$')


def parse_proc_span(text: str) -> DahdiSpan | None:
    """One /proc/dahdi/N file."""
    lines = text.splitlines()
    m = _HEAD.match(lines[0]) if lines else None
    if m is None:
        return None
    words = m.group(5).split()
    alarms = [w for w in words if w in ALARMS]
    lineconfig = next((w for w in words if "/" in w), "")
    chans = [ln for ln in lines[1:] if re.match(r"^\s+\d+ \S", ln)]
    return DahdiSpan(
        number=int(m.group(1)),
        name=m.group(2),
        description=m.group(3),
        master=bool(m.group(4)),
        lineconfig=lineconfig,
        alarms=alarms,
        channels=len(chans),
        opened=sum("(In use)" in ln for ln in chans),
    )


def read_dahdi(proc: Path = PROC_DAHDI) -> dict[int, DahdiSpan]:
    """DAHDI span number -> its state; empty where DAHDI is not loaded."""
    out = {}
    if not proc.is_dir():
        return out
    for p in proc.iterdir():
        if not p.name.isdigit():
            continue
        try:
            span = parse_proc_span(p.read_text(errors="replace"))
        except OSError:
            continue
        if span is not None:
            out[span.number] = span
    return out


@dataclass
class FtdmSpan:
    id: int
    name: str
    type: str
    physical: str
    """ok or alarmed"""
    signalling: str
    """UP, DOWN, SUSPENDED, IN_MAINTENANCE; empty where the signalling module reports none."""
    channels: int


def parse_ftdm_list(text: str) -> dict[str, FtdmSpan]:
    """`ftdm list` (mod_freetdm): span name -> its state."""
    out = {}
    for block in re.split(r"^\+OK\s*$", text, flags=re.M):
        kv = dict(re.findall(r"^(\w+): (.*)$", block, re.M))
        m = re.match(r"(\d+) \((.*)\)$", kv.get("span", ""))
        if m is None:
            continue
        out[m.group(2)] = FtdmSpan(
            id=int(m.group(1)),
            name=m.group(2),
            type=kv.get("type", ""),
            physical=kv.get("physical_status", ""),
            signalling=kv.get("signaling_status", ""),
            channels=int(kv.get("chan_count", "0") or 0),
        )
    return out


def calls_per_span(channels_json: str) -> dict[int, int]:
    """`show channels as json`: FreeTDM span id -> channels carrying a call."""
    try:
        rows = json.loads(channels_json).get("rows") or []
    except (ValueError, AttributeError):
        return {}
    out: dict[int, int] = {}
    for r in rows:
        m = re.match(r"FreeTDM/(\d+):\d+/", r.get("name") or "")
        if m:
            out[int(m.group(1))] = out.get(int(m.group(1)), 0) + 1
    return out


@dataclass
class SpanStatus:
    card: str
    span: str
    """The card's span number, or fxo/fxs for an analog card's ports."""
    name: str
    """FreeTDM's name of the span (card-sN)."""
    dahdi_span: int
    group: int | None
    signalling: str
    dahdi: str
    """ok, the alarms (RED, YELLOW, BLUE, ...), or absent (DAHDI has no such span)"""
    freetdm: str
    """up, down, alarmed, not loaded (mod_freetdm is not), or absent (no such FreeTDM span)"""
    channels: int
    in_use: int
    alarms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def combine(hw: Hardware, dahdi: dict[int, DahdiSpan], ftdm: dict[str, FtdmSpan] | None, calls: dict[int, int]):
    """One row per configured span (and per analog card's fxo/fxs group); FTDM None: mod_freetdm
    is not loaded or FreeSWITCH is not running."""
    rows = []
    for sp in layout(hw).spans():
        if isinstance(sp, DigitalSpan):
            entries = [(str(sp.spec.span), span_name(sp), sp.spec.group, sp.spec.signalling, sp.size)]
        else:
            entries = [
                (kind, analog_span_name(sp, kind), None, kind, sum(1 for p, _ in sp.ports if p.type == kind))
                for kind in ("fxo", "fxs")
                if any(p.type == kind for p, _ in sp.ports)
            ]
        d = dahdi.get(sp.number)
        for label, name, group, sig, size in entries:
            f = ftdm.get(name) if ftdm is not None else None
            rows.append(
                SpanStatus(
                    card=sp.card.name,
                    span=label,
                    name=name,
                    dahdi_span=sp.number,
                    group=group,
                    signalling=sig,
                    dahdi="absent" if d is None else (" ".join(d.alarms) or "ok"),
                    freetdm=_ftdm_state(ftdm, f),
                    channels=f.channels if f else (d.channels if d else size),
                    in_use=calls.get(f.id, 0) if f else 0,
                    alarms=list(d.alarms) if d else [],
                )
            )
    return rows


def _ftdm_state(ftdm: dict[str, FtdmSpan] | None, f: FtdmSpan | None) -> str:
    if ftdm is None:
        return "not loaded"
    if f is None:
        return "absent"
    if f.signalling:
        return f.signalling.lower()
    return "alarmed" if f.physical == "alarmed" else "up"

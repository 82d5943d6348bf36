"""The voice-card spans now: what DAHDI says of each (alarms, from /proc/dahdi/N, the file
dahdi_tool and dahdi_scan read too) and what FreeTDM says (signalling up or down, from
`ftdm list` over the Event Socket), with the calls each carries (`ftdm dump SPAN`: the
channels FreeTDM has bound to a FreeSWITCH session), and the tenant trunks over each span
group (down when every span of the group is). Parsing is pure; reading takes the folder and
the Event Socket client as arguments."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ccctl.hardware.layout import DigitalSpan, layout
from ccctl.hardware.render import analog_span_name, span_name
from ccctl.hardware.spec import Hardware
from ccctl.hardware.trunks import span_groups

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


def calls_in_dump(text: str) -> int:
    """`ftdm dump SPAN`: how many of the span's channels carry a call. A channel with a call
    holds its FreeSWITCH session's uuid (`session: UUID`); an idle one says `(none)`, one whose
    session is gone `UUID (dead)`. Counted from FreeTDM rather than from `show channels`' names
    (FreeTDM/SPAN:CHAN/NUMBER, mod_freetdm.c): FreeTDM's own binding holds for both directions
    and every span, whatever the channel was named."""
    n = 0
    for m in re.finditer(r"^session: (.*)$", text, re.M):
        value = m.group(1).strip()
        if value and value != "(none)" and not value.endswith("(dead)"):
            n += 1
    return n


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
    trunks: list[str] = field(default_factory=list)
    """The tenant trunks dialling this span's group, as tenant/trunk."""
    trunks_down: list[str] = field(default_factory=list)
    """Those of them with no span of their group in service (every one alarmed, absent or down):
    their calls fail over to the tenant's next trunk."""

    def as_dict(self) -> dict:
        return asdict(self)


def combine(
    hw: Hardware,
    dahdi: dict[int, DahdiSpan],
    ftdm: dict[str, FtdmSpan] | None,
    calls: dict[str, int],
    trunks: dict[int, list[tuple[str, str]]] | None = None,
):
    """One row per configured span (and per analog card's fxo/fxs group); FTDM None: mod_freetdm
    is not loaded or FreeSWITCH is not running; CALLS: FreeTDM span name -> calls on it;
    TRUNKS: span group -> (tenant, trunk) pairs dialling it."""
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
                    in_use=calls.get(name, 0) if f else 0,
                    alarms=list(d.alarms) if d else [],
                )
            )
    _mark_trunks(rows, hw, trunks or {})
    return rows


def in_service(row: SpanStatus) -> bool:
    """The span can carry a call: no DAHDI alarm and FreeTDM's signalling up."""
    return row.dahdi == "ok" and row.freetdm == "up"


def _mark_trunks(rows: list[SpanStatus], hw: Hardware, trunks: dict[int, list[tuple[str, str]]]) -> None:
    """Name on each row the trunks over its groups, and those down: a group is down when
    none of its spans is in service (FreeTDM's group hunt then finds no channel and the
    tenant's outbound bridge goes on to its next trunk)."""
    groups = span_groups(hw)
    up_groups = {g for r in rows if in_service(r) for g in groups.get(r.name, ())}
    for r in rows:
        for g in sorted(groups.get(r.name, ())):
            for tenant, trunk in trunks.get(g, []):
                r.trunks.append(f"{tenant}/{trunk}")
                if g not in up_groups:
                    r.trunks_down.append(f"{tenant}/{trunk}")


def _ftdm_state(ftdm: dict[str, FtdmSpan] | None, f: FtdmSpan | None) -> str:
    if ftdm is None:
        return "not loaded"
    if f is None:
        return "absent"
    if f.signalling:
        return f.signalling.lower()
    return "alarmed" if f.physical == "alarmed" else "up"

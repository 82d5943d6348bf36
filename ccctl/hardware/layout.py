"""DAHDI's numbering of the configured spans and channels.

Spans are numbered in the order of the site file's cards (then by span on the card), and
channels follow one another: this is what assigned-spans.conf pins, so that system.conf,
freetdm.conf and the live spans agree whatever order the kernel finds the cards in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ccctl.hardware import profiles
from ccctl.hardware.spec import Card, Hardware, Port, Span

E1_TIMESLOTS = 31
T1_TIMESLOTS = 24
E1_SIGNALLING_SLOT = 16
"""Timeslot 16 of an E1 carries the D channel (PRI) or the CAS bits (R2)."""


@dataclass
class DigitalSpan:
    card: Card
    spec: Span
    number: int
    """DAHDI's global span number."""
    base: int
    """DAHDI's number of the span's first channel."""

    @property
    def size(self) -> int:
        return E1_TIMESLOTS if self.spec.type == "e1" else T1_TIMESLOTS

    @property
    def dchan(self) -> int | None:
        if self.spec.signalling == "r2":
            return None
        return self.base + (E1_SIGNALLING_SLOT if self.spec.type == "e1" else T1_TIMESLOTS) - 1

    @property
    def unused(self) -> int | None:
        """An R2 E1 leaves timeslot 16 to the line's CAS signalling."""
        return self.base + E1_SIGNALLING_SLOT - 1 if self.spec.signalling == "r2" else None

    @property
    def voice(self) -> list[int]:
        skip = {self.dchan, self.unused}
        return [c for c in range(self.base, self.base + self.size) if c not in skip]

    @property
    def label(self) -> str:
        return f"card {self.card.name} span {self.spec.span}"


@dataclass
class AnalogSpan:
    card: Card
    number: int
    base: int
    size: int
    ports: list[tuple[Port, int]] = field(default_factory=list)
    """Each configured port and its DAHDI channel."""


@dataclass
class Layout:
    digital: list[DigitalSpan] = field(default_factory=list)
    analog: list[AnalogSpan] = field(default_factory=list)

    def spans(self) -> list[DigitalSpan | AnalogSpan]:
        return sorted(self.digital + self.analog, key=lambda s: s.number)


def analog_size(card: Card) -> int:
    """Channels of an analog card: one per port it can hold."""
    found = profiles.find_card(card.profile)
    most = max((p.port for p in card.ports), default=0)
    return max(found[1].ports or 0, most) if found else most


def layout(hw: Hardware) -> Layout:
    out = Layout()
    number, channel = 1, 1
    for card in hw.cards:
        for sp in sorted(card.spans, key=lambda s: s.span):
            d = DigitalSpan(card, sp, number, channel)
            out.digital.append(d)
            number, channel = number + 1, channel + d.size
        if card.ports:
            size = analog_size(card)
            a = AnalogSpan(
                card,
                number,
                channel,
                size,
                [(p, channel + p.port - 1) for p in sorted(card.ports, key=lambda p: p.port)],
            )
            out.analog.append(a)
            number, channel = number + 1, channel + size
    return out


def ranges(channels: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3,5': DAHDI's and FreeTDM's channel lists."""
    out: list[str] = []
    chans = sorted(channels)
    i = 0
    while i < len(chans):
        j = i
        while j + 1 < len(chans) and chans[j + 1] == chans[j] + 1:
            j += 1
        out.append(str(chans[i]) if i == j else f"{chans[i]}-{chans[j]}")
        i = j + 1
    return ",".join(out)

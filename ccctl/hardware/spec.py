"""The `hardware:` section of a site file: which voice cards the box has and how each span
and analog port is set up. Field checks live here; checks across cards, profiles and tenants
(spans the card does not have, R2 on a T1, two tenants on one span) live in check.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ccctl.config.spec import Slug, Spec

Signalling = Literal["pri_cpe", "pri_net", "r2", "loop_start", "kewl_start"]
"""pri_cpe/pri_net (ISDN PRI, user or network side) and r2 are for digital spans;
loop_start/kewl_start for analog ports. check.py refuses a mix with one line naming where."""
EchoCanceller = Literal["none", "hardware", "oslec", "mg2", "kb1", "sec", "sec2", "jpah"]
ToneZone = Literal["us", "cn", "de", "gb", "fr", "it", "nl", "es", "br", "au", "jp", "in", "ru", "mx"]
"""DAHDI tone zones (zonedata in dahdi-tools) the FreeTDM tone groups also know."""
R2Variant = Literal["ar", "br", "cn", "cz", "co", "ec", "itu", "mx", "ph", "ve"]
"""openr2's variants; cn is China's."""
PriSwitch = Literal["euroisdn", "ni2", "dms100", "4ess", "5ess", "qsig"]

GROUP = Field(ge=1, le=64)


class R2(Spec):
    variant: R2Variant = "cn"
    category: Literal[
        "national_subscriber",
        "national_priority_subscriber",
        "international_subscriber",
        "international_priority_subscriber",
        "collect_call",
    ] = "national_subscriber"
    max_ani: int = Field(default=10, ge=0, le=64)
    max_dnis: int = Field(default=4, ge=1, le=64)
    """Digits collected from the network on an incoming call before it is offered."""
    get_ani_first: bool = False
    immediate_accept: bool = False
    double_answer: bool = False


class Span(Spec):
    span: int = Field(ge=1, le=8)
    """The span's number on its card (1 = the first port of the card)."""
    type: Literal["e1", "t1"]
    framing: Literal["ccs", "cas", "esf", "d4"] | None = None
    """E1: ccs (PRI) or cas (R2); T1: esf or d4. Default: ccs for PRI on E1, cas for R2, esf on T1."""
    coding: Literal["hdb3", "ami", "b8zs"] | None = None
    """Default: hdb3 on E1, b8zs on T1."""
    crc4: bool | None = None
    """E1 only. Default: on for PRI, off for R2."""
    clock: int = Field(default=1, ge=0, le=8)
    """Timing source priority: 1 is taken first, 0 never takes clock from this span."""
    lbo: int = Field(default=0, ge=0, le=7)
    """Line build-out (T1 cable length, 0 = 0 dB)."""
    signalling: Signalling
    switch: PriSwitch | None = None
    """PRI switch type. Default: euroisdn on E1, ni2 on T1."""
    r2: R2 | None = None
    group: int = GROUP
    """The span group: a tdm trunk with span_group N dials out over, and takes calls from, group N."""
    echo_canceller: EchoCanceller = "mg2"

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        """Fill what follows from type and signalling, so export writes every decision out."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        e1, sig = data.get("type") == "e1", data.get("signalling")
        if data.get("framing") is None:
            data["framing"] = ("cas" if sig == "r2" else "ccs") if e1 else "esf"
        if data.get("coding") is None:
            data["coding"] = "hdb3" if e1 else "b8zs"
        if data.get("crc4") is None and e1:
            data["crc4"] = sig != "r2"
        if sig in ("pri_cpe", "pri_net") and data.get("switch") is None:
            data["switch"] = "euroisdn" if e1 else "ni2"
        if sig == "r2" and data.get("r2") is None:
            data["r2"] = {}
        return data


class Port(Spec):
    port: int = Field(ge=1, le=64)
    type: Literal["fxs", "fxo"]
    """fxs: the port feeds a phone; fxo: the port is a line from the telephone company."""
    signalling: Signalling = "kewl_start"
    group: int = GROUP
    echo_canceller: EchoCanceller = "mg2"
    did: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{2,20}$")] | None = None
    """FXO ports: the number a call coming in on this line is for. An analog line delivers no
    number, so the call enters the public context as a call to this one, which routes it to
    the tenant's entry point like any DID. No did: the line's incoming calls are refused."""


Location = Annotated[
    str, StringConstraints(pattern=r"^(?:[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|usb:[0-9]+-[0-9.]+)$")
]
"""Where the card sits: its PCI address (0000:05:00.0) or its USB port (usb:1-1.2), as
`ccctl hardware detect` prints it."""


class Card(Spec):
    name: Slug
    profile: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    """A card id from `ccctl hardware list`."""
    location: Location | None = None
    spans: list[Span] = []
    ports: list[Port] = []

    def sorted(self) -> "Card":
        return self.model_copy(
            update={
                "spans": sorted(self.spans, key=lambda s: s.span),
                "ports": sorted(self.ports, key=lambda p: p.port),
            }
        )


class Hardware(Spec):
    tone_zone: ToneZone = "us"
    cards: list[Card] = []

    def sorted(self) -> "Hardware":
        """Cards keep the file's order: it decides DAHDI's span and channel numbers."""
        return self.model_copy(update={"cards": [c.sorted() for c in self.cards]})

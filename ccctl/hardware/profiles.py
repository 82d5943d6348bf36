"""Voice-card profiles: the data files in hardware/profiles/, one per card family.

Each profile says how to recognise a card (PCI or USB ids), which kernel module drives it,
which firmware files it loads, what ports it has and which echo cancellers it can use, and
records for each of these facts the Debian file it was taken from (see sources.py).
hardware/profile.schema.json is the JSON Schema of these files, generated from `Family`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from typing_extensions import Annotated

Hex4 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{4}$")]
PortType = Literal["e1", "t1", "j1", "fxs", "fxo", "bri"]
SOFTWARE_ECHO_CANCELLERS = ("oslec", "mg2", "kb1", "sec", "sec2", "jpah")
"""DAHDI's software echo cancellers (drivers/dahdi/Kbuild: dahdi_echocan_*.o)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """One entry of a driver's id table; None matches anything (PCI_ANY_ID)."""

    vendor: Hex4
    device: Hex4
    subvendor: Hex4 | None = None
    subdevice: Hex4 | None = None

    def matches(self, vendor: str, device: str, subvendor: str | None, subdevice: str | None) -> bool:
        return (
            self.vendor == vendor
            and self.device == device
            and self.subvendor in (None, subvendor)
            and self.subdevice in (None, subdevice)
        )

    def specificity(self) -> int:
        return (self.subvendor is not None) + (self.subdevice is not None)


class Derive(_Strict):
    """How the tests re-derive this card's facts from dahdi-source."""

    file: str = Field(pattern=r"^drivers/dahdi/[\w/.-]+\.c$")
    """Path inside /usr/src/dahdi.tar.bz2 (under modules/dahdi/)."""
    table: str
    select: dict[Literal["device", "subvendor", "driver_data", "comment"], list[str]] = {}
    """Which entries of the table are this card: field -> accepted values."""


class EchoCanceller(_Strict):
    hardware: str | None = None
    """The optional on-board echo-cancel module, e.g. VPMOCT064 (Octasic)."""
    hardware_firmware: list[str] = []
    software: list[str] = list(SOFTWARE_ECHO_CANCELLERS)


class Card(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    name: str
    match: list[Match] = []
    """The bus ids that are this card (none for a virtual family: nothing to detect)."""
    loader_match: list[Match] = []
    """USB ids a unit shows before its firmware is loaded (the Astribank's loader stage)."""
    ids_name: str | None = None
    """The name pci.ids / usb.ids give the (first) id."""
    spans: int | None = Field(default=None, ge=1, le=8)
    """Digital spans (E1/T1/J1)."""
    ports: int | None = Field(default=None, ge=1, le=64)
    """Analog ports."""
    port_types: list[PortType] = Field(min_length=1)
    modular: bool = False
    """Port types come from plug-in modules the driver detects; counts are upper bounds."""
    module: str | None = None
    """The kernel module, where a family's cards differ (else the family's)."""
    firmware: list[str] = []
    """Files the card itself needs (loaded by the driver, or by udev for USB units)."""
    echo_canceller: EchoCanceller = EchoCanceller()
    derive: Derive | None = None
    sources: dict[str, str]
    """Fact -> the file it was taken from (path in a Debian package, and the package)."""
    note: str | None = None

    @model_validator(mode="after")
    def _sources_cover_facts(self):
        needed = {"name", "port_types"} | ({"match"} if self.match else set())
        if self.firmware:
            needed.add("firmware")
        if self.spans:
            needed.add("spans")
        if self.ports:
            needed.add("ports")
        if self.echo_canceller.hardware:
            needed.add("echo_canceller")
        missing = needed - set(self.sources)
        if missing:
            raise ValueError(f"card {self.id}: no source recorded for {', '.join(sorted(missing))}")
        if not (self.spans or self.ports or self.modular):
            raise ValueError(f"card {self.id}: needs spans or ports")
        return self

    @property
    def digital(self) -> bool:
        return bool(set(self.port_types) & {"e1", "t1", "j1"})


class Family(_Strict):
    family: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    vendor: str
    bus: Literal["pci", "usb", "virtual"]
    """virtual: spans made by a DAHDI driver without hardware (dahdi_dynamic_loc wires two
    spans back to back), configured like a card's to prove a box without one."""
    module: str | None
    """The kernel module (None: no driver for it in Debian's DAHDI)."""
    module_source: str
    cards: list[Card] = Field(min_length=1)

    @model_validator(mode="after")
    def _cards_on_a_bus_have_ids(self):
        for c in self.cards:
            if self.bus != "virtual" and not c.match:
                raise ValueError(f"card {c.id}: a {self.bus} card needs match ids")
        return self

    @property
    def virtual(self) -> bool:
        return self.bus == "virtual"


def profiles_dir() -> Path:
    """CCCTL_HARDWARE_DIR, else hardware/profiles beside the package, else the installed copy."""
    from ccctl.settings import Settings

    chosen = Settings.from_env().hardware_dir
    if chosen is not None:
        return chosen
    here = Path(__file__).resolve().parents[2] / "hardware" / "profiles"
    return here if here.is_dir() else Path("/usr/share/ccctl/hardware/profiles")


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[Family, ...]:
    import yaml

    out = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            out.append(Family.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except Exception as exc:  # a broken data file names itself
            raise ValueError(f"{path}: {exc}") from None
    return tuple(out)


def families(directory: Path | None = None) -> tuple[Family, ...]:
    return _load(str(directory or profiles_dir()))


def cards(directory: Path | None = None) -> dict[str, tuple[Family, Card]]:
    """Card id -> (family, card)."""
    return {c.id: (f, c) for f in families(directory) for c in f.cards}


def find_card(card_id: str) -> tuple[Family, Card] | None:
    return cards().get(card_id)


def match_device(
    bus: str, vendor: str, device: str, subvendor: str | None = None, subdevice: str | None = None
) -> tuple[Family, Card, bool] | None:
    """The most specific profile for a device, and whether it matched a loader id."""
    best = None
    for f in families():
        if f.bus != bus:
            continue
        for c in f.cards:
            for loader, ms in ((False, c.match), (True, c.loader_match)):
                for m in ms:
                    if m.matches(vendor, device, subvendor, subdevice):
                        if best is None or m.specificity() > best[0]:
                            best = (m.specificity(), f, c, loader)
    return None if best is None else best[1:]


def schema() -> dict:
    return Family.model_json_schema()

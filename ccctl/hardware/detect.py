"""Which voice cards this box has: PCI and USB devices read from sysfs, matched against the
profiles. A telephony device no profile knows is listed as unknown, never dropped; for each
known card the loaded kernel module and the firmware files it still lacks are reported.

The sysfs root and the firmware directories are parameters, so the tests run this against
sysfs trees they build (and a box can be inspected from a rescue system).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ccctl.hardware import profiles

SYSFS = Path("/sys")
FIRMWARE_DIRS = (Path("/lib/firmware"), Path("/usr/share/dahdi"))
"""DAHDI's drivers request dahdi-fw-*.bin from /lib/firmware; the Astribank loader (udev,
dahdi package) reads its *.hex files from /usr/share/dahdi."""

TELEPHONY_PCI_CLASSES = {"0204": "ISDN controller", "0703": "modem"}
EXTRA_TELEPHONY_VENDORS = {"1923": "Sangoma"}
"""Vendors that make only telephony cards, besides those of the profiles."""
USB_TELEPHONE_INTERFACE = ("02", "03")
"""USB interface class Communications, subclass Telephone."""
ALWAYS_REPORTED_MODULES = (
    "dahdi",
    "dahdi_echocan_oslec",
    "dahdi_echocan_mg2",
    "dahdi_echocan_kb1",
    "dahdi_echocan_sec",
    "dahdi_echocan_sec2",
    "dahdi_echocan_jpah",
)


@dataclass
class Device:
    bus: str
    location: str
    vendor: str
    device: str
    subvendor: str | None = None
    subdevice: str | None = None
    pci_class: str | None = None
    driver: str | None = None
    """The driver bound to it now (sysfs driver link)."""

    @property
    def ids(self) -> str:
        sub = f" {self.subvendor}:{self.subdevice}" if self.subvendor else ""
        return f"{self.vendor}:{self.device}{sub}"


@dataclass
class Found:
    location: str
    bus: str
    ids: str
    profile: str | None
    name: str
    module: str | None = None
    module_loaded: bool = False
    driver: str | None = None
    spans: int | None = None
    ports: int | None = None
    firmware_missing: list[str] = field(default_factory=list)
    echo_canceller_firmware_missing: list[str] = field(default_factory=list)
    state: str = "ok"


@dataclass
class Detection:
    cards: list[Found]
    unknown: list[Found]
    modules: dict[str, bool]

    def as_dict(self) -> dict:
        return {
            "cards": [asdict(c) for c in self.cards],
            "unknown": [asdict(u) for u in self.unknown],
            "modules": self.modules,
        }


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _hex(value: str | None, width: int = 4) -> str | None:
    if value is None:
        return None
    return value.lower().removeprefix("0x").zfill(width)


def pci_devices(sysfs: Path) -> list[Device]:
    out = []
    base = sysfs / "bus" / "pci" / "devices"
    for d in sorted(base.iterdir()) if base.is_dir() else []:
        vendor, device = _hex(_read(d / "vendor")), _hex(_read(d / "device"))
        if not vendor or not device:
            continue
        driver = d / "driver"
        out.append(
            Device(
                "pci",
                d.name,
                vendor,
                device,
                _hex(_read(d / "subsystem_vendor")),
                _hex(_read(d / "subsystem_device")),
                (_hex(_read(d / "class"), 6) or "")[:4] or None,
                Path(driver.resolve()).name if driver.exists() or driver.is_symlink() else None,
            )
        )
    return out


def usb_devices(sysfs: Path) -> list[tuple[Device, set[tuple[str, str]]]]:
    """USB devices (not interfaces) and their interfaces' (class, subclass)."""
    out = []
    base = sysfs / "bus" / "usb" / "devices"
    for d in sorted(base.iterdir()) if base.is_dir() else []:
        if ":" in d.name:
            continue
        vendor, product = _hex(_read(d / "idVendor")), _hex(_read(d / "idProduct"))
        if not vendor or not product:
            continue
        classes = set()
        drivers = set()
        for intf in base.glob(f"{d.name}:*"):
            classes.add((_hex(_read(intf / "bInterfaceClass"), 2), _hex(_read(intf / "bInterfaceSubClass"), 2)))
            if (intf / "driver").exists() or (intf / "driver").is_symlink():
                drivers.add(Path((intf / "driver").resolve()).name)
        out.append((Device("usb", f"usb:{d.name}", vendor, product, driver=min(drivers) if drivers else None), classes))
    return out


def _missing(names: list[str], firmware_dirs) -> list[str]:
    return [n for n in names if not any((Path(d) / n).is_file() for d in firmware_dirs)]


def _known(dev: Device, fam: profiles.Family, card: profiles.Card, loader: bool, sysfs: Path, firmware_dirs) -> Found:
    module = card.module or fam.module
    found = Found(
        dev.location,
        dev.bus,
        dev.ids,
        card.id,
        card.name,
        module,
        bool(module) and (sysfs / "module" / module).is_dir(),
        dev.driver,
        card.spans,
        card.ports,
        _missing(card.firmware, firmware_dirs),
        _missing(card.echo_canceller.hardware_firmware, firmware_dirs),
    )
    if module is None:
        found.state = "no driver in Debian's DAHDI"
    elif found.firmware_missing:
        found.state = "firmware missing"
    elif loader:
        found.state = "firmware not loaded yet (udev loads it at plug-in)"
    elif not found.module_loaded:
        found.state = f"module {module} not loaded"
    elif dev.driver != module:
        found.state = f"not bound to {module}" + (f" (bound to {dev.driver})" if dev.driver else "")
    return found


def detect(sysfs: Path = SYSFS, firmware_dirs=FIRMWARE_DIRS) -> Detection:
    sysfs = Path(sysfs)
    telephony_vendors = {m.vendor for f in profiles.families() for c in f.cards for m in c.match + c.loader_match}
    telephony_vendors |= set(EXTRA_TELEPHONY_VENDORS)
    cards: list[Found] = []
    unknown: list[Found] = []
    modules_of_cards: set[str] = set()

    def consider(dev: Device, telephony: bool) -> None:
        hit = profiles.match_device(dev.bus, dev.vendor, dev.device, dev.subvendor, dev.subdevice)
        if hit:
            found = _known(dev, *hit, sysfs, firmware_dirs)
            cards.append(found)
            if found.module:
                modules_of_cards.add(found.module)
        elif telephony:
            unknown.append(
                Found(
                    dev.location,
                    dev.bus,
                    dev.ids,
                    None,
                    _unknown_name(dev),
                    driver=dev.driver,
                    state="no profile: unknown telephony device",
                )
            )

    for dev in pci_devices(sysfs):
        consider(dev, dev.vendor in telephony_vendors or dev.pci_class in TELEPHONY_PCI_CLASSES)
    for dev, classes in usb_devices(sysfs):
        consider(dev, dev.vendor in telephony_vendors or USB_TELEPHONE_INTERFACE in classes)
    names = sorted(set(ALWAYS_REPORTED_MODULES) | modules_of_cards)
    return Detection(cards, unknown, {n: (sysfs / "module" / n).is_dir() for n in names})


def _unknown_name(dev: Device) -> str:
    """pci.ids / usb.ids say what it is, where they are installed."""
    from ccctl.hardware import sources

    try:
        if dev.bus == "pci":
            return (
                sources.pci_name(dev.vendor, dev.device)
                or f"{sources.pci_vendor(dev.vendor) or 'vendor ' + dev.vendor} device {dev.device}"
            )
        return (
            sources.usb_name(dev.vendor, dev.device)
            or f"{sources.usb_vendor(dev.vendor) or 'vendor ' + dev.vendor} device {dev.device}"
        )
    except sources.SourceMissing:
        return f"device {dev.ids}"

"""Facts about voice cards read from the sources Debian ships: the PCI/USB id tables in the
DAHDI drivers' C sources (package dahdi-source), pci.ids and usb.ids (packages pci.ids,
usb.ids), and DAHDI's udev rules (package dahdi).

The profiles in hardware/ record which of these files each fact came from; the tests call
`derive_card` to re-derive every id, name, module and firmware file from the same files.
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DAHDI_TARBALL = Path("/usr/src/dahdi.tar.bz2")
"""dahdi-source's copy of the kernel drivers."""
DAHDI_PREFIX = "modules/dahdi/"
PCI_IDS = Path("/usr/share/misc/pci.ids")
USB_IDS = Path("/usr/share/misc/usb.ids")
DAHDI_UDEV_RULES = Path("/lib/udev/rules.d/60-dahdi.rules")

ANY = None
"""PCI_ANY_ID in a table entry: matches every value."""


@dataclass(frozen=True)
class TableEntry:
    vendor: str
    device: str
    subvendor: str | None
    subdevice: str | None
    driver_data: str | None
    comment: str | None = None


class SourceMissing(Exception):
    """A Debian source file is not installed (the tests skip with this message)."""


@lru_cache(maxsize=None)
def dahdi_file(path: str, tarball: Path = DAHDI_TARBALL) -> str:
    """The text of drivers/dahdi/... inside dahdi-source's tarball."""
    if not tarball.exists():
        raise SourceMissing(f"{tarball} not found (install Debian's dahdi-source)")
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(DAHDI_PREFIX + path)
        if member is None:
            raise SourceMissing(f"{tarball}: no {DAHDI_PREFIX}{path}")
        return member.read().decode("latin-1")


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def _hex(token: str) -> str | None:
    token = token.strip()
    if token in ("PCI_ANY_ID", "0xffffffff", "~0"):
        return ANY
    return f"{int(token, 16):04x}"


def _table_body(text: str, table: str) -> str:
    m = re.search(
        rf"(?:DEFINE_PCI_DEVICE_TABLE\(\s*{table}\s*\)|struct\s+(?:pci|usb)_device_id\s+{table}\s*\[\s*\])\s*=\s*\{{(.*?)\n\}};",
        text,
        flags=re.S,
    )
    if not m:
        raise SourceMissing(f"no device table {table}")
    return m.group(1)


def _strip_conditionals(text: str) -> str:
    """Entries inside #ifdef/#if blocks are off in Debian's build (e.g. TDM_REVH_MATCHALL)."""
    return re.sub(r"^#if.*?^#endif[^\n]*$", " ", text, flags=re.S | re.M)


def pci_table(path: str, table: str) -> list[TableEntry]:
    """The entries of a `struct pci_device_id` table in a DAHDI driver."""
    body = _strip_conditionals(_strip_comments(_table_body(dahdi_file(path), table)))
    out = []
    for m in re.finditer(r"\{([^{}]*)\}", body):
        fields = [f.strip() for f in m.group(1).split(",") if f.strip()]
        if len(fields) < 2 or fields[0] in ("0",):
            continue
        data = None
        if len(fields) >= 7:
            sym = re.sub(r"\(.*?\)|&", "", fields[6]).strip()
            data = None if sym == "0" else sym
        out.append(
            TableEntry(
                _hex(fields[0]),
                _hex(fields[1]),
                _hex(fields[2]) if len(fields) > 2 else ANY,
                _hex(fields[3]) if len(fields) > 3 else ANY,
                data,
            )
        )
    return out


def usb_table(path: str, table: str) -> list[TableEntry]:
    """The USB_DEVICE(vendor, product) entries of a `struct usb_device_id` table, with the
    comment in front of each entry (the xpp driver names the FPGA firmware there)."""
    body = _table_body(dahdi_file(path), table)
    return [
        TableEntry(_hex(v), _hex(p), ANY, ANY, None, c)
        for c, v, p in re.findall(r"/\*\s*([^*]*?)\s*\*/\s*\{\s*USB_DEVICE\(\s*(\w+)\s*,\s*(\w+)\s*\)", body)
    ]


def descriptor_name(path: str, symbol: str) -> str:
    """The first string of a descriptor such as `static struct devtype wct420p5 = {"Wildcard TE420 (5th Gen)", ...}`."""
    m = re.search(rf"\b{symbol}\s*=\s*\{{\s*\"([^\"]+)\"", dahdi_file(path))
    if not m:
        raise SourceMissing(f"{path}: no descriptor {symbol}")
    return m.group(1)


def descriptor_fields(path: str, symbol: str) -> list[str]:
    m = re.search(rf"\b{symbol}\s*=\s*\{{([^}}]*)\}}", dahdi_file(path))
    if not m:
        raise SourceMissing(f"{path}: no descriptor {symbol}")
    return [f.strip() for f in re.findall(r'"[^"]*"|[^,]+', m.group(1))]


def driver_name(path: str) -> str:
    """The module a driver registers as: `.name` of its struct pci_driver / usb_driver."""
    m = re.search(
        r"struct\s+(?:pci|usb)_driver\s+\w+\s*=\s*\{[^}]*?\.name\s*=\s*\"([^\"]+)\"", dahdi_file(path), flags=re.S
    )
    if not m:
        raise SourceMissing(f"{path}: no driver structure")
    return m.group(1)


def string_literals(path: str) -> set[str]:
    return set(re.findall(r'"([^"\n]*)"', dahdi_file(path)))


def make_words(path: str) -> set[str]:
    return set(re.findall(r"[\w.-]+", dahdi_file(path)))


# --- pci.ids / usb.ids -----------------------------------------------------------------------


@lru_cache(maxsize=None)
def _ids_db(path: Path) -> dict:
    if not path.exists():
        raise SourceMissing(f"{path} not found (install Debian's {path.name})")
    vendors: dict[str, str] = {}
    devices: dict[tuple[str, str], str] = {}
    subsystems: dict[tuple[str, str, str, str], str] = {}
    vendor = device = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("C "):
            break  # the class lists follow the vendors
        if not line.startswith("\t"):
            vendor, _, name = line.partition("  ")
            vendors[vendor] = name.strip()
            device = None
        elif line.startswith("\t\t"):
            sub, _, name = line.strip().partition("  ")
            parts = sub.split()
            if device and len(parts) == 2:
                subsystems[(vendor, device, parts[0], parts[1])] = name.strip()
        else:
            device, _, name = line.strip().partition("  ")
            devices[(vendor, device)] = name.strip()
    return {"vendors": vendors, "devices": devices, "subsystems": subsystems}


def pci_name(vendor: str, device: str, subvendor: str | None = None, subdevice: str | None = None) -> str | None:
    db = _ids_db(PCI_IDS)
    if subvendor and subdevice:
        return db["subsystems"].get((vendor, device, subvendor, subdevice))
    if subvendor:  # a driver that matches the subsystem vendor only
        return next(
            (n for (v, d, sv, _), n in sorted(db["subsystems"].items()) if (v, d, sv) == (vendor, device, subvendor)),
            None,
        )
    return db["devices"].get((vendor, device))


def pci_vendor(vendor: str) -> str | None:
    return _ids_db(PCI_IDS)["vendors"].get(vendor)


def usb_name(vendor: str, product: str) -> str | None:
    return _ids_db(USB_IDS)["devices"].get((vendor, product))


def usb_vendor(vendor: str) -> str | None:
    return _ids_db(USB_IDS)["vendors"].get(vendor)


def udev_product_globs() -> list[str]:
    """ENV{PRODUCT}=="..." patterns of DAHDI's udev rules (the Astribank firmware loader)."""
    if not DAHDI_UDEV_RULES.exists():
        raise SourceMissing(f"{DAHDI_UDEV_RULES} not found (install Debian's dahdi)")
    return re.findall(r'ENV\{PRODUCT\}=="([^"]+)"', DAHDI_UDEV_RULES.read_text())


# --- a card's facts, derived -------------------------------------------------------------------

_SPAN_WORDS = {"single": 1, "dual": 2, "quad": 4, "octal": 8}


def count_from_name(name: str) -> tuple[str, int] | None:
    """('spans', 4) from 'quad-span ...' / 'Quad-port E1/T1', ('ports', 8) from '8-port analog'."""
    m = re.search(r"\b(single|dual|quad|octal)-(span|port)\b", name, flags=re.I)
    if m:
        return "spans", _SPAN_WORDS[m.group(1).lower()]
    m = re.search(r"\b(\d+)-port\b", name)
    if m:
        return "ports", int(m.group(1))
    return None


def _selected(entries: list[TableEntry], select: dict[str, list[str]]) -> list[TableEntry]:
    return [e for e in entries if all(getattr(e, f) in vals for f, vals in select.items())]


def derive_card(file: str, table: str, select: dict[str, list[str]], bus: str) -> dict:
    """What dahdi-source (and pci.ids/usb.ids) say about the card a table selection names:
    match (ids), module, name (driver descriptor, when the table points at one),
    ids_name, and spans/ports where the driver or the ids name states them."""
    entries = (usb_table if bus == "usb" else pci_table)(file, table)
    chosen = _selected(entries, select)
    if not chosen:
        raise SourceMissing(f"{file}:{table}: no entry matches {select}")
    out: dict = {
        "match": [
            {"vendor": e.vendor, "device": e.device, "subvendor": e.subvendor, "subdevice": e.subdevice} for e in chosen
        ],
        "module": driver_name(file),
    }
    first = chosen[0]
    if first.driver_data:
        out["name"] = descriptor_name(file, first.driver_data)
        fields = descriptor_fields(file, first.driver_data)
        flags = " ".join(fields[1:])
        if "FLAG_8PORT" in flags:
            out["spans"] = 8
        elif "FLAG_2PORT" in flags:
            out["spans"] = 2
        elif file.startswith("drivers/dahdi/wct4xxp/"):
            out["spans"] = 4
        if len(fields) >= 3 and fields[-1].isdigit():
            out["ports"] = int(fields[-1])
    if bus == "usb":
        out["ids_name"] = usb_name(first.vendor, first.device)
        if first.comment:
            out["firmware"] = [f"{first.comment}.hex"]
    else:
        out["ids_name"] = pci_name(first.vendor, first.device, first.subvendor, first.subdevice) or pci_name(
            first.vendor, first.device
        )
    return out

"""The voice-card profiles: valid against their schema, at least twenty real cards, and every
id, name, module and firmware file re-derived from the Debian files each profile names
(dahdi-source's driver tables, pci.ids, usb.ids, dahdi's udev rules)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from ccctl.hardware import profiles, sources

ROOT = Path(__file__).resolve().parents[2]
ALL = [(f, c) for f in profiles.families() for c in f.cards]
IDS = [c.id for _, c in ALL]


def _need(check):
    """Run CHECK, skipping (with the reason printed) when a Debian source is not installed."""
    try:
        return check()
    except sources.SourceMissing as exc:
        print(f"SKIP reason: {exc}")
        pytest.skip(str(exc))


def test_enough_real_cards_across_vendors():
    assert len(ALL) >= 20
    vendors = {f.vendor.split()[0] for f, _ in ALL}
    assert {"Digium", "OpenVox", "Xorcom"} <= vendors
    for wanted in (
        "te122",
        "te220",
        "te420",
        "te820",
        "tdm410",
        "tdm800",
        "a4a",
        "a4b",
        "a8a",
        "a8b",
        "openvox-a1200p",
        "astribank2",
    ):
        assert wanted in IDS
    assert len(IDS) == len(set(IDS)), "card ids are unique"


def test_schema_file_is_current():
    on_disk = json.loads((ROOT / "hardware" / "profile.schema.json").read_text())
    assert on_disk == profiles.schema(), "regenerate hardware/profile.schema.json from ccctl.hardware.profiles.Family"


def test_every_fact_has_a_source():
    for fam, card in ALL:
        for fact in ("match", "name", "port_types", "module"):
            if fact == "match" and fam.virtual:
                continue  # nothing on a bus to match
            if fact == "module" and (card.module or fam.module) is None:
                continue
            assert fact in card.sources, f"{card.id}: no source for {fact}"
        for fact, src in card.sources.items():
            assert src.split(":")[0] in ("dahdi-source", "pci.ids", "usb.ids", "dahdi"), f"{card.id}: {fact}: {src}"


def test_a_profile_without_sources_is_refused():
    data = {
        "id": "x",
        "name": "X",
        "match": [{"vendor": "d161", "device": "0001"}],
        "spans": 1,
        "port_types": ["e1"],
        "sources": {"match": "pci.ids"},
    }
    with pytest.raises(ValueError, match="no source recorded for name, port_types, spans"):
        profiles.Card.model_validate(data)


@pytest.mark.parametrize("card_id", [c.id for _, c in ALL if c.derive])
def test_rederived_from_dahdi_source(card_id):
    fam, card = profiles.cards()[card_id]
    d = card.derive
    got = _need(lambda: sources.derive_card(d.file, d.table, d.select, fam.bus))
    assert [m.model_dump() for m in card.match] == got["match"]
    assert (card.module or fam.module) == got["module"]
    assert card.ids_name == got["ids_name"]
    name_src = card.sources["name"]
    if name_src.startswith("dahdi-source") and "(descriptor " in name_src:
        assert card.name == got["name"]
    elif name_src.startswith("dahdi-source") and "(descriptors " in name_src:
        symbols = name_src.split("(descriptors ")[1].rstrip(")").split("/")
        assert all(sources.descriptor_name(d.file, sym).startswith(card.name) for sym in symbols)
    for fact in ("spans", "ports"):
        src = card.sources.get(fact, "")
        if src.startswith("dahdi-source") and "descriptor" in src:
            assert getattr(card, fact) == got[fact], fact
        elif src.startswith("pci.ids"):
            assert sources.count_from_name(card.ids_name) == (fact, getattr(card, fact))
    # firmware: every file is named in the driver (or the xpp firmware Makefile)
    literals = _need(lambda: sources.string_literals(d.file))
    if fam.bus == "usb":
        makefile = _need(lambda: sources.make_words("drivers/dahdi/xpp/firmwares/Makefile"))
        assert set(got.get("firmware", [])) <= set(card.firmware)
        assert set(card.firmware) <= makefile
    else:
        for fw in card.firmware:
            assert fw in literals, f"{fw} not named in {d.file}"
        for fw in card.echo_canceller.hardware_firmware:
            assert any(
                fw in _need(lambda f=f: sources.string_literals(f)) for f in (d.file, "drivers/dahdi/voicebus/vpmoct.c")
            ), fw


def test_usb_loader_ids_are_the_udev_firmware_loader_ids():
    globs = _need(sources.udev_product_globs)
    for _fam, card in ALL:
        for m in card.loader_match:
            product = f"{m.vendor}/{m.device}/0"
            assert any(fnmatch.fnmatchcase(product, g) for g in globs), product
            assert _need(lambda m=m: sources.usb_name(m.vendor, m.device)), f"{m.vendor}:{m.device} not in usb.ids"


def test_pci_ids_name_every_pci_profile():
    for fam, card in ALL:
        if fam.bus != "pci":
            continue
        m = card.match[0]
        name = _need(
            lambda m=m: (
                sources.pci_name(m.vendor, m.device, m.subvendor, m.subdevice) or sources.pci_name(m.vendor, m.device)
            )
        )
        if card.ids_name is not None:
            assert name == card.ids_name, card.id


@pytest.mark.parametrize("file, table", sorted({(c.derive.file, c.derive.table) for _, c in ALL if c.derive}))
def test_every_table_entry_has_a_profile(file, table):
    """No card of a covered driver is silently missing: each id in its table is in a profile."""
    bus = "usb" if "usb" in table else "pci"
    entries = _need(lambda: (sources.usb_table if bus == "usb" else sources.pci_table)(file, table))
    for e in entries:
        hit = profiles.match_device(bus, e.vendor, e.device, e.subvendor, e.subdevice)
        assert hit is not None, f"{file}:{table}: {e} has no profile"


def test_rederived_count(capsys):
    """How many ids the profiles hold and the sources confirm (figure for the notes)."""
    total = sum(len(c.match) + len(c.loader_match) for _, c in ALL)
    derived = sum(len(c.match) for _, c in ALL if c.derive)
    print(
        f"profiles: {len(ALL)} cards in {len(profiles.families())} families, {total} ids, "
        f"{derived} re-derived from dahdi-source tables"
    )
    assert derived >= 40

"""Detection against sysfs trees the tests build: known cards (bound, unbound, module not
loaded, firmware missing, an Astribank before its firmware), unknown telephony devices
listed as unknown, and other devices ignored. Also `ccctl hardware detect --json`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.hardware.detect import detect


def pci(
    root: Path,
    addr: str,
    vendor: str,
    device: str,
    subvendor="0000",
    subdevice="0000",
    cls="0x078000",
    driver: str | None = None,
) -> None:
    real = root / "devices" / "pci0000:00" / addr
    real.mkdir(parents=True)
    for name, value in (
        ("vendor", f"0x{vendor}"),
        ("device", f"0x{device}"),
        ("subsystem_vendor", f"0x{subvendor}"),
        ("subsystem_device", f"0x{subdevice}"),
        ("class", cls),
    ):
        (real / name).write_text(value + "\n")
    if driver:
        drv = root / "bus" / "pci" / "drivers" / driver
        drv.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(drv, real), real / "driver")
    link = root / "bus" / "pci" / "devices" / addr
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(real, link.parent), link)


def usb(root: Path, name: str, vendor: str, product: str, iface=("ff", "00"), driver: str | None = None) -> None:
    base = root / "bus" / "usb" / "devices"
    dev = base / name
    dev.mkdir(parents=True)
    (dev / "idVendor").write_text(vendor + "\n")
    (dev / "idProduct").write_text(product + "\n")
    intf = base / f"{name}:1.0"
    intf.mkdir()
    (intf / "bInterfaceClass").write_text(iface[0] + "\n")
    (intf / "bInterfaceSubClass").write_text(iface[1] + "\n")
    if driver:
        drv = root / "bus" / "usb" / "drivers" / driver
        drv.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(drv, intf), intf / "driver")


def module(root: Path, *names: str) -> None:
    for n in names:
        (root / "module" / n).mkdir(parents=True)


@pytest.fixture
def box(tmp_path):
    """A box with: a TE420 bound to wct4xxp with its VPM firmware installed; a TE820 whose
    card firmware is missing; a TDM410 whose module is not loaded; an Astribank 2 still at its
    loader id; an unknown Sangoma card; an unknown ISDN-class card; an Intel NIC; a USB mouse."""
    sys_ = tmp_path / "sys"
    fw = tmp_path / "firmware"
    fw.mkdir()
    (fw / "dahdi-fw-oct6114-128.bin").write_bytes(b"x")
    pci(sys_, "0000:05:00.0", "d161", "1420", "0005", "0000", cls="0x020000", driver="wct4xxp")
    pci(sys_, "0000:06:00.0", "d161", "1820", cls="0x020000", driver="wct4xxp")
    pci(sys_, "0000:07:00.0", "d161", "8005")
    pci(sys_, "0000:08:00.0", "1923", "0400", cls="0x020000")
    pci(sys_, "0000:09:00.0", "1397", "2bd0", cls="0x020400")
    pci(sys_, "0000:00:19.0", "8086", "1502", cls="0x020000", driver="e1000e")
    usb(sys_, "1-1.2", "e4e4", "1160")
    usb(sys_, "1-1.3", "046d", "c077", iface=("03", "01"), driver="usbhid")
    module(sys_, "dahdi", "wct4xxp", "dahdi_echocan_mg2", "e1000e")
    return sys_, fw


def test_known_cards_and_their_state(box):
    sys_, fw = box
    found = detect(sys_, (fw,))
    by_loc = {c.location: c for c in found.cards}
    assert set(by_loc) == {"0000:05:00.0", "0000:06:00.0", "0000:07:00.0", "usb:1-1.2"}

    te420 = by_loc["0000:05:00.0"]
    assert (te420.profile, te420.module, te420.module_loaded, te420.driver, te420.spans) == (
        "te420",
        "wct4xxp",
        True,
        "wct4xxp",
        4,
    )
    assert te420.state == "ok" and te420.firmware_missing == [] and te420.echo_canceller_firmware_missing == []

    te820 = by_loc["0000:06:00.0"]
    assert te820.profile == "te820" and te820.firmware_missing == ["dahdi-fw-te820.bin"]
    assert te820.echo_canceller_firmware_missing == ["dahdi-fw-oct6114-256.bin"]
    assert te820.state == "firmware missing"

    tdm = by_loc["0000:07:00.0"]
    assert (tdm.profile, tdm.ports, tdm.module_loaded, tdm.state) == (
        "tdm410",
        4,
        False,
        "module wctdm24xxp not loaded",
    )

    ast = by_loc["usb:1-1.2"]
    assert ast.profile == "astribank2" and ast.module == "xpp_usb"
    assert ast.firmware_missing == ["USB_FW.hex", "FPGA_1161.hex"]


def test_unknown_telephony_devices_are_listed(box):
    sys_, fw = box
    found = detect(sys_, (fw,))
    unknown = {u.location: u for u in found.unknown}
    assert set(unknown) == {"0000:08:00.0", "0000:09:00.0"}, "Sangoma and the ISDN-class card; not the NIC or the mouse"
    assert unknown["0000:08:00.0"].profile is None and unknown["0000:08:00.0"].ids == "1923:0400 0000:0000"
    assert "no profile" in unknown["0000:08:00.0"].state


def test_loaded_modules_reported(box):
    sys_, fw = box
    mods = detect(sys_, (fw,)).modules
    assert mods["dahdi"] is True and mods["wct4xxp"] is True and mods["dahdi_echocan_mg2"] is True
    assert mods["wctdm24xxp"] is False and mods["xpp_usb"] is False and mods["dahdi_echocan_oslec"] is False
    assert "e1000e" not in mods


def test_a_box_without_cards(tmp_path):
    sys_ = tmp_path / "sys"
    pci(sys_, "0000:00:19.0", "8086", "1502", cls="0x020000")
    found = detect(sys_, (tmp_path,))
    assert found.cards == [] and found.unknown == [] and found.modules["dahdi"] is False


def test_cli_detect_json(box):
    sys_, fw = box
    res = CliRunner().invoke(app, ["hardware", "detect", "--sysfs", str(sys_), "--firmware-dir", str(fw), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert sorted(c["profile"] for c in data["cards"]) == ["astribank2", "tdm410", "te420", "te820"]
    assert [u["location"] for u in data["unknown"]] == ["0000:08:00.0", "0000:09:00.0"]
    assert data["modules"]["wct4xxp"] is True


def test_cli_detect_table(box, monkeypatch):
    from ccctl.cli import output

    monkeypatch.setattr(output, "terminal_width", lambda: 300)
    sys_, fw = box
    res = CliRunner().invoke(app, ["hardware", "detect", "--sysfs", str(sys_), "--firmware-dir", str(fw)])
    assert res.exit_code == 0
    assert "te820" in res.stdout and "firmware missing" in res.stdout and "1923:0400" in res.stdout
    assert "wct4xxp loaded" in res.stderr and "wctdm24xxp not loaded" in res.stderr

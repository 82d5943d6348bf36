"""How hardware/profiles/*.yaml were made: the ids, names, modules, counts and firmware
files come from the Debian files through ccctl.hardware.sources; the rest (port types, echo
cancellers, notes) is stated here with the file it comes from. Rerun after a dahdi-source
update (.venv/bin/python hardware/make_profiles.py) and review the diff; the tests in
tests/unit/test_hardware_profiles.py re-derive every derived fact either way.
"""

import sys
from pathlib import Path

import yaml


class NoAlias(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ccctl.hardware import sources as S

TAR = "dahdi-source: /usr/src/dahdi.tar.bz2, modules/dahdi/"
PCI = "pci.ids: /usr/share/misc/pci.ids"
USB = "usb.ids: /usr/share/misc/usb.ids"
UDEV = "dahdi: /lib/udev/rules.d/60-dahdi.rules"
KBUILD = TAR + "drivers/dahdi/Kbuild (dahdi_echocan_*.o)"


def src(f, what=""):
    return TAR + f + (f" ({what})" if what else "")


def card(
    cid,
    bus,
    file,
    table,
    select,
    *,
    port_types,
    firmware=(),
    fw_src=None,
    ec=None,
    ec_src=None,
    modular=False,
    extra_sources=None,
    spans=None,
    ports=None,
    count_src=None,
    name=None,
    name_src=None,
    note=None,
    loader=None,
):
    d = S.derive_card(file, table, select, bus)
    c = {"id": cid}
    c["name"] = name or d.get("name") or d["ids_name"]
    c["match"] = [{k: v for k, v in m.items() if v is not None} for m in d["match"]]
    if loader:
        c["loader_match"] = loader
    c["ids_name"] = d["ids_name"]
    srcs = {
        "match": src(file, table),
        "module": src(file, "struct pci_driver .name" if bus == "pci" else "struct usb_driver .name"),
    }
    srcs["name"] = name_src or (
        src(file, f"descriptor {select.get('driver_data', ['?'])[0]}")
        if d.get("name") and not name
        else (PCI if bus == "pci" else USB)
    )
    srcs["ids_name"] = PCI if bus == "pci" else USB
    sp = spans or d.get("spans")
    po = ports or d.get("ports")
    if not sp and not po:
        cnt = S.count_from_name(d["ids_name"] or "")
        if cnt:
            if cnt[0] == "spans":
                sp = cnt[1]
            else:
                po = cnt[1]
            count_src = count_src or PCI + f" ('{d['ids_name']}')"
    if sp:
        c["spans"] = sp
        srcs["spans"] = count_src or src(
            file, "descriptor flags FLAG_2PORT/FLAG_8PORT" if "wct4xxp" in file else "descriptor"
        )
    if po:
        c["ports"] = po
        srcs["ports"] = count_src or src(file, "descriptor port count")
    c["port_types"] = port_types
    if modular:
        c["modular"] = True
    fw = list(firmware) + d.get("firmware", [])
    if fw:
        c["firmware"] = fw
        srcs["firmware"] = fw_src or src(file, "request_firmware file name")
    if ec:
        c["echo_canceller"] = ec
        srcs["echo_canceller"] = ec_src or src(file)
    else:
        c["echo_canceller"] = {"software": list(S_SW)}
    srcs["echo_canceller.software"] = KBUILD
    srcs["port_types"] = (extra_sources or {}).get("port_types", src(file))
    c["derive"] = {"file": file, "table": table, "select": select}
    c["sources"] = srcs
    if note:
        c["note"] = note
    return c, d["module"]


S_SW = ["oslec", "mg2", "kb1", "sec", "sec2", "jpah"]
E1T1 = ["e1", "t1", "j1"]


def fam(name, vendor, bus, cards, module_file, module=None):
    mods = {m for _, m in cards}
    return {
        "family": name,
        "vendor": vendor,
        "bus": bus,
        "module": module if module is not None else mods.pop(),
        "module_source": src(module_file, "struct pci_driver .name" if bus == "pci" else "struct usb_driver .name")
        if module_file
        else PCI,
        "cards": [c for c, _ in cards],
    }


T4 = "drivers/dahdi/wct4xxp/base.c"


def t4ec(sp):
    fw = {2: "dahdi-fw-oct6114-064.bin", 4: "dahdi-fw-oct6114-128.bin", 8: "dahdi-fw-oct6114-256.bin"}[sp]
    return {"hardware": "VPM450/VPMOCT (Octasic OCT6114)", "hardware_firmware": [fw], "software": S_SW}


t4 = []
for cid, syms, sp in [
    ("te820", ["wct820p5"], 8),
    ("te420", ["wct420p5", "wct420p4"], 4),
    ("te410p", ["wct410p5", "wct410p4", "wct410p3", "wct410p2"], 4),
    ("te405p", ["wct405p5", "wct405p4", "wct405p3", "wct405p2"], 4),
    ("te220", ["wct220p5", "wct220p4"], 2),
    ("te210p", ["wct210p5", "wct210p4", "wct210p3", "wct210"], 2),
    ("te205p", ["wct205p5", "wct205p4", "wct205p3", "wct205"], 2),
    ("te410p-1st-gen", ["wct4xxp"], 4),
]:
    t4.append(
        card(
            cid,
            "pci",
            T4,
            "t4_pci_tbl",
            {"driver_data": syms},
            port_types=E1T1,
            firmware=["dahdi-fw-te820.bin"] if sp == 8 else [],
            ec=t4ec(sp),
            ec_src=src(T4, "oct064/oct128/oct256_firmware by span count"),
            note="Xilinx id of the first TE410P/TE405P boards" if cid == "te410p-1st-gen" else None,
        )
    )
T43 = "drivers/dahdi/wcte43x-base.c"
te43 = [
    card(
        "te435",
        "pci",
        T43,
        "t43x_pci_tbl",
        {"device": ["800e"]},
        port_types=E1T1,
        firmware=["dahdi-fw-te435.bin"],
        fw_src=src(T43, "TE435_FW_FILENAME"),
        name="Wildcard TE235/TE435",
        spans=4,
        count_src=PCI + " ('quad-span')",
        ec={
            "hardware": "VPMOCT064/VPMOCT128 (Octasic OCT6114)",
            "hardware_firmware": ["dahdi-fw-oct6114-064.bin", "dahdi-fw-oct6114-128.bin"],
            "software": S_SW,
        },
        note="TE235 is the dual-span board on the same id; the driver reads the span count from the card",
    ),
    card(
        "te436",
        "pci",
        T43,
        "t43x_pci_tbl",
        {"device": ["8013"]},
        port_types=E1T1,
        firmware=["dahdi-fw-te436.bin"],
        fw_src=src(T43, "TE436_FW_FILENAME"),
        name="Wildcard TE236/TE436",
        spans=4,
        count_src=PCI + " ('quad-span')",
        ec={
            "hardware": "VPMOCT064/VPMOCT128 (Octasic OCT6114)",
            "hardware_firmware": ["dahdi-fw-oct6114-064.bin", "dahdi-fw-oct6114-128.bin"],
            "software": S_SW,
        },
        note="TE236 is the dual-span board on the same id",
    ),
]
T13 = "drivers/dahdi/wcte13xp-base.c"
te13 = [
    card(
        cid,
        "pci",
        T13,
        "te13xp_pci_tbl",
        {"driver_data": [sym]},
        port_types=E1T1,
        firmware=[fw],
        fw_src=src(T13, "TE13x_FW_FILENAME"),
        ec={
            "hardware": "VPMOCT032 (Octasic OCT6114)",
            "hardware_firmware": ["dahdi-fw-oct6114-032.bin"],
            "software": S_SW,
        },
    )
    for cid, sym, fw in [("te133", "te133", "dahdi-fw-te133.bin"), ("te134", "te134", "dahdi-fw-te134.bin")]
]
T12 = "drivers/dahdi/wcte12xp/base.c"
te12 = [
    card(
        cid,
        "pci",
        T12,
        "te12xp_pci_tbl",
        {"driver_data": [sym]},
        port_types=E1T1,
        ec={"hardware": "VPMADT032 / VPMOCT032", "hardware_firmware": ["dahdi-fw-vpmoct032.bin"], "software": S_SW},
        ec_src=TAR + "drivers/dahdi/voicebus/vpmoct.c (VPMOCT032 firmware name)",
        name=nm,
        name_src=nsrc,
    )
    for cid, sym, nm, nsrc in [
        ("te121", "te121", None, None),
        ("te122", "te122", None, None),
        ("te120p", "te120p", "Wildcard TE120P", PCI),
    ]
]
TDM = "drivers/dahdi/wctdm24xxp/base.c"
vb_ec = {"hardware": "VPMADT032 / VPMOCT032", "hardware_firmware": ["dahdi-fw-vpmoct032.bin"], "software": S_SW}
tdm = [
    card(
        cid,
        "pci",
        TDM,
        "wctdm_pci_tbl",
        {"driver_data": [sym]},
        port_types=["fxs", "fxo"],
        modular=True,
        ec=vb_ec,
        ec_src=TAR + "drivers/dahdi/voicebus/vpmoct.c (VPMOCT032 firmware name)",
        firmware=["dahdi-fw-hx8.bin"] if cid.startswith("h") else [],
        extra_sources={"port_types": src(TDM, "per-port FXS/FXO module detection")},
    )
    for cid, sym in [
        ("tdm410", "wctdm410"),
        ("aex410", "wcaex410"),
        ("tdm800", "wctdm800"),
        ("aex800", "wcaex800"),
        ("tdm2400", "wctdm2400"),
        ("aex2400", "wcaex2400"),
        ("ha8", "wcha80000"),
        ("hb8", "wchb80000"),
    ]
]
AXX = "drivers/dahdi/wcaxx-base.c"
axx = [
    card(
        cid,
        "pci",
        AXX,
        "wcaxx_pci_tbl",
        {"driver_data": [sym]},
        port_types=["fxs", "fxo"],
        modular=True,
        firmware=[f"dahdi-fw-{cid}.bin"],
        ec={
            "hardware": "VPMOCT032 (Octasic OCT6114)",
            "hardware_firmware": ["dahdi-fw-oct6114-032.bin"],
            "software": S_SW,
        },
        ec_src=src(AXX, "oct032_firmware"),
        extra_sources={"port_types": src(AXX, "per-port FXS/FXO module detection")},
    )
    for cid, sym in [("a4a", "device_a4a"), ("a4b", "device_a4b"), ("a8a", "device_a8a"), ("a8b", "device_a8b")]
]
WT = "drivers/dahdi/wctdm.c"
tdm400 = [
    card(
        "tdm400p",
        "pci",
        WT,
        "wctdm_pci_tbl",
        {"subvendor": ["a159", "e159", "b1d9", "b118", "b119", "a9fd", "a8fd", "a800", "a801", "a908", "a901"]},
        port_types=["fxs", "fxo"],
        modular=True,
        ports=4,
        count_src=src(WT, "NUM_CARDS"),
        name="Wildcard TDM400P",
        name_src=src(WT, "descriptors wctdme/wctdmh/wctdmi"),
        extra_sources={"port_types": src(WT, "per-port FXS/FXO module detection")},
    )
]
OV = "drivers/dahdi/opvxa1200/base.c"
openvox = [
    card(
        "openvox-a400p",
        "pci",
        WT,
        "wctdm_pci_tbl",
        {"subvendor": ["b100"]},
        port_types=["fxs", "fxo"],
        modular=True,
        name_src=PCI + " (subsystem b100 0003)",
        name="OpenVox A400P 4-port analog card",
        extra_sources={"port_types": src(WT, "per-port FXS/FXO module detection")},
        note="driven by wctdm, like the TDM400P it copies",
    ),
    card(
        "openvox-a1200p",
        "pci",
        OV,
        "wctdm_pci_tbl",
        {"driver_data": ["wctdme"]},
        port_types=["fxs", "fxo"],
        modular=True,
        ports=12,
        count_src=src(OV, "NUM_CARDS"),
        extra_sources={"port_types": src(OV, "per-port FXS/FXO module detection")},
        note="A800P (8 ports) uses the same ids; the driver counts the modules",
    ),
]
for cid, dev, sp in [
    ("openvox-d115", "0115", 1),
    ("openvox-d130", "d130", 1),
    ("openvox-d210", "d210", 2),
    ("openvox-d410", "d410", 4),
]:
    nm = S.pci_name("1b74", dev)
    openvox.append(
        (
            {
                "id": cid,
                "name": nm,
                "match": [{"vendor": "1b74", "device": dev}],
                "ids_name": nm,
                "spans": sp,
                "port_types": E1T1,
                "echo_canceller": {"software": S_SW},
                "sources": {
                    "match": PCI,
                    "name": PCI,
                    "ids_name": PCI,
                    "spans": PCI + f" ('{nm}')",
                    "port_types": PCI + " ('E1/T1')",
                    "echo_canceller.software": KBUILD,
                },
                "note": "no driver for it in Debian's dahdi-source: OpenVox ships its own DAHDI driver",
            },
            None,
        )
    )
XU = "drivers/dahdi/xpp/xpp_usb.c"
ast = []
for cid, dev, loader in [
    ("astribank-fxs", "1132", "1130"),
    ("astribank-1141", "1142", "1140"),
    ("astribank-1151", "1152", "1150"),
    ("astribank2", "1162", "1160"),
]:
    c, m = card(
        cid,
        "usb",
        XU,
        "xusb_table",
        {"device": [dev]},
        port_types=["fxs", "fxo", "e1", "t1", "bri"],
        modular=True,
        firmware=["USB_FW.hex"],
        fw_src=TAR
        + "drivers/dahdi/xpp/xpp_usb.c (FPGA file named in the id table) and drivers/dahdi/xpp/firmwares/Makefile (USB_FW, FPGA_FW)",
        loader=[{"vendor": "e4e4", "device": loader}],
        extra_sources={"port_types": TAR + "drivers/dahdi/xpp/ (card_fxs.c, card_fxo.c, card_pri.c, card_bri.c)"},
    )
    c["sources"]["loader_match"] = UDEV + ' (ENV{PRODUCT}=="e4e4/11[3456][013]/*" loads the firmware) and ' + USB
    c["name"] = c["ids_name"] + f" ({dev})"
    c["sources"]["name"] = USB
    ast.append((c, m))

out = {
    "digium-te-wct4xxp": fam("digium-te-wct4xxp", "Digium (Sangoma)", "pci", t4, T4),
    "digium-te43x": fam("digium-te43x", "Digium (Sangoma)", "pci", te43, T43),
    "digium-te13x": fam("digium-te13x", "Digium (Sangoma)", "pci", te13, T13),
    "digium-te12x": fam("digium-te12x", "Digium (Sangoma)", "pci", te12, T12),
    "digium-tdm-wctdm24xxp": fam("digium-tdm-wctdm24xxp", "Digium (Sangoma)", "pci", tdm, TDM),
    "digium-a4-a8-wcaxx": fam("digium-a4-a8-wcaxx", "Digium (Sangoma)", "pci", axx, AXX),
    "digium-tdm400p-wctdm": fam("digium-tdm400p-wctdm", "Digium (Sangoma)", "pci", tdm400, WT),
    "openvox-analog": {
        "family": "openvox-analog",
        "vendor": "OpenVox",
        "bus": "pci",
        "module": None,
        "module_source": "per card: wctdm (A400P) and opvxa1200 (A1200P/A800P), see each card's sources.module",
        "cards": [c for c, _ in openvox[:2]],
    },
    "openvox-digital": fam("openvox-digital", "OpenVox", "pci", openvox[2:], None, module=None),
    "xorcom-astribank": fam("xorcom-astribank", "Xorcom", "usb", ast, XU),
}
# per-card module for the mixed OpenVox analog family
out["openvox-analog"]["cards"][0]["module"] = "wctdm"
out["openvox-analog"]["cards"][1]["module"] = "opvxa1200"
for name, data in out.items():
    with open(Path(__file__).resolve().parent / "profiles" / f"{name}.yaml", "w") as f:
        f.write(
            f"# Voice-card family {name}: ids, names, module and firmware re-derived by\n# tests/unit/test_hardware_profiles.py from the files named in each card's sources.\n"
        )
        yaml.dump(data, f, Dumper=NoAlias, sort_keys=False, allow_unicode=True, width=120)
print(sum(len(v["cards"]) for v in out.values()))

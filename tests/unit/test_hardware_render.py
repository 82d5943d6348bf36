"""Voice-card configuration: golden DAHDI and FreeTDM files for PRI E1 CPE, China R2 E1,
T1 PRI ESF/B8ZS and FXS+FXO analog; Debian's dahdi_cfg -t on every rendered system.conf;
impossible settings refused with one line naming the span or port."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from ccctl.config.load import load_site, site_from_data
from ccctl.errors import InvalidInput
from ccctl.hardware import check, dahdi_cfg, render
from ccctl.hardware.layout import layout, ranges
from ccctl.render.xml import to_bytes

GOLDEN = Path(__file__).parent / "golden" / "hardware"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "site.yaml").is_file())
OUTPUTS = ("system.conf", "assigned-spans.conf", "span-types.conf", "freetdm.conf", "freetdm.conf.xml")


def rendered(case: str) -> dict[str, bytes]:
    hw = load_site(str(GOLDEN / case / "site.yaml")).hardware
    return {
        "system.conf": render.system_conf(hw).encode(),
        "assigned-spans.conf": render.assigned_spans_conf(hw).encode(),
        "span-types.conf": render.span_types_conf(hw).encode(),
        "freetdm.conf": render.freetdm_conf(hw).encode(),
        "freetdm.conf.xml": to_bytes(render.freetdm_conf_xml(hw)),
    }


def test_four_cases_exist():
    assert CASES == ["analog-fxs-fxo", "pri-e1-cpe", "r2-china-e1", "t1-pri-esf-b8zs"]


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = rendered(case)
    if os.environ.get("CCCTL_UPDATE_GOLDEN"):
        for name, data in files.items():
            (GOLDEN / case / name).write_bytes(data)
    for name in OUTPUTS:
        assert files[name] == (GOLDEN / case / name).read_bytes(), (
            f"{case}/{name} differs (CCCTL_UPDATE_GOLDEN=1 to refresh)"
        )


@pytest.mark.parametrize("case", CASES)
def test_site_is_clean(case):
    hw = load_site(str(GOLDEN / case / "site.yaml")).hardware
    assert [str(p) for p in check.check_hardware(hw, [("acme", "trunk", 1)])] == []


def test_pri_e1_cpe_content():
    f = rendered("pri-e1-cpe")
    system = f["system.conf"].decode()
    assert "span=1,1,0,ccs,hdb3,crc4" in system and "bchan=1-15,17-31" in system and "dchan=16" in system
    xml = etree.fromstring(f["freetdm.conf.xml"])
    span = xml.find("libpri_spans/span")
    assert span.get("name") == "pri-s1"
    params = {p.get("name"): p.get("value") for p in span}
    assert params["node"] == "cpe" and params["switch"] == "euroisdn" and params["context"] == "public"
    assert params["l1"] == "alaw"
    assert xml.find("r2_spans") is None


def test_r2_china_content():
    f = rendered("r2-china-e1")
    system = f["system.conf"].decode()
    # CAS framing without CRC4, timeslot 16 left to the line's CAS bits, no D channel
    assert "span=1,1,0,cas,hdb3\n" in system and "span=2,2,0,cas,hdb3\n" in system
    assert "cas=1-15:1101" in system and "cas=48-62:1101" in system and "dchan" not in system
    # span 2 uses the card's hardware echo canceller: no software one on its channels
    assert [ln for ln in system.splitlines() if ln.startswith("echocanceller")] == ["echocanceller=mg2,1-15,17-31"]
    spans = etree.fromstring(f["freetdm.conf.xml"]).findall("r2_spans/span")
    assert [s.get("name") for s in spans] == ["unicom-s1", "unicom-s2"]
    second = {p.get("name"): p.get("value") for p in spans[1]}
    assert second["variant"] == "cn" and second["max_dnis"] == "8" and second["immediate_accept"] == "yes"
    ftdm = f["freetdm.conf"].decode()
    assert ftdm.count("group => grp1") == 2 and "cas-channel => 32-46:1101" in ftdm


def test_t1_content():
    system = rendered("t1-pri-esf-b8zs")["system.conf"].decode()
    assert "span=1,1,0,esf,b8zs\n" in system and "bchan=1-23" in system and "dchan=24" in system
    assert "echocanceller=oslec,1-23" in system and "crc4" not in system
    xml = etree.fromstring(rendered("t1-pri-esf-b8zs")["freetdm.conf.xml"])
    assert xml.find("libpri_spans/span/param[@name='l1']").get("value") == "ulaw"
    assert xml.find("libpri_spans/span/param[@name='switch']").get("value") == "ni2"


def test_analog_content():
    f = rendered("analog-fxs-fxo")
    system = f["system.conf"].decode()
    # DAHDI names a channel by the signalling it uses: FXS ports signal FXO and the reverse
    assert "fxoks=1\n" in system and "fxols=2\n" in system and "fxsks=3\n" in system and "fxsls=4\n" in system
    assert "echocanceller=mg2,1-3" in system and "echocanceller=oslec,4" in system
    ftdm = f["freetdm.conf"].decode()
    assert "[span zt analog-fxo]" in ftdm and "fxo-channel => 3-4" in ftdm and "fxs-channel => 1-2" in ftdm


def test_numbering_follows_card_order():
    hw = site_from_data(
        {
            "hardware": {
                "cards": [
                    {
                        "name": "a",
                        "profile": "te420",
                        "location": "0000:01:00.0",
                        "spans": [
                            {"span": 3, "type": "e1", "signalling": "pri_cpe", "group": 1},
                            {"span": 1, "type": "t1", "signalling": "pri_net", "group": 2, "clock": 0},
                        ],
                    },
                    {
                        "name": "b",
                        "profile": "a8b",
                        "location": "0000:02:00.0",
                        "ports": [{"port": 8, "type": "fxo", "group": 3}],
                    },
                ]
            }
        },
        "t",
    ).hardware
    lay = layout(hw)
    assert [(d.card.name, d.spec.span, d.number, d.base, d.dchan) for d in lay.digital] == [
        ("a", 1, 1, 1, 24),
        ("a", 3, 2, 25, 40),
    ]
    assert [(a.number, a.base, a.ports[0][1]) for a in lay.analog] == [(3, 56, 63)]
    spans = render.assigned_spans_conf(hw)
    assert "*/pci:0000:01:00.0                       1:1:1\n" in spans and "3:2:25" in spans and "1:3:56" in spans
    assert ranges([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"


# --- dahdi_cfg from Debian's dahdi package ---------------------------------------------------------


def run_dahdi_cfg(path: Path) -> dahdi_cfg.Check:
    result = dahdi_cfg.check_file(path)
    if not result.ran:
        print(f"SKIP reason: {result.reason}")
        pytest.skip(result.reason)
    return result


@pytest.mark.parametrize("case", CASES)
def test_dahdi_cfg_accepts_rendered_system_conf(case, tmp_path):
    conf = tmp_path / "system.conf"
    conf.write_bytes(rendered(case)["system.conf"])
    res = run_dahdi_cfg(conf)
    assert res.ok, res.output
    channels = sum(
        len(d.voice) + (d.dchan is not None)
        for d in layout(load_site(str(GOLDEN / case / "site.yaml")).hardware).digital
    )
    channels += sum(len(a.ports) for a in layout(load_site(str(GOLDEN / case / "site.yaml")).hardware).analog)
    assert f"{channels} channels to configure" in res.output


def test_dahdi_cfg_refuses_a_broken_file(tmp_path):
    """The check above can fail: the same run rejects a line dahdi_cfg does not know."""
    conf = tmp_path / "system.conf"
    conf.write_bytes(rendered("pri-e1-cpe")["system.conf"] + b"bchann=1-15\n")
    res = run_dahdi_cfg(conf)
    assert not res.ok and "bchann" in res.first_error


# --- impossible settings ---------------------------------------------------------------------------


def _hw(cards):
    return site_from_data({"hardware": {"cards": cards}}, "site.yaml").hardware


def _errors(cards, trunks=()):
    return [str(p) for p in check.check_hardware(_hw(cards), trunks) if p.severity == "error"]


E1 = {"span": 1, "type": "e1", "signalling": "pri_cpe", "group": 1}
LOC = "0000:05:00.0"


@pytest.mark.parametrize(
    "cards, expected",
    [
        (
            [
                {
                    "name": "a",
                    "profile": "tdm410",
                    "location": LOC,
                    "ports": [{"port": 2, "type": "fxs", "signalling": "pri_cpe", "group": 1}],
                }
            ],
            "card a port 2: PRI needs a digital E1/T1 span; port 2 is an FXS port",
        ),
        (
            [{"name": "d", "profile": "te220", "location": LOC, "spans": [{**E1, "type": "t1", "signalling": "r2"}]}],
            "card d span 1: R2 needs an E1 span; this span is T1",
        ),
        (
            [{"name": "d", "profile": "te220", "location": LOC, "spans": [{**E1, "span": 3}]}],
            "card d span 3: Wildcard TE220 (5th Gen) has 2 spans",
        ),
        (
            [{"name": "a", "profile": "tdm410", "location": LOC, "ports": [{"port": 5, "type": "fxo", "group": 1}]}],
            "card a port 5: Wildcard TDM410P has 4 ports",
        ),
        (
            [{"name": "d", "profile": "te121", "location": LOC, "spans": [{**E1, "type": "t1", "framing": "ccs"}]}],
            "card d span 1: framing ccs is not for T1; T1 takes esf or d4",
        ),
        (
            [{"name": "d", "profile": "te121", "location": LOC, "spans": [{**E1, "type": "t1", "crc4": True}]}],
            "card d span 1: crc4 is for E1 spans; this span is T1",
        ),
        (
            [{"name": "d", "profile": "te121", "location": LOC, "spans": [{**E1, "framing": "cas"}]}],
            "card d span 1: PRI needs CCS framing on E1, not cas",
        ),
        (
            [{"name": "d", "profile": "te121", "location": LOC, "spans": [{**E1, "signalling": "loop_start"}]}],
            "card d span 1: loop_start is analog port signalling",
        ),
        (
            [{"name": "d", "profile": "te122", "location": LOC, "ports": [{"port": 1, "type": "fxo", "group": 1}]}],
            "card d port 1: Wildcard TE122 is a digital (E1/T1) card: configure spans, not ports",
        ),
        (
            [{"name": "a", "profile": "tdm800", "location": LOC, "spans": [E1]}],
            "card a span 1: Wildcard TDM800P is an analog card: configure ports, not spans",
        ),
        (
            [
                {
                    "name": "a",
                    "profile": "tdm400p",
                    "location": LOC,
                    "ports": [{"port": 1, "type": "fxo", "group": 1, "echo_canceller": "hardware"}],
                }
            ],
            "card a port 1: Wildcard TDM400P has no hardware echo canceller",
        ),
        ([{"name": "x", "profile": "nosuchcard", "spans": [E1]}], "card x: unknown profile 'nosuchcard'"),
        ([{"name": "d", "profile": "te122", "location": LOC, "spans": [E1, E1]}], "card d span 1: defined twice"),
        (
            [{"name": "d", "profile": "te122", "location": LOC}, {"name": "e", "profile": "te122", "location": LOC}],
            "location 0000:05:00.0: two cards at the same location",
        ),
    ],
)
def test_impossible_settings_refused(cards, expected):
    errors = _errors(cards)
    assert any(expected in e for e in errors), errors


def test_two_tenants_on_one_span():
    cards = [
        {"name": "d", "profile": "te220", "location": LOC, "spans": [E1, {**E1, "span": 2, "group": 2, "clock": 2}]}
    ]
    assert _errors(cards, [("acme", "t1", 1), ("acme", "t2", 2)]) == []
    errors = _errors(cards, [("acme", "t1", 1), ("beta", "t9", 1)])
    assert errors == [
        "error: hardware: card d span 1: span group 1 would serve two tenants (acme, beta); "
        "a span belongs to one tenant"
    ]


def test_fxs_port_cannot_carry_a_trunk():
    cards = [{"name": "a", "profile": "tdm410", "location": LOC, "ports": [{"port": 1, "type": "fxs", "group": 4}]}]
    assert any("card a port 1: is an FXS port" in e for e in _errors(cards, [("acme", "line", 4)]))


def test_field_errors_name_the_place():
    with pytest.raises(InvalidInput) as exc:
        site_from_data(
            {"hardware": {"cards": [{"name": "d", "profile": "te122", "spans": [{**E1, "coding": "hdb4"}]}]}}, "s.yaml"
        )
    assert str(exc.value).startswith("s.yaml: hardware.cards[0].spans[0].coding:")
    assert "\n" not in str(exc.value)

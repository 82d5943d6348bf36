"""Voice cards end to end through the CLI: a site with a `hardware:` section applied, exported
and re-applied; `ccctl hardware apply` writing /etc/dahdi and the FreeTDM files into the live
tree; span groups as trunks in the dialplan; bad settings refused with one line, nothing
half-applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.render import names

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def cli(tmp_path):
    from tests.unit.test_hardware_detect import pci

    # The box has the cards examples/voice-cards.yaml names (hardware apply checks).
    pci(tmp_path / "sys", "0000:05:00.0", "d161", "1220", "0005", cls="0x020000", driver="wct4xxp")
    runner = CliRunner()
    env = {
        "CCCTL_SYSFS_ROOT": str(tmp_path / "sys"),
        "CCCTL_MODULES_LOAD_DIR": str(tmp_path / "modules-load.d"),
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(tmp_path / "fs" / "sounds"),
        "CCCTL_ESL_PORT": "1",
        "CCCTL_DAHDI_DIR": str(tmp_path / "etc-dahdi"),
    }

    def run(*args, input=None):
        return runner.invoke(app, list(args), env=env, input=input)

    run.tmp = tmp_path
    return run


def test_site_with_voice_cards_round_trips(cli, tmp_path):
    r = cli("apply", "-f", str(EXAMPLES))
    assert r.exit_code == 0, r.output
    assert "+ card hardware/e1" in r.stdout and "ccctl hardware apply" in r.stderr
    one = cli("export").stdout
    assert "hardware:" in one and "variant: cn" in one
    (tmp_path / "e.yaml").write_text(one, encoding="utf-8")
    assert "no changes" in cli("apply", "-f", str(tmp_path / "e.yaml")).stderr
    assert cli("export").stdout == one
    # a site file without hardware leaves the cards alone
    assert "no changes" in cli("apply", "-f", str(EXAMPLES / "site.yaml")).stderr
    assert json.loads(cli("hardware", "list", "--configured", "--json").stdout) == [
        {"name": "e1", "profile": "te220", "location": "0000:05:00.0", "spans": 1, "ports": 0, "groups": [1]}
    ]


def test_hardware_apply_writes_dahdi_and_freetdm(cli):
    assert cli("apply", "-f", str(EXAMPLES / "site.yaml")).exit_code == 0
    r = cli("hardware", "apply", "-f", str(EXAMPLES / "voice-cards.yaml"), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {c["kind"] for c in data["changes"]} == {"card", "hardware"}
    dahdi = cli.tmp / "etc-dahdi"
    assert sorted(p.name for p in dahdi.iterdir()) == [
        "assigned-spans.conf",
        "dynamic-spans.conf",
        "span-types.conf",
        "system.conf",
    ]
    assert (cli.tmp / "modules-load.d" / "ccctl-dahdi.conf").read_text().splitlines()[1:] == [
        "dahdi",
        "wct4xxp",
        "dahdi_echocan_mg2",
    ]
    assert "*/pci:0000:05:00.0                       1:E1" in (dahdi / "span-types.conf").read_text()
    assert "span=1,1,0,cas,hdb3" in (dahdi / "system.conf").read_text()
    conf = cli.tmp / "fs" / "conf"
    assert "[span zt e1-s1]" in (conf / "freetdm.conf").read_text()
    xml = etree.parse(str(conf / "autoload_configs" / "freetdm.conf.xml"))
    assert xml.find("r2_spans/span/param[@name='variant']").get("value") == "cn"
    modules = etree.parse(str(conf / "autoload_configs" / "modules.conf.xml"))
    assert "mod_freetdm" in [m.get("module") for m in modules.iter("load")]
    # the span group is tenant huaxia's trunk: outbound over FreeTDM group grp1, inbound into
    # huaxia's span context (its own DIDs only)
    dialplan = (conf / "dialplan" / "tenant-huaxia.xml").read_text()
    assert f'data="{names.TDM_EXPORT}freetdm/grp1/a/$1"' in dialplan
    assert "did-4008009000" in (conf / "dialplan" / "01-tdm-huaxia.xml").read_text()
    assert xml.find("r2_spans/span/param[@name='context']").get("value") == "tdm.huaxia"
    shown = json.loads(cli("hardware", "show", "e1", "--json").stdout)
    assert shown["dahdi"] == [
        {"span": 1, "dahdi_span": 1, "channels": "1-31", "dchan": None, "group": 1, "signalling": "r2"}
    ]


def test_without_cards_the_tree_has_no_freetdm(cli):
    assert cli("apply", "-f", str(EXAMPLES / "site.yaml")).exit_code == 0
    conf = cli.tmp / "fs" / "conf"
    assert not (conf / "freetdm.conf").exists()
    assert "mod_freetdm" not in (conf / "autoload_configs" / "modules.conf.xml").read_text()


def _bad(tmp_path, span: dict) -> Path:
    f = tmp_path / "bad.yaml"
    f.write_text(
        json.dumps(
            {"hardware": {"cards": [{"name": "e1", "profile": "te220", "location": "0000:05:00.0", "spans": [span]}]}}
        )
    )
    return f


@pytest.mark.parametrize(
    "span, line",
    [
        (
            {"span": 1, "type": "t1", "signalling": "r2", "group": 1},
            "hardware: card e1 span 1: R2 needs an E1 span; this span is T1",
        ),
        (
            {"span": 4, "type": "e1", "signalling": "pri_cpe", "group": 1},
            "hardware: card e1 span 4: Wildcard TE220 (5th Gen) has 2 spans",
        ),
    ],
)
def test_impossible_settings_leave_nothing_behind(cli, tmp_path, span, line):
    assert cli("hardware", "apply", "-f", str(EXAMPLES / "voice-cards.yaml")).exit_code == 0
    before = cli("export").stdout
    system = (cli.tmp / "etc-dahdi" / "system.conf").read_bytes()
    r = cli("hardware", "apply", "-f", str(_bad(tmp_path, span)))
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and lines[0].endswith(line), lines
    assert cli("export").stdout == before
    assert (cli.tmp / "etc-dahdi" / "system.conf").read_bytes() == system


def test_second_tenant_on_a_span_is_refused(cli):
    assert cli("apply", "-f", str(EXAMPLES)).exit_code == 0
    r = cli("trunk", "add", "acme", "e1-too", "type=tdm", "span_group=1")
    assert r.exit_code == 1
    assert "card e1 span 1: span group 1 would serve two tenants (acme, huaxia)" in r.stderr
    assert [t["name"] for t in json.loads(cli("trunk", "list", "acme", "--json").stdout)] == ["carrier"]


def test_validate_reports_hardware(cli, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        json.dumps(
            {
                "hardware": {
                    "cards": [{"name": "a", "profile": "tdm410", "ports": [{"port": 9, "type": "fxo", "group": 1}]}]
                }
            }
        )
    )
    r = cli("validate", "-f", str(f))
    assert r.exit_code == 1
    assert "error: hardware: card a port 9: Wildcard TDM410P has 4 ports" in r.stdout
    assert "warning: hardware: card a: no location" in r.stdout


def test_list_and_show_profiles(cli):
    rows = json.loads(cli("hardware", "list", "--json").stdout)
    assert len(rows) >= 20
    te420 = next(r for r in rows if r["id"] == "te420")
    assert te420["module"] == "wct4xxp" and te420["spans"] == 4 and "d161:1420 sub 0005" in te420["ids"]
    shown = json.loads(cli("hardware", "show", "te820", "--json").stdout)
    assert shown["firmware"] == ["dahdi-fw-te820.bin"] and "wct4xxp/base.c" in shown["sources"]["match"]
    r = cli("hardware", "show", "nosuch")
    assert r.exit_code == 3 and "no voice-card profile nosuch" in r.stderr


def test_one_hardware_section_per_site_directory(tmp_path):
    from ccctl.config.load import load_site
    from ccctl.errors import InvalidInput

    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((EXAMPLES / "voice-cards.yaml").read_text())
    with pytest.raises(InvalidInput, match=r"b.yaml: hardware is also defined in .*a.yaml"):
        load_site(str(tmp_path))


def test_apply_checks_system_conf_with_dahdi_cfg(cli):
    r = cli("hardware", "apply", "-f", str(EXAMPLES / "voice-cards.yaml"))
    assert r.exit_code == 0, r.output
    assert "system.conf passes dahdi_cfg -t" in r.stderr or "system.conf not checked: " in r.stderr


def test_what_dahdi_cfg_refuses_is_never_stored(cli, monkeypatch):
    from ccctl.hardware import dahdi_cfg, render

    if not dahdi_cfg.check_text("").ran:
        pytest.skip(dahdi_cfg.command()[1])
    real = render.system_conf
    monkeypatch.setattr(render, "system_conf", lambda hw, lay=None: real(hw, lay) + "bchann=1\n")
    r = cli("hardware", "apply", "-f", str(EXAMPLES / "voice-cards.yaml"))
    assert r.exit_code == 1
    assert "dahdi_cfg -t refuses the rendered system.conf: line" in r.stderr and "bchann" in r.stderr
    assert json.loads(cli("hardware", "list", "--configured", "--json").stdout) == []
    assert not (cli.tmp / "etc-dahdi").exists()

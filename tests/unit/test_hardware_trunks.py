"""A call on a voice card names its trunk and span: the daemon reads mod_freetdm's channel
variables of the caller's leg (freetdm_span_name, freetdm_chan_number, mod_freetdm.c) and the
tenant's tdm trunk over that span's group; `ccctl calls show/list --json` show both."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.daemon.assemble import call_row
from ccctl.daemon.run import load_directory
from ccctl.daemon.store import write_rows
from ccctl.hardware import trunks
from ccctl.render import names
from ccctl.settings import Settings
from tests.unit.test_hardware_live import LOOP, load_site_dict

ANALOG = {
    "name": "fxo4",
    "profile": "tdm410",
    "ports": [{"port": 1, "type": "fxo", "group": 3}, {"port": 2, "type": "fxo", "group": 4}],
}


def test_span_groups_of_digital_and_analog_spans():
    hw = load_site_dict({"hardware": {"cards": [*LOOP["hardware"]["cards"], ANALOG]}})
    assert trunks.span_groups(hw) == {"loop-s1": {9}, "loop-s2": {1}, "fxo4-fxo": {3, 4}}
    by_group = {1: [("acme", "e1")], 3: [("acme", "line"), ("zeta", "line")]}
    groups = trunks.span_groups(hw)
    assert trunks.trunk_of_span(groups, by_group, "acme", "loop-s2") == "e1"
    assert trunks.trunk_of_span(groups, by_group, "zeta", "fxo4-fxo") == "line"
    # Another tenant's span, or a span no trunk dials: no trunk named.
    assert trunks.trunk_of_span(groups, by_group, "zeta", "loop-s2") is None
    assert trunks.trunk_of_span(groups, by_group, "acme", "loop-s1") is None


def test_call_row_names_trunk_and_span_and_the_cli_shows_them(tmp_path):
    settings = Settings(db=str(tmp_path / "db.sqlite"), fs_conf_dir=tmp_path / "conf", esl_port=1)
    services = ccapp.open(settings, deploy=False)
    hw = load_site_dict(LOOP)
    tenant = s.Tenant.model_validate({"name": "acme", "trunks": [{"name": "e1", "type": "tdm", "span_group": 1}]})
    apply_tenants(services, [tenant], hardware=hw)
    directory = load_directory(services.engine)
    assert directory.tdm_trunks == {1: [("acme", "e1")]} and directory.span_groups["loop-s2"] == {1}
    v = {
        "direction": "inbound",
        "ccctl_tenant": "acme",
        "ccctl_direction": "inbound",
        "ccctl_did": "+4930555200",
        "uuid": "e1-call",
        "start_epoch": "100",
        "end_epoch": "130",
        "freetdm_span_name": "loop-s2",
        "freetdm_chan_number": "5",
    }
    row = call_row(v, None, directory, "local", "events")
    assert (row["trunk"], row["span"]) == ("e1", "loop-s2:5")
    sip = call_row(
        {**v, "uuid": "sip-call", "freetdm_span_name": "", "freetdm_chan_number": ""}, None, directory, "l", "events"
    )
    assert (sip["trunk"], sip["span"]) == (None, None)
    # A seat's call out over the trunk: its channel carries the span the FreeTDM leg exported.
    out = call_row(
        {**v, "uuid": "out-call", "ccctl_direction": "outbound", "ccctl_did": "", "freetdm_chan_number": "7"},
        None,
        directory,
        "l",
        "events",
    )
    assert (out["direction"], out["trunk"], out["span"]) == ("outbound", "e1", "loop-s2:7")
    write_rows(services.engine, [row, sip], [])

    runner = CliRunner()
    env = {"CCCTL_DB": settings.db, "CCCTL_FS_CONF_DIR": str(tmp_path / "conf"), "CCCTL_ESL_PORT": "1"}
    shown = json.loads(runner.invoke(app, ["calls", "show", "e1-call", "--json"], env=env).stdout)
    assert (shown["trunk"], shown["span"]) == ("e1", "loop-s2:5")
    listed = json.loads(runner.invoke(app, ["calls", "list", "--json"], env=env).stdout)
    assert [(c["uuid"], c["trunk"], c["span"]) for c in listed] == [
        ("e1-call", "e1", "loop-s2:5"),
        ("sip-call", None, None),
    ]


FXO_SITE = {
    "hardware": {
        "cards": [
            {
                "name": "lines",
                "profile": "tdm410",
                "ports": [
                    # Group 4 is listed first in FreeTDM's span (groups in order): port 3 is channel 1.
                    {"port": 1, "type": "fxo", "group": 5, "did": "+4930555100"},
                    {"port": 2, "type": "fxo", "group": 5},
                    {"port": 3, "type": "fxo", "group": 4, "did": "4930555300"},
                    {"port": 4, "type": "fxs", "group": 6},
                ],
            }
        ]
    },
    "tenants": [
        {
            "name": "acme",
            "queues": [{"name": "sales"}],
            "numbers": [
                {"number": "+4930555100", "target": "queue:sales"},
                {"number": "4930555300", "target": "queue:sales"},
            ],
        }
    ],
}


def test_fxo_line_calls_go_to_the_number_its_port_names(tmp_path):
    """An FXO port's incoming call (no number of its own) lands in the fxo-lines context,
    which sends it to the public context as a call to the port's did: the tenant's DID
    extension there routes it. FreeTDM's channel ids follow freetdm.conf's group order."""
    from lxml import etree

    from ccctl.config.load import load_site
    from ccctl.render.tree import RenderInput, render_tree

    f = tmp_path / "site.yaml"
    f.write_text(json.dumps(FXO_SITE))
    site = load_site(str(f))
    files = render_tree(RenderInput(site.tenants, Settings(db=":memory:"), "pw", hardware=site.hardware))
    conf = files["freetdm.conf"].decode()
    assert (
        "[span zt lines-fxo]\ntrunk_type => FXO\ngroup => grp4\nfxo-channel => 3\ngroup => grp5\nfxo-channel => 1-2\n"
        in conf
    )
    xml = etree.fromstring(files["autoload_configs/freetdm.conf.xml"])
    contexts = {s.get("name"): s.find("param[@name='context']").get("value") for s in xml.iter("span")}
    assert contexts == {"lines-fxo": "fxo-lines", "lines-fxs": "public"}
    ctx = etree.fromstring(files["dialplan/01-fxo-lines.xml"]).find("context")
    assert ctx.get("name") == "fxo-lines"
    routes = {}
    for e in ctx.findall("extension")[:-1]:
        span, chan = (c.get("expression") for c in e.findall("condition"))
        routes[(span, chan)] = e.find("condition/action").get("data")
    assert routes == {
        ("^lines\\-fxo$", "^2$"): "+4930555100 XML public",
        ("^lines\\-fxo$", "^1$"): "4930555300 XML public",
    }
    assert ctx.findall("extension")[-1].find("condition/action").get("data") == "UNALLOCATED_NUMBER"
    # And the number reaches the tenant from there.
    public = files["dialplan/00-public.xml"].decode()
    assert 'expression="^\\+4930555100$"' in public and 'expression="^4930555300$"' in public


def test_a_did_on_an_fxs_port_is_refused(tmp_path):
    site = json.loads(json.dumps(FXO_SITE))
    site["hardware"]["cards"][0]["ports"][3]["did"] = "4930555400"
    f = tmp_path / "site.yaml"
    f.write_text(json.dumps(site))
    env = {"CCCTL_DB": str(tmp_path / "db.sqlite"), "CCCTL_FS_CONF_DIR": str(tmp_path / "conf"), "CCCTL_ESL_PORT": "1"}
    r = CliRunner().invoke(app, ["apply", "-f", str(f), "--dry-run"], env=env)
    assert r.exit_code == 1, r.output
    assert "card lines port 4: did 4930555400: only an FXO port (a line in) takes calls for a number" in r.stderr


def test_outbound_route_tries_the_span_group_then_the_next_trunk(tmp_path):
    """The tenant's outbound bridge lists its trunks (by name) joined with `|`: when FreeTDM's
    group hunt finds no channel (every span of the group in alarm), FreeSWITCH goes on to the
    next one. The booted tier pulls the span and sees the SIP trunk answer."""
    from ccctl.config.load import load_site
    from ccctl.render.tree import RenderInput, render_tree

    site = load_site(str(Path(__file__).parents[1] / "image" / "call_site.yaml"))
    files = render_tree(RenderInput(site.tenants, Settings(db=":memory:"), "pw"))
    dial = f"{names.TDM_EXPORT}freetdm/grp2/a/$1|sofia/gateway/imagecall-sip/$1"
    assert f'data="{dial}"' in files["dialplan/tenant-imagecall.xml"].decode()

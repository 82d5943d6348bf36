"""A call on a voice card names its trunk and span: the daemon reads mod_freetdm's channel
variables of the caller's leg (freetdm_span_name, freetdm_chan_number, mod_freetdm.c) and the
tenant's tdm trunk over that span's group; `ccctl calls show/list --json` show both."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.daemon.assemble import call_row
from ccctl.daemon.run import load_directory
from ccctl.daemon.store import write_rows
from ccctl.hardware import trunks
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

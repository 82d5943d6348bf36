"""Fleet nodes and placement through the CLI: `ccctl node ...`, `ccctl tenant move`, and the
site file's home_node. Every refusal is one line with its exit code and changes nothing."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.fleet import nodes
from ccctl.settings import Settings


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    env = {"CCCTL_DB": str(tmp_path / "fleet.db"), "CCCTL_FS_DEPLOY": "off"}

    def run(*args, input=None):
        return runner.invoke(app, list(args), env=env, input=input)

    run.services = lambda: ccapp.open(Settings(db=env["CCCTL_DB"], fs_deploy="off"))
    return run


def add(cli, name, n, *extra):
    return cli("node", "add", name, "--sip", f"192.0.2.{n}:5060", "--trunk", f"192.0.2.{n}:5080", *extra)


def home(cli, tenant):
    return json.loads(cli("tenant", "show", tenant, "--json").stdout).get("home_node")


def names(cli):
    return [n["name"] for n in json.loads(cli("node", "list", "--json").stdout)]


def test_a_single_box_has_no_nodes_and_refuses_a_home_node(cli, tmp_path):
    assert cli("tenant", "add", "acme").exit_code == 0
    assert home(cli, "acme") is None
    r = cli("tenant", "set", "acme", "home_node=n1")
    assert r.exit_code == 3 and r.stderr.count("\n") == 1 and "no node n1" in r.stderr
    assert home(cli, "acme") is None


def test_add_list_show_and_bad_input(cli):
    r = add(cli, "n1", 11, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["state"] == "active"
    r = add(cli, "n1", 12)
    assert (r.exit_code, r.stderr) == (4, "error: node n1 exists already\n")
    r = cli("node", "add", "n2", "--sip", "192.0.2.12:5060", "--trunk", "nowhere")
    assert r.exit_code == 1 and "expected IP:PORT" in r.stderr and r.stderr.count("\n") == 1
    r = add(cli, "Bad Name", 13)
    assert r.exit_code == 1
    assert names(cli) == ["n1"]
    assert cli("node", "show", "n9").exit_code == 3
    shown = json.loads(cli("node", "show", "n1", "--json").stdout)
    assert shown["sip_address"] == "192.0.2.11:5060" and shown["tenants"] == []


def test_new_tenants_go_to_the_least_loaded_active_node_never_a_standby(cli):
    add(cli, "n1", 11)
    add(cli, "n2", 12)
    add(cli, "spare", 13, "--standby")
    for t in ("a", "b", "c"):
        assert cli("tenant", "add", t).exit_code == 0
    homes = [home(cli, t) for t in ("a", "b", "c")]
    assert homes == ["n1", "n2", "n1"]
    listed = {n["name"]: n["tenants"] for n in json.loads(cli("node", "list", "--json").stdout)}
    assert listed == {"n1": 2, "n2": 1, "spare": 0}


def test_move_keeps_the_node_through_an_apply_that_does_not_name_it(cli, tmp_path):
    add(cli, "n1", 11)
    add(cli, "n2", 12)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"tenants": [{"name": "acme", "seat_limit": 5}]}))
    assert cli("apply", "-f", str(site)).exit_code == 0
    assert home(cli, "acme") == "n1"
    r = cli("tenant", "move", "acme", "--to", "n2", "--json")
    assert r.exit_code == 0, r.output
    assert [c["fields"] for c in json.loads(r.stdout)["changes"]] == [["home_node"]]
    site.write_text(yaml.safe_dump({"tenants": [{"name": "acme", "seat_limit": 6}]}))
    assert cli("apply", "-f", str(site)).exit_code == 0
    assert home(cli, "acme") == "n2"
    # the site file may name it, and export writes it back
    site.write_text(yaml.safe_dump({"tenants": [{"name": "acme", "seat_limit": 6, "home_node": "n1"}]}))
    assert cli("apply", "-f", str(site)).exit_code == 0
    assert home(cli, "acme") == "n1"
    assert "home_node: n1" in cli("export").stdout


def test_refusals_change_nothing(cli, tmp_path):
    add(cli, "n1", 11)
    add(cli, "n2", 12)
    add(cli, "small", 14, "--max-sessions", "20")
    cli("tenant", "add", "acme", "call_limit=30")
    assert home(cli, "acme") == "n1"
    r = cli("tenant", "move", "acme", "--to", "n9")
    assert r.exit_code == 3 and "no node n9" in r.stderr
    r = cli("tenant", "move", "acme", "--to", "small")
    assert r.exit_code == 4 and "does not fit on node small" in r.stderr
    nodes.set_state(cli.services(), "n2", "down")
    r = cli("tenant", "move", "acme", "--to", "n2")
    assert (r.exit_code, r.stderr) == (4, "error: tenant acme: node n2 is down; it takes no tenant\n")
    assert cli("node", "drain", "n2").exit_code == 0
    r = cli("tenant", "move", "acme", "--to", "n2")
    assert r.exit_code == 4 and "draining" in r.stderr
    # a site file naming a node that cannot take the tenant applies none of the file
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"tenants": [{"name": "beta"}, {"name": "acme", "home_node": "n2"}]}))
    assert cli("apply", "-f", str(site)).exit_code == 4
    assert [t["name"] for t in json.loads(cli("tenant", "list", "--json").stdout)] == ["acme"]
    assert home(cli, "acme") == "n1"
    r = cli("node", "remove", "n1")
    assert r.exit_code == 4 and "still hosts acme" in r.stderr
    assert "n1" in names(cli)
    assert cli("node", "remove", "n2").exit_code == 0
    assert names(cli) == ["n1", "small"]

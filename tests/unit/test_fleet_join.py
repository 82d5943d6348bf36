"""`ccctl fleet join` and a fleet's database that does not answer, through the CLI: one line,
the project's exit code, nothing changed, and never the database's password in any output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.fleet import carry
from ccctl.fleet.join import settings_text

PASSWORD = "Sup3r-Secret-pw"
UNREACHABLE = f"postgresql+psycopg://ccctl:{PASSWORD}@127.0.0.1:1/fleet"


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()

    def run(*args, db=None):
        env = {"CCCTL_DB": db or str(tmp_path / "box.db"), "CCCTL_FS_DEPLOY": "off", "CCCTL_NODE": "n1"}
        return runner.invoke(app, list(args), env=env)

    return run


def one_clean_line(r) -> str:
    out = r.stdout + r.stderr
    assert PASSWORD not in out and "Traceback" not in out
    assert r.stderr.count("\n") == 1, r.stderr
    return r.stderr


@pytest.mark.parametrize(
    "dsn",
    [
        UNREACHABLE,
        f"postgresql+psycopg://ccctl:{PASSWORD}@127.0.0.1:notaport/fleet",
        f"postgresql+psycopg://ccctl:{PASSWORD}@no-such-host.invalid/fleet",
        f"mysql://ccctl:{PASSWORD}@127.0.0.1/fleet",
        f"postgresql+psycopg://ccctl:{PASSWORD}@127.0.0.1:1/fleet'; rm -rf /",
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_join_never_prints_the_password_and_changes_nothing(cli, tmp_path, dsn, as_json):
    assert cli("tenant", "add", "acme").exit_code == 0
    local = tmp_path / "ccctl.local"
    local.write_text("CCCTL_SIP_IP=10.0.0.5\n")
    args = ["fleet", "join", dsn, "--node", "b1", "--settings-file", str(local), "--no-restart"]
    r = cli(*args, *(["--json"] if as_json else []))
    assert r.exit_code == 1, r.output
    line = one_clean_line(r) if not as_json else r.stderr
    if as_json:
        assert PASSWORD not in r.stdout + r.stderr
        assert json.loads(r.stderr)["error"]["exit_code"] == 1
    else:
        assert line.startswith("error: ")
    assert local.read_text() == "CCCTL_SIP_IP=10.0.0.5\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ccctl")) == []
    assert json.loads(cli("tenant", "list", "--json").stdout)[0]["name"] == "acme"


def test_join_usage_and_bad_node_name(cli, tmp_path):
    r = cli("fleet", "join", UNREACHABLE)
    assert r.exit_code == 2 and PASSWORD not in r.output  # --node is required
    r = cli("fleet", "join", UNREACHABLE, "--node", "Bad Name", "--no-restart")
    assert r.exit_code == 1 and "node name" in one_clean_line(r)
    r = cli("fleet", "join", "--help")
    assert r.exit_code == 0 and "exit 4" in r.stdout and "never printed" in r.stdout


FLEET_COMMANDS = [
    ["node", "list"],
    ["node", "add", "n2", "--sip", "10.0.0.2:5060", "--trunk", "10.0.0.2:5080"],
    ["tenant", "list"],
    ["tenant", "move", "acme", "--to", "n2"],
    ["status"],
    ["deploy"],
    ["apply", "-f", "examples/site.yaml"],
    ["export"],
    ["edge", "setup"],
    ["edge", "address"],
    ["recording", "list"],
    ["user", "list"],
    ["db", "upgrade"],
    ["db", "status"],
    ["daemon"],
]


@pytest.mark.parametrize("command", FLEET_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unreachable_fleet_database_is_one_line_exit_1(cli, command):
    r = cli(*command, db=UNREACHABLE)
    assert r.exit_code == 1, r.output
    line = one_clean_line(r)
    assert "cannot open database postgresql+psycopg://ccctl:***@127.0.0.1:1/fleet" in line
    assert "Connection refused" in line or "connection" in line


def test_settings_text_sets_the_fleet_and_keeps_the_rest():
    before = "# local\nCCCTL_SIP_IP=10.0.0.5\nCCCTL_DB=/var/lib/ccctl/ccctl.db\nexport CCCTL_NODE=local\n"
    after = settings_text(before, "postgresql+psycopg://u:p@10.0.0.9/fleet", "b1")
    assert after.splitlines() == [
        "# local",
        "CCCTL_SIP_IP=10.0.0.5",
        "CCCTL_DB='postgresql+psycopg://u:p@10.0.0.9/fleet'",
        "CCCTL_NODE='b1'",
    ]


def test_every_table_has_a_rule_to_join_a_fleet():
    from sqlmodel import SQLModel

    import ccctl.model  # noqa: F401

    carried = {t.name for t in carry.tables()}
    assert carried | set(carry.STAYS) >= set(SQLModel.metadata.tables)
    assert {"tenant", "seat", "call", "recording", "audit_log", "call_rollup", "account"} <= carried
